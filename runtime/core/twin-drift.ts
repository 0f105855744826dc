/**
 * Drift between association mode's twin route tables. A failover swaps a subnet's whole route
 * table, so anything one twin has and the other lacks (a route added by hand to one only, a
 * gateway endpoint associated with one only, VGW propagation enabled on one only) is silently
 * dropped or added by the next failover. And the pair's own routes must point, in node X's
 * twin, at X's interface of the role: otherwise the swap moves the subnet to the wrong node.
 * Found by preflight and by every reconcile round, each finding named with its fix.
 */
import type { AwsAgentConfig as AgentConfig, NodeId } from "../config/types.js";
import { NODE_IDS } from "../config/types.js";
import { canonicalDestination } from "../config/semantics.js";
import type { ObservedRouteTable, ObservedState } from "./observed.js";

export interface TwinDrift {
  /** The twin tables, by node. */
  tables: Record<NodeId, string>;
  /** The subnets that use them. */
  subnets: string[];
  message: string;
  fix: string;
}

/** Routes EC2 adds by itself: the VPC's local route and propagated VGW routes follow their own settings. */
const automatic = (origin: string | undefined, target: string) => target === "local" || origin === "EnableVgwRoutePropagation";

function destinationFlag(destination: string): string {
  if (destination.startsWith("pl-")) return `--destination-prefix-list-id ${destination}`;
  return destination.includes(":") ? `--destination-ipv6-cidr-block ${destination}` : `--destination-cidr-block ${destination}`;
}

function targetFlag(target: string): string {
  const flag: [string, string][] = [
    ["eni-", "--network-interface-id"],
    ["nat-", "--nat-gateway-id"],
    ["tgw-", "--transit-gateway-id"],
    ["pcx-", "--vpc-peering-connection-id"],
    ["i-", "--instance-id"],
    ["eigw-", "--egress-only-internet-gateway-id"],
  ];
  return `${flag.find(([prefix]) => target.startsWith(prefix))?.[1] ?? "--gateway-id"} ${target}`;
}

export function twinTableDrift(config: AgentConfig, observed: ObservedState): TwinDrift[] {
  const found: TwinDrift[] = [];
  const pairs = new Map<string, { tables: Record<NodeId, string>; subnets: string[]; routes: Map<string, string> }>();
  for (const entry of config.routeTableAssociations ?? []) {
    const key = `${entry.routeTableIds.a} ${entry.routeTableIds.b}`;
    const pair = pairs.get(key) ?? { tables: entry.routeTableIds, subnets: [], routes: new Map<string, string>() };
    pair.subnets.push(entry.subnetId);
    for (const route of entry.routes) for (const d of route.destinations) pair.routes.set(canonicalDestination(d), route.nextHop.role);
    pairs.set(key, pair);
  }
  for (const { tables, subnets, routes } of pairs.values()) {
    const add = (message: string, fix: string) => found.push({ tables, subnets, message, fix });
    const read: Partial<Record<NodeId, ObservedRouteTable>> = {};
    for (const node of NODE_IDS) {
      const table = observed.twinTables?.[tables[node]];
      if (table) read[node] = table;
      else add(`node ${node}'s twin route table ${tables[node]} (subnets ${subnets.join(", ")}) was not found`, `Create it as a copy of ${tables[node === "a" ? "b" : "a"]} with the pair's routes pointing at node ${node}'s interfaces, or correct routeTableAssociations in the config.`);
    }
    const { a, b } = read;
    if (!a || !b) continue;
    const byNode = { a, b };

    // The pair's routes: in X's twin, at X's interface of the role.
    for (const [destination, role] of routes) {
      for (const node of NODE_IDS) {
        const eni = config.nodes[node].interfaces[role]?.id;
        const route = byNode[node].routes.find((r) => canonicalDestination(r.destination) === destination);
        if (!route) {
          add(`route ${destination} is missing from node ${node}'s twin table ${tables[node]}: a failover to node ${node} would drop it`, `aws ec2 create-route --route-table-id ${tables[node]} ${destinationFlag(destination)} --network-interface-id ${eni}`);
        } else if (route.target !== eni) {
          add(`route ${destination} in node ${node}'s twin table ${tables[node]} points at ${route.target}, not at node ${node}'s ${role} interface ${eni}: a failover to node ${node} would send it elsewhere`, `aws ec2 replace-route --route-table-id ${tables[node]} ${destinationFlag(destination)} --network-interface-id ${eni}`);
        }
      }
    }

    // Every other route: the same in both twins.
    const others = (node: NodeId) =>
      new Map(byNode[node].routes.filter((r) => !automatic(r.origin, r.target) && !routes.has(canonicalDestination(r.destination))).map((r) => [canonicalDestination(r.destination), r.target]));
    const other = { a: others("a"), b: others("b") };
    for (const [node, twin] of [["a", "b"], ["b", "a"]] as const) {
      for (const [destination, target] of other[node]) {
        const there = other[twin].get(destination);
        if (there === target) continue;
        if (there !== undefined) {
          if (node === "a") add(`route ${destination} points at ${target} in node a's twin table ${tables.a} but at ${there} in node b's ${tables.b}: the twins must be identical but for the pair's routes`, `Make them the same, e.g. aws ec2 replace-route --route-table-id ${tables.b} ${destinationFlag(destination)} ${targetFlag(target)} (or list the route under routeTableAssociations[].routes if it should follow the active node).`);
          continue;
        }
        const endpoint = target.startsWith("vpce-");
        add(
          `${endpoint ? `gateway endpoint ${target} (route ${destination})` : `route ${destination} → ${target}`} is in node ${node}'s twin table ${tables[node]} but not in node ${twin}'s ${tables[twin]}: a failover to node ${twin} would drop it for subnets ${subnets.join(", ")}`,
          endpoint
            ? `aws ec2 modify-vpc-endpoint --vpc-endpoint-id ${target} --add-route-table-ids ${tables[twin]}`
            : `aws ec2 create-route --route-table-id ${tables[twin]} ${destinationFlag(destination)} ${targetFlag(target)}`,
        );
      }
    }

    // VGW route propagation: on in both or in neither.
    for (const [node, twin] of [["a", "b"], ["b", "a"]] as const) {
      for (const vgw of byNode[node].propagatingVgws.filter((g) => !byNode[twin].propagatingVgws.includes(g))) {
        add(`route propagation from ${vgw} is on in node ${node}'s twin table ${tables[node]} but not in node ${twin}'s ${tables[twin]}: a failover to node ${twin} would drop the VPN's routes`, `aws ec2 enable-vgw-route-propagation --route-table-id ${tables[twin]} --gateway-id ${vgw}`);
      }
    }
  }
  return found;
}

export function describeTwinDrift(drift: TwinDrift): string {
  return `${drift.message}. Fix: ${drift.fix}`;
}
