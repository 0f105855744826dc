/**
 * A small two-node topology for the simulated-EC2 tests, and a running world + SDK client on
 * 127.0.0.1. Same-subnet pair in vpc A (external and internal subnets), plus a lone instance in
 * vpc B to prove cross-VPC rules.
 */
import type { Topology } from "../sim/topology.js";
import { Ec2World, type Ec2WorldOptions } from "../sim/ec2/index.js";
import { startEc2OnlyServer, type Ec2OnlyServer } from "./helpers/ec2-only-server.js";

/** A well-formed EC2 ID: prefix and 17 hex digits. */
export function hexId(prefix: string, n: number): string {
  return `${prefix}-${n.toString(16).padStart(17, "0")}`;
}

export const IDS = {
  vpcA: hexId("vpc", 0xa),
  vpcB: hexId("vpc", 0xb),
  subnetExternal: hexId("subnet", 0x1),
  subnetInternal: hexId("subnet", 0x2),
  subnetOther: hexId("subnet", 0x3),
  instanceA: hexId("i", 0xa),
  instanceB: hexId("i", 0xb),
  instanceOther: hexId("i", 0xc),
  eniExternalA: hexId("eni", 0xa1),
  eniInternalA: hexId("eni", 0xa2),
  eniExternalB: hexId("eni", 0xb1),
  eniInternalB: hexId("eni", 0xb2),
  eniOther: hexId("eni", 0xc1),
  eipOnSecondary: hexId("eipalloc", 0x1),
  eipFree: hexId("eipalloc", 0x2),
  eipOnPrimaryOther: hexId("eipalloc", 0x3),
  rtbPair: hexId("rtb", 0x1),
  rtbNodeB: hexId("rtb", 0x2),
  rtbOther: hexId("rtb", 0x3),
  prefixList: hexId("pl", 0x1),
  igw: hexId("igw", 0x1),
};

export function testTopology(): Topology {
  return {
    region: "us-east-1",
    accountId: "123456789012",
    vpcs: [
      { id: IDS.vpcA, cidr: "10.0.0.0/16" },
      { id: IDS.vpcB, cidr: "10.1.0.0/16" },
    ],
    subnets: [
      { id: IDS.subnetExternal, vpcId: IDS.vpcA, cidr: "10.0.1.0/24", availabilityZone: "us-east-1a" },
      { id: IDS.subnetInternal, vpcId: IDS.vpcA, cidr: "10.0.2.0/24", availabilityZone: "us-east-1a" },
      { id: IDS.subnetOther, vpcId: IDS.vpcB, cidr: "10.1.1.0/24", availabilityZone: "us-east-1b" },
    ],
    instances: [
      {
        id: IDS.instanceA,
        node: "a",
        name: "bigip-a",
        roleName: "ha-pair-node",
        interfaces: [
          { id: IDS.eniExternalA, role: "external", subnetId: IDS.subnetExternal, deviceIndex: 0, primaryIp: "10.0.1.10", secondaryIps: ["10.0.1.100", "10.0.1.101"], sourceDestCheck: false },
          { id: IDS.eniInternalA, role: "internal", subnetId: IDS.subnetInternal, deviceIndex: 1, primaryIp: "10.0.2.10", sourceDestCheck: false },
        ],
      },
      {
        id: IDS.instanceB,
        node: "b",
        name: "bigip-b",
        roleName: "ha-pair-node",
        interfaces: [
          { id: IDS.eniExternalB, role: "external", subnetId: IDS.subnetExternal, deviceIndex: 0, primaryIp: "10.0.1.20", sourceDestCheck: false },
          { id: IDS.eniInternalB, role: "internal", subnetId: IDS.subnetInternal, deviceIndex: 1, primaryIp: "10.0.2.20", sourceDestCheck: false },
        ],
      },
      {
        id: IDS.instanceOther,
        name: "elsewhere",
        interfaces: [
          { id: IDS.eniOther, role: "only", subnetId: IDS.subnetOther, deviceIndex: 0, primaryIp: "10.1.1.10", tags: { team: "other" } },
        ],
      },
    ],
    elasticIps: [
      { allocationId: IDS.eipOnSecondary, publicIp: "203.0.113.10", association: { networkInterfaceId: IDS.eniExternalA, privateIp: "10.0.1.100" } },
      { allocationId: IDS.eipFree, publicIp: "203.0.113.11" },
      { allocationId: IDS.eipOnPrimaryOther, publicIp: "203.0.113.12", association: { networkInterfaceId: IDS.eniOther, privateIp: "10.1.1.10" }, tags: { team: "other" } },
    ],
    routeTables: [
      {
        id: IDS.rtbPair,
        vpcId: IDS.vpcA,
        routes: [
          { destination: "0.0.0.0/0", gatewayId: IDS.igw },
          { destination: "192.168.0.0/16", networkInterfaceId: IDS.eniInternalA },
          { destination: "2001:db8::/64", networkInterfaceId: IDS.eniInternalA },
          { destination: IDS.prefixList, networkInterfaceId: IDS.eniInternalA },
        ],
        subnetIds: [IDS.subnetInternal],
        tags: { Name: "pair-internal" },
      },
      { id: IDS.rtbNodeB, vpcId: IDS.vpcA, routes: [{ destination: "192.168.0.0/16", networkInterfaceId: IDS.eniInternalB }] },
      { id: IDS.rtbOther, vpcId: IDS.vpcB, routes: [], subnetIds: [IDS.subnetOther] },
    ],
    prefixLists: [{ id: IDS.prefixList, name: "on-prem", cidrs: ["172.16.0.0/12"] }],
    buckets: [{ name: "ha-pair-state" }],
    pair: {
      label: "pair-one",
      stateStore: { bucket: "ha-pair-state", key: "pair-one.json" },
      secondaryIps: [{ role: "external", ips: ["10.0.1.100", "10.0.1.101"] }],
      elasticIps: [{ allocationId: IDS.eipOnSecondary, role: "external", privateIp: { a: "10.0.1.100", b: "10.0.1.20" } }],
      routes: [{ routeTableId: IDS.rtbPair, destinations: ["192.168.0.0/16", IDS.prefixList], nextHopRole: "internal" }],
    },
  };
}

export interface Ec2TestBed {
  world: Ec2World;
  server: Ec2OnlyServer;
}

export async function startEc2TestBed(options: Ec2WorldOptions = {}, topology: Topology = testTopology()): Promise<Ec2TestBed> {
  const world = new Ec2World(topology, options);
  return { world, server: await startEc2OnlyServer(world) };
}

/** The error code and HTTP status an SDK call failed with. */
export async function failureOf(call: Promise<unknown>): Promise<{ code: string; status: number | undefined; message: string }> {
  try {
    await call;
  } catch (error) {
    const failure = error as { name: string; message: string; $metadata?: { httpStatusCode?: number } };
    return { code: failure.name, status: failure.$metadata?.httpStatusCode, message: failure.message };
  }
  throw new Error("expected the call to fail, but it succeeded");
}
