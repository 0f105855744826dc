/**
 * `ha-pair discover aws`: the sources (label tags, CFE declaration, Terraform state) give the
 * scope, EC2 and S3 the facts; the resolver makes the agent config, and from it the pair args,
 * the import document and the ownership report.
 */
import { EC2Client } from "@aws-sdk/client-ec2";
import { S3Client } from "@aws-sdk/client-s3";
import { needsPathStyle } from "../../aws/clients.js";
import { validateConfig } from "../../config/validate.js";
import { checkImportFile } from "../import-file.js";
import { readJsonFile } from "../json-file.js";
import { readTerraformState, type TerraformResource } from "../terraform-state.js";
import type { CloudDiscoverer, DiscoveryOptions, DiscoveryResult } from "../types.js";
import { buildImportFile, buildPairArgs } from "./adoption-files.js";
import { scopeFromCfeDeclaration } from "./cfe-declaration.js";
import { readAwsInventory, readPairNetwork, type DiscoveryClients } from "./ec2-inventory.js";
import { buildOwnership } from "./ownership.js";
import { resolveAwsPair, type ResolvedAwsPair } from "./resolve.js";
import { ALL_BY_TAGS, DEFAULT_AWS_TAG_KEYS, emptyQuery, type AwsPairScope, type AwsTagKeys } from "./scope.js";
import { scopeFromTerraform } from "./terraform-scope.js";
import { DiscoveryInputError } from "../errors.js";

/** Clients from the standard AWS SDK environment (AWS_REGION, AWS_ENDPOINT_URL*, credentials chain). */
export function discoveryClients(region: string | undefined): DiscoveryClients {
  const common = { ...(region ? { region } : {}), maxAttempts: 8, retryMode: "standard" as const };
  const s3Endpoint = process.env.AWS_ENDPOINT_URL_S3 ?? process.env.AWS_ENDPOINT_URL;
  return { ec2: new EC2Client(common), s3: new S3Client({ ...common, forcePathStyle: needsPathStyle(s3Endpoint) }) };
}

function scopeFor(options: DiscoveryOptions, keys: AwsTagKeys): { scope: AwsPairScope; terraform?: TerraformResource[] } {
  const terraform = options.terraformStateFile ? readTerraformState(readJsonFile(options.terraformStateFile, "Terraform state"), options.terraformStateFile) : undefined;
  let scope: AwsPairScope;
  if (options.cfeFile) {
    scope = scopeFromCfeDeclaration(readJsonFile(options.cfeFile, "CFE declaration"), { file: options.cfeFile, keys, labelKeyGiven: options.labelKey !== undefined, ...(options.label !== undefined ? { label: options.label } : {}) });
    if (terraform) {
      // Both: the declaration says what floats, the state adds the resources it names by ID.
      const fromState = scopeFromTerraform(terraform, { file: options.terraformStateFile!, keys: scope.keys, label: scope.label });
      for (const key of ["interfaceIds", "allocationIds", "routeTableIds", "endpointIds"] as const) scope.query[key] = [...new Set([...scope.query[key], ...fromState.query[key]])];
      scope.query.bucketName ??= fromState.query.bucketName;
    }
  } else if (terraform) {
    scope = scopeFromTerraform(terraform, { file: options.terraformStateFile!, keys, ...(options.label !== undefined ? { label: options.label } : {}) });
  } else {
    if (!options.label) throw new DiscoveryInputError("--label", "is required when neither --cfe nor --tf-state names the pair");
    scope = { label: options.label, keys, source: "tags", routeScopes: [], query: emptyQuery({ ...ALL_BY_TAGS }) };
  }
  if (options.stateBucket) scope.query.bucketName = options.stateBucket;
  if (options.nodeA) scope.nodeA = options.nodeA;
  if (options.stateKey) scope.stateKey = options.stateKey;
  return { scope, ...(terraform ? { terraform } : {}) };
}

export async function discoverAws(options: DiscoveryOptions, clients: DiscoveryClients): Promise<DiscoveryResult> {
  const keys: AwsTagKeys = {
    labelKey: options.labelKey ?? DEFAULT_AWS_TAG_KEYS.labelKey,
    nicMapKey: options.nicMapKey ?? DEFAULT_AWS_TAG_KEYS.nicMapKey,
    vipsKey: options.vipsKey ?? DEFAULT_AWS_TAG_KEYS.vipsKey,
    selfIpsKey: options.selfIpsKey ?? DEFAULT_AWS_TAG_KEYS.selfIpsKey,
  };
  const { scope, terraform } = scopeFor(options, keys);
  const inventory = await readAwsInventory(clients, scope);
  const pair = resolveAwsPair(inventory, scope, options.stateBucket);
  const subnetIds = [...new Set(Object.values(pair.nodes).flatMap((n) => Object.values(n.interfaces).map((i) => i.subnetId)))];
  const network = await readPairNetwork(clients.ec2, subnetIds, pair.vpcId);
  if (network.nodeRouteTableIds.length === 0) {
    pair.notes.push(`no route table is associated with the nodes' subnets (${subnetIds.join(", ")}) and the VPC has no main table; set network.nodeRouteTableIds (for the S3 gateway endpoint) or endpoints.s3EndpointId in pair-args.json`);
  }
  const tags = new Map<string, Record<string, string>>([
    ...inventory.interfaces.map((n) => [n.id, n.tags] as const),
    ...inventory.elasticIps.map((e) => [e.allocationId, e.tags] as const),
    ...inventory.routeTables.map((t) => [t.id, t.tags] as const),
  ]);
  const ownership = buildOwnership(pair, tags, new Map(inventory.interfaces.map((n) => [n.id, n.sourceDestCheck])), {
    tags: scope.source === "tags",
    ...(terraform ? { terraform, terraformFile: options.terraformStateFile! } : {}),
    ...(options.cfeFile ? { cfeFile: options.cfeFile } : {}),
  });
  const roleName = terraform
    ?.filter((r) => r.type === "aws_iam_instance_profile" && Object.values(pair.nodes).some((n) => n.instanceProfileArn === r.values.arn))
    .map((r) => r.values.role)
    .find((role): role is string => typeof role === "string");
  const pairArgs = buildPairArgs(pair, network, ownership, roleName);
  if (!roleName && pairArgs.existingInstanceProfileArn) {
    const profile = pairArgs.existingInstanceProfileArn.split("/").pop();
    pair.notes.push(`the nodes run with instance profile ${pairArgs.existingInstanceProfileArn}; to add the agent's policy to its role instead of creating one, set existingRoleName in pair-args.json to its role (aws iam get-instance-profile --instance-profile-name ${profile})`);
  }
  const importFile = buildImportFile(pairArgs, options.componentName);
  // A reused EC2 endpoint (another tool's) is named in the config by its regional DNS name, as the component does.
  const reusedEc2 = pair.endpoints.find((e) => e.id === pairArgs.endpoints?.ec2EndpointId);
  if (reusedEc2?.dnsNames[0]) pair.config.endpoints = { ec2: `https://${reusedEc2.dnsNames[0]}` };

  // What is written must be what the contract and `pulumi import` accept; a bug here is ours.
  const checked = validateConfig(pair.config);
  if (!checked.ok) throw new Error(`internal: the discovered agent config is invalid: ${JSON.stringify(checked.errors)}`);
  const importProblems = checkImportFile(importFile);
  if (importProblems.length > 0) throw new Error(`internal: import.json would be refused by pulumi import: ${importProblems.join("; ")}`);

  const summary = summaryLines(pair, { ...options, source: scope.source }, importFile.resources.length - 1, ownership.terraform.lifecycle.length);
  return {
    cloud: "aws",
    label: pair.config.label,
    documents: { "agent-config.json": pair.config, "pair-args.json": pairArgs, "import.json": importFile, "ownership.json": ownership },
    summary,
    notes: pair.notes,
  };
}

/** What was found, for the human output. */
function summaryLines(pair: ResolvedAwsPair, sources: DiscoveryOptions & { source: AwsPairScope["source"] }, adopted: number, lifecycleBlocks: number): string[] {
  const { config, nodes } = pair;
  const count = (n: number, what: string) => `${n} ${what}${n === 1 ? "" : "s"}`;
  const from = [sources.source === "tags" ? "label tags" : undefined, sources.cfeFile ? `CFE declaration ${sources.cfeFile}` : undefined, sources.terraformStateFile ? `Terraform state ${sources.terraformStateFile}` : undefined];
  const node = (id: "a" | "b") => `node ${id} ${nodes[id].instanceId}${nodes[id].name ? ` (${nodes[id].name})` : ""}`;
  const ips = (config.addresses?.secondaryIps ?? []).reduce((n, g) => n + g.ips.length, 0);
  const routes = (config.routes ?? []).reduce((n, r) => n + r.destinations.length, 0);
  const tables = new Set((config.routes ?? []).map((r) => r.routeTableId)).size;
  return [
    `pair "${config.label}" in ${config.region} (from ${from.filter(Boolean).join(" + ")})`,
    `  ${node("a")}, ${node("b")}; roles ${Object.keys(config.nodes.a.interfaces).join(", ")}`,
    `  ${count(ips, "secondary IP")}, ${count(config.addresses?.elasticIps?.length ?? 0, "Elastic IP")}, ${count(routes, "route")} in ${count(tables, "table")}; state s3://${config.stateStore.bucket}/${config.stateStore.key}`,
    `  import.json adopts ${count(adopted, "resource")}; ownership.json: ${count(lifecycleBlocks, "Terraform lifecycle block")} to add`,
  ];
}

export const awsDiscoverer: CloudDiscoverer = {
  cloud: "aws",
  async discover(options) {
    const clients = discoveryClients(options.region);
    try {
      return await discoverAws(options, clients);
    } catch (err) {
      // The SDK says only this when neither --region, AWS_REGION nor the profile names one.
      if (err instanceof Error && err.message === "Region is missing") throw new DiscoveryInputError("--region", "no AWS Region is set: pass --region REGION or set AWS_REGION (the Region the pair runs in)");
      throw err;
    } finally {
      clients.ec2.destroy();
      clients.s3.destroy();
    }
  },
};
