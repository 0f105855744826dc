/**
 * The Azure agent config and the equivalent F5 Cloud_Failover declaration, as pure functions of
 * the pair's resolved resource IDs. The component feeds them the real IDs and checks the result
 * against the contract (runtime/config validateConfig) before anything is uploaded.
 */
import {
  DEFAULT_LABEL_KEY,
  DEFAULT_NIC_MAP_KEY,
  NODE_IDS,
  validateConfig,
  type AgentDaemonConfig,
  type AzureAgentConfig,
  type AzureTimeBudgets,
  type ConfigError,
  type NodeId,
} from "../../runtime/config/index.js";

export interface ResolvedAzurePair {
  label: string;
  labelKey: string;
  nicMapKey: string;
  subscriptionId: string;
  nodes: Record<NodeId, { vmId: string; interfaces: Record<string, { id: string; privateIp: string }> }>;
  ipConfigurations: { name: string; role: string; privateIp: string; publicIpAddressId?: string }[];
  routes: { routeTableId: string; addressPrefixes: string[]; nextHopRole: string }[];
  storageAccount: string;
  container: string;
  stateBlob: string;
  timeouts?: AzureTimeBudgets;
  agent?: AgentDaemonConfig;
}

export function buildAzureAgentConfig(pair: ResolvedAzurePair): AzureAgentConfig {
  const tags = {
    ...(pair.labelKey !== DEFAULT_LABEL_KEY ? { labelKey: pair.labelKey } : {}),
    ...(pair.nicMapKey !== DEFAULT_NIC_MAP_KEY ? { nicMapKey: pair.nicMapKey } : {}),
  };
  const node = (id: NodeId) => ({
    instanceId: pair.nodes[id].vmId,
    interfaces: Object.fromEntries(Object.entries(pair.nodes[id].interfaces).map(([role, nic]) => [role, { id: nic.id, privateIp: nic.privateIp }])),
  });
  return {
    version: 1,
    cloud: "azure",
    label: pair.label,
    subscriptionId: pair.subscriptionId,
    ...(Object.keys(tags).length > 0 ? { tags } : {}),
    nodes: { a: node("a"), b: node("b") },
    ...(pair.ipConfigurations.length > 0
      ? { addresses: { ipConfigurations: pair.ipConfigurations.map((c) => ({ name: c.name, role: c.role, privateIp: c.privateIp, ...(c.publicIpAddressId ? { publicIpAddressId: c.publicIpAddressId } : {}) })) } }
      : {}),
    ...(pair.routes.length > 0 ? { routes: pair.routes.map((r) => ({ routeTableId: r.routeTableId, addressPrefixes: [...r.addressPrefixes], nextHop: { role: r.nextHopRole } })) } : {}),
    // The default Blob endpoint (https://ACCOUNT.blob.core.windows.net) resolves to the private
    // endpoint inside the VNet through the linked privatelink zone: no override needed.
    stateStore: { type: "azureBlob", account: pair.storageAccount, container: pair.container, blob: pair.stateBlob },
    ...(pair.timeouts && Object.keys(pair.timeouts).length > 0 ? { timeouts: { ...pair.timeouts } } : {}),
    ...(pair.agent && Object.keys(pair.agent).length > 0 ? { agent: pair.agent } : {}),
  };
}

/** Thrown (at preview when the IDs are known) when the generated config breaks the contract; names every JSON path. */
export class GeneratedAzureConfigError extends Error {
  constructor(
    readonly component: string,
    readonly errors: ConfigError[],
  ) {
    super(
      `AzureHaPair "${component}": the generated agent config is invalid (${errors.length} error${errors.length === 1 ? "" : "s"}); fix the component's args:\n` +
        errors.map((e) => `  ${e.path || "/"}: ${e.message}`).join("\n"),
    );
    this.name = "GeneratedAzureConfigError";
  }
}

export function validatedAzureAgentConfig(component: string, pair: ResolvedAzurePair): AzureAgentConfig {
  const result = validateConfig(buildAzureAgentConfig(pair));
  if (!result.ok) throw new GeneratedAzureConfigError(component, result.errors);
  return result.config as AzureAgentConfig;
}

const nameOf = (id: string) => id.slice(id.lastIndexOf("/") + 1);

/**
 * The F5 Cloud Failover Extension declaration of the same pair (environment azure): the label tag
 * scopes the addresses and the storage account, each route table is named with the next hops of
 * both nodes (their NICs' private IPs in the next-hop role).
 */
export function buildAzureCfeDeclaration(pair: ResolvedAzurePair): Record<string, unknown> {
  const nextHops = (role: string) => NODE_IDS.map((id) => pair.nodes[id].interfaces[role]?.privateIp).filter((ip): ip is string => ip !== undefined);
  return {
    class: "Cloud_Failover",
    environment: "azure",
    controls: { class: "Controls", logLevel: "info" },
    externalStorage: { scopingName: pair.storageAccount, encryption: { serverSide: { enabled: true } } },
    failoverAddresses: {
      enabled: pair.ipConfigurations.length > 0,
      scopingTags: { [pair.labelKey]: pair.label },
      requireScopingTags: false,
    },
    failoverRoutes: {
      enabled: pair.routes.length > 0,
      routeGroupDefinitions: pair.routes.map((r) => ({
        scopingName: nameOf(r.routeTableId),
        scopingAddressRanges: r.addressPrefixes.map((range) => ({ range })),
        defaultNextHopAddresses: { discoveryType: "static", items: nextHops(r.nextHopRole) },
      })),
    },
  };
}
