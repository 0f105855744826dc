/**
 * Terraform users: the component's args from the outputs of a Terraform state, read through
 * @pulumi/terraform's state references (a local file, an S3 backend, Terraform Cloud / remote),
 * so a pair Terraform keeps building is adopted without copying IDs by hand. The state must
 * export one output, `ha_pair` (docs/terraform/f5-bigip-ha-pair-outputs.tf adds it next to F5's
 * BIG-IP modules, which do not output their interface IDs). Terraform stays the owner of what it
 * built: the args verify tags and source/dest check (manage: verify), add the agent's policy to
 * the Terraform role, and use the Terraform bucket as is.
 */
import * as terraform from "@pulumi/terraform";
import type { AwsHaPairArgs } from "./ha-pair.js";

export type TerraformStateReference =
  | ({ backend: "local" } & terraform.state.GetLocalReferenceArgs)
  | ({ backend: "s3" } & terraform.state.GetS3ReferenceArgs)
  | ({ backend: "remote" } & terraform.state.GetRemoteReferenceArgs);

export const TERRAFORM_PAIR_OUTPUT = "ha_pair";

async function outputsOf(reference: TerraformStateReference): Promise<Record<string, unknown>> {
  const { backend, ...args } = reference;
  switch (backend) {
    case "local":
      return (await terraform.state.getLocalReference(args as terraform.state.GetLocalReferenceArgs)).outputs;
    case "s3":
      return (await terraform.state.getS3Reference(args as terraform.state.GetS3ReferenceArgs)).outputs;
    case "remote":
      return (await terraform.state.getRemoteReference(args as terraform.state.GetRemoteReferenceArgs)).outputs;
  }
}

interface TerraformPairOutput {
  label: string;
  region?: string;
  vpc_id: string;
  nodes: Record<"a" | "b", { instance_id: string; interfaces: Record<string, { id: string; private_ip?: string }> }>;
  secondary_ips?: { role: string; ips: string[] }[];
  elastic_ips?: { allocation_id: string; public_ip?: string; role: string; private_ip_a: string; private_ip_b: string }[];
  routes?: { route_table_id: string; destinations: string[]; next_hop_role: string }[];
  node_route_table_ids: string[];
  endpoint_subnet_ids: string[];
  node_subnet_cidrs: string[];
  state_bucket?: string;
  role_name?: string;
}

function where(reference: TerraformStateReference): string {
  switch (reference.backend) {
    case "local":
      return `local state ${reference.path ?? "terraform.tfstate"}`;
    case "s3":
      return `S3 state s3://${reference.bucket}/${reference.key}`;
    case "remote":
      return `remote state of organization ${reference.organization}`;
  }
}

/** Every field the output lacks, by its path under the output. */
function missingFields(value: Partial<TerraformPairOutput>): string[] {
  const missing: string[] = [];
  for (const key of ["label", "vpc_id", "node_route_table_ids", "endpoint_subnet_ids", "node_subnet_cidrs"] as const) if (value[key] === undefined) missing.push(key);
  for (const node of ["a", "b"] as const) {
    const n = value.nodes?.[node];
    if (!n?.instance_id) missing.push(`nodes.${node}.instance_id`);
    if (!n?.interfaces || Object.keys(n.interfaces).length === 0) missing.push(`nodes.${node}.interfaces`);
  }
  return missing;
}

/**
 * The AwsHaPair args of the pair a Terraform state describes. `overrides` win (e.g. endpoints to
 * reuse, timeouts, agent settings). Fails naming the state and the missing output fields.
 */
export async function awsHaPairArgsFromTerraform(reference: TerraformStateReference, overrides: Partial<AwsHaPairArgs> = {}): Promise<AwsHaPairArgs> {
  const outputs = await outputsOf(reference);
  const value = outputs[TERRAFORM_PAIR_OUTPUT] as Partial<TerraformPairOutput> | undefined;
  if (!value || typeof value !== "object") {
    throw new Error(`${where(reference)} has no output "${TERRAFORM_PAIR_OUTPUT}" (it has: ${Object.keys(outputs).join(", ") || "none"}); add docs/terraform/f5-bigip-ha-pair-outputs.tf to the Terraform configuration and run terraform apply`);
  }
  const missing = missingFields(value);
  if (missing.length > 0) throw new Error(`${where(reference)}: output "${TERRAFORM_PAIR_OUTPUT}" lacks ${missing.join(", ")}; see docs/terraform/f5-bigip-ha-pair-outputs.tf`);
  const out = value as TerraformPairOutput;
  const node = (id: "a" | "b") => ({
    instanceId: out.nodes[id].instance_id,
    interfaces: Object.fromEntries(Object.entries(out.nodes[id].interfaces).map(([role, nic]) => [role, { networkInterfaceId: nic.id, ...(nic.private_ip ? { privateIp: nic.private_ip } : {}) }])),
  });
  return {
    label: out.label,
    ...(out.region ? { region: out.region } : {}),
    vpcId: out.vpc_id,
    nodes: { a: node("a"), b: node("b") },
    ...(out.secondary_ips?.length ? { secondaryIps: out.secondary_ips.map((g) => ({ role: g.role, ips: [...g.ips] })) } : {}),
    ...(out.elastic_ips?.length
      ? { elasticIps: out.elastic_ips.map((e) => ({ allocationId: e.allocation_id, ...(e.public_ip ? { publicIp: e.public_ip } : {}), role: e.role, privateIps: { a: e.private_ip_a, b: e.private_ip_b } })) }
      : {}),
    ...(out.routes?.length ? { routes: out.routes.map((r) => ({ routeTableId: r.route_table_id, destinations: [...r.destinations], nextHopRole: r.next_hop_role })) } : {}),
    network: { nodeRouteTableIds: out.node_route_table_ids, endpointSubnetIds: out.endpoint_subnet_ids, nodeSubnetCidrs: out.node_subnet_cidrs },
    ...(out.state_bucket ? { stateBucket: { existingBucketName: out.state_bucket } } : {}),
    ...(out.role_name ? { existingRoleName: out.role_name } : {}),
    manage: { tags: "verify", sourceDestCheck: "verify" },
    ...overrides,
  };
}
