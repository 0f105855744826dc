// The simulated cloud's IAM for ReplaceRouteTableAssociation, through the real SDK: EC2 authorizes
// it on the route table it moves the subnet to AND on the subnet (Service Authorization Reference:
// resource types route-table and subnet; condition keys aws:ResourceTag, ec2:RouteTableID,
// ec2:SubnetID...). So the grant AwsHaPair generates (the pair's twin tables and subnets, while they
// carry the label) is allowed, and each way of being one resource too wide or too narrow is refused
// naming that resource.
import { DescribeRouteTablesCommand, EC2Client, ReplaceRouteTableAssociationCommand } from "@aws-sdk/client-ec2";
import { afterEach, describe, expect, it } from "vitest";
import { SIM_USER_POLICY_KEY, startAwsSim, type AwsSim, type PolicyDocument, type PolicyStatement } from "../sim/index.js";
import type { Topology } from "../sim/topology.js";
import { hexId, IDS, testTopology } from "./sim-ec2-fixture.js";

const LABEL = { f5_cloud_failover_label: "pair-one" };
const STRAY_TABLE = hexId("rtb", 0x4);
const arn = (type: string, id: string) => `arn:aws:ec2:us-east-1:123456789012:${type}/${id}`;

/** The fixture with node b's twin of the internal subnet's table, the tables and the subnet labelled, and one more labelled table of the VPC outside the pair. */
function twinTopology(options: { subnetLabelled?: boolean } = {}): Topology {
  const topology = testTopology();
  topology.subnets = topology.subnets.map((s) => (s.id === IDS.subnetInternal && options.subnetLabelled !== false ? { ...s, tags: { ...LABEL } } : s));
  topology.routeTables = [
    ...topology.routeTables.map((t) => (t.id === IDS.rtbPair || t.id === IDS.rtbNodeB ? { ...t, tags: { ...t.tags, ...LABEL } } : t)),
    { id: STRAY_TABLE, vpcId: IDS.vpcA, routes: [], tags: { ...LABEL } },
  ];
  return topology;
}

/** The statement shape the component generates: exact ARNs of the twins and subnets, and the label condition. */
function grant(resources: string[], condition: PolicyStatement["Condition"] = { StringEquals: { "aws:ResourceTag/f5_cloud_failover_label": "pair-one" } }): PolicyDocument {
  return {
    Version: "2012-10-17",
    Statement: [
      { Sid: "Describe", Effect: "Allow", Action: ["ec2:DescribeRouteTables"], Resource: "*" },
      { Sid: "PairOnlyReplaceRouteTableAssociation", Effect: "Allow", Action: ["ec2:ReplaceRouteTableAssociation"], Resource: resources, ...(condition ? { Condition: condition } : {}) },
    ],
  };
}
const PAIR_GRANT = [arn("route-table", IDS.rtbPair), arn("route-table", IDS.rtbNodeB), arn("subnet", IDS.subnetInternal)];

let sim: AwsSim | undefined;
afterEach(async () => {
  await sim?.stop();
  sim = undefined;
});

async function swap(s: AwsSim, to: string, dryRun = false): Promise<{ name: string; message: string }> {
  const ec2 = new EC2Client({ endpoint: s.endpoint, region: s.region, credentials: s.credentials, maxAttempts: 1 });
  try {
    const tables = await ec2.send(new DescribeRouteTablesCommand({ Filters: [{ Name: "association.subnet-id", Values: [IDS.subnetInternal] }] }));
    const associationId = tables.RouteTables![0]!.Associations!.find((a) => a.SubnetId === IDS.subnetInternal)!.RouteTableAssociationId!;
    const out = await ec2.send(new ReplaceRouteTableAssociationCommand({ AssociationId: associationId, RouteTableId: to, DryRun: dryRun }));
    return { name: "ok", message: out.NewAssociationId! };
  } catch (err) {
    return { name: (err as Error).name, message: (err as Error).message };
  } finally {
    ec2.destroy();
  }
}

const tableOfSubnet = (s: AwsSim) => Object.values(s.world.state.routeTables).find((t) => t.associations.some((a) => a.subnetId === IDS.subnetInternal))!.id;

describe("sim IAM: ReplaceRouteTableAssociation is authorized on the target route table and the subnet", () => {
  it("the pair's grant allows the swap both ways (DryRun first, then for real), under a new association ID each time", async () => {
    sim = await startAwsSim({ topology: twinTopology(), identityPolicies: { [SIM_USER_POLICY_KEY]: [grant(PAIR_GRANT)] } });
    expect((await swap(sim, IDS.rtbNodeB, true)).name).toBe("DryRunOperation");
    expect(tableOfSubnet(sim)).toBe(IDS.rtbPair);
    const there = await swap(sim, IDS.rtbNodeB);
    expect(there.name).toBe("ok");
    expect(tableOfSubnet(sim)).toBe(IDS.rtbNodeB);
    const back = await swap(sim, IDS.rtbPair);
    expect(back.name).toBe("ok");
    expect(back.message).not.toBe(there.message);
    expect(tableOfSubnet(sim)).toBe(IDS.rtbPair);
  });

  it("refuses a target table outside the grant, naming the table", async () => {
    sim = await startAwsSim({ topology: twinTopology(), identityPolicies: { [SIM_USER_POLICY_KEY]: [grant(PAIR_GRANT)] } });
    const refused = await swap(sim, STRAY_TABLE);
    expect(refused.name).toBe("UnauthorizedOperation");
    expect(refused.message).toContain(`ec2:ReplaceRouteTableAssociation on resource: ${arn("route-table", STRAY_TABLE)}`);
    expect(tableOfSubnet(sim)).toBe(IDS.rtbPair);
  });

  it("refuses when the grant leaves the subnet out, naming the subnet (the tables alone are not enough)", async () => {
    sim = await startAwsSim({ topology: twinTopology(), identityPolicies: { [SIM_USER_POLICY_KEY]: [grant(PAIR_GRANT.filter((a) => !a.includes(":subnet/")))] } });
    const refused = await swap(sim, IDS.rtbNodeB);
    expect(refused.name).toBe("UnauthorizedOperation");
    expect(refused.message).toContain(`on resource: ${arn("subnet", IDS.subnetInternal)}`);
  });

  it("refuses a subnet that lacks the pair's label, naming the subnet", async () => {
    sim = await startAwsSim({ topology: twinTopology({ subnetLabelled: false }), identityPolicies: { [SIM_USER_POLICY_KEY]: [grant(PAIR_GRANT)] } });
    const refused = await swap(sim, IDS.rtbNodeB);
    expect(refused.name).toBe("UnauthorizedOperation");
    expect(refused.message).toContain(`on resource: ${arn("subnet", IDS.subnetInternal)}`);
  });

  it("evaluates ec2:SubnetID on the subnet", async () => {
    const bySubnetId = (id: string) => grant(["arn:aws:ec2:*:*:route-table/*", "arn:aws:ec2:*:*:subnet/*"], { StringEqualsIfExists: { "ec2:SubnetID": id } });
    sim = await startAwsSim({ topology: twinTopology(), identityPolicies: { [SIM_USER_POLICY_KEY]: [bySubnetId(IDS.subnetInternal)] } });
    expect((await swap(sim, IDS.rtbNodeB, true)).name).toBe("DryRunOperation");
    sim.setIdentityPolicies(SIM_USER_POLICY_KEY, [bySubnetId(IDS.subnetExternal)]);
    const refused = await swap(sim, IDS.rtbNodeB, true);
    expect(refused.name).toBe("UnauthorizedOperation");
    expect(refused.message).toContain(`on resource: ${arn("subnet", IDS.subnetInternal)}`);
  });
});
