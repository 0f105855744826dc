import { describeAction } from "./describe.js";
import { createHash } from "node:crypto";
import { tagSet, type Ec2Action } from "./context.js";
import { KINDS, notFound } from "./errors.js";
import type { FilterTable } from "./filters.js";
import { privateDnsName, publicDnsName } from "./naming.js";
import { addressOn, interfacesOfInstance, primaryIpOf, type Ec2State, type InstanceRecord, type NetworkInterfaceRecord } from "./state.js";
import type { XmlObject } from "./xml.js";

/** Each simulated instance is its own reservation; the ID is derived so it is stable across calls. */
function reservationIdFor(instanceId: string): string {
  return `r-${createHash("sha256").update(instanceId).digest("hex").slice(0, 17)}`;
}

function renderInstanceInterface(state: Ec2State, eni: NetworkInterfaceRecord): XmlObject {
  const primaryIp = primaryIpOf(eni);
  const publicAssociation = (privateIp: string | undefined): XmlObject | undefined => {
    const address = privateIp === undefined ? undefined : addressOn(state, eni.id, privateIp);
    return address
      ? { ipOwnerId: "amazon", publicDnsName: publicDnsName(state.region, address.publicIp), publicIp: address.publicIp }
      : undefined;
  };
  return {
    association: publicAssociation(primaryIp),
    attachment: eni.attachment
      ? {
          attachTime: eni.attachment.attachTime,
          attachmentId: eni.attachment.attachmentId,
          deleteOnTermination: eni.attachment.deviceIndex === 0,
          deviceIndex: eni.attachment.deviceIndex,
          status: "attached",
          networkCardIndex: 0,
        }
      : undefined,
    description: eni.description,
    groupSet: [],
    ipv6AddressesSet: [],
    macAddress: eni.macAddress,
    networkInterfaceId: eni.id,
    ownerId: state.accountId,
    privateDnsName: primaryIp === undefined ? undefined : privateDnsName(state.region, primaryIp),
    privateIpAddress: primaryIp,
    privateIpAddressesSet: eni.privateIps.map((ip) => ({
      association: publicAssociation(ip.address),
      primary: ip.primary,
      privateDnsName: privateDnsName(state.region, ip.address),
      privateIpAddress: ip.address,
    })),
    sourceDestCheck: eni.sourceDestCheck,
    status: "in-use",
    subnetId: eni.subnetId,
    vpcId: eni.vpcId,
    interfaceType: "interface",
  };
}

function renderInstance(state: Ec2State, instance: InstanceRecord): XmlObject {
  const interfaces = interfacesOfInstance(state, instance.id);
  const primary = interfaces.find((eni) => eni.attachment?.deviceIndex === 0) ?? interfaces[0];
  const primaryIp = primary ? primaryIpOf(primary) : undefined;
  const publicAddress = primary && primaryIp ? addressOn(state, primary.id, primaryIp) : undefined;
  return {
    instanceId: instance.id,
    imageId: instance.imageId,
    instanceState: { code: 16, name: "running" },
    privateDnsName: primaryIp ? privateDnsName(state.region, primaryIp) : undefined,
    dnsName: publicAddress ? publicDnsName(state.region, publicAddress.publicIp) : "",
    amiLaunchIndex: 0,
    launchTime: instance.launchTime,
    placement: { availabilityZone: instance.availabilityZone, tenancy: "default" },
    subnetId: instance.subnetId,
    vpcId: instance.vpcId,
    privateIpAddress: primaryIp,
    ipAddress: publicAddress?.publicIp,
    sourceDestCheck: primary?.sourceDestCheck,
    groupSet: [],
    architecture: "x86_64",
    rootDeviceType: "ebs",
    virtualizationType: "hvm",
    iamInstanceProfile: instance.roleName
      ? { arn: `arn:aws:iam::${state.accountId}:instance-profile/${instance.roleName}` }
      : undefined,
    tagSet: tagSet(instance.tags),
    networkInterfaceSet: interfaces.map((eni) => renderInstanceInterface(state, eni)),
  };
}

const INSTANCE_FILTERS: FilterTable<InstanceRecord> = {
  "instance-id": (instance) => [instance.id],
  "vpc-id": (instance) => [instance.vpcId],
  "subnet-id": (instance) => [instance.subnetId],
  "availability-zone": (instance) => [instance.availabilityZone],
  "image-id": (instance) => [instance.imageId],
  "instance-state-name": () => ["running"],
  "instance-state-code": () => [16],
  "private-ip-address": (instance, state) => {
    const primary = interfacesOfInstance(state, instance.id)[0];
    return [primary ? primaryIpOf(primary) : undefined];
  },
  "iam-instance-profile.arn": (instance, state) => [
    instance.roleName ? `arn:aws:iam::${state.accountId}:instance-profile/${instance.roleName}` : undefined,
  ],
  "network-interface.network-interface-id": (instance, state) => interfacesOfInstance(state, instance.id).map((eni) => eni.id),
  "network-interface.subnet-id": (instance, state) => interfacesOfInstance(state, instance.id).map((eni) => eni.subnetId),
  "network-interface.vpc-id": (instance, state) => interfacesOfInstance(state, instance.id).map((eni) => eni.vpcId),
  "network-interface.addresses.private-ip-address": (instance, state) =>
    interfacesOfInstance(state, instance.id).flatMap((eni) => eni.privateIps.map((ip) => ip.address)),
  "network-interface.source-dest-check": (instance, state) => interfacesOfInstance(state, instance.id).map((eni) => eni.sourceDestCheck),
};

const describeInstances = describeAction({
  name: "DescribeInstances",
  idParameter: "InstanceId",
  resources: (state) => state.instances,
  notFound: (missing) => notFound(KINDS.instance, missing),
  filters: INSTANCE_FILTERS,
  // One reservation per instance: the simulator launches instances one at a time.
  respond: (page, state) => ({
    reservationSet: page.map((instance) => ({
      reservationId: reservationIdFor(instance.id),
      ownerId: state.accountId,
      groupSet: [],
      instancesSet: [renderInstance(state, instance)],
    })),
  }),
});

export const INSTANCE_ACTIONS: Ec2Action[] = [describeInstances];
