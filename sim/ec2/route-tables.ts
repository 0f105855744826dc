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
import { isIpv6Cidr, parseIpv4Cidr } from "./ip.js";
import { requireNetworkInterface, requireOnlyInterface, requireRouteTable, requireSubnet } from "./lookups.js";
import type { QueryParams } from "./params.js";
import { routeState } from "./route-state.js";
import {
  destinationText,
  sameDestination,
  type Ec2State,
  type RouteDestination,
  type RouteRecord,
  type RouteTableRecord,
  type RouteTarget,
} from "./state.js";
import type { XmlObject } from "./xml.js";

/** Route targets EC2 has that this simulation does not model; naming one fails loudly rather than silently. */
const UNSIMULATED_TARGETS = [
  "NatGatewayId",
  "TransitGatewayId",
  "VpcPeeringConnectionId",
  "VpcEndpointId",
  "EgressOnlyInternetGatewayId",
  "CarrierGatewayId",
  "LocalGatewayId",
  "CoreNetworkArn",
];

function requestedDestination(params: QueryParams): RouteDestination {
  const ipv4 = params.string("DestinationCidrBlock");
  const ipv6 = params.string("DestinationIpv6CidrBlock");
  const prefixListId = params.string("DestinationPrefixListId");
  const given = [ipv4, ipv6, prefixListId].filter((value) => value !== undefined);
  if (given.length === 0) throw missingParameter("DestinationCidrBlock, DestinationIpv6CidrBlock or DestinationPrefixListId");
  if (given.length > 1) {
    throw invalidParameterCombination("Specify exactly one of DestinationCidrBlock, DestinationIpv6CidrBlock and DestinationPrefixListId.");
  }
  if (ipv4 !== undefined) {
    if (!parseIpv4Cidr(ipv4)) throw invalidParameterValue(`Value (${ipv4}) for parameter destinationCidrBlock is invalid. This is not a valid CIDR block.`);
    return { kind: "ipv4", cidr: ipv4 };
  }
  if (ipv6 !== undefined) {
    if (!isIpv6Cidr(ipv6)) throw invalidParameterValue(`Value (${ipv6}) for parameter destinationIpv6CidrBlock is invalid. This is not a valid IPv6 CIDR block.`);
    return { kind: "ipv6", cidr: ipv6 };
  }
  return { kind: "prefixList", prefixListId: prefixListId! };
}

/** "no route with destination-cidr-block 10.0.0.0/24 in route table rtb-…" */
function routeNotFound(destination: RouteDestination, table: RouteTableRecord): Ec2Error {
  const attribute = { ipv4: "destination-cidr-block", ipv6: "destination-ipv6-cidr-block", prefixList: "destination-prefix-list-id" }[destination.kind];
  return new Ec2Error("InvalidRoute.NotFound", `no route with ${attribute} ${destinationText(destination)} in route table ${table.id}`);
}

/** The single target a CreateRoute / ReplaceRoute names, resolved; existence is checked here, VPC membership later. */
function requestedTarget(context: ActionContext): { target: RouteTarget; vpcId?: string; describe: string } {
  const { params, state } = context;
  const unsimulated = UNSIMULATED_TARGETS.find((name) => params.string(name) !== undefined);
  if (unsimulated) throw invalidParameterValue(`The simulated EC2 does not model ${unsimulated} route targets.`);
  const networkInterfaceId = params.string("NetworkInterfaceId");
  const gatewayId = params.string("GatewayId");
  const instanceId = params.string("InstanceId");
  const given = [networkInterfaceId, gatewayId, instanceId].filter((value) => value !== undefined);
  if (given.length === 0) throw missingParameter("NetworkInterfaceId, GatewayId or InstanceId");
  if (given.length > 1) throw invalidParameterCombination("The route must have exactly one target: specify only one of gatewayId, networkInterfaceId and instanceId.");
  if (networkInterfaceId !== undefined) {
    const eni = requireNetworkInterface(state, networkInterfaceId);
    return { target: { kind: "networkInterface", networkInterfaceId: eni.id }, vpcId: eni.vpcId, describe: `network interface ${eni.id}` };
  }
  if (instanceId !== undefined) {
    // A route to an instance is a route to its (only) network interface.
    const { instance, eni } = requireOnlyInterface(state, instanceId);
    return { target: { kind: "networkInterface", networkInterfaceId: eni.id }, vpcId: instance.vpcId, describe: `instance ${instance.id}` };
  }
  if (!/^(igw|vgw)-[0-9a-f]+$/.test(gatewayId!)) {
    throw new Ec2Error("InvalidGatewayID.NotFound", `The gateway ID '${gatewayId}' does not exist`);
  }
  return { target: { kind: "gateway", gatewayId: gatewayId! }, describe: `gateway ${gatewayId}` };
}

function assertSameNetwork(table: RouteTableRecord, target: { vpcId?: string; describe: string }): void {
  if (target.vpcId !== undefined && target.vpcId !== table.vpcId) {
    throw invalidParameterValue(`route table ${table.id} and ${target.describe} belong to different networks`);
  }
}

function routeTableRef(state: Ec2State, table: RouteTableRecord) {
  return resourceRef(state, "route-table", table.id, table.tags);
}

const createRoute: Ec2Action = {
  name: "CreateRoute",
  mutating: true,
  run(context: ActionContext): XmlObject {
    const { params, state } = context;
    const table = requireRouteTable(state, params.requiredString("RouteTableId"));
    const destination = requestedDestination(params);
    if (destination.kind === "prefixList" && !state.prefixLists[destination.prefixListId]) {
      throw notFound(KINDS.prefixList, [destination.prefixListId]);
    }
    const target = requestedTarget(context);
    context.authorize([routeTableRef(state, table)]);
    assertSameNetwork(table, target);
    if (table.routes.some((route) => sameDestination(route.destination, destination))) {
      throw new Ec2Error("RouteAlreadyExists", `The route identified by ${destinationText(destination)} already exists.`);
    }
    table.routes.push({ destination, target: target.target, origin: "CreateRoute" });
    return { return: true };
  },
};

const replaceRoute: Ec2Action = {
  name: "ReplaceRoute",
  mutating: true,
  run(context: ActionContext): XmlObject {
    const { params, state } = context;
    const table = requireRouteTable(state, params.requiredString("RouteTableId"));
    const destination = requestedDestination(params);
    const target = requestedTarget(context);
    context.authorize([routeTableRef(state, table)]);
    const route = table.routes.find((candidate) => sameDestination(candidate.destination, destination));
    if (!route) throw routeNotFound(destination, table);
    if (route.target.kind === "local") {
      throw invalidParameterValue(`cannot replace local route ${destinationText(destination)} in route table ${table.id}`);
    }
    assertSameNetwork(table, target);
    route.target = target.target; // the same target again is a no-op success
    return { return: true };
  },
};

const deleteRoute: Ec2Action = {
  name: "DeleteRoute",
  mutating: true,
  run(context: ActionContext): XmlObject {
    const { params, state } = context;
    const table = requireRouteTable(state, params.requiredString("RouteTableId"));
    const destination = requestedDestination(params);
    context.authorize([routeTableRef(state, table)]);
    const route = table.routes.find((candidate) => sameDestination(candidate.destination, destination));
    if (!route) throw routeNotFound(destination, table);
    if (route.target.kind === "local") {
      throw invalidParameterValue(`cannot remove local route ${destinationText(destination)} in route table ${table.id}`);
    }
    table.routes = table.routes.filter((candidate) => candidate !== route);
    return { return: true };
  },
};

/**
 * Moves a subnet (or the main association) onto another route table. The association gets a
 * new ID every time — callers must use the returned one, never the old. Moving the main
 * association makes the new table the VPC's main table (the flag travels with it).
 */
const replaceRouteTableAssociation: Ec2Action = {
  name: "ReplaceRouteTableAssociation",
  mutating: true,
  run(context: ActionContext): XmlObject {
    const { params, state } = context;
    const associationId = params.requiredString("AssociationId");
    const newTable = requireRouteTable(state, params.requiredString("RouteTableId"));
    const oldTable = Object.values(state.routeTables).find((table) => table.associations.some((association) => association.id === associationId));
    if (!oldTable) throw new Ec2Error("InvalidAssociationID.NotFound", `The association ID '${associationId}' does not exist`);
    const association = oldTable.associations.find((candidate) => candidate.id === associationId)!;
    const subnet = association.subnetId ? state.subnets[association.subnetId] : undefined;
    context.authorize([
      routeTableRef(state, newTable),
      ...(subnet ? [resourceRef(state, "subnet", subnet.id, subnet.tags)] : []),
    ]);
    if (oldTable.vpcId !== newTable.vpcId) {
      throw invalidParameterValue(`route table ${newTable.id} and ${subnet ? `subnet ${subnet.id}` : `route table ${oldTable.id}`} belong to different networks`);
    }
    oldTable.associations = oldTable.associations.filter((candidate) => candidate.id !== associationId);
    const newAssociationId = context.newId("rtbassoc");
    newTable.associations.push({ ...association, id: newAssociationId });
    return { newAssociationId, associationState: { state: "associated" } };
  },
};

/** The table a subnet is explicitly associated with, and the association (AWS allows one per subnet). */
function explicitAssociationOf(state: Ec2State, subnetId: string): { table: RouteTableRecord; id: string } | undefined {
  for (const table of Object.values(state.routeTables)) {
    const association = table.associations.find((candidate) => candidate.subnetId === subnetId);
    if (association) return { table, id: association.id };
  }
  return undefined;
}

/**
 * Associates a subnet with a table. A subnet has at most one explicit association (without one it
 * uses its VPC's main table); a second is refused: ReplaceRouteTableAssociation moves it instead.
 */
const associateRouteTable: Ec2Action = {
  name: "AssociateRouteTable",
  mutating: true,
  run(context: ActionContext): XmlObject {
    const { params, state } = context;
    const table = requireRouteTable(state, params.requiredString("RouteTableId"));
    const subnet = requireSubnet(state, params.requiredString("SubnetId"));
    context.authorize([routeTableRef(state, table), resourceRef(state, "subnet", subnet.id, subnet.tags)]);
    if (subnet.vpcId !== table.vpcId) throw invalidParameterValue(`route table ${table.id} and subnet ${subnet.id} belong to different networks`);
    const existing = explicitAssociationOf(state, subnet.id);
    if (existing) {
      throw new Ec2Error("Resource.AlreadyAssociated", `the specified association for route table ${table.id} conflicts with an existing association (${existing.id}, route table ${existing.table.id}) of subnet ${subnet.id}`);
    }
    const associationId = context.newId("rtbassoc");
    table.associations.push({ id: associationId, subnetId: subnet.id, main: false });
    return { associationId, associationState: { state: "associated" } };
  },
};

/** Removes a subnet's explicit association (the subnet falls back to the main table). The main association itself cannot be removed. */
const disassociateRouteTable: Ec2Action = {
  name: "DisassociateRouteTable",
  mutating: true,
  run(context: ActionContext): XmlObject {
    const { params, state } = context;
    const associationId = params.requiredString("AssociationId");
    const table = Object.values(state.routeTables).find((candidate) => candidate.associations.some((association) => association.id === associationId));
    if (!table) throw new Ec2Error("InvalidAssociationID.NotFound", `The association ID '${associationId}' does not exist`);
    const association = table.associations.find((candidate) => candidate.id === associationId)!;
    const subnet = association.subnetId ? state.subnets[association.subnetId] : undefined;
    context.authorize([routeTableRef(state, table), ...(subnet ? [resourceRef(state, "subnet", subnet.id, subnet.tags)] : [])]);
    if (association.main) {
      throw invalidParameterValue(`cannot disassociate the main route table association ${associationId}: make another table main with ReplaceRouteTableAssociation instead`);
    }
    table.associations = table.associations.filter((candidate) => candidate.id !== associationId);
    return { return: true };
  },
};

function renderRoute(state: Ec2State, route: RouteRecord): XmlObject {
  const eni = route.target.kind === "networkInterface" ? state.networkInterfaces[route.target.networkInterfaceId] : undefined;
  return {
    destinationCidrBlock: route.destination.kind === "ipv4" ? route.destination.cidr : undefined,
    destinationIpv6CidrBlock: route.destination.kind === "ipv6" ? route.destination.cidr : undefined,
    destinationPrefixListId: route.destination.kind === "prefixList" ? route.destination.prefixListId : undefined,
    gatewayId: route.target.kind === "local" ? "local" : route.target.kind === "gateway" ? route.target.gatewayId : undefined,
    instanceId: eni?.attachment?.instanceId,
    instanceOwnerId: eni?.attachment ? state.accountId : undefined,
    networkInterfaceId: route.target.kind === "networkInterface" ? route.target.networkInterfaceId : undefined,
    origin: route.origin,
    state: routeState(state, route),
  };
}

export function renderRouteTable(state: Ec2State, table: RouteTableRecord): XmlObject {
  return {
    associationSet: table.associations.map((association) => ({
      main: association.main,
      routeTableAssociationId: association.id,
      routeTableId: table.id,
      subnetId: association.subnetId,
      associationState: { state: "associated" },
    })),
    propagatingVgwSet: [],
    routeTableId: table.id,
    routeSet: table.routes.map((route) => renderRoute(state, route)),
    tagSet: tagSet(table.tags),
    vpcId: table.vpcId,
    ownerId: state.accountId,
  };
}

const ROUTE_TABLE_FILTERS: FilterTable<RouteTableRecord> = {
  "route-table-id": (table) => [table.id],
  "vpc-id": (table) => [table.vpcId],
  "owner-id": (_table, state) => [state.accountId],
  "association.route-table-association-id": (table) => table.associations.map((association) => association.id),
  "association.route-table-id": (table) => table.associations.map(() => table.id),
  "association.subnet-id": (table) => table.associations.map((association) => association.subnetId),
  "association.main": (table) => table.associations.map((association) => association.main),
  "route.destination-cidr-block": (table) => table.routes.map((route) => (route.destination.kind === "ipv4" ? route.destination.cidr : undefined)),
  "route.destination-ipv6-cidr-block": (table) => table.routes.map((route) => (route.destination.kind === "ipv6" ? route.destination.cidr : undefined)),
  "route.destination-prefix-list-id": (table) => table.routes.map((route) => (route.destination.kind === "prefixList" ? route.destination.prefixListId : undefined)),
  "route.gateway-id": (table) => table.routes.map((route) => (route.target.kind === "local" ? "local" : route.target.kind === "gateway" ? route.target.gatewayId : undefined)),
  "route.network-interface-id": (table) => table.routes.map((route) => (route.target.kind === "networkInterface" ? route.target.networkInterfaceId : undefined)),
  "route.instance-id": (table, state) =>
    table.routes.map((route) => (route.target.kind === "networkInterface" ? state.networkInterfaces[route.target.networkInterfaceId]?.attachment?.instanceId : undefined)),
  "route.origin": (table) => table.routes.map((route) => route.origin),
  "route.state": (table, state) => table.routes.map((route) => routeState(state, route)),
};

const describeRouteTables = describeAction({
  name: "DescribeRouteTables",
  idParameter: "RouteTableId",
  resources: (state) => state.routeTables,
  notFound: (missing) => notFound(KINDS.routeTable, missing),
  filters: ROUTE_TABLE_FILTERS,
  respond: (page, state) => ({ routeTableSet: page.map((table) => renderRouteTable(state, table)) }),
});

export const ROUTE_TABLE_ACTIONS: Ec2Action[] = [createRoute, replaceRoute, deleteRoute, replaceRouteTableAssociation, associateRouteTable, disassociateRouteTable, describeRouteTables];
