import { describeAction } from "./describe.js";
import { resourceRef, tagSet, type ActionContext, type Ec2Action } from "./context.js";
import {
  Ec2Error,
  invalidParameterCombination,
  invalidParameterValue,
  KINDS,
  missingParameter,
  notFound,
} from "./errors.js";
import type { FilterTable } from "./filters.js";
import { assignableAddresses, cidrContains, formatIpv4, isReservedInSubnet, parseIpv4, parseIpv4Cidr } from "./ip.js";
import { requireNetworkInterface } from "./lookups.js";
import { privateDnsName, publicDnsName } from "./naming.js";
import {
  addressOn,
  interfaceHolding,
  primaryIpOf,
  type AddressRecord,
  type Ec2State,
  type NetworkInterfaceRecord,
} from "./state.js";
import type { XmlObject } from "./xml.js";

function interfaceRef(state: Ec2State, eni: NetworkInterfaceRecord) {
  return resourceRef(state, "network-interface", eni.id, eni.tags);
}

/** Format, subnet range and AWS-reserved checks for an address requested on an interface. */
function checkAssignableInSubnet(state: Ec2State, eni: NetworkInterfaceRecord, address: string): void {
  const value = parseIpv4(address);
  if (value === null) {
    throw invalidParameterValue(`Value (${address}) for parameter privateIpAddress is invalid. Invalid IPv4 address.`);
  }
  const subnet = state.subnets[eni.subnetId]!;
  const cidr = parseIpv4Cidr(subnet.cidr)!;
  if (!cidrContains(cidr, value)) {
    throw invalidParameterValue(`Address ${address} does not fall within the subnet's address range`);
  }
  if (isReservedInSubnet(cidr, value)) {
    throw invalidParameterValue(
      `Address ${address} is reserved by AWS in subnet ${subnet.id} (${subnet.cidr}): the first four and the last address of a subnet cannot be assigned`,
    );
  }
}

/**
 * Moves one private IP from the interface holding it to `target`. AWS documents that "when you
 * move a secondary private IP address to another network interface, any Elastic IP address
 * that is associated with the IP address is also moved" — so the association follows the IP.
 */
function moveSecondaryIp(state: Ec2State, from: NetworkInterfaceRecord, target: NetworkInterfaceRecord, address: string): void {
  const elasticIp = addressOn(state, from.id, address);
  from.privateIps = from.privateIps.filter((ip) => ip.address !== address);
  target.privateIps.push({ address, primary: false });
  if (elasticIp?.association) elasticIp.association.networkInterfaceId = target.id;
}

const assignPrivateIpAddresses: Ec2Action = {
  name: "AssignPrivateIpAddresses",
  mutating: true,
  dryRun: false,
  run(context: ActionContext): XmlObject {
    const { params, state } = context;
    const eni = requireNetworkInterface(state, params.requiredString("NetworkInterfaceId"));
    const requested = [...new Set(params.list("PrivateIpAddress"))];
    const count = params.int("SecondaryPrivateIpAddressCount");
    const allowReassignment = params.bool("AllowReassignment") ?? false;
    if (requested.length > 0 && count !== undefined) {
      throw invalidParameterCombination("Specify either PrivateIpAddress or SecondaryPrivateIpAddressCount, not both.");
    }
    if (requested.length === 0 && count === undefined) {
      throw missingParameter("PrivateIpAddress or SecondaryPrivateIpAddressCount");
    }
    if (count !== undefined && count < 1) {
      throw invalidParameterValue(`Value (${count}) for parameter secondaryPrivateIpAddressCount is invalid. Must be at least 1.`);
    }
    for (const address of requested) checkAssignableInSubnet(state, eni, address);
    context.authorize([interfaceRef(state, eni)]);

    const assigned = count === undefined ? assignRequested(state, eni, requested, allowReassignment) : assignAny(state, eni, count);
    return {
      networkInterfaceId: eni.id,
      assignedPrivateIpAddressesSet: assigned.map((privateIpAddress) => ({ privateIpAddress })),
      return: true,
    };
  },
};

function assignRequested(state: Ec2State, eni: NetworkInterfaceRecord, requested: string[], allowReassignment: boolean): string[] {
  // Check every address before moving any, so a refused call changes nothing.
  const moves: { from: NetworkInterfaceRecord; address: string }[] = [];
  for (const address of requested) {
    const holder = interfaceHolding(state, address);
    if (!holder || holder.id === eni.id) continue; // already here: assigning again is a no-op
    const heldAsPrimary = holder.privateIps.some((ip) => ip.address === address && ip.primary);
    if (heldAsPrimary) {
      throw invalidParameterValue(`Address ${address} is the primary private IP address of ${holder.id} and cannot be reassigned`);
    }
    if (!allowReassignment) throw new Ec2Error("InvalidIPAddress.InUse", `Address ${address} is in use.`);
    moves.push({ from: holder, address });
  }
  for (const move of moves) moveSecondaryIp(state, move.from, eni, move.address);
  for (const address of requested) {
    if (!eni.privateIps.some((ip) => ip.address === address)) eni.privateIps.push({ address, primary: false });
  }
  return requested;
}

/** SecondaryPrivateIpAddressCount: EC2 picks free addresses of the subnet (lowest first here, for determinism). */
function assignAny(state: Ec2State, eni: NetworkInterfaceRecord, count: number): string[] {
  const cidr = parseIpv4Cidr(state.subnets[eni.subnetId]!.cidr)!;
  const inUse = new Set(Object.values(state.networkInterfaces).flatMap((other) => other.privateIps.map((ip) => ip.address)));
  const picked: string[] = [];
  for (const value of assignableAddresses(cidr)) {
    if (picked.length === count) break;
    const address = formatIpv4(value);
    if (!inUse.has(address)) picked.push(address);
  }
  if (picked.length < count) {
    throw new Ec2Error("InsufficientFreeAddressesInSubnet", `The specified subnet ${eni.subnetId} has insufficient free addresses to satisfy the request.`);
  }
  for (const address of picked) eni.privateIps.push({ address, primary: false });
  return picked;
}

const unassignPrivateIpAddresses: Ec2Action = {
  name: "UnassignPrivateIpAddresses",
  mutating: true,
  dryRun: false,
  run(context: ActionContext): XmlObject {
    const { params, state } = context;
    const eni = requireNetworkInterface(state, params.requiredString("NetworkInterfaceId"));
    const requested = [...new Set(params.list("PrivateIpAddress"))];
    if (requested.length === 0) throw missingParameter("PrivateIpAddress");
    context.authorize([interfaceRef(state, eni)]);
    const notHere = requested.filter((address) => !eni.privateIps.some((ip) => ip.address === address));
    if (notHere.length > 0) {
      throw invalidParameterValue(`Some of the specified addresses are not assigned to interface ${eni.id}: ${notHere.join(", ")}`);
    }
    const primary = requested.find((address) => eni.privateIps.some((ip) => ip.address === address && ip.primary));
    if (primary !== undefined) {
      throw invalidParameterValue(`The primary private IP address ${primary} of ${eni.id} cannot be unassigned`);
    }
    for (const address of requested) {
      // An Elastic IP cannot outlive the private IP it maps to: it becomes unassociated.
      const elasticIp = addressOn(state, eni.id, address);
      if (elasticIp) delete elasticIp.association;
    }
    eni.privateIps = eni.privateIps.filter((ip) => !requested.includes(ip.address));
    return { return: true };
  },
};

const modifyNetworkInterfaceAttribute: Ec2Action = {
  name: "ModifyNetworkInterfaceAttribute",
  mutating: true,
  run(context: ActionContext): XmlObject {
    const { params, state } = context;
    const eni = requireNetworkInterface(state, params.requiredString("NetworkInterfaceId"));
    const sourceDestCheck = params.bool("SourceDestCheck.Value");
    const description = params.string("Description.Value");
    const specified = [sourceDestCheck !== undefined ? "sourceDestCheck" : undefined, description !== undefined ? "description" : undefined]
      .filter((name): name is string => name !== undefined);
    if (specified.length === 0) throw invalidParameterCombination("No attributes specified.");
    if (specified.length > 1) {
      throw invalidParameterCombination(`Fields for multiple attribute types specified: ${specified.join(", ")}`);
    }
    context.authorize([interfaceRef(state, eni)]);
    if (sourceDestCheck !== undefined) eni.sourceDestCheck = sourceDestCheck;
    if (description !== undefined) eni.description = description;
    return { return: true };
  },
};

export function renderAddressAssociation(state: Ec2State, address: AddressRecord): XmlObject {
  return {
    allocationId: address.allocationId,
    associationId: address.association?.associationId,
    ipOwnerId: "amazon",
    publicDnsName: publicDnsName(state.region, address.publicIp),
    publicIp: address.publicIp,
  };
}

export function renderNetworkInterface(state: Ec2State, eni: NetworkInterfaceRecord): XmlObject {
  const primaryIp = primaryIpOf(eni);
  const primaryElasticIp = primaryIp === undefined ? undefined : addressOn(state, eni.id, primaryIp);
  return {
    association: primaryElasticIp ? renderAddressAssociation(state, primaryElasticIp) : undefined,
    attachment: eni.attachment
      ? {
          attachTime: eni.attachment.attachTime,
          attachmentId: eni.attachment.attachmentId,
          deleteOnTermination: eni.attachment.deviceIndex === 0,
          deviceIndex: eni.attachment.deviceIndex,
          networkCardIndex: 0,
          instanceId: eni.attachment.instanceId,
          instanceOwnerId: state.accountId,
          status: "attached",
        }
      : undefined,
    availabilityZone: eni.availabilityZone,
    description: eni.description,
    groupSet: [],
    interfaceType: "interface",
    ipv6AddressesSet: [],
    macAddress: eni.macAddress,
    networkInterfaceId: eni.id,
    ownerId: state.accountId,
    privateDnsName: primaryIp === undefined ? undefined : privateDnsName(state.region, primaryIp),
    privateIpAddress: primaryIp,
    privateIpAddressesSet: eni.privateIps.map((ip) => {
      const elasticIp = addressOn(state, eni.id, ip.address);
      return {
        association: elasticIp ? renderAddressAssociation(state, elasticIp) : undefined,
        primary: ip.primary,
        privateDnsName: privateDnsName(state.region, ip.address),
        privateIpAddress: ip.address,
      };
    }),
    requesterManaged: false,
    sourceDestCheck: eni.sourceDestCheck,
    status: eni.attachment ? "in-use" : "available",
    subnetId: eni.subnetId,
    tagSet: tagSet(eni.tags),
    vpcId: eni.vpcId,
  };
}

function elasticIpsOn(state: Readonly<Ec2State>, eni: NetworkInterfaceRecord): AddressRecord[] {
  return eni.privateIps
    .map((ip) => addressOn(state, eni.id, ip.address))
    .filter((address): address is AddressRecord => address !== undefined);
}

export const NETWORK_INTERFACE_FILTERS: FilterTable<NetworkInterfaceRecord> = {
  "network-interface-id": (eni) => [eni.id],
  "vpc-id": (eni) => [eni.vpcId],
  "subnet-id": (eni) => [eni.subnetId],
  "availability-zone": (eni) => [eni.availabilityZone],
  description: (eni) => [eni.description],
  "mac-address": (eni) => [eni.macAddress],
  "owner-id": (_eni, state) => [state.accountId],
  status: (eni) => [eni.attachment ? "in-use" : "available"],
  "source-dest-check": (eni) => [eni.sourceDestCheck],
  "interface-type": () => ["interface"],
  "requester-managed": () => [false],
  "private-ip-address": (eni) => eni.privateIps.map((ip) => ip.address),
  "addresses.private-ip-address": (eni) => eni.privateIps.map((ip) => ip.address),
  "addresses.primary": (eni) => eni.privateIps.map((ip) => ip.primary),
  "private-dns-name": (eni, state) => eni.privateIps.map((ip) => privateDnsName(state.region, ip.address)),
  "attachment.instance-id": (eni) => [eni.attachment?.instanceId],
  "attachment.instance-owner-id": (eni, state) => [eni.attachment ? state.accountId : undefined],
  "attachment.device-index": (eni) => [eni.attachment?.deviceIndex],
  "attachment.attachment-id": (eni) => [eni.attachment?.attachmentId],
  "attachment.status": (eni) => [eni.attachment ? "attached" : undefined],
  "attachment.delete-on-termination": (eni) => [eni.attachment ? eni.attachment.deviceIndex === 0 : undefined],
  "association.public-ip": (eni, state) => elasticIpsOn(state, eni).map((address) => address.publicIp),
  "association.allocation-id": (eni, state) => elasticIpsOn(state, eni).map((address) => address.allocationId),
  "association.association-id": (eni, state) => elasticIpsOn(state, eni).map((address) => address.association?.associationId),
  "addresses.association.public-ip": (eni, state) => elasticIpsOn(state, eni).map((address) => address.publicIp),
  "addresses.association.owner-id": (eni, state) => elasticIpsOn(state, eni).map(() => state.accountId),
};

const describeNetworkInterfaces = describeAction({
  name: "DescribeNetworkInterfaces",
  idParameter: "NetworkInterfaceId",
  resources: (state) => state.networkInterfaces,
  notFound: (missing) => notFound(KINDS.networkInterface, missing),
  filters: NETWORK_INTERFACE_FILTERS,
  respond: (page, state) => ({ networkInterfaceSet: page.map((eni) => renderNetworkInterface(state, eni)) }),
});

export const NETWORK_INTERFACE_ACTIONS: Ec2Action[] = [
  assignPrivateIpAddresses,
  unassignPrivateIpAddresses,
  modifyNetworkInterfaceAttribute,
  describeNetworkInterfaces,
];
