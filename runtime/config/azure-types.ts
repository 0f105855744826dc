/**
 * The Azure branch of the agent config (`cloud: "azure"`). Every resource is named by its full
 * ARM resource ID, so the agent needs no discovery: the subscription and resource group of each
 * call come from the ID itself.
 */
import type { AgentDaemonConfig, NodeId, TagKeys, TimeBudgets } from "./types.js";

/** A pair in Azure. */
export interface AzureAgentConfig {
  $schema?: string;
  version: 1;
  cloud: "azure";
  label: string;
  /** The subscription of every resource named here (each resource ID must be in it). */
  subscriptionId: string;
  tags?: TagKeys;
  nodes: Record<NodeId, AzureNodeConfig>;
  addresses?: AzureAddressesConfig;
  routes?: AzureRouteConfig[];
  stateStore: AzureBlobStateStoreConfig;
  endpoints?: AzureEndpointOverrides;
  timeouts?: AzureTimeBudgets;
  agent?: AgentDaemonConfig;
}

export interface AzureNodeConfig {
  /** The VM's resource ID, as Azure IMDS reports it in compute.resourceId. */
  instanceId: string;
  /** The nic map: this node's network interfaces keyed by role. */
  interfaces: Record<string, AzureInterfaceConfig>;
}

export interface AzureInterfaceConfig {
  /** The network interface's resource ID. */
  id: string;
  /** The NIC's own (primary ipConfig's) private IP: the next hop of routes that follow this node. */
  privateIp: string;
}

export interface AzureAddressesConfig {
  /** Secondary IP configurations that move to the active node's NIC of their role (opt-in: NIC updates are slow). */
  ipConfigurations?: AzureIpConfigurationConfig[];
}

export interface AzureIpConfigurationConfig {
  /** The ipConfiguration's name, the same on whichever NIC holds it. */
  name: string;
  role: string;
  /** Its static private IP (in the subnet of both nodes' NICs of the role). */
  privateIp: string;
  /** The public IP address resource attached to it, which moves with it. */
  publicIpAddressId?: string;
}

export interface AzureRouteConfig {
  /** The route table's resource ID. */
  routeTableId: string;
  /** The address prefixes of the routes in this table whose next hop follows the active node. */
  addressPrefixes: string[];
  /** The routes point to the privateIp of the active node's interface of this role. */
  nextHop: { role: string };
}

export interface AzureBlobStateStoreConfig {
  type: "azureBlob";
  /** The storage account name. */
  account: string;
  container: string;
  blob: string;
}

export interface AzureEndpointOverrides {
  /** Azure Resource Manager (default https://management.azure.com). */
  arm?: string;
  /** The Blob service (default https://ACCOUNT.blob.core.windows.net; a private endpoint's URL here). */
  blob?: string;
  /** Instance metadata service (default http://169.254.169.254). AZURE_POD_IDENTITY_AUTHORITY_HOST wins over it. */
  imds?: string;
}

export interface AzureTimeBudgets extends TimeBudgets {
  /** Pause between polls of a long-running operation (a Retry-After on a 200 poll is ignored). */
  pollIntervalMs?: number;
}

/** Azure's defaults: a NIC update takes a minute or more on the legacy control plane, so the deadline is longer. */
export const DEFAULT_AZURE_TIMEOUTS: Required<AzureTimeBudgets> = {
  deadlineMs: 240_000,
  requestMs: 10_000,
  connectMs: 2_000,
  verifyIntervalMs: 500,
  pollIntervalMs: 500,
};

export function azurePollIntervalMs(config: AzureAgentConfig): number {
  return config.timeouts?.pollIntervalMs ?? DEFAULT_AZURE_TIMEOUTS.pollIntervalMs;
}
