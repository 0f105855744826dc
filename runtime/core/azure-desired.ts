import type { AzureAgentConfig, NodeId } from "../config/types.js";
import type { PairItem, Placement } from "./desired.js";
import { routeKey } from "./observed.js";

/**
 * The movable items of an Azure pair, in the core's cloud-neutral terms, so verification,
 * inspect and reconcile work unchanged:
 * - a moving ipConfiguration is a "secondaryIp" (its private IP, held by one NIC of the role);
 * - its public IP is an "elasticIp" (the public IP resource, attached to that private IP's NIC);
 * - a route is a "route" whose next hop is the privateIp of the active node's NIC of the role.
 */
export function azurePairItems(config: AzureAgentConfig): PairItem[] {
  const nic = (node: NodeId, role: string): string => {
    const found = config.nodes[node].interfaces[role];
    if (!found) throw new Error(`role ${role} missing on node ${node}: config was not validated`);
    return found.id;
  };
  const both = (f: (node: NodeId) => Placement) => ({ a: f("a"), b: f("b") });
  const items: PairItem[] = [];
  for (const ipConfig of config.addresses?.ipConfigurations ?? []) {
    items.push({ kind: "secondaryIp", id: ipConfig.privateIp, role: ipConfig.role, placement: both((n) => ({ networkInterfaceId: nic(n, ipConfig.role) })) });
    if (ipConfig.publicIpAddressId) {
      items.push({
        kind: "elasticIp",
        id: ipConfig.publicIpAddressId,
        role: ipConfig.role,
        placement: both((n) => ({ networkInterfaceId: nic(n, ipConfig.role), privateIp: ipConfig.privateIp })),
      });
    }
  }
  for (const route of config.routes ?? []) {
    for (const prefix of route.addressPrefixes) {
      items.push({
        kind: "route",
        id: routeKey(route.routeTableId, prefix),
        role: route.nextHop.role,
        placement: both((n) => ({ networkInterfaceId: nic(n, route.nextHop.role) })),
      });
    }
  }
  return items;
}
