/**
 * The agent config: one JSON document describing one pair. It is the contract between
 * the provisioning components (which generate it from real resource IDs), brownfield
 * discovery, hand-written configs and the agent. `agent-config.schema.json` is its
 * JSON Schema; these types mirror it exactly (test/config-schema.test.ts keeps them in step).
 */
import type { AzureAgentConfig } from "./azure-types.js";
import { DEFAULT_AZURE_TIMEOUTS } from "./azure-types.js";

export * from "./azure-types.js";

/** The two nodes of a pair. */
export type NodeId = "a" | "b";
export const NODE_IDS: readonly NodeId[] = ["a", "b"];
export function otherNode(node: NodeId): NodeId {
  return node === "a" ? "b" : "a";
}

export type Cloud = AgentConfig["cloud"];

/**
 * One pair's config, by cloud: `cloud` is the discriminant of the union (one schema, one
 * validator: agent-config.schema.json has one branch per cloud).
 */
export type AgentConfig = AwsAgentConfig | AzureAgentConfig;

/** A pair in AWS. */
export interface AwsAgentConfig {
  $schema?: string;
  /** Version of this contract. */
  version: 1;
  cloud: "aws";
  /** The pair's label: the value of the label tag on every resource of the pair. */
  label: string;
  /** AWS Region of every resource named here. Defaults to AWS_REGION, then the node's IMDS identity. */
  region?: string;
  tags?: TagKeys;
  nodes: Record<NodeId, NodeConfig>;
  addresses?: AddressesConfig;
  routes?: RouteConfig[];
  stateStore: StateStoreConfig;
  endpoints?: EndpointOverrides;
  timeouts?: TimeBudgets;
  /** Settings of the `ha-pair agent run` daemon; its command-line flags override them. */
  agent?: AgentDaemonConfig;
}

export interface TagKeys {
  /** Tag key that carries the pair label. Default `f5_cloud_failover_label`. */
  labelKey?: string;
  /** Tag key whose value pairs the same-role interfaces of both nodes. Default `f5_cloud_failover_nic_map`. */
  nicMapKey?: string;
}

export interface NodeConfig {
  /** EC2 instance ID of this node. */
  instanceId: string;
  /** The nic map: this node's interfaces keyed by role (external, internal, ...). */
  interfaces: Record<string, InterfaceConfig>;
}

export interface InterfaceConfig {
  /** Elastic network interface ID. */
  id: string;
}

export interface AddressesConfig {
  /** Same-subnet mode: secondary private IPs that move to the active node's interface of the same role. */
  secondaryIps?: SecondaryIpGroup[];
  /** Across-AZ mode: Elastic IPs that re-associate to a per-node private IP on the active node. */
  elasticIps?: ElasticIpConfig[];
}

export interface SecondaryIpGroup {
  role: string;
  ips: string[];
}

export interface ElasticIpConfig {
  allocationId: string;
  /** The public IP, for display only. */
  publicIp?: string;
  /** Role of the interface the EIP is associated with on the active node. */
  role: string;
  /** The private IP the EIP maps to on each node's interface of that role. */
  privateIp: Record<NodeId, string>;
}

export interface RouteConfig {
  routeTableId: string;
  /** IPv4 CIDRs, IPv6 CIDRs or managed prefix list IDs (pl-...). */
  destinations: string[];
  /** The route's target follows the active node: its interface of this role. */
  nextHop: { role: string };
}

export interface StateStoreConfig {
  type: "s3";
  bucket: string;
  key: string;
}

export interface EndpointOverrides {
  /** EC2 API endpoint (e.g. a VPC interface endpoint). AWS_ENDPOINT_URL_EC2 / AWS_ENDPOINT_URL win over it. */
  ec2?: string;
  /** S3 API endpoint. AWS_ENDPOINT_URL_S3 / AWS_ENDPOINT_URL win over it. */
  s3?: string;
  /** Instance metadata service. AWS_EC2_METADATA_SERVICE_ENDPOINT wins over it. */
  imds?: string;
}

export interface TimeBudgets {
  /** Overall deadline of one failover, fencing to final state write. */
  deadlineMs?: number;
  /** Timeout of every single HTTP request. */
  requestMs?: number;
  /** TCP connect timeout of every single HTTP request. */
  connectMs?: number;
  /** Pause between verification reads while the cloud's reads lag behind its writes. */
  verifyIntervalMs?: number;
}

export interface AgentDaemonConfig {
  /** Where the HTTP API listens: 127.0.0.1 only. */
  listen?: { address?: "127.0.0.1"; port?: number };
  /** Absolute path of the bearer token file (mode 600 or stricter). */
  tokenFile?: string;
  /** Seconds between reads of the state object kept for the fast trigger path. */
  stateRefreshSeconds?: number;
  /** The level-triggered reconcile loop; off when absent. */
  reconcile?: ReconcileConfig;
}

export interface ReconcileConfig {
  /** argv of the role command, run without a shell: exit 0 = active, other exit = standby, timeout/error = unknown. */
  roleCommand: string[];
  intervalSeconds?: number;
  /** Seconds after the other node took the pair over during which this node does not repair toward itself. */
  holdDownSeconds?: number;
  /** Seconds the role command may run before its answer counts as unknown. */
  timeoutSeconds?: number;
}

export const DEFAULT_AGENT = {
  address: "127.0.0.1",
  port: 8787,
  tokenFile: "/etc/ha-pair/token",
  stateRefreshSeconds: 5,
  reconcile: { intervalSeconds: 10, holdDownSeconds: 30, timeoutSeconds: 5 },
} as const;

export const DEFAULT_LABEL_KEY = "f5_cloud_failover_label";
export const DEFAULT_NIC_MAP_KEY = "f5_cloud_failover_nic_map";

export const DEFAULT_TIMEOUTS: Required<TimeBudgets> = {
  deadlineMs: 30_000,
  requestMs: 3_000,
  connectMs: 1_000,
  verifyIntervalMs: 200,
};

export function timeBudgets(config: AgentConfig): Required<TimeBudgets> {
  if (config.cloud === "azure") {
    const { pollIntervalMs: _poll, ...budgets } = { ...DEFAULT_AZURE_TIMEOUTS, ...config.timeouts };
    return budgets;
  }
  return { ...DEFAULT_TIMEOUTS, ...config.timeouts };
}

export function tagKeys(config: AgentConfig): Required<TagKeys> {
  return {
    labelKey: config.tags?.labelKey ?? DEFAULT_LABEL_KEY,
    nicMapKey: config.tags?.nicMapKey ?? DEFAULT_NIC_MAP_KEY,
  };
}
