/**
 * The per-cloud seam of `ha-pair discover`: every cloud's discoverer takes the same options and
 * returns the same four documents, so the command, the writer and the brownfield stacks do not
 * care which cloud found the pair. AWS is here; an Azure discoverer plugs into DISCOVERERS.
 */
export interface DiscoveryOptions {
  /** The pair's label (the label tag's value); read from the CFE declaration or Terraform state when absent. */
  label?: string;
  /** Tag keys, when the pair does not use CFE's defaults. */
  labelKey?: string;
  nicMapKey?: string;
  /** AWS: the EIP tag naming each node's private IP (CFE f5_cloud_failover_vips). */
  vipsKey?: string;
  /** AWS: the route table tag naming the nodes' next hops (CFE f5_self_ips). */
  selfIpsKey?: string;
  /** An exported CFE declaration (JSON). */
  cfeFile?: string;
  /** `terraform show -json` output or a v4 .tfstate file. */
  terraformStateFile?: string;
  /** The instance (AWS) / VM (Azure) that is node a; default: by Name tag, then ID. */
  nodeA?: string;
  /** The agent's state store (AWS: S3 bucket), when not found by tag or source. */
  stateBucket?: string;
  stateKey?: string;
  /** The name the brownfield stack gives the component (import.json names and parents). */
  componentName: string;
  region?: string;
  /** Azure: where to list (default AZURE_SUBSCRIPTION_ID, AZURE_RESOURCE_GROUP; without a group, the whole subscription). */
  subscriptionId?: string;
  resourceGroup?: string;
  /** Azure: the state blob's storage account, container and blob name. */
  storageAccount?: string;
  stateContainer?: string;
  stateBlob?: string;
  /** Azure: the ARM endpoint discovery talks to (and writes into endpoints.arm when not Azure's public cloud). */
  armEndpoint?: string;
  /** Azure: an IMDS the agent must use (endpoints.imds), e.g. the simulator's. */
  imdsEndpoint?: string;
}

export interface DiscoveryResult {
  cloud: string;
  label: string;
  /** The four documents, by file name: agent-config.json, pair-args.json, import.json, ownership.json. */
  documents: Record<DiscoveryFileName, unknown>;
  /** Human lines about what was found. */
  summary: string[];
  /** What could not be looked at or was left alone. */
  notes: string[];
}

export const DISCOVERY_FILES = ["agent-config.json", "pair-args.json", "import.json", "ownership.json"] as const;
export type DiscoveryFileName = (typeof DISCOVERY_FILES)[number];

export interface CloudDiscoverer {
  cloud: string;
  discover(options: DiscoveryOptions): Promise<DiscoveryResult>;
}
