import { Ec2Error, KINDS, notFound } from "./errors.js";
import type {
  AddressRecord,
  Ec2State,
  InstanceRecord,
  NetworkInterfaceRecord,
  RouteTableRecord,
  SubnetRecord,
} from "./state.js";
import { interfacesOfInstance } from "./state.js";

/** Resolve an ID named in a request, or fail with the NotFound (or Malformed) error EC2 answers. */

export function requireNetworkInterface(state: Ec2State, id: string): NetworkInterfaceRecord {
  const eni = state.networkInterfaces[id];
  if (!eni) throw notFound(KINDS.networkInterface, [id]);
  return eni;
}

export function requireAddress(state: Ec2State, allocationId: string): AddressRecord {
  const address = state.addresses[allocationId];
  if (!address) throw notFound(KINDS.allocation, [allocationId]);
  return address;
}

export function requireRouteTable(state: Ec2State, id: string): RouteTableRecord {
  const table = state.routeTables[id];
  if (!table) throw notFound(KINDS.routeTable, [id]);
  return table;
}

export function requireInstance(state: Ec2State, id: string): InstanceRecord {
  const instance = state.instances[id];
  if (!instance) throw notFound(KINDS.instance, [id]);
  return instance;
}

export function requireSubnet(state: Ec2State, id: string): SubnetRecord {
  const subnet = state.subnets[id];
  if (!subnet) throw notFound(KINDS.subnet, [id]);
  return subnet;
}

/**
 * A call that names an instance where an interface is meant (AssociateAddress, CreateRoute,
 * ReplaceRoute) means the instance's only interface; EC2 refuses when it has several.
 */
export function requireOnlyInterface(state: Ec2State, instanceId: string): { instance: InstanceRecord; eni: NetworkInterfaceRecord } {
  const instance = requireInstance(state, instanceId);
  const interfaces = interfacesOfInstance(state, instance.id);
  if (interfaces.length !== 1) {
    throw new Ec2Error(
      "InvalidInstanceID",
      `There are multiple interfaces attached to instance '${instance.id}'. Please specify an interface ID for the operation instead.`,
    );
  }
  return { instance, eni: interfaces[0]! };
}
