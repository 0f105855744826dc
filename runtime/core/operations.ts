import type { NodeId } from "../config/types.js";

/**
 * One idempotent mutation of the cloud. Each names the exact resource it changes (from the
 * config) and the state it leaves behind, so repeating it is always safe.
 */
export type Operation = AwsOperation | AzureOperation;
export type OperationAction = Operation["action"];

/** The operations of each cloud: its provider performs only its own. */
export type AwsOperation = AssignPrivateIpsOperation | AssociateAddressOperation | ReplaceRouteOperation;
export type AwsOperationAction = AwsOperation["action"];
export type AzureOperation = UpdateRouteTableOperation | MoveIpConfigurationsOperation;
export type AzureOperationAction = AzureOperation["action"];

export function isAzureOperation(op: Operation): op is AzureOperation {
  return op.action === "UpdateRouteTable" || op.action === "MoveIpConfigurations";
}

interface OperationBase {
  /** What is changed, for people: an interface, an allocation, "route table + destination". */
  target: string;
  /** The node the operation moves things to. */
  node: NodeId;
}

/** Move secondary private IPs onto the active node's interface of one role (AllowReassignment). */
export interface AssignPrivateIpsOperation extends OperationBase {
  action: "AssignPrivateIpAddresses";
  networkInterfaceId: string;
  role: string;
  privateIps: string[];
}

/** Re-associate an Elastic IP to a private IP of the active node's interface (AllowReassociation). */
export interface AssociateAddressOperation extends OperationBase {
  action: "AssociateAddress";
  allocationId: string;
  networkInterfaceId: string;
  privateIp: string;
  role: string;
}

/** Point an existing route at the active node's interface. */
export interface ReplaceRouteOperation extends OperationBase {
  action: "ReplaceRoute";
  routeTableId: string;
  destination: RouteDestination;
  networkInterfaceId: string;
  role: string;
}

/**
 * Azure: point routes of one route table at the active node — one PUT of the whole table, built
 * from a fresh GET and sent with If-Match (Azure takes no concurrent writes on one table well).
 */
export interface UpdateRouteTableOperation extends OperationBase {
  action: "UpdateRouteTable";
  routeTableId: string;
  /** Each route (by address prefix) and the next hop IP it must have. */
  routes: { addressPrefix: string; nextHopIpAddress: string }[];
}

/**
 * Azure: move IP configurations between the two nodes' NICs of one role — PUT the giving NIC
 * without them, wait for it, then PUT the receiving NIC with them appended (with their public
 * IPs). Both PUTs are full bodies from a fresh GET with If-Match.
 */
export interface MoveIpConfigurationsOperation extends OperationBase {
  action: "MoveIpConfigurations";
  role: string;
  fromNetworkInterfaceId: string;
  toNetworkInterfaceId: string;
  ipConfigurations: { name: string; privateIp: string; publicIpAddressId?: string }[];
}

export type RouteDestination =
  | { kind: "ipv4"; cidr: string }
  | { kind: "ipv6"; cidr: string }
  | { kind: "prefixList"; prefixListId: string };

export function parseDestination(value: string): RouteDestination {
  if (value.startsWith("pl-")) return { kind: "prefixList", prefixListId: value };
  return value.includes(":") ? { kind: "ipv6", cidr: value } : { kind: "ipv4", cidr: value };
}

export function destinationText(destination: RouteDestination): string {
  return destination.kind === "prefixList" ? destination.prefixListId : destination.cidr;
}

/** A plan: waves run one after another; the operations of a wave are independent and run in parallel. */
export interface Plan {
  activate: NodeId;
  waves: Operation[][];
}

export function planOperations(plan: Plan): Operation[] {
  return plan.waves.flat();
}
