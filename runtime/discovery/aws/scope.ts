/**
 * What a discovery source (the label tags, a CFE declaration, a Terraform state) says belongs to
 * the pair: which resources to look up, and the choices the cloud alone cannot make (which
 * secondary IPs float, which routes follow the pair). The resolver takes the cloud's answer for
 * the facts (where each IP and route points now) and this scope for the intent.
 */
import { DEFAULT_LABEL_KEY, DEFAULT_NIC_MAP_KEY } from "../../config/types.js";

/** CFE's tag on an Elastic IP: the private IPs (one per node) it maps to. */
export const DEFAULT_VIPS_KEY = "f5_cloud_failover_vips";
/** CFE's tag on a route table: the next-hop addresses of both nodes. */
export const DEFAULT_SELF_IPS_KEY = "f5_self_ips";

export interface AwsTagKeys {
  labelKey: string;
  nicMapKey: string;
  vipsKey: string;
  selfIpsKey: string;
}

export const DEFAULT_AWS_TAG_KEYS: AwsTagKeys = {
  labelKey: DEFAULT_LABEL_KEY,
  nicMapKey: DEFAULT_NIC_MAP_KEY,
  vipsKey: DEFAULT_VIPS_KEY,
  selfIpsKey: DEFAULT_SELF_IPS_KEY,
};

/** The routes of one table that follow the pair. */
export interface RouteScope {
  /** The table by ID (CFE scopingName, Terraform) ... */
  routeTableId?: string;
  /** ... or every table carrying all of these tags (CFE scopingTags). */
  tags?: Record<string, string>;
  /** Only destinations inside these CIDRs (CFE scopingAddressRanges); all when absent. */
  ranges?: string[];
  /** Only routes whose target carries one of these IPs (CFE next hops); any pair interface when absent. */
  nextHopIps?: string[];
}

export interface TagSearch {
  interfaces: boolean;
  elasticIps: boolean;
  routeTables: boolean;
  buckets: boolean;
  endpoints: boolean;
}

export const ALL_BY_TAGS: TagSearch = { interfaces: true, elasticIps: true, routeTables: true, buckets: true, endpoints: true };
export const NONE_BY_TAGS: TagSearch = { interfaces: false, elasticIps: false, routeTables: false, buckets: false, endpoints: false };

/** Where to look: each list is added to the label-tag search (when `byTags`). */
export interface InventoryQuery {
  /** Which kinds of resource are searched by the label tag. */
  byTags: TagSearch;
  interfaceIds: string[];
  allocationIds: string[];
  publicIps: string[];
  routeTableIds: string[];
  /** Route tables that carry all of these tags (CFE failoverRoutes.scopingTags). */
  routeTableTags: Record<string, string>[];
  bucketName?: string;
  /** Buckets that carry all of these tags (CFE externalStorage.scopingTags). */
  bucketTags?: Record<string, string>;
  endpointIds: string[];
}

export interface AwsPairScope {
  label: string;
  keys: AwsTagKeys;
  /** Which source said so: "tags", "cfe", "terraform" (for messages and ownership). */
  source: "tags" | "cfe" | "terraform";
  /** The instance that is node a; default: by Name tag, then by instance ID. */
  nodeA?: string;
  /** The floating secondary IPs, when the source names them (CFE addressGroupDefinitions). */
  movingIps?: string[];
  /** Per Elastic IP (allocation ID or public IP): the private IPs it maps to, when the source names them. */
  elasticIpTargets?: Record<string, string[]>;
  /** Per route table: which routes follow the pair. Tables found without an entry take all routes at a pair interface. */
  routeScopes: RouteScope[];
  /** Object key of the agent's state (greenfield default ha-pair/<label>/state.json). */
  stateKey?: string;
  /** What the source said that discovery did not use (reported, never silently dropped). */
  notes?: string[];
  query: InventoryQuery;
}

export function emptyQuery(byTags: TagSearch): InventoryQuery {
  return { byTags, interfaceIds: [], allocationIds: [], publicIps: [], routeTableIds: [], routeTableTags: [], endpointIds: [] };
}

export { defaultStateKey } from "../state-key.js";
