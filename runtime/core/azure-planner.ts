import type { AzureAgentConfig, NodeId } from "../config/types.js";
import { otherNode } from "../config/types.js";
import { holderOf, pairItems } from "./desired.js";
import { routeKey, type ObservedState } from "./observed.js";
import type { MoveIpConfigurationsOperation, Operation, Plan, UpdateRouteTableOperation } from "./operations.js";

/**
 * Plan an Azure failover to `activate`: one whole-table PUT per route table that has a route to
 * move, and one NIC-pair move per role that has an ipConfiguration (or its public IP) to move.
 * Everything goes in ONE wave: the tables are independent of each other and of the NICs (a route's
 * next hop is the node's own NIC IP, which never moves); the giving-then-receiving order of a NIC
 * pair is kept inside its operation. With an observation, what already points to `activate` is skipped.
 */
export function planAzureFailover(config: AzureAgentConfig, activate: NodeId, observed?: ObservedState): Plan {
  const pendingIds = new Set(pairItems(config).filter((item) => !observed || holderOf(item, observed) !== activate).map((item) => `${item.kind} ${item.id}`));
  const node = config.nodes[activate];
  const giving = config.nodes[otherNode(activate)];
  const wave: Operation[] = [];

  const moves = new Map<string, MoveIpConfigurationsOperation>();
  for (const ipConfig of config.addresses?.ipConfigurations ?? []) {
    const pending = pendingIds.has(`secondaryIp ${ipConfig.privateIp}`) || (ipConfig.publicIpAddressId !== undefined && pendingIds.has(`elasticIp ${ipConfig.publicIpAddressId}`));
    if (!pending) continue;
    const to = node.interfaces[ipConfig.role]!.id;
    const move = moves.get(ipConfig.role) ?? {
      action: "MoveIpConfigurations",
      target: to,
      node: activate,
      role: ipConfig.role,
      fromNetworkInterfaceId: giving.interfaces[ipConfig.role]!.id,
      toNetworkInterfaceId: to,
      ipConfigurations: [],
    };
    move.ipConfigurations.push({ name: ipConfig.name, privateIp: ipConfig.privateIp, ...(ipConfig.publicIpAddressId ? { publicIpAddressId: ipConfig.publicIpAddressId } : {}) });
    moves.set(ipConfig.role, move);
  }
  wave.push(...moves.values());

  const tables = new Map<string, UpdateRouteTableOperation>();
  for (const route of config.routes ?? []) {
    const nextHopIpAddress = node.interfaces[route.nextHop.role]!.privateIp;
    const table = tables.get(route.routeTableId) ?? { action: "UpdateRouteTable", target: route.routeTableId, node: activate, routeTableId: route.routeTableId, routes: [] };
    for (const addressPrefix of route.addressPrefixes) table.routes.push({ addressPrefix, nextHopIpAddress });
    tables.set(route.routeTableId, table);
  }
  // A table is rewritten whole, so every configured route of it goes in its PUT; a table none of
  // whose routes is pending is left alone.
  for (const table of tables.values()) {
    if (table.routes.some((r) => pendingIds.has(`route ${routeKey(table.routeTableId, r.addressPrefix)}`))) wave.push(table);
  }
  return { activate, waves: wave.length > 0 ? [wave] : [] };
}
