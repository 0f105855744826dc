/**
 * What a brownfield stack needs besides the agent config: the AwsHaPair args by ID
 * (pair-args.json, read by stacks/aws-brownfield) and the `pulumi import --file` document for
 * what the stack should own. Names follow the component's children (components/aws/endpoints.ts
 * `${name}-s3` / `${name}-ec2`, state-bucket.ts `${name}-state`), so after the import the
 * program's own resources are the imported ones, not new ones.
 */
import type { ImportFile, ImportResource } from "../import-file.js";
import type { OwnershipDocument } from "./ownership.js";
import type { PairNetwork } from "./ec2-inventory.js";
import type { ResolvedAwsPair } from "./resolve.js";

export const AWS_HA_PAIR_TYPE = "ha-pair:index:AwsHaPair";

/** The JSON form of AwsHaPairArgs (components/aws/ha-pair.ts), every resource by ID. */
export interface AwsPairArgsDocument {
  label: string;
  labelKey?: string;
  nicMapKey?: string;
  region: string;
  vpcId?: string;
  nodes: Record<"a" | "b", { instanceId: string; interfaces: Record<string, { networkInterfaceId: string; privateIp: string }> }>;
  secondaryIps?: { role: string; ips: string[] }[];
  elasticIps?: { allocationId: string; publicIp?: string; role: string; privateIps: { a: string; b: string } }[];
  routes?: { routeTableId: string; destinations: string[]; nextHopRole: string }[];
  network: { nodeRouteTableIds: string[]; endpointSubnetIds: string[]; nodeSubnetCidrs: string[] };
  endpoints?: { s3EndpointId?: string; ec2EndpointId?: string; stsEndpointId?: string };
  /** A bucket another tool owns, used as is (its policy is the owner's to merge). */
  stateBucket?: { existingBucketName: string };
  statePrefix?: string;
  /** Adopt (import + protect) rather than reuse: the stack owns these from now on. */
  adopt?: { s3EndpointId?: string; ec2EndpointId?: string; stateBucketName?: string };
  /** Who writes tags and source/dest check: verify leaves them to their current owner. */
  manage: { tags: "apply" | "verify"; sourceDestCheck: "apply" | "verify" };
  /** The nodes' existing instance role: only the agent's policy is added to it. */
  existingRoleName?: string;
  /** The nodes' instance profile, for reference (its role is the one to pass as existingRoleName). */
  existingInstanceProfileArn?: string;
}

function endpointKind(serviceName: string): "s3" | "ec2" | "sts" | undefined {
  const service = serviceName.split(".").pop();
  return service === "s3" || service === "ec2" || service === "sts" ? service : undefined;
}

export function buildPairArgs(pair: ResolvedAwsPair, network: PairNetwork, ownership: OwnershipDocument, existingRoleName: string | undefined): AwsPairArgsDocument {
  const { config, nodes } = pair;
  const stateKey = config.stateStore.key;
  const interfaces = (node: "a" | "b") => Object.fromEntries(Object.entries(nodes[node].interfaces).map(([role, nic]) => [role, { networkInterfaceId: nic.id, privateIp: nic.primaryIp }]));
  const byAz = new Map<string, string>();
  const firstRole = Object.keys(nodes.a.interfaces)[0]!;
  for (const node of ["a", "b"] as const) {
    const subnet = network.subnets.find((s) => s.id === nodes[node].interfaces[firstRole]!.subnetId);
    if (subnet && !byAz.has(subnet.availabilityZone ?? subnet.id)) byAz.set(subnet.availabilityZone ?? subnet.id, subnet.id);
  }
  const terraformOwns = (id: string) => ownership.attributes.some((a) => a.resource === id && a.owner === "terraform");
  const endpoints: NonNullable<AwsPairArgsDocument["endpoints"]> = {};
  const adopt: NonNullable<AwsPairArgsDocument["adopt"]> = {};
  for (const endpoint of pair.endpoints) {
    const kind = endpointKind(endpoint.serviceName);
    if (!kind) continue;
    // Terraform's endpoints are reused by ID; the others are adopted by the stack.
    if (kind === "sts" || terraformOwns(endpoint.id)) endpoints[`${kind}EndpointId`] = endpoint.id;
    else adopt[`${kind}EndpointId`] = endpoint.id;
  }
  if (!terraformOwns(pair.bucket)) adopt.stateBucketName = pair.bucket;
  const profiles = [...new Set(["a", "b"].map((n) => nodes[n as "a" | "b"].instanceProfileArn).filter((p): p is string => p !== undefined))];
  const prefix = stateKey.replace(/\/state\.json$/, "");
  return {
    label: config.label,
    ...(config.tags?.labelKey ? { labelKey: config.tags.labelKey } : {}),
    ...(config.tags?.nicMapKey ? { nicMapKey: config.tags.nicMapKey } : {}),
    region: config.region!,
    ...(pair.vpcId ? { vpcId: pair.vpcId } : {}),
    nodes: { a: { instanceId: nodes.a.instanceId, interfaces: interfaces("a") }, b: { instanceId: nodes.b.instanceId, interfaces: interfaces("b") } },
    ...(config.addresses?.secondaryIps ? { secondaryIps: config.addresses.secondaryIps.map((g) => ({ role: g.role, ips: [...g.ips] })) } : {}),
    ...(config.addresses?.elasticIps
      ? { elasticIps: config.addresses.elasticIps.map((e) => ({ allocationId: e.allocationId, ...(e.publicIp ? { publicIp: e.publicIp } : {}), role: e.role, privateIps: { a: e.privateIp.a, b: e.privateIp.b } })) }
      : {}),
    ...(config.routes ? { routes: config.routes.map((r) => ({ routeTableId: r.routeTableId, destinations: [...r.destinations], nextHopRole: r.nextHop.role })) } : {}),
    network: {
      nodeRouteTableIds: network.nodeRouteTableIds,
      endpointSubnetIds: [...byAz.values()],
      nodeSubnetCidrs: [...new Set(network.subnets.map((s) => s.cidr).filter(Boolean))].sort(),
    },
    ...(Object.keys(endpoints).length > 0 ? { endpoints } : {}),
    ...(terraformOwns(pair.bucket) ? { stateBucket: { existingBucketName: pair.bucket } } : {}),
    ...(prefix !== `ha-pair/${config.label}` ? { statePrefix: prefix } : {}),
    ...(Object.keys(adopt).length > 0 ? { adopt } : {}),
    manage: { tags: "verify", sourceDestCheck: "verify" },
    ...(existingRoleName ? { existingRoleName } : {}),
    ...(profiles.length === 1 ? { existingInstanceProfileArn: profiles[0] } : {}),
  };
}

/**
 * The import document: the component itself (an empty component, so the children have their
 * parent in the same file: Pulumi ≥ 3.94) and the resources the stack adopts.
 */
export function buildImportFile(args: AwsPairArgsDocument, componentName: string): ImportFile {
  const children: ImportResource[] = [];
  if (args.adopt?.s3EndpointId) children.push({ type: "aws:ec2/vpcEndpoint:VpcEndpoint", name: `${componentName}-s3`, id: args.adopt.s3EndpointId, parent: componentName });
  if (args.adopt?.ec2EndpointId) children.push({ type: "aws:ec2/vpcEndpoint:VpcEndpoint", name: `${componentName}-ec2`, id: args.adopt.ec2EndpointId, parent: componentName });
  if (args.adopt?.stateBucketName) children.push({ type: "aws:s3/bucket:Bucket", name: `${componentName}-state`, id: args.adopt.stateBucketName, parent: componentName });
  return {
    nameTable: {},
    resources: [{ type: AWS_HA_PAIR_TYPE, name: componentName, component: true }, ...children],
  };
}
