import type { AgentConfig, NodeId } from "../config/types.js";
import { planAzureFailover } from "./azure-planner.js";
import { holderOf, pairItems } from "./desired.js";
import type { ObservedState } from "./observed.js";
import { parseDestination, type AssociateAddressOperation, type Operation, type Plan } from "./operations.js";

/**
 * Plan the failover to `activate`: a pure function of the config (no discovery — the config
 * names the exact resources), optionally narrowed by an observation (what already points to
 * `activate` is skipped; without one, every operation is planned, which is safe because every
 * operation is idempotent).
 *
 * Fewest calls: one AssignPrivateIpAddresses per destination interface carrying all of its
 * IPs, one AssociateAddress per EIP, one ReplaceRoute per route. Everything is independent
 * and goes in one wave, except an EIP mapped to a moving secondary IP: it can only be
 * associated once that IP is on the destination interface, so it waits for a second wave.
 */
export function planFailover(config: AgentConfig, activate: NodeId, observed?: ObservedState): Plan {
  if (config.cloud === "azure") return planAzureFailover(config, activate, observed);
  const pending = (item: ReturnType<typeof pairItems>[number]) => !observed || holderOf(item, observed) !== activate;
  const items = pairItems(config).filter(pending);
  const iface = (role: string) => config.nodes[activate].interfaces[role]!.id;

  const ipsByInterface = new Map<string, { role: string; ips: string[] }>();
  for (const item of items.filter((i) => i.kind === "secondaryIp")) {
    const eni = iface(item.role);
    const entry = ipsByInterface.get(eni) ?? { role: item.role, ips: [] };
    entry.ips.push(item.id);
    ipsByInterface.set(eni, entry);
  }
  const first: Operation[] = [...ipsByInterface].map(([eni, { role, ips }]) => ({
    action: "AssignPrivateIpAddresses",
    target: eni,
    node: activate,
    networkInterfaceId: eni,
    role,
    privateIps: ips,
  }));
  const movingNow = new Set([...ipsByInterface.values()].flatMap((e) => e.ips));

  const second: Operation[] = [];
  for (const eip of config.addresses?.elasticIps ?? []) {
    const item = items.find((i) => i.kind === "elasticIp" && i.id === eip.allocationId);
    if (!item) continue;
    const operation: AssociateAddressOperation = {
      action: "AssociateAddress",
      target: eip.allocationId,
      node: activate,
      allocationId: eip.allocationId,
      networkInterfaceId: iface(eip.role),
      privateIp: eip.privateIp[activate],
      role: eip.role,
    };
    (movingNow.has(operation.privateIp) ? second : first).push(operation);
  }

  for (const route of config.routes ?? []) {
    for (const destination of route.destinations) {
      const key = `${route.routeTableId} ${destination}`;
      if (!items.some((i) => i.kind === "route" && i.id === key)) continue;
      first.push({
        action: "ReplaceRoute",
        target: key,
        node: activate,
        routeTableId: route.routeTableId,
        destination: parseDestination(destination),
        networkInterfaceId: iface(route.nextHop.role),
        role: route.nextHop.role,
      });
    }
  }
  return { activate, waves: [first, second].filter((wave) => wave.length > 0) };
}
