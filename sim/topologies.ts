/**
 * Ready-made topologies: the demo pair, and generated pairs of any size for the bench.
 * IDs are deterministic (same parameters, same IDs), in EC2's 17-hex-digit form.
 */
import type { NodeId } from "../runtime/config/types.js";
import type { Topology, TopologyInstance, TopologyInterface, TopologyRouteTable } from "./topology.js";

// F5 Cloud Failover Extension's tag keys: the example pair is tagged as CFE would find it.
const LABEL_KEY = "f5_cloud_failover_label";
const NIC_MAP_KEY = "f5_cloud_failover_nic_map";
/** On an EIP: the private IPs (one per node) it maps to. */
const VIPS_KEY = "f5_cloud_failover_vips";
/** On a route table: the next-hop addresses of both nodes (CFE's routeTag discovery). */
const SELF_IPS_KEY = "f5_self_ips";

/** `prefix-0…n` with 17 hex digits; `kind` keeps IDs of different kinds apart even with equal n. */
function resourceId(prefix: string, kind: number, n: number): string {
  return `${prefix}-0${kind.toString(16)}${n.toString(16).padStart(15, "0")}`;
}

function pairInterface(label: string, fields: Omit<TopologyInterface, "tags">): TopologyInterface {
  return { ...fields, tags: { [LABEL_KEY]: label, [NIC_MAP_KEY]: fields.role } };
}

/**
 * The demo pair: one VPC (10.0.0.0/16) in one AZ with mgmt, external and internal subnets; node a
 * active, node b standby; three secondary IPs on node a's external interface; one EIP on node a's
 * external primary IP; two route tables whose default routes (and one more destination each)
 * point at node a's internal interface; the state bucket.
 */
export function exampleTopology(): Topology {
  const label = "demo";
  const region = "us-east-1";
  const az = "us-east-1a";
  const vpcId = resourceId("vpc", 1, 1);
  const subnet = { mgmt: resourceId("subnet", 1, 1), external: resourceId("subnet", 1, 2), internal: resourceId("subnet", 1, 3) };
  const eni = (node: NodeId, role: keyof typeof subnet) => resourceId("eni", node === "a" ? 0xa : 0xb, { mgmt: 1, external: 2, internal: 3 }[role]);
  const host = { a: 11, b: 12 };
  const movingIps = ["10.0.1.100", "10.0.1.101", "10.0.1.102"];
  const prefixListId = resourceId("pl", 1, 1);

  const instance = (node: NodeId): TopologyInstance => ({
    id: resourceId("i", node === "a" ? 0xa : 0xb, 1),
    node,
    name: `ha-pair-demo-${node}`,
    roleName: "ha-pair-demo-node",
    interfaces: [
      pairInterface(label, { id: eni(node, "mgmt"), role: "mgmt", subnetId: subnet.mgmt, deviceIndex: 0, primaryIp: `10.0.0.${host[node]}`, sourceDestCheck: true }),
      pairInterface(label, {
        id: eni(node, "external"),
        role: "external",
        subnetId: subnet.external,
        deviceIndex: 1,
        primaryIp: `10.0.1.${host[node]}`,
        ...(node === "a" ? { secondaryIps: movingIps } : {}),
        sourceDestCheck: false,
      }),
      pairInterface(label, { id: eni(node, "internal"), role: "internal", subnetId: subnet.internal, deviceIndex: 2, primaryIp: `10.0.2.${host[node]}`, sourceDestCheck: false }),
    ],
  });

  const routeTables: TopologyRouteTable[] = [
    {
      id: resourceId("rtb", 1, 1),
      vpcId,
      routes: [
        { destination: "0.0.0.0/0", networkInterfaceId: eni("a", "internal") },
        { destination: "10.100.0.0/16", networkInterfaceId: eni("a", "internal") },
      ],
      tags: { [LABEL_KEY]: label, [SELF_IPS_KEY]: "10.0.2.11,10.0.2.12", Name: "app-subnets" },
    },
    {
      id: resourceId("rtb", 1, 2),
      vpcId,
      routes: [
        { destination: "0.0.0.0/0", networkInterfaceId: eni("a", "internal") },
        { destination: prefixListId, networkInterfaceId: eni("a", "internal") },
      ],
      tags: { [LABEL_KEY]: label, [SELF_IPS_KEY]: "10.0.2.11,10.0.2.12", Name: "db-subnets" },
    },
  ];

  const elasticIp = resourceId("eipalloc", 1, 1);
  return {
    region,
    accountId: "123456789012",
    vpcs: [{ id: vpcId, cidr: "10.0.0.0/16", enableDnsSupport: true, enableDnsHostnames: true }],
    subnets: [
      { id: subnet.mgmt, vpcId, cidr: "10.0.0.0/24", availabilityZone: az },
      { id: subnet.external, vpcId, cidr: "10.0.1.0/24", availabilityZone: az },
      { id: subnet.internal, vpcId, cidr: "10.0.2.0/24", availabilityZone: az },
    ],
    instances: [instance("a"), instance("b")],
    elasticIps: [
      { allocationId: elasticIp, publicIp: "203.0.113.10", association: { networkInterfaceId: eni("a", "external"), privateIp: "10.0.1.11" }, tags: { [LABEL_KEY]: label, [VIPS_KEY]: "10.0.1.11,10.0.1.12" } },
    ],
    routeTables,
    prefixLists: [{ id: prefixListId, name: "corp-networks", cidrs: ["192.168.0.0/16", "172.16.0.0/12"] }],
    buckets: [{ name: "ha-pair-state-demo", tags: { [LABEL_KEY]: label } }],
    pair: {
      label,
      stateStore: { bucket: "ha-pair-state-demo", key: "ha-pair/demo/state.json" },
      secondaryIps: [{ role: "external", ips: movingIps }],
      elasticIps: [{ allocationId: elasticIp, role: "external", privateIp: { a: "10.0.1.11", b: "10.0.1.12" } }],
      routes: routeTables.map((table) => ({ routeTableId: table.id, destinations: table.routes.map((r) => r.destination), nextHopRole: "internal" })),
    },
  };
}

export interface PairTopologyParams {
  /** Secondary IPs that move with node a's external interface (same-AZ only). */
  secondaryIps: number;
  /** EIPs re-associated between the nodes' own external private IPs. */
  elasticIps: number;
  routeTables: number;
  /** Routes per table pointing at node a's internal interface; the first is 0.0.0.0/0. */
  routesPerTable: number;
  /** Node b in another AZ (its own subnets): secondary IPs cannot move then. */
  acrossAz?: boolean;
  /**
   * Association mode: this many extra subnets, each with a twin route table per node (routes to
   * that node's internal interface, plus a mirrored gateway route), associated with node a's.
   */
  association?: { subnets: number; routesPerSubnet: number };
}

/** The route destinations of one table: the default route, then distinct /24s. */
function routeDestination(index: number): string {
  if (index === 0) return "0.0.0.0/0";
  const n = index - 1;
  return `172.${16 + Math.floor(n / 256)}.${n % 256}.0/24`;
}

/**
 * A generated pair with two interfaces per node (external, internal). The bench's "small same-AZ
 * pair" is `pairTopology({ secondaryIps: 10, elasticIps: 1, routeTables: 3, routesPerTable: 2 })`.
 */
export function pairTopology(params: PairTopologyParams): Topology {
  const { secondaryIps, elasticIps, routeTables, routesPerTable, acrossAz = false, association } = params;
  if (acrossAz && secondaryIps > 0) {
    throw new Error(`pairTopology: secondaryIps must be 0 when acrossAz is true (a secondary IP cannot move between subnets of different AZs); use elasticIps instead`);
  }
  if (secondaryIps > 2000 || elasticIps > 250 || routesPerTable > 4000 || [secondaryIps, elasticIps, routeTables, routesPerTable].some((n) => !Number.isInteger(n) || n < 0)) {
    throw new Error(`pairTopology: counts must be integers within 0..2000 secondary IPs, 0..250 EIPs, 0..4000 routes per table`);
  }
  const label = "bench";
  const region = "us-east-1";
  const vpcId = resourceId("vpc", 2, 1);
  const zone: Record<NodeId, string> = { a: "us-east-1a", b: acrossAz ? "us-east-1b" : "us-east-1a" };
  // 10.0.0.0/20 external and 10.0.16.0/20 internal for node a (and b when same-AZ); node b's own pair across AZ.
  const subnetOf = (node: NodeId, role: "external" | "internal") =>
    resourceId("subnet", 2, (role === "external" ? 1 : 2) + (acrossAz && node === "b" ? 2 : 0));
  const base = (node: NodeId, role: "external" | "internal") => (role === "external" ? 0 : 16) + (acrossAz && node === "b" ? 32 : 0);
  const ip = (node: NodeId, role: "external" | "internal", offset: number) => {
    const third = base(node, role) + Math.floor(offset / 256);
    return `10.0.${third}.${offset % 256}`;
  };
  const host: Record<NodeId, number> = { a: 11, b: 12 };
  const eni = (node: NodeId, role: "external" | "internal") => resourceId("eni", node === "a" ? 0xa : 0xb, role === "external" ? 1 : 2);

  const moving = Array.from({ length: secondaryIps }, (_, i) => ip("a", "external", 1024 + i));
  // Each EIP beyond the first maps to a private IP of each node's own that never moves.
  const ownIp = (node: NodeId, i: number) => (i === 0 ? ip(node, "external", host[node]) : ip(node, "external", 256 * (node === "a" ? 1 : 2) + i));

  const instance = (node: NodeId): TopologyInstance => {
    const own = Array.from({ length: Math.max(0, elasticIps - 1) }, (_, i) => ownIp(node, i + 1));
    const extraExternal = node === "a" ? [...moving, ...own] : own;
    return {
      id: resourceId("i", node === "a" ? 0xa : 0xb, 2),
      node,
      name: `ha-pair-bench-${node}`,
      roleName: "ha-pair-bench-node",
      interfaces: [
        pairInterface(label, {
          id: eni(node, "external"),
          role: "external",
          subnetId: subnetOf(node, "external"),
          deviceIndex: 0,
          primaryIp: ip(node, "external", host[node]),
          ...(extraExternal.length > 0 ? { secondaryIps: extraExternal } : {}),
          sourceDestCheck: false,
        }),
        pairInterface(label, { id: eni(node, "internal"), role: "internal", subnetId: subnetOf(node, "internal"), deviceIndex: 1, primaryIp: ip(node, "internal", host[node]), sourceDestCheck: false }),
      ],
    };
  };

  const eips = Array.from({ length: elasticIps }, (_, i) => ({
    allocationId: resourceId("eipalloc", 2, i + 1),
    publicIp: `198.51.100.${(i % 250) + 1}`,
    association: { networkInterfaceId: eni("a", "external"), privateIp: ownIp("a", i) },
    tags: { [LABEL_KEY]: label },
  }));
  const tables: TopologyRouteTable[] = Array.from({ length: routeTables }, (_, t) => ({
    id: resourceId("rtb", 2, t + 1),
    vpcId,
    routes: Array.from({ length: routesPerTable }, (_, r) => ({ destination: routeDestination(r), networkInterfaceId: eni("a", "internal") })),
    tags: { [LABEL_KEY]: label },
  }));
  if (association && (association.subnets > 100 || association.routesPerSubnet > 4000 || !Number.isInteger(association.subnets) || !Number.isInteger(association.routesPerSubnet))) {
    throw new Error("pairTopology: association needs integers within 0..100 subnets and 0..4000 routes per subnet");
  }
  const twinSubnets = Array.from({ length: association?.subnets ?? 0 }, (_, i) => ({
    id: resourceId("subnet", 3, i + 1),
    tables: { a: resourceId("rtb", 0xa, i + 1), b: resourceId("rtb", 0xb, i + 1) } as Record<NodeId, string>,
    destinations: Array.from({ length: association?.routesPerSubnet ?? 0 }, (_, r) => routeDestination(r)),
  }));
  for (const subnet of twinSubnets) {
    for (const node of ["a", "b"] as const) {
      tables.push({
        id: subnet.tables[node],
        vpcId,
        // Identical but for the pair's next hop: the mirrored gateway route is the same in both twins.
        routes: [
          ...subnet.destinations.map((destination) => ({ destination, networkInterfaceId: eni(node, "internal") })),
          { destination: "198.18.0.0/15", gatewayId: resourceId("igw", 2, 1) },
        ],
        ...(node === "a" ? { subnetIds: [subnet.id] } : {}),
        tags: { [LABEL_KEY]: label },
      });
    }
  }
  const subnets = [
    ...twinSubnets.map((subnet, i) => ({ id: subnet.id, vpcId, cidr: `10.0.${128 + i}.0/24`, availabilityZone: zone.a })),
    { id: subnetOf("a", "external"), vpcId, cidr: "10.0.0.0/20", availabilityZone: zone.a },
    { id: subnetOf("a", "internal"), vpcId, cidr: "10.0.16.0/20", availabilityZone: zone.a },
    ...(acrossAz
      ? [
          { id: subnetOf("b", "external"), vpcId, cidr: "10.0.32.0/20", availabilityZone: zone.b },
          { id: subnetOf("b", "internal"), vpcId, cidr: "10.0.48.0/20", availabilityZone: zone.b },
        ]
      : []),
  ];
  return {
    region,
    accountId: "123456789012",
    vpcs: [{ id: vpcId, cidr: "10.0.0.0/16" }],
    subnets,
    instances: [instance("a"), instance("b")],
    elasticIps: eips,
    routeTables: tables,
    buckets: [{ name: "ha-pair-state-bench" }],
    pair: {
      label,
      stateStore: { bucket: "ha-pair-state-bench", key: "ha-pair/bench/state.json" },
      secondaryIps: secondaryIps > 0 ? [{ role: "external", ips: moving }] : [],
      elasticIps: eips.map((eip, i) => ({ allocationId: eip.allocationId, role: "external", privateIp: { a: ownIp("a", i), b: ownIp("b", i) } })),
      routes: tables
        .filter((table) => table.routes.length > 0 && !twinSubnets.some((s) => s.tables.a === table.id || s.tables.b === table.id))
        .map((table) => ({ routeTableId: table.id, destinations: table.routes.map((r) => r.destination), nextHopRole: "internal" })),
      ...(twinSubnets.length > 0
        ? { routeTableAssociations: twinSubnets.map((s) => ({ subnetId: s.id, routeTableIds: s.tables, routes: [{ destinations: s.destinations, nextHopRole: "internal" }] })) }
        : {}),
    },
  };
}
