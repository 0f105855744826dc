import { afterEach, beforeEach, describe, expect, it } from "vitest";
import {
  AssignPrivateIpAddressesCommand,
  DescribeAddressesCommand,
  DescribeNetworkInterfacesCommand,
  ModifyNetworkInterfaceAttributeCommand,
  UnassignPrivateIpAddressesCommand,
  type NetworkInterface,
} from "@aws-sdk/client-ec2";
import { failureOf, hexId, IDS, startEc2TestBed, testTopology, type Ec2TestBed } from "./sim-ec2-fixture.js";

let bed: Ec2TestBed;
beforeEach(async () => {
  bed = await startEc2TestBed();
});
afterEach(async () => {
  await bed.server.close();
});

async function describeEni(id: string): Promise<NetworkInterface> {
  const out = await bed.server.client.send(new DescribeNetworkInterfacesCommand({ NetworkInterfaceIds: [id] }));
  expect(out.NetworkInterfaces).toHaveLength(1);
  return out.NetworkInterfaces![0]!;
}

function addressesOf(eni: NetworkInterface): string[] {
  return (eni.PrivateIpAddresses ?? []).map((ip) => ip.PrivateIpAddress!);
}

describe("DescribeNetworkInterfaces through the SDK", () => {
  it("exposes attachment, addresses with primary flag and EIP association, subnet, VPC, tags and status", async () => {
    const eni = await describeEni(IDS.eniExternalA);
    expect(eni).toMatchObject({
      NetworkInterfaceId: IDS.eniExternalA,
      SubnetId: IDS.subnetExternal,
      VpcId: IDS.vpcA,
      AvailabilityZone: "us-east-1a",
      Status: "in-use",
      SourceDestCheck: false,
      PrivateIpAddress: "10.0.1.10",
      InterfaceType: "interface",
      OwnerId: "123456789012",
      Attachment: { InstanceId: IDS.instanceA, DeviceIndex: 0, Status: "attached", NetworkCardIndex: 0 },
    });
    expect(eni.Attachment!.AttachTime).toBeInstanceOf(Date);
    expect(eni.MacAddress).toMatch(/^0e(:[0-9a-f]{2}){5}$/);
    expect(eni.PrivateIpAddresses).toEqual([
      { PrivateIpAddress: "10.0.1.10", Primary: true, PrivateDnsName: "ip-10-0-1-10.ec2.internal" },
      {
        PrivateIpAddress: "10.0.1.100",
        Primary: false,
        PrivateDnsName: "ip-10-0-1-100.ec2.internal",
        Association: {
          AllocationId: IDS.eipOnSecondary,
          AssociationId: expect.stringMatching(/^eipassoc-[0-9a-f]{17}$/),
          IpOwnerId: "amazon",
          PublicDnsName: "ec2-203-0-113-10.compute-1.amazonaws.com",
          PublicIp: "203.0.113.10",
        },
      },
      { PrivateIpAddress: "10.0.1.101", Primary: false, PrivateDnsName: "ip-10-0-1-101.ec2.internal" },
    ]);
    // The seed tags the pair's interfaces with the label and their nic-map role.
    expect(eni.TagSet).toEqual(
      expect.arrayContaining([
        { Key: "f5_cloud_failover_label", Value: "pair-one" },
        { Key: "f5_cloud_failover_nic_map", Value: "external" },
      ]),
    );
    // The interface-level association is the one on the primary address; none here.
    expect(eni.Association).toBeUndefined();
    const other = await describeEni(IDS.eniOther);
    expect(other.Association).toMatchObject({ PublicIp: "203.0.113.12", AllocationId: IDS.eipOnPrimaryOther });
    expect(other.TagSet).toEqual([{ Key: "team", Value: "other" }]); // not part of the pair: no pair tags
  });

  it("answers InvalidNetworkInterfaceID.NotFound naming the unknown IDs, and .Malformed for garbage", async () => {
    const one = await failureOf(bed.server.client.send(new DescribeNetworkInterfacesCommand({ NetworkInterfaceIds: [IDS.eniExternalA, "eni-0123456789abcdef0"] })));
    expect(one).toMatchObject({ code: "InvalidNetworkInterfaceID.NotFound", status: 400, message: "The networkInterface ID 'eni-0123456789abcdef0' does not exist" });
    const two = await failureOf(bed.server.client.send(new DescribeNetworkInterfacesCommand({ NetworkInterfaceIds: ["eni-0123456789abcdef0", "eni-0123456789abcdef1"] })));
    expect(two.message).toBe("The networkInterface IDs 'eni-0123456789abcdef0, eni-0123456789abcdef1' do not exist");
    const malformed = await failureOf(bed.server.client.send(new DescribeNetworkInterfacesCommand({ NetworkInterfaceIds: ["eni-XYZ"] })));
    expect(malformed.code).toBe("InvalidNetworkInterfaceID.Malformed");
  });

  it("filters by tag, tag-key, VPC, subnet, attachment, private IP, association and wildcards", async () => {
    const ids = async (filters: { Name: string; Values: string[] }[]) =>
      ((await bed.server.client.send(new DescribeNetworkInterfacesCommand({ Filters: filters }))).NetworkInterfaces ?? [])
        .map((eni) => eni.NetworkInterfaceId)
        .sort();
    expect(await ids([{ Name: "tag:f5_cloud_failover_label", Values: ["pair-one"] }])).toEqual(
      [IDS.eniExternalA, IDS.eniInternalA, IDS.eniExternalB, IDS.eniInternalB].sort(),
    );
    expect(
      await ids([
        { Name: "tag:f5_cloud_failover_label", Values: ["pair-one"] },
        { Name: "tag:f5_cloud_failover_nic_map", Values: ["internal"] },
      ]),
    ).toEqual([IDS.eniInternalA, IDS.eniInternalB].sort());
    expect(await ids([{ Name: "tag-key", Values: ["team"] }])).toEqual([IDS.eniOther]);
    expect(await ids([{ Name: "vpc-id", Values: [IDS.vpcB] }])).toEqual([IDS.eniOther]);
    expect(await ids([{ Name: "subnet-id", Values: [IDS.subnetInternal] }])).toEqual([IDS.eniInternalA, IDS.eniInternalB].sort());
    expect(await ids([{ Name: "attachment.instance-id", Values: [IDS.instanceB] }])).toEqual([IDS.eniExternalB, IDS.eniInternalB].sort());
    expect(await ids([{ Name: "addresses.private-ip-address", Values: ["10.0.1.101"] }])).toEqual([IDS.eniExternalA]);
    expect(await ids([{ Name: "private-ip-address", Values: ["10.0.2.20", "10.1.1.10"] }])).toEqual([IDS.eniInternalB, IDS.eniOther].sort());
    expect(await ids([{ Name: "association.allocation-id", Values: [IDS.eipOnSecondary] }])).toEqual([IDS.eniExternalA]);
    expect(await ids([{ Name: "network-interface-id", Values: [IDS.eniExternalB] }])).toEqual([IDS.eniExternalB]);
    expect(await ids([{ Name: "private-ip-address", Values: ["10.0.2.*"] }])).toEqual([IDS.eniInternalA, IDS.eniInternalB].sort());
    expect(await ids([{ Name: "tag:f5_cloud_failover_label", Values: ["nope"] }])).toEqual([]);
    const unknown = await failureOf(bed.server.client.send(new DescribeNetworkInterfacesCommand({ Filters: [{ Name: "colour", Values: ["red"] }] })));
    expect(unknown).toMatchObject({ code: "InvalidParameterValue", message: "The filter 'colour' is invalid" });
  });

  it("pages with MaxResults and NextToken", async () => {
    const topology = testTopology();
    topology.instances.push({
      id: hexId("i", 0xd),
      interfaces: [0, 1, 2].map((index) => ({
        id: hexId("eni", 0xd0 + index),
        role: `extra${index}`,
        subnetId: IDS.subnetOther,
        deviceIndex: index,
        primaryIp: `10.1.1.${50 + index}`,
      })),
    });
    const larger = await startEc2TestBed({}, topology);
    try {
      const first = await larger.server.client.send(new DescribeNetworkInterfacesCommand({ MaxResults: 5 }));
      expect(first.NetworkInterfaces).toHaveLength(5);
      expect(first.NextToken).toBeTruthy();
      const second = await larger.server.client.send(new DescribeNetworkInterfacesCommand({ MaxResults: 5, NextToken: first.NextToken }));
      expect(second.NetworkInterfaces!.map((eni) => eni.NetworkInterfaceId)).toEqual([hexId("eni", 0xd0), hexId("eni", 0xd1), hexId("eni", 0xd2)]);
      expect(second.NextToken).toBeUndefined();
      const badToken = await failureOf(larger.server.client.send(new DescribeNetworkInterfacesCommand({ MaxResults: 5, NextToken: "garbage" })));
      expect(badToken.code).toBe("InvalidNextToken");
    } finally {
      await larger.server.close();
    }
  });
});

describe("AssignPrivateIpAddresses", () => {
  it("moves secondary IPs to another interface with AllowReassignment, and the EIP on one of them moves too", async () => {
    const out = await bed.server.client.send(
      new AssignPrivateIpAddressesCommand({ NetworkInterfaceId: IDS.eniExternalB, PrivateIpAddresses: ["10.0.1.100", "10.0.1.101"], AllowReassignment: true }),
    );
    expect(out.NetworkInterfaceId).toBe(IDS.eniExternalB);
    expect(out.AssignedPrivateIpAddresses).toEqual([{ PrivateIpAddress: "10.0.1.100" }, { PrivateIpAddress: "10.0.1.101" }]);
    expect(bed.world.whereIsPrivateIp("10.0.1.100")).toBe(IDS.eniExternalB);
    expect(bed.world.whereIsPrivateIp("10.0.1.101")).toBe(IDS.eniExternalB);
    expect(addressesOf(await describeEni(IDS.eniExternalA))).toEqual(["10.0.1.10"]);
    const b = await describeEni(IDS.eniExternalB);
    expect(addressesOf(b)).toEqual(["10.0.1.20", "10.0.1.100", "10.0.1.101"]);
    // AWS: "any Elastic IP address that is associated with the IP address is also moved".
    expect(b.PrivateIpAddresses![1]!.Association?.PublicIp).toBe("203.0.113.10");
    expect(bed.world.eipAssociation(IDS.eipOnSecondary)).toMatchObject({ networkInterfaceId: IDS.eniExternalB, privateIp: "10.0.1.100" });
    const address = (await bed.server.client.send(new DescribeAddressesCommand({ AllocationIds: [IDS.eipOnSecondary] }))).Addresses![0]!;
    expect(address).toMatchObject({ NetworkInterfaceId: IDS.eniExternalB, InstanceId: IDS.instanceB, PrivateIpAddress: "10.0.1.100" });
  });

  it("refuses an IP held by another interface without AllowReassignment, changing nothing", async () => {
    const failure = await failureOf(
      bed.server.client.send(new AssignPrivateIpAddressesCommand({ NetworkInterfaceId: IDS.eniExternalB, PrivateIpAddresses: ["10.0.1.50", "10.0.1.100"] })),
    );
    expect(failure).toMatchObject({ code: "InvalidIPAddress.InUse", status: 400, message: "Address 10.0.1.100 is in use." });
    expect(bed.world.whereIsPrivateIp("10.0.1.100")).toBe(IDS.eniExternalA);
    expect(bed.world.whereIsPrivateIp("10.0.1.50")).toBeNull(); // the free one was not assigned either
  });

  it("is idempotent: assigning an IP the interface already holds succeeds and changes nothing", async () => {
    const before = bed.world.snapshot();
    for (let attempt = 0; attempt < 2; attempt++) {
      await bed.server.client.send(new AssignPrivateIpAddressesCommand({ NetworkInterfaceId: IDS.eniExternalA, PrivateIpAddresses: ["10.0.1.100"] }));
      await bed.server.client.send(
        new AssignPrivateIpAddressesCommand({ NetworkInterfaceId: IDS.eniExternalA, PrivateIpAddresses: ["10.0.1.100"], AllowReassignment: true }),
      );
    }
    expect(bed.world.snapshot().networkInterfaces).toEqual(before.networkInterfaces);
    expect(bed.world.snapshot().addresses).toEqual(before.addresses);
  });

  it("assigns a free address of the subnet", async () => {
    await bed.server.client.send(new AssignPrivateIpAddressesCommand({ NetworkInterfaceId: IDS.eniExternalB, PrivateIpAddresses: ["10.0.1.200"] }));
    expect(bed.world.whereIsPrivateIp("10.0.1.200")).toBe(IDS.eniExternalB);
  });

  it("refuses addresses outside the subnet, reserved by AWS, or malformed", async () => {
    const assign = (ip: string) =>
      failureOf(bed.server.client.send(new AssignPrivateIpAddressesCommand({ NetworkInterfaceId: IDS.eniExternalB, PrivateIpAddresses: [ip], AllowReassignment: true })));
    expect(await assign("10.0.2.50")).toMatchObject({ code: "InvalidParameterValue", message: "Address 10.0.2.50 does not fall within the subnet's address range" });
    for (const reserved of ["10.0.1.0", "10.0.1.1", "10.0.1.2", "10.0.1.3", "10.0.1.255"]) {
      const failure = await assign(reserved);
      expect(failure.code).toBe("InvalidParameterValue");
      expect(failure.message).toContain(`Address ${reserved} is reserved by AWS`);
    }
    expect((await assign("10.0.1.300")).code).toBe("InvalidParameterValue");
    expect(bed.world.snapshot().networkInterfaces[IDS.eniExternalB]!.privateIps).toHaveLength(1);
  });

  it("never takes another interface's primary IP, even with AllowReassignment", async () => {
    const failure = await failureOf(
      bed.server.client.send(new AssignPrivateIpAddressesCommand({ NetworkInterfaceId: IDS.eniExternalB, PrivateIpAddresses: ["10.0.1.10"], AllowReassignment: true })),
    );
    expect(failure.code).toBe("InvalidParameterValue");
    expect(bed.world.whereIsPrivateIp("10.0.1.10")).toBe(IDS.eniExternalA);
  });

  it("picks free addresses for SecondaryPrivateIpAddressCount and refuses combining it with explicit IPs", async () => {
    const out = await bed.server.client.send(new AssignPrivateIpAddressesCommand({ NetworkInterfaceId: IDS.eniInternalB, SecondaryPrivateIpAddressCount: 2 }));
    expect(out.AssignedPrivateIpAddresses).toEqual([{ PrivateIpAddress: "10.0.2.4" }, { PrivateIpAddress: "10.0.2.5" }]);
    const both = await failureOf(
      bed.server.client.send(new AssignPrivateIpAddressesCommand({ NetworkInterfaceId: IDS.eniInternalB, SecondaryPrivateIpAddressCount: 1, PrivateIpAddresses: ["10.0.2.99"] })),
    );
    expect(both.code).toBe("InvalidParameterCombination");
    const neither = await failureOf(bed.server.client.send(new AssignPrivateIpAddressesCommand({ NetworkInterfaceId: IDS.eniInternalB })));
    expect(neither.code).toBe("MissingParameter");
  });

  it("answers InvalidNetworkInterfaceID.NotFound for an unknown interface", async () => {
    const failure = await failureOf(
      bed.server.client.send(new AssignPrivateIpAddressesCommand({ NetworkInterfaceId: "eni-0ffffffffffffffff", PrivateIpAddresses: ["10.0.1.50"] })),
    );
    expect(failure).toMatchObject({ code: "InvalidNetworkInterfaceID.NotFound", message: "The networkInterface ID 'eni-0ffffffffffffffff' does not exist" });
  });
});

describe("UnassignPrivateIpAddresses", () => {
  it("removes secondary IPs and disassociates an EIP that was on one of them", async () => {
    await bed.server.client.send(new UnassignPrivateIpAddressesCommand({ NetworkInterfaceId: IDS.eniExternalA, PrivateIpAddresses: ["10.0.1.100"] }));
    expect(bed.world.whereIsPrivateIp("10.0.1.100")).toBeNull();
    expect(bed.world.eipAssociation(IDS.eipOnSecondary)).toBeNull();
    expect(addressesOf(await describeEni(IDS.eniExternalA))).toEqual(["10.0.1.10", "10.0.1.101"]);
  });

  it("refuses to unassign the primary IP or an address the interface does not hold", async () => {
    const primary = await failureOf(
      bed.server.client.send(new UnassignPrivateIpAddressesCommand({ NetworkInterfaceId: IDS.eniExternalA, PrivateIpAddresses: ["10.0.1.10"] })),
    );
    expect(primary.code).toBe("InvalidParameterValue");
    expect(primary.message).toContain("primary");
    const elsewhere = await failureOf(
      bed.server.client.send(new UnassignPrivateIpAddressesCommand({ NetworkInterfaceId: IDS.eniExternalB, PrivateIpAddresses: ["10.0.1.100"] })),
    );
    expect(elsewhere.code).toBe("InvalidParameterValue");
    expect(bed.world.whereIsPrivateIp("10.0.1.10")).toBe(IDS.eniExternalA);
    expect(bed.world.whereIsPrivateIp("10.0.1.100")).toBe(IDS.eniExternalA);
  });

  it("requires at least one address", async () => {
    const failure = await failureOf(bed.server.client.send(new UnassignPrivateIpAddressesCommand({ NetworkInterfaceId: IDS.eniExternalA })));
    expect(failure).toMatchObject({ code: "MissingParameter", message: "The request must contain the parameter PrivateIpAddress" });
  });
});

describe("ModifyNetworkInterfaceAttribute", () => {
  it("sets SourceDestCheck, shown by DescribeNetworkInterfaces", async () => {
    await bed.server.client.send(new ModifyNetworkInterfaceAttributeCommand({ NetworkInterfaceId: IDS.eniExternalB, SourceDestCheck: { Value: true } }));
    expect((await describeEni(IDS.eniExternalB)).SourceDestCheck).toBe(true);
    await bed.server.client.send(new ModifyNetworkInterfaceAttributeCommand({ NetworkInterfaceId: IDS.eniExternalB, SourceDestCheck: { Value: false } }));
    expect((await describeEni(IDS.eniExternalB)).SourceDestCheck).toBe(false);
    const filtered = await bed.server.client.send(new DescribeNetworkInterfacesCommand({ Filters: [{ Name: "source-dest-check", Values: ["true"] }] }));
    expect(filtered.NetworkInterfaces!.map((eni) => eni.NetworkInterfaceId)).toEqual([IDS.eniOther]);
  });

  it("sets the description, and refuses no attribute or two at once", async () => {
    await bed.server.client.send(new ModifyNetworkInterfaceAttributeCommand({ NetworkInterfaceId: IDS.eniExternalB, Description: { Value: "outside" } }));
    expect((await describeEni(IDS.eniExternalB)).Description).toBe("outside");
    const none = await failureOf(bed.server.client.send(new ModifyNetworkInterfaceAttributeCommand({ NetworkInterfaceId: IDS.eniExternalB })));
    expect(none.code).toBe("InvalidParameterCombination");
    const two = await failureOf(
      bed.server.client.send(
        new ModifyNetworkInterfaceAttributeCommand({ NetworkInterfaceId: IDS.eniExternalB, SourceDestCheck: { Value: true }, Description: { Value: "x" } }),
      ),
    );
    expect(two.code).toBe("InvalidParameterCombination");
    expect(bed.world.snapshot().networkInterfaces[IDS.eniExternalB]!.sourceDestCheck).toBe(false);
  });
});
