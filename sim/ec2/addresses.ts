import { resourceRef, tagSet, type ActionContext, type Ec2Action, type ResourceRef } from "./context.js";
import { Ec2Error, invalidParameterCombination, invalidParameterValue, KINDS, missingParameter, notFound } from "./errors.js";
import { applyFilters, selectByIds, type FilterTable } from "./filters.js";
import { requireAddress, requireNetworkInterface, requireOnlyInterface } from "./lookups.js";
import { addressOn, primaryIpOf, type AddressRecord, type Ec2State, type NetworkInterfaceRecord } from "./state.js";
import type { XmlObject } from "./xml.js";

/** The interface an AssociateAddress call targets: named directly, or the only interface of the named instance. */
function targetInterface(context: ActionContext): { eni: NetworkInterfaceRecord; instanceRef?: ResourceRef } {
  const { params, state } = context;
  const networkInterfaceId = params.string("NetworkInterfaceId");
  const instanceId = params.string("InstanceId");
  if (networkInterfaceId !== undefined && instanceId !== undefined) {
    throw invalidParameterCombination("You can specify either an instance ID or a network interface ID, but not both.");
  }
  if (networkInterfaceId !== undefined) return { eni: requireNetworkInterface(state, networkInterfaceId) };
  if (instanceId === undefined) throw missingParameter("NetworkInterfaceId or InstanceId");
  const { instance, eni } = requireOnlyInterface(state, instanceId);
  return { eni, instanceRef: resourceRef(state, "instance", instance.id, instance.tags) };
}

const associateAddress: Ec2Action = {
  name: "AssociateAddress",
  mutating: true,
  run(context: ActionContext): XmlObject {
    const { params, state } = context;
    const allocationId = params.string("AllocationId");
    if (allocationId === undefined) {
      // PublicIp alone addressed EC2-Classic addresses, which no longer exist.
      throw missingParameter("AllocationId");
    }
    const address = requireAddress(state, allocationId);
    const { eni, instanceRef } = targetInterface(context);
    const privateIp = params.string("PrivateIpAddress") ?? primaryIpOf(eni)!;
    // Documented: "Reassociation is automatic, but you can specify false to ensure the
    // operation fails if the Elastic IP address is already associated with another resource."
    const allowReassociation = params.bool("AllowReassociation") ?? true;
    context.authorize([
      resourceRef(state, "elastic-ip", address.allocationId, address.tags),
      resourceRef(state, "network-interface", eni.id, eni.tags),
      ...(instanceRef ? [instanceRef] : []),
    ]);

    if (!eni.privateIps.some((ip) => ip.address === privateIp)) {
      throw invalidParameterValue(`The private IP address ${privateIp} is not assigned to the network interface ${eni.id}`);
    }
    const current = address.association;
    if (current && current.networkInterfaceId === eni.id && current.privateIp === privateIp) {
      return { associationId: current.associationId, return: true }; // already there: idempotent
    }
    if (current && !allowReassociation) {
      throw new Ec2Error("Resource.AlreadyAssociated", `resource ${address.allocationId} is already associated with associate-id ${current.associationId}`);
    }
    // A private IP maps to at most one Elastic IP: an address already on the target is
    // disassociated (it stays allocated to the account).
    const displaced = addressOn(state, eni.id, privateIp);
    if (displaced) delete displaced.association;
    const associationId = context.newId("eipassoc");
    address.association = { associationId, networkInterfaceId: eni.id, privateIp };
    state.issuedAddressAssociations[associationId] = true;
    return { associationId, return: true };
  },
};

const disassociateAddress: Ec2Action = {
  name: "DisassociateAddress",
  mutating: true,
  run(context: ActionContext): XmlObject {
    const { params, state } = context;
    const associationId = params.string("AssociationId");
    if (associationId === undefined) throw missingParameter("AssociationId");
    if (!state.issuedAddressAssociations[associationId]) {
      throw new Ec2Error("InvalidAssociationID.NotFound", `The association ID '${associationId}' does not exist`);
    }
    const address = Object.values(state.addresses).find((candidate) => candidate.association?.associationId === associationId);
    const eni = address?.association ? state.networkInterfaces[address.association.networkInterfaceId] : undefined;
    context.authorize([
      ...(address ? [resourceRef(state, "elastic-ip", address.allocationId, address.tags)] : []),
      ...(eni ? [resourceRef(state, "network-interface", eni.id, eni.tags)] : []),
    ]);
    // Documented as idempotent: an association already replaced or removed is a success that changes nothing.
    if (address) delete address.association;
    return { return: true };
  },
};

export function renderAddress(state: Ec2State, address: AddressRecord): XmlObject {
  const association = address.association;
  const eni = association ? state.networkInterfaces[association.networkInterfaceId] : undefined;
  return {
    allocationId: address.allocationId,
    associationId: association?.associationId,
    domain: "vpc",
    instanceId: eni?.attachment?.instanceId,
    networkInterfaceId: association?.networkInterfaceId,
    networkInterfaceOwnerId: association ? state.accountId : undefined,
    privateIpAddress: association?.privateIp,
    tagSet: tagSet(address.tags),
    publicIpv4Pool: "amazon",
    networkBorderGroup: state.region,
    publicIp: address.publicIp,
  };
}

const ADDRESS_FILTERS: FilterTable<AddressRecord> = {
  "allocation-id": (address) => [address.allocationId],
  "association-id": (address) => [address.association?.associationId],
  "network-interface-id": (address) => [address.association?.networkInterfaceId],
  "network-interface-owner-id": (address, state) => [address.association ? state.accountId : undefined],
  "private-ip-address": (address) => [address.association?.privateIp],
  "public-ip": (address) => [address.publicIp],
  "instance-id": (address, state) => [
    address.association ? state.networkInterfaces[address.association.networkInterfaceId]?.attachment?.instanceId : undefined,
  ],
  domain: () => ["vpc"],
  "network-border-group": (_address, state) => [state.region],
};

const describeAddresses: Ec2Action = {
  name: "DescribeAddresses",
  mutating: false,
  run(context: ActionContext): XmlObject {
    const { params, state } = context;
    const allocationIds = params.list("AllocationId");
    const publicIps = params.list("PublicIp");
    const filters = params.filters();
    let selected = selectByIds(state.addresses, allocationIds, (missing) => notFound(KINDS.allocation, missing));
    if (publicIps.length > 0) {
      const missing = publicIps.filter((ip) => !selected.some((address) => address.publicIp === ip));
      if (missing.length > 0) throw new Ec2Error("InvalidAddress.NotFound", `Address '${missing[0]}' not found.`);
      selected = selected.filter((address) => publicIps.includes(address.publicIp));
    }
    context.authorize([]);
    const matching = applyFilters(selected, filters, ADDRESS_FILTERS, state, (address) => address.tags);
    return { addressesSet: matching.map((address) => renderAddress(state, address)) };
  },
};

export const ADDRESS_ACTIONS: Ec2Action[] = [associateAddress, disassociateAddress, describeAddresses];
