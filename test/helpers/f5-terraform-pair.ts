/**
 * A BIG-IP pair as F5's Terraform modules leave it (terraform-aws-bigip-module, 3 NICs, one AZ),
 * running in the simulated AWS: CFE's tags on the external and internal interfaces only (the
 * management interface carries the module's own tags), source/dest check off where traffic
 * is forwarded, each node's own VIP and two floating VIPs on the active node's external
 * interface, an Elastic IP tagged f5_cloud_failover_vips with each node's own VIP, a route table
 * tagged with the label and f5_self_ips (with one route at another appliance that is not the
 * pair's), the CFE state bucket tagged with the label, and an existing instance role. Beside
 * it: the CFE declaration the BIG-IPs run and the Terraform state that built it, as files.
 */
import { CreateTagsCommand, DeleteTagsCommand, EC2Client } from "@aws-sdk/client-ec2";
import { S3Client } from "@aws-sdk/client-s3";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { DiscoveryClients } from "../../runtime/discovery/aws/ec2-inventory.js";
import type { AgentConfig, NodeId } from "../../runtime/config/types.js";
import { startAwsSim } from "../../sim/index.js";
import type { Topology, TopologyInterface } from "../../sim/topology.js";

export const F5_LABEL = "f5-prod";
const LABEL_KEY = "f5_cloud_failover_label";
const NIC_MAP_KEY = "f5_cloud_failover_nic_map";
const MODULE_TAGS = { owner: "netops", environment: "prod" };

const id = (prefix: string, n: number) => `${prefix}-0f5${n.toString(16).padStart(14, "0")}`;

export const F5 = {
  vpc: id("vpc", 1),
  subnets: { mgmt: id("subnet", 1), external: id("subnet", 2), internal: id("subnet", 3) },
  instances: { a: id("i", 0xa1), b: id("i", 0xb1), jump: id("i", 0xc1) },
  nic: (node: NodeId, role: "mgmt" | "external" | "internal") => id("eni", (node === "a" ? 0xa0 : 0xb0) + { mgmt: 1, external: 2, internal: 3 }[role]),
  jumpNic: id("eni", 0xc1),
  eip: id("eipalloc", 1),
  publicIp: "198.51.100.77",
  routeTable: id("rtb", 1),
  /** The subnets' own table (internet gateway), which the module associates with all three subnets. */
  subnetsRouteTable: id("rtb", 2),
  bucket: "f5-prod-cfe-state",
  /** An S3 gateway endpoint made in the console for CFE, tagged with the label (no tool owns it). */
  s3Endpoint: id("vpce", 1),
  /** An EC2 interface endpoint without the label tag: part of the pair only where a Terraform state says so. */
  ec2Endpoint: id("vpce", 2),
  role: "f5-prod-bigip-cfe",
  host: { a: 11, b: 12 } as Record<NodeId, number>,
  ownVip: { a: "10.1.1.21", b: "10.1.1.22" } as Record<NodeId, string>,
  floating: ["10.1.1.100", "10.1.1.101"],
};

export function f5Topology(): Topology {
  const nic = (node: NodeId, role: "mgmt" | "external" | "internal", extra: Partial<TopologyInterface> = {}): TopologyInterface => ({
    id: F5.nic(node, role),
    role,
    subnetId: F5.subnets[role],
    deviceIndex: { mgmt: 0, external: 1, internal: 2 }[role],
    primaryIp: `10.1.${{ mgmt: 0, external: 1, internal: 2 }[role]}.${F5.host[node]}`,
    sourceDestCheck: role === "mgmt",
    tags: { Name: `${F5_LABEL}-f5vm0${node === "a" ? 1 : 2}-${role}`, ...MODULE_TAGS },
    ...extra,
  });
  const bigip = (node: NodeId) => ({
    id: F5.instances[node],
    node,
    name: `${F5_LABEL}-f5vm0${node === "a" ? 1 : 2}`,
    roleName: F5.role,
    interfaces: [
      nic(node, "mgmt"),
      nic(node, "external", { secondaryIps: node === "a" ? [F5.ownVip.a, ...F5.floating] : [F5.ownVip.b] }),
      nic(node, "internal"),
    ],
  });
  return {
    region: "us-west-2",
    accountId: "210987654321",
    vpcs: [{ id: F5.vpc, cidr: "10.1.0.0/16", enableDnsSupport: true, enableDnsHostnames: true }],
    subnets: [
      { id: F5.subnets.mgmt, vpcId: F5.vpc, cidr: "10.1.0.0/24", availabilityZone: "us-west-2a" },
      { id: F5.subnets.external, vpcId: F5.vpc, cidr: "10.1.1.0/24", availabilityZone: "us-west-2a" },
      { id: F5.subnets.internal, vpcId: F5.vpc, cidr: "10.1.2.0/24", availabilityZone: "us-west-2a" },
    ],
    instances: [
      bigip("a"),
      bigip("b"),
      { id: F5.instances.jump, name: "vpn-appliance", interfaces: [{ id: F5.jumpNic, role: "lan", subnetId: F5.subnets.internal, deviceIndex: 0, primaryIp: "10.1.2.50", sourceDestCheck: false }] },
    ],
    elasticIps: [
      { allocationId: F5.eip, publicIp: F5.publicIp, association: { networkInterfaceId: F5.nic("a", "external"), privateIp: F5.ownVip.a }, tags: { [LABEL_KEY]: F5_LABEL, f5_cloud_failover_vips: `${F5.ownVip.a},${F5.ownVip.b}`, ...MODULE_TAGS } },
    ],
    routeTables: [
      {
        id: F5.routeTable,
        vpcId: F5.vpc,
        subnetIds: [],
        routes: [
          { destination: "0.0.0.0/0", networkInterfaceId: F5.nic("a", "internal") },
          { destination: "10.50.0.0/16", networkInterfaceId: F5.nic("a", "internal") },
          { destination: "192.168.99.0/24", networkInterfaceId: F5.jumpNic },
        ],
        tags: { [LABEL_KEY]: F5_LABEL, f5_self_ips: "10.1.2.11,10.1.2.12", Name: `${F5_LABEL}-internal`, ...MODULE_TAGS },
      },
      {
        id: F5.subnetsRouteTable,
        vpcId: F5.vpc,
        subnetIds: [F5.subnets.mgmt, F5.subnets.external, F5.subnets.internal],
        routes: [{ destination: "0.0.0.0/0", gatewayId: id("igw", 1) }],
        tags: { Name: `${F5_LABEL}-subnets`, ...MODULE_TAGS },
      },
    ],
    buckets: [{ name: F5.bucket, tags: { [LABEL_KEY]: F5_LABEL, ...MODULE_TAGS } }],
    vpcEndpoints: [
      { id: F5.s3Endpoint, vpcId: F5.vpc, serviceName: "com.amazonaws.us-west-2.s3", type: "Gateway", routeTableIds: [F5.subnetsRouteTable], tags: { [LABEL_KEY]: F5_LABEL, Name: "cfe-s3" } },
      { id: F5.ec2Endpoint, vpcId: F5.vpc, serviceName: "com.amazonaws.us-west-2.ec2", type: "Interface", subnetIds: [F5.subnets.mgmt], privateDnsEnabled: true, tags: { Name: "shared-ec2", ...MODULE_TAGS } },
    ],
    pair: {
      label: F5_LABEL,
      stateStore: { bucket: F5.bucket, key: `ha-pair/${F5_LABEL}/state.json` },
      secondaryIps: [{ role: "external", ips: F5.floating }],
      elasticIps: [{ allocationId: F5.eip, role: "external", privateIp: { ...F5.ownVip } }],
      routes: [{ routeTableId: F5.routeTable, destinations: ["0.0.0.0/0", "10.50.0.0/16"], nextHopRole: "internal" }],
    },
  };
}

/** The agent config a greenfield stack would generate for this pair (management is no CFE interface). */
export function f5ExpectedConfig(): AgentConfig {
  const interfaces = (node: NodeId) => ({ external: { id: F5.nic(node, "external") }, internal: { id: F5.nic(node, "internal") } });
  return {
    version: 1,
    cloud: "aws",
    label: F5_LABEL,
    region: "us-west-2",
    nodes: { a: { instanceId: F5.instances.a, interfaces: interfaces("a") }, b: { instanceId: F5.instances.b, interfaces: interfaces("b") } },
    addresses: {
      secondaryIps: [{ role: "external", ips: [...F5.floating] }],
      elasticIps: [{ allocationId: F5.eip, publicIp: F5.publicIp, role: "external", privateIp: { ...F5.ownVip } }],
    },
    routes: [{ routeTableId: F5.routeTable, destinations: ["0.0.0.0/0", "10.50.0.0/16"], nextHop: { role: "internal" } }],
    stateStore: { type: "s3", bucket: F5.bucket, key: `ha-pair/${F5_LABEL}/state.json` },
  };
}

/** The CFE declaration the BIG-IPs run (F5's AWS same-AZ example, static next hops). */
export function f5CfeDeclaration(): Record<string, unknown> {
  return {
    class: "Cloud_Failover",
    environment: "aws",
    controls: { class: "Controls", logLevel: "info" },
    externalStorage: { scopingTags: { [LABEL_KEY]: F5_LABEL } },
    failoverAddresses: { enabled: true, scopingTags: { [LABEL_KEY]: F5_LABEL }, requireScopingTags: false },
    failoverRoutes: {
      enabled: true,
      scopingTags: { [LABEL_KEY]: F5_LABEL },
      scopingAddressRanges: [{ range: "0.0.0.0/0" }, { range: "10.50.0.0/16" }],
      defaultNextHopAddresses: { discoveryType: "static", items: ["10.1.2.11", "10.1.2.12"] },
    },
  };
}

interface StateResource {
  module?: string;
  type: string;
  name: string;
  instances: { index_key?: number | string; attributes: Record<string, unknown> }[];
}

/** The Terraform resources that built the pair, as `terraform apply` recorded them. */
function f5StateResources(): StateResource[] {
  const tags = (node: NodeId, role: string, cfe: boolean) => ({ Name: `${F5_LABEL}-f5vm0${node === "a" ? 1 : 2}-${role}`, ...MODULE_TAGS, ...(cfe ? { [LABEL_KEY]: F5_LABEL, [NIC_MAP_KEY]: role } : {}) });
  const eni = (node: NodeId, role: "mgmt" | "external" | "internal", privateIps: string[]) => ({
    index_key: 0,
    attributes: {
      id: F5.nic(node, role),
      subnet_id: F5.subnets[role],
      private_ips: privateIps,
      private_ips_count: privateIps.length - 1,
      source_dest_check: role === "mgmt",
      tags: tags(node, role, role !== "mgmt"),
      tags_all: tags(node, role, role !== "mgmt"),
    },
  });
  const perNode = (node: NodeId, index: number): StateResource[] => {
    const module = `module.bigip[${index}]`;
    const ip = (third: number) => `10.1.${third}.${F5.host[node]}`;
    return [
      { module, type: "aws_network_interface", name: "mgmt", instances: [eni(node, "mgmt", [ip(0)])] },
      { module, type: "aws_network_interface", name: "public", instances: [eni(node, "external", node === "a" ? [ip(1), F5.ownVip.a, ...F5.floating] : [ip(1), F5.ownVip.b])] },
      { module, type: "aws_network_interface", name: "private", instances: [eni(node, "internal", [ip(2)])] },
      { module, type: "aws_instance", name: "f5_bigip", instances: [{ attributes: { id: F5.instances[node], iam_instance_profile: F5.role, tags: { Name: `${F5_LABEL}-f5vm0${index + 1}` } } }] },
    ];
  };
  const labelTags = { [LABEL_KEY]: F5_LABEL, ...MODULE_TAGS };
  return [
    ...perNode("a", 0),
    ...perNode("b", 1),
    { type: "aws_eip", name: "vip", instances: [{ attributes: { id: F5.eip, public_ip: F5.publicIp, network_interface: F5.nic("a", "external"), associate_with_private_ip: F5.ownVip.a, tags: { ...labelTags, f5_cloud_failover_vips: `${F5.ownVip.a},${F5.ownVip.b}` } } }] },
    { type: "aws_route_table", name: "internal", instances: [{ attributes: { id: F5.routeTable, vpc_id: F5.vpc, route: [], tags: { ...labelTags, f5_self_ips: "10.1.2.11,10.1.2.12", Name: `${F5_LABEL}-internal` } } }] },
    { type: "aws_route", name: "default", instances: [{ attributes: { id: `r-${F5.routeTable}1080289494`, route_table_id: F5.routeTable, destination_cidr_block: "0.0.0.0/0", network_interface_id: F5.nic("a", "internal") } }] },
    { type: "aws_route", name: "onprem", instances: [{ attributes: { id: `r-${F5.routeTable}2045911463`, route_table_id: F5.routeTable, destination_cidr_block: "10.50.0.0/16", network_interface_id: F5.nic("a", "internal") } }] },
    { type: "aws_s3_bucket", name: "cfe", instances: [{ attributes: { id: F5.bucket, bucket: F5.bucket, arn: `arn:aws:s3:::${F5.bucket}`, tags: labelTags } }] },
    { type: "aws_iam_role", name: "cfe", instances: [{ attributes: { id: F5.role, name: F5.role, arn: `arn:aws:iam::210987654321:role/${F5.role}`, inline_policy: [{ name: "cfe-failover", policy: '{"Version":"2012-10-17","Statement":[]}' }] } }] },
    { type: "aws_iam_instance_profile", name: "cfe", instances: [{ attributes: { id: F5.role, name: F5.role, role: F5.role, arn: `arn:aws:iam::210987654321:instance-profile/${F5.role}` } }] },
  ];
}

/** A version 4 .tfstate file; `withEc2Endpoint`: the state also built the EC2 endpoint (labelled there). */
export function f5TerraformState(options: { withEc2Endpoint?: boolean } = {}): Record<string, unknown> {
  const endpoint: StateResource = { type: "aws_vpc_endpoint", name: "ec2", instances: [{ attributes: { id: F5.ec2Endpoint, vpc_endpoint_type: "Interface", service_name: "com.amazonaws.us-west-2.ec2", tags: { [LABEL_KEY]: F5_LABEL } } }] };
  return {
    version: 4,
    terraform_version: "1.9.8",
    serial: 42,
    lineage: "2b6c1f3e-6f39-4d0c-9d6e-f5f5f5f5f5f5",
    outputs: {},
    resources: [...f5StateResources(), ...(options.withEc2Endpoint ? [endpoint] : [])].map((r) => ({ ...(r.module ? { module: r.module } : {}), mode: "managed", type: r.type, name: r.name, provider: 'provider["registry.terraform.io/hashicorp/aws"]', instances: r.instances.map((i) => ({ schema_version: 0, ...i })) })),
    check_results: null,
  };
}

/** The same state as `terraform show -json` prints it. */
export function f5TerraformShowJson(): Record<string, unknown> {
  const address = (r: StateResource, key: number | string | undefined) => `${r.module ? `${r.module}.` : ""}${r.type}.${r.name}${key === undefined ? "" : typeof key === "number" ? `[${key}]` : `["${key}"]`}`;
  const entries = (rs: StateResource[]) => rs.flatMap((r) => r.instances.map((i) => ({ address: address(r, i.index_key), mode: "managed", type: r.type, name: r.name, ...(i.index_key !== undefined ? { index: i.index_key } : {}), provider_name: "registry.terraform.io/hashicorp/aws", schema_version: 0, values: i.attributes, sensitive_values: {} })));
  const all = f5StateResources();
  const modules = [...new Set(all.map((r) => r.module).filter((m): m is string => m !== undefined))];
  return {
    format_version: "1.0",
    terraform_version: "1.9.8",
    values: {
      root_module: {
        resources: entries(all.filter((r) => !r.module)),
        child_modules: modules.map((m) => ({ address: m, resources: entries(all.filter((r) => r.module === m)) })),
      },
    },
  };
}

export type F5Sim = Awaited<ReturnType<typeof startAwsSim>>;

/**
 * Starts the sim with the pair, then does what the module did through the EC2 API: the
 * management interfaces lose the CFE tags the sim's seed gives every pair interface (the module
 * never set them there). Writes the declaration and both state formats into `dir`.
 */
export async function startF5TerraformPair(dir: string): Promise<{ sim: F5Sim; files: { cfe: string; tfstate: string; showJson: string } }> {
  const sim = await startAwsSim({ topology: f5Topology(), port: 0, seed: 13 });
  const ec2 = new EC2Client({ region: sim.region, endpoint: sim.endpoint, credentials: sim.credentials });
  try {
    const mgmt = [F5.nic("a", "mgmt"), F5.nic("b", "mgmt")];
    await ec2.send(new DeleteTagsCommand({ Resources: mgmt, Tags: [{ Key: LABEL_KEY }, { Key: NIC_MAP_KEY }] }));
    await ec2.send(new CreateTagsCommand({ Resources: [F5.vpc], Tags: [{ Key: "Name", Value: `${F5_LABEL}-vpc` }] }));
  } finally {
    ec2.destroy();
  }
  const files = { cfe: join(dir, "cfe-declaration.json"), tfstate: join(dir, "terraform.tfstate"), showJson: join(dir, "terraform-show.json") };
  writeFileSync(files.cfe, JSON.stringify(f5CfeDeclaration(), null, 2));
  writeFileSync(files.tfstate, JSON.stringify(f5TerraformState(), null, 2));
  writeFileSync(files.showJson, JSON.stringify(f5TerraformShowJson(), null, 2));
  return { sim, files };
}

export interface F5Fixture {
  sim: F5Sim;
  files: { cfe: string; tfstate: string; showJson: string };
  /** EC2 and S3 clients of an operator (the sim's static user) for discovery. */
  clients: DiscoveryClients;
  stop(): Promise<void>;
}

/** The pair, its files in a fresh temp dir, and an operator's clients; stop() closes all. */
export async function f5Fixture(): Promise<F5Fixture> {
  const { sim, files } = await startF5TerraformPair(mkdtempSync(join(tmpdir(), "ha-pair-f5-")));
  const common = { region: sim.region, endpoint: sim.endpoint, credentials: sim.credentials };
  const clients = { ec2: new EC2Client(common), s3: new S3Client({ ...common, forcePathStyle: true }) };
  return {
    sim,
    files,
    clients,
    async stop() {
      clients.ec2.destroy();
      clients.s3.destroy();
      await sim.stop();
    },
  };
}
