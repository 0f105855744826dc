// Association mode under Pulumi mocks: the twin route tables per node (identical but for the next
// hop), the associations the agent takes over, the agent config and the IAM grant they produce,
// and the args refused before anything is built.
import * as aws from "@pulumi/aws";
import { describe, expect, it } from "vitest";
import { AwsHaPair, pairTags, type AwsHaPairArgs, type PolicyDocument, type PolicyStatement } from "../components/index.js";
import { validateConfig } from "../runtime/config/index.js";
import { PulumiMockHarness, resolve, type MockCloudOptions, type RegisteredResource } from "./helpers/pulumi-mocks.js";

const VPC = "vpc-0123456789abcdef0";
const ENI = {
  a: { external: "eni-0a0000000000000e1", internal: "eni-0a0000000000000e2", mgmt: "eni-0a0000000000000e0" },
  b: { external: "eni-0b0000000000000e1", internal: "eni-0b0000000000000e2", mgmt: "eni-0b0000000000000e0" },
};
const INSTANCE = { a: "i-0a000000000000001", b: "i-0b000000000000001" };
const SUBNETS = ["subnet-0000000000000a001", "subnet-0000000000000a002"];
const PREFIX_LIST = "pl-0000000000000000f";
const TGW = "tgw-00000000000000001";
const VGW = "vgw-00000000000000001";
const S3_ENDPOINT = "vpce-00000000000000005";
const ARN = "arn:aws:ec2:us-east-1:123456789012";

const existing: NonNullable<MockCloudOptions["existing"]> = {
  vpcs: { [VPC]: { cidrBlock: "10.0.0.0/16", enableDnsSupport: true, enableDnsHostnames: true } },
  networkInterfaces: {
    [ENI.a.external]: { privateIp: "10.0.1.11" },
    [ENI.b.external]: { privateIp: "10.0.1.12" },
    [ENI.a.internal]: { privateIp: "10.0.2.11" },
    [ENI.b.internal]: { privateIp: "10.0.2.12" },
  },
};

const T = {
  table: "aws:ec2/routeTable:RouteTable",
  association: "aws:ec2/routeTableAssociation:RouteTableAssociation",
  endpointAssociation: "aws:ec2/vpcEndpointRouteTableAssociation:VpcEndpointRouteTableAssociation",
  tag: "aws:ec2/tag:Tag",
  sdc: "pulumi-nodejs:dynamic/ha-pair:SourceDestCheckOff",
};

/** An existing pair whose two app subnets follow the active node by association swap. */
function associationArgs(overrides: Partial<AwsHaPairArgs> = {}): AwsHaPairArgs {
  const node = (n: "a" | "b") => ({
    instanceId: INSTANCE[n],
    interfaces: { mgmt: { networkInterfaceId: ENI[n].mgmt }, external: { networkInterfaceId: ENI[n].external }, internal: { networkInterfaceId: ENI[n].internal } },
  });
  return {
    label: "edge",
    vpcId: VPC,
    nodes: { a: node("a"), b: node("b") },
    elasticIps: [{ allocationId: "eipalloc-0000000000000000e", publicIp: "203.0.113.7", role: "external", privateIps: { a: "10.0.1.11", b: "10.0.1.12" } }],
    routeMode: "association",
    subnetRouteTables: [
      {
        subnetIds: SUBNETS,
        routes: [
          { destinations: ["0.0.0.0/0", "10.50.0.0/16", PREFIX_LIST], nextHopRole: "internal" },
          { destinations: ["2001:db8::/32"], nextHopRole: "external" },
        ],
        otherRoutes: [{ cidrBlock: "192.168.0.0/16", transitGatewayId: TGW }],
        propagatingVgws: [VGW],
        gatewayEndpointIds: [S3_ENDPOINT],
      },
    ],
    network: { nodeRouteTableIds: ["rtb-0000000000000000b"], endpointSubnetIds: ["subnet-0000000000000000a"], nodeSubnetCidrs: ["10.0.0.0/24"] },
    ...overrides,
  };
}

async function build(args: AwsHaPairArgs) {
  const h = new PulumiMockHarness({ existing });
  const pair = await h.run(() => new AwsHaPair("edge", args));
  const config = JSON.parse(await resolve(pair.agentConfig));
  const policy = JSON.parse(await resolve(pair.policyDocument)) as PolicyDocument;
  await h.finish();
  return { h, pair, config, policy };
}

const twinsOf = (h: PulumiMockHarness) => ({ a: h.get(T.table, "edge-subnets-0-a"), b: h.get(T.table, "edge-subnets-0-b") });
/** A twin table's inputs with each route's next hop left out: what must be equal between the twins. */
const withoutNextHop = (table: RegisteredResource) => ({
  vpcId: table.inputs.vpcId,
  propagatingVgws: table.inputs.propagatingVgws,
  routes: (table.inputs.routes as Record<string, unknown>[]).map(({ networkInterfaceId: _hop, ...rest }) => rest),
  tags: { ...table.inputs.tags, Name: undefined },
});
const statements = (policy: PolicyDocument) => [policy.Statement].flat() as PolicyStatement[];

describe("AwsHaPair in association mode: twin route tables", () => {
  it("builds one table per node for the group, identical but for the pair's next hops, each pointing at its own node's interface of the role", async () => {
    const { h } = await build(associationArgs());
    const twins = twinsOf(h);
    expect(h.ofType(T.table)).toHaveLength(2);
    for (const node of ["a", "b"] as const) {
      const table = twins[node];
      expect(table.inputs.vpcId).toBe(VPC);
      expect(table.inputs.tags).toMatchObject({ Name: `edge-subnets-0-${node}`, f5_cloud_failover_label: "edge" });
      expect(table.inputs.routes).toEqual([
        { cidrBlock: "0.0.0.0/0", networkInterfaceId: ENI[node].internal },
        { cidrBlock: "10.50.0.0/16", networkInterfaceId: ENI[node].internal },
        { destinationPrefixListId: PREFIX_LIST, networkInterfaceId: ENI[node].internal },
        { ipv6CidrBlock: "2001:db8::/32", networkInterfaceId: ENI[node].external },
        { cidrBlock: "192.168.0.0/16", transitGatewayId: TGW },
      ]);
      // VGW propagation is owned inline: a propagation enabled on one twin only is undone by `up`.
      expect(table.inputs.propagatingVgws).toEqual([VGW]);
    }
    expect(withoutNextHop(twins.a)).toEqual(withoutNextHop(twins.b));
    // The gateway endpoint is associated with both twins, so S3 keeps working whichever table the subnet is on.
    expect(h.ofType(T.endpointAssociation).map((r) => [r.inputs.vpcEndpointId, r.inputs.routeTableId]).sort()).toEqual([
      [S3_ENDPOINT, twins.a.id],
      [S3_ENDPOINT, twins.b.id],
    ].sort());
  });

  it("associates each subnet with node a's twin once, and leaves the association's table to the agent (ignoreChanges routeTableId)", async () => {
    const { h } = await build(associationArgs());
    const twins = twinsOf(h);
    const associations = h.ofType(T.association);
    expect(associations.map((r) => [r.name, r.inputs.subnetId, r.inputs.routeTableId])).toEqual([
      ["edge-subnets-0-subnet-0", SUBNETS[0], twins.a.id],
      ["edge-subnets-0-subnet-1", SUBNETS[1], twins.a.id],
    ]);
    for (const association of associations) expect(association.ignoreChanges).toEqual(["routeTableId"]);
    // Existing subnets get the label with aws.ec2.Tag (the grant is conditioned on it); the tables carry it in their own tags.
    const tags = h.ofType(T.tag).map((t) => `${t.inputs.resourceId} ${t.inputs.key}=${t.inputs.value}`);
    for (const subnet of SUBNETS) expect(tags).toContain(`${subnet} f5_cloud_failover_label=edge`);
    expect(tags.filter((t) => t.startsWith(twins.a.id!) || t.startsWith(twins.b.id!))).toEqual([]);
    // Every child is the component's.
    const component = h.get("ha-pair:index:AwsHaPair", "edge");
    for (const r of [...h.ofType(T.table), ...associations, ...h.ofType(T.endpointAssociation)]) expect(r.parent, r.name).toBe(component.urn);
  });

  it("writes routeTableAssociations into the agent config: each subnet with both twins and the pair's routes; no per-route entry for them", async () => {
    const { h, config } = await build(associationArgs());
    const twins = twinsOf(h);
    expect(validateConfig(config).ok).toBe(true);
    const routes = [
      { destinations: ["0.0.0.0/0", "10.50.0.0/16", PREFIX_LIST], nextHop: { role: "internal" } },
      { destinations: ["2001:db8::/32"], nextHop: { role: "external" } },
    ];
    expect(config.routeTableAssociations).toEqual(SUBNETS.map((subnetId) => ({ subnetId, routeTableIds: { a: twins.a.id, b: twins.b.id }, routes })));
    expect(config.routes).toBeUndefined();
  });

  it("turns source/dest check off on the interfaces the twin routes point at, even when nothing else follows that role", async () => {
    const args = associationArgs({ elasticIps: [] });
    const { h } = await build(args);
    expect(h.ofType(T.sdc).map((r) => r.inputs.networkInterfaceId).sort()).toEqual([ENI.a.external, ENI.a.internal, ENI.b.external, ENI.b.internal].sort());
  });

  it("grants ReplaceRoute on no twin table (their routes never change)", async () => {
    const args = associationArgs({ routes: [{ routeTableId: "rtb-0000000000000000c", destinations: ["10.9.0.0/16"], nextHopRole: "internal" }] });
    const { h, policy } = await build(args);
    const twins = twinsOf(h);
    const replaceRoute = statements(policy).find((s) => s.Sid === "PairOnlyReplaceRoute")!;
    expect(replaceRoute.Resource).toEqual([`${ARN}:route-table/rtb-0000000000000000c`]);
    const twinArns = [twins.a.id!, twins.b.id!].map((id) => `${ARN}:route-table/${id}`);
    for (const s of statements(policy).filter((st) => st.Effect === "Allow" && ([st.Action].flat() as string[]).includes("ec2:ReplaceRoute"))) {
      for (const arn of twinArns) expect([s.Resource].flat()).not.toContain(arn);
    }
  });
});

describe("AwsHaPair in association mode refuses what cannot work, naming the fix", () => {
  it.each([true, false])("a subnet created in this program without the pair's label (preview: %s)", async (preview) => {
    const h = new PulumiMockHarness({ existing, preview, captureProgramErrors: true });
    const pair = await h.run(() => {
      const tagged = new aws.ec2.Subnet("app-0", { vpcId: VPC, cidrBlock: "10.0.100.0/24", tags: pairTags("edge") });
      const untagged = new aws.ec2.Subnet("app-1", { vpcId: VPC, cidrBlock: "10.0.101.0/24", tags: { Name: "app-1" } });
      const args = associationArgs();
      args.subnetRouteTables = [{ subnets: [tagged, untagged], routes: [{ destinations: ["0.0.0.0/0"], nextHopRole: "internal" }] }];
      return new AwsHaPair("edge", args);
    });
    const error = await resolve(pair.vpcId).then(() => undefined, (e: Error) => e);
    await h.finish();
    expect(error?.message).toContain("1 problem with the pair's resources");
    expect(error?.message).toContain('subnetRouteTables[0].subnets[1] (aws.ec2.Subnet "app-1"): its tags lack f5_cloud_failover_label=edge; add ...pairTags("edge")');
    // Nothing is built on a pair that failed its checks, and an owned subnet is never also tagged by the component.
    expect(h.ofType(T.table)).toHaveLength(0);
    expect(h.ofType(T.tag).filter((t) => t.inputs.resourceId.startsWith("subnet-"))).toEqual([]);
  });

  it("a subnet of this program given by ID whose own tags carry the label (an aws.ec2.Tag on it would fight them), naming the arg to use instead", async () => {
    const h = new PulumiMockHarness({ existing, preview: true, captureProgramErrors: true });
    await h.run(() => {
      const owned = new aws.ec2.Subnet("app-0", { vpcId: VPC, cidrBlock: "10.0.100.0/24", tags: pairTags("edge") });
      const args = associationArgs();
      args.subnetRouteTables = [{ subnetIds: [owned.id], routes: [{ destinations: ["0.0.0.0/0"], nextHopRole: "internal" }] }];
      return new AwsHaPair("edge", args);
    });
    const errors = await h.finish();
    expect(errors.map((e) => e.message).join("\n")).toContain(
      'subnetRouteTables[0].subnetIds[0] gives by ID the resource "app-0" of this program, which sets f5_cloud_failover_label in its own tags',
    );
    expect(errors.map((e) => e.message).join("\n")).toContain("Pass the resource itself as subnetRouteTables[0].subnets");
  });

  it('manage: { tags: "verify" }: existing subnets are read back, not tagged, and one without the label is named with the fix', async () => {
    const subnetTags: Record<string, Record<string, string>> = { [SUBNETS[0]!]: { f5_cloud_failover_label: "edge" }, [SUBNETS[1]!]: { Name: "unlabelled" } };
    const eniTags = (id: string) => {
      const [node, role] = (Object.entries(ENI) as [string, Record<string, string>][]).flatMap(([n, roles]) => Object.entries(roles).filter(([, v]) => v === id).map(([r]) => [n, r]))[0]!;
      return [{ Key: "f5_cloud_failover_label", Value: "edge" }, { Key: "f5_cloud_failover_nic_map", Value: role }, { Key: "node", Value: node }];
    };
    const h = new PulumiMockHarness({
      existing,
      preview: true,
      captureProgramErrors: true,
      calls: {
        "aws:ec2/getSubnet:getSubnet": ({ id }) => ({ id, tags: subnetTags[id] }),
        "aws:ec2/getElasticIp:getElasticIp": ({ id }) => ({ id, tags: { f5_cloud_failover_label: "edge" } }),
        "aws:cloudcontrol/getResource:getResource": ({ typeName, identifier }) => ({ id: identifier, typeName, identifier, properties: JSON.stringify({ Id: identifier, SourceDestCheck: false, Tags: eniTags(identifier) }) }),
      },
    });
    const pair = await h.run(() => new AwsHaPair("edge", associationArgs({ manage: { tags: "verify" } })));
    const error = await resolve(pair.vpcId).then(() => undefined, (e: Error) => e);
    await h.finish();
    expect(h.ofType(T.tag)).toEqual([]);
    expect(error?.message).toContain("1 problem with the pair's resources");
    expect(error?.message).toContain(`subnetRouteTables[0].subnetIds[1] (${SUBNETS[1]}): tag f5_cloud_failover_label is missing, expected "edge"; set it where the subnet is owned, or let the component write it with manage: { tags: "apply" }`);
  });

  it("a route mode and its args that disagree, a next-hop role a node lacks, a destination or a subnet listed twice — all at once", async () => {
    const refuse = async (args: AwsHaPairArgs) => {
      const h = new PulumiMockHarness();
      return h.run(() => new AwsHaPair("edge", args)).then(() => "accepted", (e: Error) => e.message);
    };
    expect(await refuse(associationArgs({ subnetRouteTables: [] }))).toContain('routeMode "association": list subnetRouteTables');
    expect(await refuse(associationArgs({ routeMode: undefined }))).toContain('subnetRouteTables is association mode: set routeMode: "association"');
    expect(await refuse(associationArgs({ routeMode: "twin" as never }))).toContain('routeMode: "twin" is not one of "per-route", "association"');
    const args = associationArgs();
    args.subnetRouteTables = [
      { subnetIds: [SUBNETS[0]!], routes: [{ destinations: ["0.0.0.0/0"], nextHopRole: "dmz" }, { destinations: ["0.0.0.0/0"], nextHopRole: "internal" }] },
      { subnetIds: [SUBNETS[0]!], routes: [] },
    ];
    const message = await refuse(args);
    expect(message).toContain('subnetRouteTables[0].routes[0]: node a has no interface of role "dmz"');
    expect(message).toContain('subnetRouteTables[0].routes[0]: node b has no interface of role "dmz"');
    expect(message).toContain("subnetRouteTables[0]: destination 0.0.0.0/0 is listed twice");
    expect(message).toContain(`subnetRouteTables[1]: subnet ${SUBNETS[0]} is already in subnetRouteTables[0]`);
    expect(message).toContain("subnetRouteTables[1]: list the routes that follow the active node");
  });
});
