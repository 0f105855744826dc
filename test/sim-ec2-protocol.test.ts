import { afterEach, beforeEach, describe, expect, it } from "vitest";
import {
  AssignPrivateIpAddressesCommand,
  AssociateAddressCommand,
  CreateTagsCommand,
  DeleteTagsCommand,
  DescribeAddressesCommand,
  DescribeInstancesCommand,
  DescribeNetworkInterfacesCommand,
  DescribeRouteTablesCommand,
  DescribeSubnetsCommand,
  DescribeTagsCommand,
  DescribeVpcsCommand,
  ReplaceRouteCommand,
} from "@aws-sdk/client-ec2";
import { XMLParser } from "fast-xml-parser";
import { EC2_MUTATING_ACTIONS, Ec2World, handleEc2, type Authorizer, type ResourceRef } from "../sim/ec2/index.js";
import { TEST_CALLER } from "./helpers/ec2-only-server.js";
import { failureOf, IDS, startEc2TestBed, testTopology, type Ec2TestBed } from "./sim-ec2-fixture.js";

let bed: Ec2TestBed;
let now: number;
beforeEach(async () => {
  now = Date.parse("2030-01-01T00:00:00Z");
  bed = await startEc2TestBed({ now: () => now });
});
afterEach(async () => {
  await bed.server.close();
});

const ARN = (type: string, id: string) => `arn:aws:ec2:us-east-1:123456789012:${type}/${id}`;

describe("authorization and DryRun", () => {
  it("answers 412 DryRunOperation for an authorized DryRun and changes nothing", async () => {
    const failure = await failureOf(
      bed.server.client.send(
        new AssociateAddressCommand({ AllocationId: IDS.eipOnSecondary, NetworkInterfaceId: IDS.eniExternalB, PrivateIpAddress: "10.0.1.20", DryRun: true }),
      ),
    );
    expect(failure).toMatchObject({ code: "DryRunOperation", status: 412, message: "Request would have succeeded, but DryRun flag is set." });
    expect(bed.world.eipAssociation(IDS.eipOnSecondary)?.networkInterfaceId).toBe(IDS.eniExternalA);
    expect(bed.world.versionTimes()).toHaveLength(1); // nothing was committed
    const replace = await failureOf(
      bed.server.client.send(new ReplaceRouteCommand({ RouteTableId: IDS.rtbPair, DestinationCidrBlock: "192.168.0.0/16", NetworkInterfaceId: IDS.eniInternalB, DryRun: true })),
    );
    expect(replace.code).toBe("DryRunOperation");
    expect(bed.world.routeTarget(IDS.rtbPair, "192.168.0.0/16")?.networkInterfaceId).toBe(IDS.eniInternalA);
    const describe = await failureOf(bed.server.client.send(new DescribeRouteTablesCommand({ DryRun: true })));
    expect(describe.code).toBe("DryRunOperation");
  });

  it("rejects DryRun on actions whose API has none (AssignPrivateIpAddresses) instead of pretending to check", () => {
    const world = new Ec2World(testTopology());
    const body = `Action=AssignPrivateIpAddresses&Version=2016-11-15&NetworkInterfaceId=${IDS.eniExternalB}&PrivateIpAddress.1=10.0.1.100&AllowReassignment=true&DryRun=true`;
    const response = handleEc2(world, { params: new URLSearchParams(body), caller: TEST_CALLER, requestId: "req-dry" });
    expect(response.status).toBe(400);
    expect(response.body).toContain("<Code>UnknownParameter</Code>");
    expect(world.whereIsPrivateIp("10.0.1.100")).toBe(IDS.eniExternalA);
  });

  it("checks parameters and existence before authorization: a DryRun on an unknown resource is NotFound", async () => {
    const failure = await failureOf(
      bed.server.client.send(new ReplaceRouteCommand({ RouteTableId: "rtb-0fffffffffffffff0", DestinationCidrBlock: "192.168.0.0/16", NetworkInterfaceId: IDS.eniInternalB, DryRun: true })),
    );
    expect(failure.code).toBe("InvalidRouteTableID.NotFound");
  });

  it("passes the authorizer the action, caller, region and every touched resource with its current tags", async () => {
    const seen: { action: string; resources: ResourceRef[] }[] = [];
    bed.server.setAuthorizer((request) => {
      expect(request.caller).toEqual(TEST_CALLER);
      expect(request.region).toBe("us-east-1");
      seen.push({ action: request.action, resources: request.resources });
      return { allowed: true };
    });
    await bed.server.client.send(
      new AssociateAddressCommand({ AllocationId: IDS.eipOnSecondary, NetworkInterfaceId: IDS.eniExternalB, PrivateIpAddress: "10.0.1.20", AllowReassociation: true }),
    );
    await bed.server.client.send(new ReplaceRouteCommand({ RouteTableId: IDS.rtbPair, DestinationCidrBlock: "192.168.0.0/16", NetworkInterfaceId: IDS.eniInternalB }));
    await bed.server.client.send(new AssignPrivateIpAddressesCommand({ NetworkInterfaceId: IDS.eniExternalB, PrivateIpAddresses: ["10.0.1.101"], AllowReassignment: true }));
    await bed.server.client.send(new CreateTagsCommand({ Resources: [IDS.eniInternalB, IDS.rtbNodeB], Tags: [{ Key: "k", Value: "v" }] }));
    await bed.server.client.send(new DescribeNetworkInterfacesCommand({}));
    expect(seen).toEqual([
      {
        action: "AssociateAddress",
        resources: [
          { arn: ARN("elastic-ip", IDS.eipOnSecondary), tags: { f5_cloud_failover_label: "pair-one", f5_cloud_failover_nic_map: "external" } },
          { arn: ARN("network-interface", IDS.eniExternalB), tags: { f5_cloud_failover_label: "pair-one", f5_cloud_failover_nic_map: "external" } },
        ],
      },
      { action: "ReplaceRoute", resources: [{ arn: ARN("route-table", IDS.rtbPair), tags: { f5_cloud_failover_label: "pair-one", Name: "pair-internal" } }] },
      {
        action: "AssignPrivateIpAddresses",
        resources: [{ arn: ARN("network-interface", IDS.eniExternalB), tags: { f5_cloud_failover_label: "pair-one", f5_cloud_failover_nic_map: "external" } }],
      },
      {
        action: "CreateTags",
        resources: [
          { arn: ARN("network-interface", IDS.eniInternalB), tags: { f5_cloud_failover_label: "pair-one", f5_cloud_failover_nic_map: "internal" } },
          { arn: ARN("route-table", IDS.rtbNodeB), tags: {} },
        ],
      },
      { action: "DescribeNetworkInterfaces", resources: [] },
    ]);
  });

  it("answers 403 UnauthorizedOperation naming caller, action and resource, with or without DryRun, changing nothing", async () => {
    const denyRouteTables: Authorizer = ({ resources }) => {
      const table = resources.find((resource) => resource.arn.includes(":route-table/"));
      return table ? { allowed: false, reason: "no identity-based policy allows the ec2:ReplaceRoute action" } : { allowed: true };
    };
    bed.server.setAuthorizer(denyRouteTables);
    for (const dryRun of [false, true]) {
      const failure = await failureOf(
        bed.server.client.send(
          new ReplaceRouteCommand({ RouteTableId: IDS.rtbPair, DestinationCidrBlock: "192.168.0.0/16", NetworkInterfaceId: IDS.eniInternalB, DryRun: dryRun }),
        ),
      );
      expect(failure).toMatchObject({
        code: "UnauthorizedOperation",
        status: 403,
        message:
          `You are not authorized to perform this operation. User: ${TEST_CALLER.arn} is not authorized to perform: ec2:ReplaceRoute ` +
          `on resource: ${ARN("route-table", IDS.rtbPair)} because no identity-based policy allows the ec2:ReplaceRoute action`,
      });
    }
    expect(bed.world.routeTarget(IDS.rtbPair, "192.168.0.0/16")?.networkInterfaceId).toBe(IDS.eniInternalA);
    // An authorizer may name the denied resource itself.
    bed.server.setAuthorizer(({ resources }) => ({
      allowed: false,
      reason: "explicit deny",
      ...(resources.length > 0 ? { resourceArn: ARN("network-interface", IDS.eniExternalB) } : {}),
    }));
    const named = await failureOf(
      bed.server.client.send(new AssociateAddressCommand({ AllocationId: IDS.eipFree, NetworkInterfaceId: IDS.eniExternalB })),
    );
    expect(named.message).toContain(`ec2:AssociateAddress on resource: ${ARN("network-interface", IDS.eniExternalB)} because explicit deny`);
    const describe = await failureOf(bed.server.client.send(new DescribeAddressesCommand({})));
    expect(describe.message).toBe(`You are not authorized to perform this operation. User: ${TEST_CALLER.arn} is not authorized to perform: ec2:DescribeAddresses because explicit deny`);
  });
});

describe("EC2 Query protocol", () => {
  const parser = new XMLParser();
  const call = (world: Ec2World, body: Record<string, string>) =>
    handleEc2(world, { params: new URLSearchParams(body), caller: TEST_CALLER, requestId: "req-1" });

  it("answers errors in EC2's error document with the request ID", () => {
    const answer = call(bed.world, { Action: "DescribeWidgets", Version: "2016-11-15" });
    expect(answer.status).toBe(400);
    expect(parser.parse(answer.body)).toEqual({
      "?xml": "",
      Response: { Errors: { Error: { Code: "InvalidAction", Message: "The action DescribeWidgets is not valid for this web service." } }, RequestID: "req-1" },
    });
    expect(parser.parse(call(bed.world, { Version: "2016-11-15" }).body).Response.Errors.Error.Code).toBe("MissingAction");
    const missing = call(bed.world, { Action: "ReplaceRoute", DestinationCidrBlock: "192.168.0.0/16", NetworkInterfaceId: IDS.eniInternalB });
    expect(missing.status).toBe(400);
    expect(parser.parse(missing.body).Response.Errors.Error).toEqual({ Code: "MissingParameter", Message: "The request must contain the parameter RouteTableId" });
  });

  it("wraps results in <ActionResponse xmlns=2016-11-15> with requestId, and escapes values", () => {
    const answer = call(bed.world, { Action: "CreateTags", "ResourceId.1": IDS.eniOther, "Tag.1.Key": "note", "Tag.1.Value": "a<b & c" });
    expect(answer.status).toBe(200);
    expect(answer.body).toContain('<CreateTagsResponse xmlns="http://ec2.amazonaws.com/doc/2016-11-15/"><requestId>req-1</requestId><return>true</return>');
    const described = call(bed.world, { Action: "DescribeTags", "Filter.1.Name": "key", "Filter.1.Value.1": "note" });
    expect(described.body).toContain("<value>a&lt;b &amp; c</value>");
  });

  it("lists exactly the mutating actions", () => {
    expect([...EC2_MUTATING_ACTIONS].sort()).toEqual(
      [
        "AssignPrivateIpAddresses",
        "AssociateAddress",
        "AssociateRouteTable",
        "CreateRoute",
        "CreateTags",
        "DeleteRoute",
        "DeleteTags",
        "DisassociateAddress",
        "DisassociateRouteTable",
        "ModifyNetworkInterfaceAttribute",
        "ReplaceRoute",
        "ReplaceRouteTableAssociation",
        "UnassignPrivateIpAddresses",
      ].sort(),
    );
  });
});

describe("stale reads (readAsOf)", () => {
  it("answers Describe calls from the state as of an earlier instant while writes see the truth", async () => {
    const beforeMove = now;
    now += 1_000;
    await bed.server.client.send(new AssignPrivateIpAddressesCommand({ NetworkInterfaceId: IDS.eniExternalB, PrivateIpAddresses: ["10.0.1.100"], AllowReassignment: true }));
    now += 1_000;
    await bed.server.client.send(new ReplaceRouteCommand({ RouteTableId: IDS.rtbPair, DestinationCidrBlock: "192.168.0.0/16", NetworkInterfaceId: IDS.eniInternalB }));
    const holder = async () =>
      (await bed.server.client.send(new DescribeNetworkInterfacesCommand({ Filters: [{ Name: "addresses.private-ip-address", Values: ["10.0.1.100"] }] })))
        .NetworkInterfaces!.map((eni) => eni.NetworkInterfaceId);
    const routeTarget = async () =>
      (await bed.server.client.send(new DescribeRouteTablesCommand({ RouteTableIds: [IDS.rtbPair] }))).RouteTables![0]!.Routes!.find(
        (route) => route.DestinationCidrBlock === "192.168.0.0/16",
      )!.NetworkInterfaceId;

    bed.server.setReadAsOf(beforeMove);
    expect(await holder()).toEqual([IDS.eniExternalA]);
    expect(await routeTarget()).toBe(IDS.eniInternalA);
    const eipBefore = (await bed.server.client.send(new DescribeAddressesCommand({ AllocationIds: [IDS.eipOnSecondary] }))).Addresses![0]!;
    expect(eipBefore.NetworkInterfaceId).toBe(IDS.eniExternalA);

    bed.server.setReadAsOf(beforeMove + 1_500); // after the IP move, before the route change
    expect(await holder()).toEqual([IDS.eniExternalB]);
    expect(await routeTarget()).toBe(IDS.eniInternalA);

    bed.server.setReadAsOf(beforeMove - 60_000); // before the world existed: the seed
    expect(await holder()).toEqual([IDS.eniExternalA]);

    // A write during a stale-read window acts on the current state, not the stale one.
    bed.server.setReadAsOf(beforeMove);
    const again = await failureOf(
      bed.server.client.send(new AssignPrivateIpAddressesCommand({ NetworkInterfaceId: IDS.eniExternalA, PrivateIpAddresses: ["10.0.1.100"] })),
    );
    expect(again.code).toBe("InvalidIPAddress.InUse");

    bed.server.setReadAsOf(undefined);
    expect(await holder()).toEqual([IDS.eniExternalB]);
    expect(await routeTarget()).toBe(IDS.eniInternalB);
  });

  it("keeps a bounded history: old versions fall out of the window, the newest is always kept", () => {
    let clock = 0;
    const world = new Ec2World(testTopology(), { now: () => clock, historyWindowMs: 10_000, maxVersions: 4 });
    for (let step = 1; step <= 6; step++) {
      clock = step * 1_000;
      world.mutate((draft) => {
        draft.networkInterfaces[IDS.eniExternalB]!.description = `step ${step}`;
      });
    }
    expect(world.versionTimes()).toEqual([3_000, 4_000, 5_000, 6_000]);
    expect(world.stateAt(0).networkInterfaces[IDS.eniExternalB]!.description).toBe("step 3"); // oldest kept
    clock = 30_000;
    world.mutate((draft) => {
      draft.networkInterfaces[IDS.eniExternalB]!.description = "late";
    });
    // The newest version older than the horizon (20 s) stays: it is what a read at the horizon sees.
    expect(world.versionTimes()).toEqual([6_000, 30_000]);
    expect(world.stateAt(29_000).networkInterfaces[IDS.eniExternalB]!.description).toBe("step 6");
    expect(world.stateAt(30_000).networkInterfaces[IDS.eniExternalB]!.description).toBe("late");
  });

  it("snapshots are deep copies: editing one never changes the world", () => {
    const snapshot = bed.world.snapshot();
    snapshot.networkInterfaces[IDS.eniExternalA]!.privateIps = [];
    expect(bed.world.whereIsPrivateIp("10.0.1.100")).toBe(IDS.eniExternalA);
  });
});

describe("tags", () => {
  it("creates, overwrites and deletes tags (by key, by key and value, all), shown by describes and DescribeTags", async () => {
    await bed.server.client.send(
      new CreateTagsCommand({ Resources: [IDS.eniOther, IDS.eipFree, IDS.rtbOther, IDS.instanceOther, IDS.subnetOther, IDS.vpcB], Tags: [{ Key: "env", Value: "test" }, { Key: "owner", Value: "me" }] }),
    );
    const tagged = await bed.server.client.send(new DescribeTagsCommand({ Filters: [{ Name: "key", Values: ["env"] }] }));
    expect(tagged.Tags!.map((tag) => `${tag.ResourceType}:${tag.ResourceId}`).sort()).toEqual(
      [
        `network-interface:${IDS.eniOther}`,
        `elastic-ip:${IDS.eipFree}`,
        `route-table:${IDS.rtbOther}`,
        `instance:${IDS.instanceOther}`,
        `subnet:${IDS.subnetOther}`,
        `vpc:${IDS.vpcB}`,
      ].sort(),
    );
    await bed.server.client.send(new CreateTagsCommand({ Resources: [IDS.eniOther], Tags: [{ Key: "env", Value: "prod" }] }));
    await bed.server.client.send(new DeleteTagsCommand({ Resources: [IDS.eniOther], Tags: [{ Key: "owner", Value: "someone-else" }] })); // value differs: kept
    const eni = (await bed.server.client.send(new DescribeNetworkInterfacesCommand({ NetworkInterfaceIds: [IDS.eniOther] }))).NetworkInterfaces![0]!;
    expect(eni.TagSet).toEqual([{ Key: "team", Value: "other" }, { Key: "env", Value: "prod" }, { Key: "owner", Value: "me" }]);
    await bed.server.client.send(new DeleteTagsCommand({ Resources: [IDS.eniOther], Tags: [{ Key: "owner" }] }));
    await bed.server.client.send(new DeleteTagsCommand({ Resources: [IDS.eipFree] }));
    expect(bed.world.snapshot().networkInterfaces[IDS.eniOther]!.tags).toEqual({ team: "other", env: "prod" });
    expect(bed.world.snapshot().addresses[IDS.eipFree]!.tags).toEqual({});
  });

  it("refuses unknown resources, reserved aws: keys and missing parameters", async () => {
    const unknown = await failureOf(bed.server.client.send(new CreateTagsCommand({ Resources: ["rtb-0fffffffffffffff0"], Tags: [{ Key: "k", Value: "v" }] })));
    expect(unknown.code).toBe("InvalidRouteTableID.NotFound");
    const invalid = await failureOf(bed.server.client.send(new CreateTagsCommand({ Resources: ["widget-1"], Tags: [{ Key: "k", Value: "v" }] })));
    expect(invalid.code).toBe("InvalidID");
    const reserved = await failureOf(bed.server.client.send(new CreateTagsCommand({ Resources: [IDS.eniOther], Tags: [{ Key: "aws:cloudformation:stack-name", Value: "v" }] })));
    expect(reserved.code).toBe("InvalidParameterValue");
    const noTags = await failureOf(bed.server.client.send(new CreateTagsCommand({ Resources: [IDS.eniOther], Tags: [] })));
    expect(noTags.code).toBe("MissingParameter");
  });
});

describe("instances, subnets, VPCs", () => {
  it("DescribeInstances returns reservations with instances, placement, role profile, tags and their network interfaces", async () => {
    const out = await bed.server.client.send(new DescribeInstancesCommand({ InstanceIds: [IDS.instanceA] }));
    expect(out.Reservations).toHaveLength(1);
    const reservation = out.Reservations![0]!;
    expect(reservation.ReservationId).toMatch(/^r-[0-9a-f]{17}$/);
    const instance = reservation.Instances![0]!;
    expect(instance).toMatchObject({
      InstanceId: IDS.instanceA,
      State: { Code: 16, Name: "running" },
      SubnetId: IDS.subnetExternal,
      VpcId: IDS.vpcA,
      PrivateIpAddress: "10.0.1.10",
      Placement: { AvailabilityZone: "us-east-1a" },
      SourceDestCheck: false,
      IamInstanceProfile: { Arn: "arn:aws:iam::123456789012:instance-profile/ha-pair-node" },
      Tags: [{ Key: "Name", Value: "bigip-a" }],
    });
    expect(instance.NetworkInterfaces!.map((eni) => [eni.NetworkInterfaceId, eni.Attachment?.DeviceIndex])).toEqual([
      [IDS.eniExternalA, 0],
      [IDS.eniInternalA, 1],
    ]);
    expect(instance.NetworkInterfaces![0]!.PrivateIpAddresses![1]).toMatchObject({
      PrivateIpAddress: "10.0.1.100",
      Primary: false,
      Association: { PublicIp: "203.0.113.10" },
    });
    const byFilter = await bed.server.client.send(new DescribeInstancesCommand({ Filters: [{ Name: "tag:Name", Values: ["bigip-*"] }] }));
    expect(byFilter.Reservations!.map((r) => r.Instances![0]!.InstanceId).sort()).toEqual([IDS.instanceA, IDS.instanceB].sort());
    const byIp = await bed.server.client.send(
      new DescribeInstancesCommand({ Filters: [{ Name: "network-interface.addresses.private-ip-address", Values: ["10.0.2.20"] }] }),
    );
    expect(byIp.Reservations!.map((r) => r.Instances![0]!.InstanceId)).toEqual([IDS.instanceB]);
    const missing = await failureOf(bed.server.client.send(new DescribeInstancesCommand({ InstanceIds: ["i-0fffffffffffffff0"] })));
    expect(missing).toMatchObject({ code: "InvalidInstanceID.NotFound", message: "The instance ID 'i-0fffffffffffffff0' does not exist" });
  });

  it("DescribeSubnets and DescribeVpcs return CIDRs, AZs, free address counts and filter by VPC", async () => {
    const subnets = await bed.server.client.send(new DescribeSubnetsCommand({ Filters: [{ Name: "vpc-id", Values: [IDS.vpcA] }] }));
    expect(subnets.Subnets!.map((subnet) => [subnet.SubnetId, subnet.CidrBlock, subnet.AvailabilityZone, subnet.AvailableIpAddressCount])).toEqual([
      [IDS.subnetExternal, "10.0.1.0/24", "us-east-1a", 251 - 4],
      [IDS.subnetInternal, "10.0.2.0/24", "us-east-1a", 251 - 2],
    ]);
    const vpcs = await bed.server.client.send(new DescribeVpcsCommand({ VpcIds: [IDS.vpcB] }));
    expect(vpcs.Vpcs).toEqual([expect.objectContaining({ VpcId: IDS.vpcB, CidrBlock: "10.1.0.0/16", State: "available", IsDefault: false })]);
    const unknownVpc = await failureOf(bed.server.client.send(new DescribeVpcsCommand({ VpcIds: ["vpc-0fffffffffffffff0"] })));
    expect(unknownVpc.code).toBe("InvalidVpcID.NotFound");
    const unknownSubnet = await failureOf(bed.server.client.send(new DescribeSubnetsCommand({ SubnetIds: ["subnet-0fffffffffffffff0"] })));
    expect(unknownSubnet.code).toBe("InvalidSubnetID.NotFound");
  });
});

describe("seeding from a topology", () => {
  it("uses the pair's own tag keys when the topology names them, and explicit tags win", () => {
    const topology = testTopology();
    topology.pair.labelKey = "ha_label";
    topology.pair.nicMapKey = "ha_nic";
    topology.instances[1]!.interfaces[0]!.tags = { ha_nic: "outside" };
    const world = new Ec2World(topology);
    expect(world.state.networkInterfaces[IDS.eniExternalA]!.tags).toEqual({ ha_label: "pair-one", ha_nic: "external" });
    expect(world.state.networkInterfaces[IDS.eniExternalB]!.tags).toEqual({ ha_label: "pair-one", ha_nic: "outside" });
    expect(world.state.addresses[IDS.eipOnSecondary]!.tags).toEqual({ ha_label: "pair-one", ha_nic: "external" });
    expect(world.state.routeTables[IDS.rtbPair]!.tags).toEqual({ ha_label: "pair-one", Name: "pair-internal" });
    expect(world.state.routeTables[IDS.rtbNodeB]!.tags).toEqual({});
  });

  it("refuses topologies EC2 could not hold", () => {
    const outsideSubnet = testTopology();
    outsideSubnet.instances[0]!.interfaces[0]!.secondaryIps = ["10.0.9.9"];
    expect(() => new Ec2World(outsideSubnet)).toThrow(/cannot hold 10\.0\.9\.9/);
    const twice = testTopology();
    twice.instances[1]!.interfaces[0]!.secondaryIps = ["10.0.1.100"];
    expect(() => new Ec2World(twice)).toThrow(/10\.0\.1\.100 is on both/);
    const wrongEip = testTopology();
    wrongEip.elasticIps[0]!.association = { networkInterfaceId: IDS.eniExternalB, privateIp: "10.0.1.100" };
    expect(() => new Ec2World(wrongEip)).toThrow(/does not hold/);
  });

  it("issues the same IDs for the same seed", () => {
    const first = new Ec2World(testTopology(), { idSeed: "s" });
    const second = new Ec2World(testTopology(), { idSeed: "s" });
    expect(first.eipAssociation(IDS.eipOnSecondary)).toEqual(second.eipAssociation(IDS.eipOnSecondary));
    expect(first.state.routeTables[IDS.rtbPair]!.associations).toEqual(second.state.routeTables[IDS.rtbPair]!.associations);
  });
});
