import type { AgentConfig, NodeId } from "../config/types.js";
import { NODE_IDS } from "../config/types.js";
import { azurePairItems } from "./azure-desired.js";
import { routeKey, type ObservedState } from "./observed.js";

/**
 * The pair's movable items and where each must point when a given node is active. Derived
 * from the config alone; the verification wave and `inspect` compare it with what is observed.
 */
export type ItemKind = "secondaryIp" | "elasticIp" | "route";

export interface PairItem {
  kind: ItemKind;
  /** The IP, the allocation ID, or "rtb-… destination". */
  id: string;
  role: string;
  /** Where the item points on each node: an interface, and for EIPs the private IP. */
  placement: Record<NodeId, Placement>;
}

export interface Placement {
  networkInterfaceId: string;
  privateIp?: string;
}

/** Where an item points now, as observed; null when it points nowhere (or the route is missing). */
export interface CurrentPlacement {
  networkInterfaceId: string | null;
  privateIp?: string | null;
  /** For a route whose target is not an interface (gateway, instance), the target as the cloud names it. */
  target?: string;
  state?: string;
}

export function pairItems(config: AgentConfig): PairItem[] {
  if (config.cloud === "azure") return azurePairItems(config);
  const eni = (node: NodeId, role: string): string => {
    const nic = config.nodes[node].interfaces[role];
    // Validation guarantees every referenced role exists on both nodes.
    if (!nic) throw new Error(`role ${role} missing on node ${node}: config was not validated`);
    return nic.id;
  };
  const both = (f: (node: NodeId) => Placement) => ({ a: f("a"), b: f("b") });
  const items: PairItem[] = [];
  for (const group of config.addresses?.secondaryIps ?? []) {
    for (const ip of group.ips) {
      items.push({ kind: "secondaryIp", id: ip, role: group.role, placement: both((n) => ({ networkInterfaceId: eni(n, group.role) })) });
    }
  }
  for (const eip of config.addresses?.elasticIps ?? []) {
    items.push({
      kind: "elasticIp",
      id: eip.allocationId,
      role: eip.role,
      placement: both((n) => ({ networkInterfaceId: eni(n, eip.role), privateIp: eip.privateIp[n] })),
    });
  }
  for (const route of config.routes ?? []) {
    for (const destination of route.destinations) {
      items.push({
        kind: "route",
        id: routeKey(route.routeTableId, destination),
        role: route.nextHop.role,
        placement: both((n) => ({ networkInterfaceId: eni(n, route.nextHop.role) })),
      });
    }
  }
  return items;
}

export function currentPlacement(item: PairItem, observed: ObservedState): CurrentPlacement | null {
  switch (item.kind) {
    case "secondaryIp": {
      const holder = observed.privateIps[item.id];
      return holder ? { networkInterfaceId: holder } : null;
    }
    case "elasticIp": {
      const association = observed.elasticIps[item.id];
      return association?.networkInterfaceId ? { networkInterfaceId: association.networkInterfaceId, privateIp: association.privateIp } : null;
    }
    case "route": {
      const route = observed.routes[item.id];
      return route ? { networkInterfaceId: route.networkInterfaceId, target: route.target, state: route.state } : null;
    }
  }
}

function samePlacement(want: Placement, have: CurrentPlacement | null): boolean {
  if (!have || have.networkInterfaceId !== want.networkInterfaceId) return false;
  return want.privateIp === undefined || have.privateIp === want.privateIp;
}

/** Which node an item is placed on now: a, b, or null (neither node's placement). */
export function holderOf(item: PairItem, observed: ObservedState): NodeId | null {
  const have = currentPlacement(item, observed);
  return NODE_IDS.find((node) => samePlacement(item.placement[node], have)) ?? null;
}

/** One item that does not (yet) point where the active node needs it. */
export interface Difference {
  kind: ItemKind;
  id: string;
  expected: Placement;
  actual: CurrentPlacement | null;
}

export function differences(config: AgentConfig, active: NodeId, observed: ObservedState): Difference[] {
  return pairItems(config)
    .filter((item) => !samePlacement(item.placement[active], currentPlacement(item, observed)))
    .map((item) => ({ kind: item.kind, id: item.id, expected: item.placement[active], actual: currentPlacement(item, observed) }));
}

export function describeDifference(d: Difference): string {
  const where = (p: CurrentPlacement | Placement | null) =>
    p === null ? "nothing" : `${p.networkInterfaceId ?? (p as CurrentPlacement).target ?? "nothing"}${p.privateIp ? ` (${p.privateIp})` : ""}`;
  const missing = d.kind === "route" && d.actual === null ? " (the route does not exist)" : "";
  return `${d.kind} ${d.id} points to ${where(d.actual)}${missing}, expected ${where(d.expected)}`;
}

export type PairHolder = NodeId | "mixed" | "none";

export interface InspectItem {
  kind: ItemKind;
  id: string;
  role: string;
  /** The node the item points to now, or null. */
  node: NodeId | null;
  current: CurrentPlacement | null;
}

export interface InspectReport {
  activeNode: PairHolder;
  items: InspectItem[];
}

/** Where every address and route points, and which node holds the pair as a whole. */
export function inspectPair(config: AgentConfig, observed: ObservedState): InspectReport {
  const items = pairItems(config).map((item) => ({
    kind: item.kind,
    id: item.id,
    role: item.role,
    node: holderOf(item, observed),
    current: currentPlacement(item, observed),
  }));
  const holders = new Set(items.map((i) => i.node));
  let activeNode: PairHolder = "none";
  if (holders.size === 1) activeNode = items[0]?.node ?? "none";
  else if (holders.size > 1) activeNode = "mixed";
  return { activeNode, items };
}
