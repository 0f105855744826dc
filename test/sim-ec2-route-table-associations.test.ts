/**
 * The simulated EC2's route table associations, as AWS has them: a new association ID on every
 * ReplaceRouteTableAssociation, one explicit association per subnet, and the main table's rules
 * (its association cannot be removed; replacing it makes another table main).
 */
import {
  AssociateRouteTableCommand,
  DescribeRouteTablesCommand,
  DisassociateRouteTableCommand,
  ReplaceRouteTableAssociationCommand,
} from "@aws-sdk/client-ec2";
import { afterEach, describe, expect, it } from "vitest";
import { Ec2World } from "../sim/ec2/index.js";
import { startEc2OnlyServer, type Ec2OnlyServer } from "./helpers/ec2-only-server.js";
import { failureOf, IDS, testTopology } from "./sim-ec2-fixture.js";

let server: Ec2OnlyServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

/** The fixture with rtbNodeB as vpc A's main table. */
async function start(): Promise<Ec2OnlyServer> {
  const topology = testTopology();
  topology.routeTables.find((t) => t.id === IDS.rtbNodeB)!.main = true;
  server = await startEc2OnlyServer(new Ec2World(topology));
  return server;
}

const associationsOf = async (s: Ec2OnlyServer, id: string) => (await s.client.send(new DescribeRouteTablesCommand({ RouteTableIds: [id] }))).RouteTables![0]!.Associations ?? [];

describe("route table associations in the simulated EC2", () => {
  it("a subnet has one explicit association: a second AssociateRouteTable is refused, ReplaceRouteTableAssociation moves it", async () => {
    const s = await start();
    const [current] = (await associationsOf(s, IDS.rtbPair)).filter((a) => a.SubnetId === IDS.subnetInternal);
    expect(current).toBeDefined();
    const again = await failureOf(s.client.send(new AssociateRouteTableCommand({ RouteTableId: IDS.rtbNodeB, SubnetId: IDS.subnetInternal })));
    expect(again.code).toBe("Resource.AlreadyAssociated");
    expect(again.message).toContain(current!.RouteTableAssociationId!);
    const moved = await s.client.send(new ReplaceRouteTableAssociationCommand({ AssociationId: current!.RouteTableAssociationId!, RouteTableId: IDS.rtbNodeB }));
    expect((await associationsOf(s, IDS.rtbNodeB)).filter((a) => a.SubnetId === IDS.subnetInternal).map((a) => a.RouteTableAssociationId)).toEqual([moved.NewAssociationId]);
  });

  it("a subnet without an explicit association can be associated, and disassociated back onto the main table", async () => {
    const s = await start();
    const out = await s.client.send(new AssociateRouteTableCommand({ RouteTableId: IDS.rtbPair, SubnetId: IDS.subnetExternal }));
    expect(out.AssociationId).toMatch(/^rtbassoc-/);
    expect(out.AssociationState).toEqual({ State: "associated" });
    await s.client.send(new DisassociateRouteTableCommand({ AssociationId: out.AssociationId! }));
    expect((await associationsOf(s, IDS.rtbPair)).some((a) => a.SubnetId === IDS.subnetExternal)).toBe(false);
    const gone = await failureOf(s.client.send(new DisassociateRouteTableCommand({ AssociationId: out.AssociationId! })));
    expect(gone.code).toBe("InvalidAssociationID.NotFound");
  });

  it("the main association cannot be removed; replacing it makes another table main, under a new ID", async () => {
    const s = await start();
    const main = (await associationsOf(s, IDS.rtbNodeB)).find((a) => a.Main)!;
    expect(main.SubnetId).toBeUndefined();
    const refused = await failureOf(s.client.send(new DisassociateRouteTableCommand({ AssociationId: main.RouteTableAssociationId! })));
    expect(refused.code).toBe("InvalidParameterValue");
    expect(refused.message).toContain("main route table association");
    const moved = await s.client.send(new ReplaceRouteTableAssociationCommand({ AssociationId: main.RouteTableAssociationId!, RouteTableId: IDS.rtbPair }));
    expect(moved.NewAssociationId).not.toBe(main.RouteTableAssociationId);
    expect((await associationsOf(s, IDS.rtbPair)).find((a) => a.Main)?.RouteTableAssociationId).toBe(moved.NewAssociationId);
    expect((await associationsOf(s, IDS.rtbNodeB)).some((a) => a.Main)).toBe(false);
  });

  it("refuses a topology with two main tables in a VPC or a subnet in two tables", () => {
    const twoMain = testTopology();
    for (const t of twoMain.routeTables.filter((t) => t.vpcId === IDS.vpcA)) t.main = true;
    expect(() => new Ec2World(twoMain)).toThrow(/both main tables of/);
    const twice = testTopology();
    const pair = twice.routeTables.find((t) => t.id === IDS.rtbPair)!;
    twice.routeTables.find((t) => t.id === IDS.rtbNodeB)!.subnetIds = [...(pair.subnetIds ?? [])];
    expect(() => new Ec2World(twice)).toThrow(/is associated with both/);
  });
});
