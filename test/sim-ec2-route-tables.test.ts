import { afterEach, beforeEach, describe, expect, it } from "vitest";
import {
  CreateRouteCommand,
  DeleteRouteCommand,
  DescribeRouteTablesCommand,
  ReplaceRouteCommand,
  ReplaceRouteTableAssociationCommand,
  type RouteTable,
} from "@aws-sdk/client-ec2";
import { failureOf, IDS, startEc2TestBed, type Ec2TestBed } from "./sim-ec2-fixture.js";

let bed: Ec2TestBed;
beforeEach(async () => {
  bed = await startEc2TestBed();
});
afterEach(async () => {
  await bed.server.close();
});

async function describeTable(id: string): Promise<RouteTable> {
  const out = await bed.server.client.send(new DescribeRouteTablesCommand({ RouteTableIds: [id] }));
  return out.RouteTables![0]!;
}

describe("DescribeRouteTables through the SDK", () => {
  it("exposes routes (all destination kinds, targets, state, origin), associations, tags and VPC", async () => {
    const table = await describeTable(IDS.rtbPair);
    expect(table).toMatchObject({ RouteTableId: IDS.rtbPair, VpcId: IDS.vpcA, OwnerId: "123456789012", PropagatingVgws: [] });
    expect(table.Routes).toEqual([
      { DestinationCidrBlock: "10.0.0.0/16", GatewayId: "local", Origin: "CreateRouteTable", State: "active" },
      { DestinationCidrBlock: "0.0.0.0/0", GatewayId: IDS.igw, Origin: "CreateRoute", State: "active" },
      {
        DestinationCidrBlock: "192.168.0.0/16",
        NetworkInterfaceId: IDS.eniInternalA,
        InstanceId: IDS.instanceA,
        InstanceOwnerId: "123456789012",
        Origin: "CreateRoute",
        State: "active",
      },
      { DestinationIpv6CidrBlock: "2001:db8::/64", NetworkInterfaceId: IDS.eniInternalA, InstanceId: IDS.instanceA, InstanceOwnerId: "123456789012", Origin: "CreateRoute", State: "active" },
      { DestinationPrefixListId: IDS.prefixList, NetworkInterfaceId: IDS.eniInternalA, InstanceId: IDS.instanceA, InstanceOwnerId: "123456789012", Origin: "CreateRoute", State: "active" },
    ]);
    expect(table.Associations).toEqual([
      {
        Main: false,
        RouteTableAssociationId: expect.stringMatching(/^rtbassoc-[0-9a-f]{17}$/),
        RouteTableId: IDS.rtbPair,
        SubnetId: IDS.subnetInternal,
        AssociationState: { State: "associated" },
      },
    ]);
    expect(table.Tags).toEqual(expect.arrayContaining([{ Key: "Name", Value: "pair-internal" }, { Key: "f5_cloud_failover_label", Value: "pair-one" }]));
  });

  it("filters by route-table-id, vpc-id, association.subnet-id, route destination and target, and tags", async () => {
    const ids = async (name: string, values: string[]) =>
      ((await bed.server.client.send(new DescribeRouteTablesCommand({ Filters: [{ Name: name, Values: values }] }))).RouteTables ?? [])
        .map((table) => table.RouteTableId)
        .sort();
    expect(await ids("route-table-id", [IDS.rtbNodeB])).toEqual([IDS.rtbNodeB]);
    expect(await ids("vpc-id", [IDS.vpcA])).toEqual([IDS.rtbPair, IDS.rtbNodeB].sort());
    expect(await ids("association.subnet-id", [IDS.subnetOther])).toEqual([IDS.rtbOther]);
    expect(await ids("route.destination-cidr-block", ["192.168.0.0/16"])).toEqual([IDS.rtbPair, IDS.rtbNodeB].sort());
    expect(await ids("route.destination-prefix-list-id", [IDS.prefixList])).toEqual([IDS.rtbPair]);
    expect(await ids("route.network-interface-id", [IDS.eniInternalB])).toEqual([IDS.rtbNodeB]);
    expect(await ids("tag:f5_cloud_failover_label", ["pair-one"])).toEqual([IDS.rtbPair]);
  });

  it("answers InvalidRouteTableID.NotFound for an unknown table", async () => {
    const failure = await failureOf(bed.server.client.send(new DescribeRouteTablesCommand({ RouteTableIds: ["rtb-0fffffffffffffff0"] })));
    expect(failure).toMatchObject({ code: "InvalidRouteTableID.NotFound", status: 400, message: "The routeTable ID 'rtb-0fffffffffffffff0' does not exist" });
  });
});

describe("ReplaceRoute", () => {
  it("points an existing route (IPv4, IPv6, prefix list) at another interface; repeating it is a no-op", async () => {
    for (let attempt = 0; attempt < 2; attempt++) {
      await bed.server.client.send(new ReplaceRouteCommand({ RouteTableId: IDS.rtbPair, DestinationCidrBlock: "192.168.0.0/16", NetworkInterfaceId: IDS.eniInternalB }));
      await bed.server.client.send(new ReplaceRouteCommand({ RouteTableId: IDS.rtbPair, DestinationIpv6CidrBlock: "2001:db8::/64", NetworkInterfaceId: IDS.eniInternalB }));
      await bed.server.client.send(new ReplaceRouteCommand({ RouteTableId: IDS.rtbPair, DestinationPrefixListId: IDS.prefixList, NetworkInterfaceId: IDS.eniInternalB }));
    }
    for (const destination of ["192.168.0.0/16", "2001:db8::/64", IDS.prefixList]) {
      expect(bed.world.routeTarget(IDS.rtbPair, destination)).toEqual({ networkInterfaceId: IDS.eniInternalB, state: "active" });
    }
    const route = (await describeTable(IDS.rtbPair)).Routes!.find((candidate) => candidate.DestinationCidrBlock === "192.168.0.0/16")!;
    expect(route).toMatchObject({ NetworkInterfaceId: IDS.eniInternalB, InstanceId: IDS.instanceB });
  });

  it("accepts an instance with one interface, or a gateway, as the target", async () => {
    await bed.server.client.send(new ReplaceRouteCommand({ RouteTableId: IDS.rtbPair, DestinationCidrBlock: "192.168.0.0/16", GatewayId: IDS.igw }));
    expect(bed.world.routeTarget(IDS.rtbPair, "192.168.0.0/16")).toEqual({ gatewayId: IDS.igw, state: "active" });
    const several = await failureOf(
      bed.server.client.send(new ReplaceRouteCommand({ RouteTableId: IDS.rtbPair, DestinationCidrBlock: "192.168.0.0/16", InstanceId: IDS.instanceB })),
    );
    expect(several.code).toBe("InvalidInstanceID");
  });

  it("answers InvalidRoute.NotFound, naming destination and table, when the route does not exist", async () => {
    const failure = await failureOf(
      bed.server.client.send(new ReplaceRouteCommand({ RouteTableId: IDS.rtbPair, DestinationCidrBlock: "172.16.0.0/12", NetworkInterfaceId: IDS.eniInternalB })),
    );
    expect(failure).toMatchObject({
      code: "InvalidRoute.NotFound",
      status: 400,
      message: `no route with destination-cidr-block 172.16.0.0/12 in route table ${IDS.rtbPair}`,
    });
    const prefixList = await failureOf(
      bed.server.client.send(new ReplaceRouteCommand({ RouteTableId: IDS.rtbNodeB, DestinationPrefixListId: IDS.prefixList, NetworkInterfaceId: IDS.eniInternalB })),
    );
    expect(prefixList.message).toBe(`no route with destination-prefix-list-id ${IDS.prefixList} in route table ${IDS.rtbNodeB}`);
    expect(bed.world.routeTarget(IDS.rtbPair, "172.16.0.0/12")).toBeNull();
  });

  it("refuses a target interface in another VPC", async () => {
    const failure = await failureOf(
      bed.server.client.send(new ReplaceRouteCommand({ RouteTableId: IDS.rtbPair, DestinationCidrBlock: "192.168.0.0/16", NetworkInterfaceId: IDS.eniOther })),
    );
    expect(failure).toMatchObject({
      code: "InvalidParameterValue",
      message: `route table ${IDS.rtbPair} and network interface ${IDS.eniOther} belong to different networks`,
    });
    expect(bed.world.routeTarget(IDS.rtbPair, "192.168.0.0/16")?.networkInterfaceId).toBe(IDS.eniInternalA);
  });

  it("refuses to replace the local route", async () => {
    const failure = await failureOf(
      bed.server.client.send(new ReplaceRouteCommand({ RouteTableId: IDS.rtbPair, DestinationCidrBlock: "10.0.0.0/16", NetworkInterfaceId: IDS.eniInternalB })),
    );
    expect(failure.code).toBe("InvalidParameterValue");
    expect(bed.world.routeTarget(IDS.rtbPair, "10.0.0.0/16")).toEqual({ gatewayId: "local", state: "active" });
  });

  it("validates parameters: table, destination, target", async () => {
    const table = await failureOf(
      bed.server.client.send(new ReplaceRouteCommand({ RouteTableId: "rtb-0fffffffffffffff0", DestinationCidrBlock: "192.168.0.0/16", NetworkInterfaceId: IDS.eniInternalB })),
    );
    expect(table.code).toBe("InvalidRouteTableID.NotFound");
    const eni = await failureOf(
      bed.server.client.send(new ReplaceRouteCommand({ RouteTableId: IDS.rtbPair, DestinationCidrBlock: "192.168.0.0/16", NetworkInterfaceId: "eni-0fffffffffffffff0" })),
    );
    expect(eni.code).toBe("InvalidNetworkInterfaceID.NotFound");
    const cidr = await failureOf(
      bed.server.client.send(new ReplaceRouteCommand({ RouteTableId: IDS.rtbPair, DestinationCidrBlock: "192.168.0.1/16", NetworkInterfaceId: IDS.eniInternalB })),
    );
    expect(cidr.code).toBe("InvalidParameterValue");
    const noDestination = await failureOf(bed.server.client.send(new ReplaceRouteCommand({ RouteTableId: IDS.rtbPair, NetworkInterfaceId: IDS.eniInternalB })));
    expect(noDestination.code).toBe("MissingParameter");
    const noTarget = await failureOf(bed.server.client.send(new ReplaceRouteCommand({ RouteTableId: IDS.rtbPair, DestinationCidrBlock: "192.168.0.0/16" })));
    expect(noTarget.code).toBe("MissingParameter");
    const twoTargets = await failureOf(
      bed.server.client.send(new ReplaceRouteCommand({ RouteTableId: IDS.rtbPair, DestinationCidrBlock: "192.168.0.0/16", NetworkInterfaceId: IDS.eniInternalB, GatewayId: IDS.igw })),
    );
    expect(twoTargets.code).toBe("InvalidParameterCombination");
  });
});

describe("CreateRoute and DeleteRoute", () => {
  it("creates a route, refuses a duplicate destination, deletes it, and refuses deleting it twice", async () => {
    await bed.server.client.send(new CreateRouteCommand({ RouteTableId: IDS.rtbNodeB, DestinationCidrBlock: "172.16.0.0/12", NetworkInterfaceId: IDS.eniInternalB }));
    expect(bed.world.routeTarget(IDS.rtbNodeB, "172.16.0.0/12")).toEqual({ networkInterfaceId: IDS.eniInternalB, state: "active" });
    const duplicate = await failureOf(
      bed.server.client.send(new CreateRouteCommand({ RouteTableId: IDS.rtbNodeB, DestinationCidrBlock: "172.16.0.0/12", NetworkInterfaceId: IDS.eniInternalA })),
    );
    expect(duplicate).toMatchObject({ code: "RouteAlreadyExists", message: "The route identified by 172.16.0.0/12 already exists." });
    expect(bed.world.routeTarget(IDS.rtbNodeB, "172.16.0.0/12")?.networkInterfaceId).toBe(IDS.eniInternalB);
    await bed.server.client.send(new DeleteRouteCommand({ RouteTableId: IDS.rtbNodeB, DestinationCidrBlock: "172.16.0.0/12" }));
    expect(bed.world.routeTarget(IDS.rtbNodeB, "172.16.0.0/12")).toBeNull();
    const again = await failureOf(bed.server.client.send(new DeleteRouteCommand({ RouteTableId: IDS.rtbNodeB, DestinationCidrBlock: "172.16.0.0/12" })));
    expect(again).toMatchObject({ code: "InvalidRoute.NotFound", message: `no route with destination-cidr-block 172.16.0.0/12 in route table ${IDS.rtbNodeB}` });
  });

  it("creates prefix-list routes only for existing prefix lists, and IPv6 routes", async () => {
    await bed.server.client.send(new CreateRouteCommand({ RouteTableId: IDS.rtbNodeB, DestinationPrefixListId: IDS.prefixList, NetworkInterfaceId: IDS.eniInternalB }));
    expect(bed.world.routeTarget(IDS.rtbNodeB, IDS.prefixList)?.networkInterfaceId).toBe(IDS.eniInternalB);
    const unknownList = await failureOf(
      bed.server.client.send(new CreateRouteCommand({ RouteTableId: IDS.rtbNodeB, DestinationPrefixListId: "pl-0fffffffffffffff0", NetworkInterfaceId: IDS.eniInternalB })),
    );
    expect(unknownList.code).toBe("InvalidPrefixListID.NotFound");
    await bed.server.client.send(new CreateRouteCommand({ RouteTableId: IDS.rtbNodeB, DestinationIpv6CidrBlock: "2001:db8:1::/48", NetworkInterfaceId: IDS.eniInternalB }));
    expect(bed.world.routeTarget(IDS.rtbNodeB, "2001:db8:1::/48")?.networkInterfaceId).toBe(IDS.eniInternalB);
  });

  it("refuses a route to the VPC CIDR (the local route exists) and an interface of another VPC", async () => {
    const local = await failureOf(
      bed.server.client.send(new CreateRouteCommand({ RouteTableId: IDS.rtbNodeB, DestinationCidrBlock: "10.0.0.0/16", NetworkInterfaceId: IDS.eniInternalB })),
    );
    expect(local.code).toBe("RouteAlreadyExists");
    const otherVpc = await failureOf(
      bed.server.client.send(new CreateRouteCommand({ RouteTableId: IDS.rtbNodeB, DestinationCidrBlock: "172.16.0.0/12", NetworkInterfaceId: IDS.eniOther })),
    );
    expect(otherVpc.code).toBe("InvalidParameterValue");
    expect(bed.world.routeTarget(IDS.rtbNodeB, "172.16.0.0/12")).toBeNull();
  });

  it("refuses to delete the local route", async () => {
    const failure = await failureOf(bed.server.client.send(new DeleteRouteCommand({ RouteTableId: IDS.rtbNodeB, DestinationCidrBlock: "10.0.0.0/16" })));
    expect(failure).toMatchObject({ code: "InvalidParameterValue", message: `cannot remove local route 10.0.0.0/16 in route table ${IDS.rtbNodeB}` });
  });
});

describe("ReplaceRouteTableAssociation", () => {
  it("moves a subnet to another table of its VPC under a new association ID; the old ID is gone", async () => {
    const oldId = (await describeTable(IDS.rtbPair)).Associations![0]!.RouteTableAssociationId!;
    const out = await bed.server.client.send(new ReplaceRouteTableAssociationCommand({ AssociationId: oldId, RouteTableId: IDS.rtbNodeB }));
    expect(out.NewAssociationId).toMatch(/^rtbassoc-[0-9a-f]{17}$/);
    expect(out.NewAssociationId).not.toBe(oldId);
    expect(out.AssociationState).toEqual({ State: "associated" });
    expect((await describeTable(IDS.rtbPair)).Associations).toEqual([]);
    expect((await describeTable(IDS.rtbNodeB)).Associations).toEqual([
      { Main: false, RouteTableAssociationId: out.NewAssociationId, RouteTableId: IDS.rtbNodeB, SubnetId: IDS.subnetInternal, AssociationState: { State: "associated" } },
    ]);
    const stale = await failureOf(bed.server.client.send(new ReplaceRouteTableAssociationCommand({ AssociationId: oldId, RouteTableId: IDS.rtbPair })));
    expect(stale).toMatchObject({ code: "InvalidAssociationID.NotFound", message: `The association ID '${oldId}' does not exist` });
    // Moving back to the same table still issues yet another ID.
    const back = await bed.server.client.send(new ReplaceRouteTableAssociationCommand({ AssociationId: out.NewAssociationId, RouteTableId: IDS.rtbPair }));
    expect(back.NewAssociationId).not.toBe(out.NewAssociationId);
  });

  it("refuses a table of another VPC and an unknown table", async () => {
    const associationId = (await describeTable(IDS.rtbPair)).Associations![0]!.RouteTableAssociationId!;
    const otherVpc = await failureOf(bed.server.client.send(new ReplaceRouteTableAssociationCommand({ AssociationId: associationId, RouteTableId: IDS.rtbOther })));
    expect(otherVpc.code).toBe("InvalidParameterValue");
    const unknown = await failureOf(
      bed.server.client.send(new ReplaceRouteTableAssociationCommand({ AssociationId: associationId, RouteTableId: "rtb-0fffffffffffffff0" })),
    );
    expect(unknown.code).toBe("InvalidRouteTableID.NotFound");
    expect((await describeTable(IDS.rtbPair)).Associations![0]!.RouteTableAssociationId).toBe(associationId);
  });
});
