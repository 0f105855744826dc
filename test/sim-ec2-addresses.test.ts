import { afterEach, beforeEach, describe, expect, it } from "vitest";
import {
  AssociateAddressCommand,
  DescribeAddressesCommand,
  DescribeNetworkInterfacesCommand,
  DisassociateAddressCommand,
} from "@aws-sdk/client-ec2";
import { failureOf, IDS, startEc2TestBed, type Ec2TestBed } from "./sim-ec2-fixture.js";

let bed: Ec2TestBed;
beforeEach(async () => {
  bed = await startEc2TestBed();
});
afterEach(async () => {
  await bed.server.close();
});

describe("DescribeAddresses through the SDK", () => {
  it("exposes allocation, association, interface, private IP, public IP, domain and tags", async () => {
    const out = await bed.server.client.send(new DescribeAddressesCommand({ AllocationIds: [IDS.eipOnSecondary, IDS.eipFree] }));
    expect(out.Addresses).toEqual([
      {
        AllocationId: IDS.eipOnSecondary,
        AssociationId: expect.stringMatching(/^eipassoc-[0-9a-f]{17}$/),
        Domain: "vpc",
        InstanceId: IDS.instanceA,
        NetworkInterfaceId: IDS.eniExternalA,
        NetworkInterfaceOwnerId: "123456789012",
        PrivateIpAddress: "10.0.1.100",
        Tags: expect.arrayContaining([
          { Key: "f5_cloud_failover_label", Value: "pair-one" },
          { Key: "f5_cloud_failover_nic_map", Value: "external" },
        ]),
        PublicIpv4Pool: "amazon",
        NetworkBorderGroup: "us-east-1",
        PublicIp: "203.0.113.10",
      },
      { AllocationId: IDS.eipFree, Domain: "vpc", Tags: [], PublicIpv4Pool: "amazon", NetworkBorderGroup: "us-east-1", PublicIp: "203.0.113.11" },
    ]);
  });

  it("filters by allocation-id, association-id, network-interface-id, private-ip-address, public-ip and tags", async () => {
    const ids = async (name: string, values: string[]) =>
      ((await bed.server.client.send(new DescribeAddressesCommand({ Filters: [{ Name: name, Values: values }] }))).Addresses ?? [])
        .map((address) => address.AllocationId)
        .sort();
    const associationId = bed.world.eipAssociation(IDS.eipOnSecondary)!.associationId;
    expect(await ids("allocation-id", [IDS.eipFree])).toEqual([IDS.eipFree]);
    expect(await ids("association-id", [associationId])).toEqual([IDS.eipOnSecondary]);
    expect(await ids("network-interface-id", [IDS.eniOther])).toEqual([IDS.eipOnPrimaryOther]);
    expect(await ids("private-ip-address", ["10.0.1.100"])).toEqual([IDS.eipOnSecondary]);
    expect(await ids("public-ip", ["203.0.113.11"])).toEqual([IDS.eipFree]);
    expect(await ids("instance-id", [IDS.instanceA])).toEqual([IDS.eipOnSecondary]);
    expect(await ids("tag:team", ["other"])).toEqual([IDS.eipOnPrimaryOther]);
    expect(await ids("domain", ["vpc"])).toHaveLength(3);
  });

  it("answers InvalidAllocationID.NotFound for an unknown allocation", async () => {
    const failure = await failureOf(bed.server.client.send(new DescribeAddressesCommand({ AllocationIds: ["eipalloc-0fffffffffffffff0"] })));
    expect(failure).toMatchObject({ code: "InvalidAllocationID.NotFound", status: 400, message: "The allocation ID 'eipalloc-0fffffffffffffff0' does not exist" });
  });
});

describe("AssociateAddress", () => {
  it("re-associates an EIP to another interface's private IP with AllowReassociation, issuing a new association ID", async () => {
    const before = bed.world.eipAssociation(IDS.eipOnSecondary)!;
    const out = await bed.server.client.send(
      new AssociateAddressCommand({ AllocationId: IDS.eipOnSecondary, NetworkInterfaceId: IDS.eniExternalB, PrivateIpAddress: "10.0.1.20", AllowReassociation: true }),
    );
    expect(out.AssociationId).toMatch(/^eipassoc-[0-9a-f]{17}$/);
    expect(out.AssociationId).not.toBe(before.associationId);
    expect(bed.world.eipAssociation(IDS.eipOnSecondary)).toEqual({ networkInterfaceId: IDS.eniExternalB, privateIp: "10.0.1.20", associationId: out.AssociationId });
    const eniB = (await bed.server.client.send(new DescribeNetworkInterfacesCommand({ NetworkInterfaceIds: [IDS.eniExternalB] }))).NetworkInterfaces![0]!;
    expect(eniB.Association).toMatchObject({ PublicIp: "203.0.113.10", AssociationId: out.AssociationId });
    const eniA = (await bed.server.client.send(new DescribeNetworkInterfacesCommand({ NetworkInterfaceIds: [IDS.eniExternalA] }))).NetworkInterfaces![0]!;
    expect(eniA.PrivateIpAddresses!.every((ip) => ip.Association === undefined)).toBe(true);
  });

  it("is idempotent: associating to the same interface and IP again keeps the association", async () => {
    const before = bed.world.eipAssociation(IDS.eipOnSecondary)!;
    for (const allow of [true, false, undefined]) {
      const out = await bed.server.client.send(
        new AssociateAddressCommand({ AllocationId: IDS.eipOnSecondary, NetworkInterfaceId: IDS.eniExternalA, PrivateIpAddress: "10.0.1.100", AllowReassociation: allow }),
      );
      expect(out.AssociationId).toBe(before.associationId);
    }
    expect(bed.world.eipAssociation(IDS.eipOnSecondary)).toEqual(before);
  });

  it("refuses to move an associated EIP when AllowReassociation is false (Resource.AlreadyAssociated)", async () => {
    const before = bed.world.eipAssociation(IDS.eipOnSecondary)!;
    const failure = await failureOf(
      bed.server.client.send(
        new AssociateAddressCommand({ AllocationId: IDS.eipOnSecondary, NetworkInterfaceId: IDS.eniExternalB, PrivateIpAddress: "10.0.1.20", AllowReassociation: false }),
      ),
    );
    expect(failure).toMatchObject({
      code: "Resource.AlreadyAssociated",
      status: 400,
      message: `resource ${IDS.eipOnSecondary} is already associated with associate-id ${before.associationId}`,
    });
    expect(bed.world.eipAssociation(IDS.eipOnSecondary)).toEqual(before);
  });

  it("reassociates when AllowReassociation is omitted, as the current API reference documents for VPC addresses", async () => {
    await bed.server.client.send(new AssociateAddressCommand({ AllocationId: IDS.eipOnSecondary, NetworkInterfaceId: IDS.eniExternalB, PrivateIpAddress: "10.0.1.20" }));
    expect(bed.world.eipAssociation(IDS.eipOnSecondary)?.networkInterfaceId).toBe(IDS.eniExternalB);
  });

  it("requires the private IP to be on the target interface", async () => {
    const failure = await failureOf(
      bed.server.client.send(
        new AssociateAddressCommand({ AllocationId: IDS.eipFree, NetworkInterfaceId: IDS.eniExternalB, PrivateIpAddress: "10.0.1.100", AllowReassociation: true }),
      ),
    );
    expect(failure.code).toBe("InvalidParameterValue");
    expect(bed.world.eipAssociation(IDS.eipFree)).toBeNull();
  });

  it("defaults to the interface's primary IP, and displaces another EIP already on that IP", async () => {
    const out = await bed.server.client.send(new AssociateAddressCommand({ AllocationId: IDS.eipFree, NetworkInterfaceId: IDS.eniOther }));
    expect(bed.world.eipAssociation(IDS.eipFree)).toEqual({ networkInterfaceId: IDS.eniOther, privateIp: "10.1.1.10", associationId: out.AssociationId });
    expect(bed.world.eipAssociation(IDS.eipOnPrimaryOther)).toBeNull();
  });

  it("accepts an InstanceId with exactly one interface, and refuses one with several", async () => {
    await bed.server.client.send(new AssociateAddressCommand({ AllocationId: IDS.eipFree, InstanceId: IDS.instanceOther }));
    expect(bed.world.eipAssociation(IDS.eipFree)?.networkInterfaceId).toBe(IDS.eniOther);
    const failure = await failureOf(bed.server.client.send(new AssociateAddressCommand({ AllocationId: IDS.eipFree, InstanceId: IDS.instanceA })));
    expect(failure.code).toBe("InvalidInstanceID");
    expect(failure.message).toContain("multiple interfaces");
  });

  it("answers NotFound for unknown allocation, interface and instance IDs", async () => {
    const allocation = await failureOf(
      bed.server.client.send(new AssociateAddressCommand({ AllocationId: "eipalloc-0fffffffffffffff0", NetworkInterfaceId: IDS.eniExternalB })),
    );
    expect(allocation.code).toBe("InvalidAllocationID.NotFound");
    const eni = await failureOf(bed.server.client.send(new AssociateAddressCommand({ AllocationId: IDS.eipFree, NetworkInterfaceId: "eni-0fffffffffffffff0" })));
    expect(eni.code).toBe("InvalidNetworkInterfaceID.NotFound");
    const instance = await failureOf(bed.server.client.send(new AssociateAddressCommand({ AllocationId: IDS.eipFree, InstanceId: "i-0fffffffffffffff0" })));
    expect(instance).toMatchObject({ code: "InvalidInstanceID.NotFound", message: "The instance ID 'i-0fffffffffffffff0' does not exist" });
    const missing = await failureOf(bed.server.client.send(new AssociateAddressCommand({ NetworkInterfaceId: IDS.eniExternalB })));
    expect(missing).toMatchObject({ code: "MissingParameter", message: "The request must contain the parameter AllocationId" });
  });
});

describe("DisassociateAddress", () => {
  it("removes the association; repeating it, or naming a superseded association, succeeds without change", async () => {
    const { associationId } = bed.world.eipAssociation(IDS.eipOnSecondary)!;
    await bed.server.client.send(new DisassociateAddressCommand({ AssociationId: associationId }));
    expect(bed.world.eipAssociation(IDS.eipOnSecondary)).toBeNull();
    await bed.server.client.send(new DisassociateAddressCommand({ AssociationId: associationId }));
    const fresh = await bed.server.client.send(new AssociateAddressCommand({ AllocationId: IDS.eipOnSecondary, NetworkInterfaceId: IDS.eniExternalB }));
    await bed.server.client.send(new DisassociateAddressCommand({ AssociationId: associationId }));
    expect(bed.world.eipAssociation(IDS.eipOnSecondary)?.associationId).toBe(fresh.AssociationId);
  });

  it("answers InvalidAssociationID.NotFound for an association never issued", async () => {
    const failure = await failureOf(bed.server.client.send(new DisassociateAddressCommand({ AssociationId: "eipassoc-0fffffffffffffff0" })));
    expect(failure).toMatchObject({ code: "InvalidAssociationID.NotFound", message: "The association ID 'eipassoc-0fffffffffffffff0' does not exist" });
  });
});
