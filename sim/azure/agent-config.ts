import type { AzureAgentConfig, NodeId } from "../../runtime/config/types.js";
import { networkId, vmId } from "./resources.js";
import type { AzureTopology } from "./topology.js";

/** The pair's agent config for a topology, speaking to the simulator's endpoints (as node a: its IMDS). */
export function buildAzureAgentConfig(t: AzureTopology, endpoints: { arm: string; blob: string; imds: string }, account: string, timeouts: AzureAgentConfig["timeouts"] = {}): AzureAgentConfig {
  const node = (id: NodeId) => ({
    instanceId: vmId(t, t.nodes[id].vm),
    interfaces: Object.fromEntries(Object.entries(t.nodes[id].nics).map(([role, nic]) => [role, { id: networkId(t, "networkInterfaces", nic.name), privateIp: nic.privateIp }])),
  });
  return {
    $schema: "../runtime/config/agent-config.schema.json",
    version: 1,
    cloud: "azure",
    label: t.label,
    subscriptionId: t.subscriptionId,
    nodes: { a: node("a"), b: node("b") },
    ...(t.ipConfigurations.length > 0
      ? {
          addresses: {
            ipConfigurations: t.ipConfigurations.map((c) => ({
              name: c.name,
              role: c.role,
              privateIp: c.privateIp,
              ...(c.publicIp ? { publicIpAddressId: networkId(t, "publicIPAddresses", c.publicIp) } : {}),
            })),
          },
        }
      : {}),
    routes: t.routes.map((r) => ({ routeTableId: networkId(t, "routeTables", r.table), addressPrefixes: r.addressPrefixes, nextHop: { role: r.role } })),
    stateStore: { type: "azureBlob", account, container: t.stateStore.container, blob: t.stateStore.blob },
    endpoints,
    ...(Object.keys(timeouts ?? {}).length > 0 ? { timeouts } : {}),
  };
}
