/**
 * What a discovery source (the label tags, a CFE declaration for Azure, an azurerm Terraform
 * state) says belongs to an Azure pair: which NICs, route tables, public IPs and storage account,
 * and the choices the cloud alone cannot make (which ipConfigurations float, which routes follow
 * the pair). ARM says where everything is now; the scope says what is the pair's.
 */
import { DEFAULT_LABEL_KEY, DEFAULT_NIC_MAP_KEY } from "../../config/types.js";

/** CFE's tag on an Azure route table: both nodes' next-hop addresses (defaultNextHopAddresses discoveryType routeTag). */
export const DEFAULT_SELF_IPS_KEY = "f5_self_ips";

export interface AzureTagKeys {
  labelKey: string;
  nicMapKey: string;
  selfIpsKey: string;
}

export const DEFAULT_AZURE_TAG_KEYS: AzureTagKeys = { labelKey: DEFAULT_LABEL_KEY, nicMapKey: DEFAULT_NIC_MAP_KEY, selfIpsKey: DEFAULT_SELF_IPS_KEY };

/** Which routes of which tables follow the pair. */
export interface AzureRouteScope {
  /** The table by ARM ID (Terraform) ... */
  routeTableId?: string;
  /** ... or by name (CFE routeGroupDefinitions[].scopingName) ... */
  routeTableName?: string;
  /** ... or every table carrying all of these tags (CFE failoverRoutes.scopingTags). */
  tags?: Record<string, string>;
  /** Only address prefixes inside these ranges (CFE scopingAddressRanges); all when absent. */
  ranges?: string[];
  /** Only routes at these next hops (CFE static defaultNextHopAddresses); else the table's self-IPs tag, else any pair NIC. */
  nextHopIps?: string[];
}

export interface AzurePairScope {
  label: string;
  keys: AzureTagKeys;
  source: "tags" | "cfe" | "terraform";
  /** NICs: those carrying the label tag, plus these IDs. */
  nicsByTags: boolean;
  nicIds: string[];
  /** Route tables: those with the label tag (when routeTablesByTags), plus those the route scopes name. */
  routeTablesByTags: boolean;
  routeScopes: AzureRouteScope[];
  /** Public IPs with the label tag that must each pair with a floating ipConfiguration. */
  publicIpsByTags: boolean;
  /** The storage account: by name, or by tags (default: the label tag). */
  storage: { name?: string; tags?: Record<string, string> };
  /** The private IPs of the ipConfigurations that float (CFE networkInterfaceAddress); every secondary one when absent. */
  movingIps?: string[];
  /** The VM (ID or name) that is node a; default: by VM name. */
  nodeA?: string;
  /** Subscription and resource group the source implies (Terraform resource IDs). */
  subscriptionId?: string;
  resourceGroup?: string;
  notes: string[];
}

export function tagScope(label: string, keys: AzureTagKeys): AzurePairScope {
  return { label, keys, source: "tags", nicsByTags: true, nicIds: [], routeTablesByTags: true, routeScopes: [], publicIpsByTags: true, storage: { tags: { [keys.labelKey]: label } }, notes: [] };
}

export const hasTags = (tags: Record<string, string>, wanted: Record<string, string>) => Object.entries(wanted).every(([k, v]) => tags[k] === v);
export const lastSegment = (id: string) => id.split("/").pop() ?? id;
