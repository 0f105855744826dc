/**
 * An Azure pair topology for the simulator: one resource group with a VNet, two VMs with a NIC
 * per role, route tables, public IPs, and what moves between the nodes. The sim turns it into
 * ARM resources (resources.ts) and into the pair's agent config (agent-config.ts).
 */
import type { NodeId } from "../../runtime/config/types.js";

export interface AzureTopology {
  subscriptionId: string;
  resourceGroup: string;
  location: string;
  label: string;
  vnet: { name: string; subnets: { name: string; prefix: string }[] };
  nodes: Record<NodeId, { vm: string; nics: Record<string, { name: string; privateIp: string; subnet: string }> }>;
  publicIps: { name: string; ipAddress: string }[];
  routeTables: { name: string; subnets: string[]; routes: { name: string; addressPrefix: string; nextHopIpAddress: string }[] }[];
  /** The ipConfigurations that move (opt-in), on node `startsOn` at the start. */
  ipConfigurations: { name: string; role: string; privateIp: string; publicIp?: string; startsOn: NodeId }[];
  /** Which routes follow the active node. */
  routes: { table: string; addressPrefixes: string[]; role: string }[];
  stateStore: { container: string; blob: string };
}

export const EXAMPLE_SUBSCRIPTION = "6d1c7e4a-3b2f-4f8e-9a51-0c2d8e7f9a10";

/**
 * The example: two NVAs (external and internal NICs), two route tables whose default and
 * on-premises routes point to node a's internal NIC; with `ipConfigurations`, also a floating
 * VIP with its public IP on node a's external NIC.
 */
export function exampleAzureTopology(options: { ipConfigurations?: boolean; routeTables?: number; routesPerTable?: number } = {}): AzureTopology {
  const tables = options.routeTables ?? 2;
  const perTable = options.routesPerTable ?? 2;
  const prefixes = (t: number) => Array.from({ length: perTable }, (_, i) => (i === 0 ? "0.0.0.0/0" : `10.${100 + t}.${i}.0/24`));
  const routeTables = Array.from({ length: tables }, (_, t) => ({
    name: `rt-spoke-${t + 1}`,
    subnets: [`spoke-${t + 1}`],
    routes: [
      ...prefixes(t).map((addressPrefix, i) => ({ name: i === 0 ? "default" : `onprem-${i}`, addressPrefix, nextHopIpAddress: "10.0.2.4" })),
      // A route the pair does not own: it must survive every PUT of the table untouched.
      { name: "to-shared-services", addressPrefix: "10.200.0.0/16", nextHopIpAddress: "10.0.2.100" },
    ],
  }));
  return {
    subscriptionId: EXAMPLE_SUBSCRIPTION,
    resourceGroup: "rg-ha-pair",
    location: "westeurope",
    label: "azure-edge",
    vnet: {
      name: "vnet-hub",
      subnets: [
        { name: "external", prefix: "10.0.1.0/24" },
        { name: "internal", prefix: "10.0.2.0/24" },
        ...routeTables.map((_, t) => ({ name: `spoke-${t + 1}`, prefix: `10.0.${10 + t}.0/24` })),
      ],
    },
    nodes: {
      a: { vm: "nva-a", nics: { external: { name: "nva-a-ext", privateIp: "10.0.1.4", subnet: "external" }, internal: { name: "nva-a-int", privateIp: "10.0.2.4", subnet: "internal" } } },
      b: { vm: "nva-b", nics: { external: { name: "nva-b-ext", privateIp: "10.0.1.5", subnet: "external" }, internal: { name: "nva-b-int", privateIp: "10.0.2.5", subnet: "internal" } } },
    },
    publicIps: options.ipConfigurations ? [{ name: "pip-vip1", ipAddress: "20.61.15.7" }] : [],
    routeTables,
    ipConfigurations: options.ipConfigurations ? [{ name: "vip1", role: "external", privateIp: "10.0.1.10", publicIp: "pip-vip1", startsOn: "a" }] : [],
    routes: routeTables.map((t, i) => ({ table: t.name, addressPrefixes: prefixes(i), role: "internal" })),
    stateStore: { container: "ha-pair", blob: "azure-edge/state.json" },
  };
}
