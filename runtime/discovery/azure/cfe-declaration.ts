/**
 * F5 Cloud Failover Extension declaration for Azure (class Cloud_Failover, environment azure) to
 * a discovery scope: the label from failoverAddresses.scopingTags (NICs and public IPs carry it),
 * the floating addresses from addressGroupDefinitions (networkInterfaceAddress: scopingAddress),
 * the routes from failoverRoutes (scopingTags, or routeGroupDefinitions[].scopingName = a route
 * table's name; scopingAddressRanges; defaultNextHopAddresses static items or routeTag) and the
 * storage account from externalStorage (scopingName or scopingTags). Accepts the declaration as
 * POSTed or as `GET /declare` returns it ({ "declaration": {...} }).
 */
import { DiscoveryInputError } from "../errors.js";
import { isObject } from "../json-file.js";
import type { AzurePairScope, AzureRouteScope, AzureTagKeys } from "./scope.js";

const stringRecord = (value: unknown): Record<string, string> | undefined =>
  isObject(value) && Object.values(value).every((v) => typeof v === "string") ? (value as Record<string, string>) : undefined;
const strings = (value: unknown): string[] => (Array.isArray(value) ? value.filter((v): v is string => typeof v === "string") : []);

function staticNextHops(value: unknown): string[] | undefined {
  return isObject(value) && value.discoveryType === "static" ? strings(value.items) : undefined;
}
function ranges(value: unknown): string[] | undefined {
  if (!Array.isArray(value)) return undefined;
  const found = value.filter(isObject).map((r) => r.range).filter((r): r is string => typeof r === "string");
  return found.length > 0 ? found : undefined;
}

export function scopeFromAzureCfeDeclaration(document: unknown, options: { file: string; keys: AzureTagKeys; label?: string }): AzurePairScope {
  const { file, keys } = options;
  const declaration = isObject(document) && isObject(document.declaration) ? document.declaration : document;
  const base = isObject(document) && isObject(document.declaration) ? "/declaration" : "";
  if (!isObject(declaration) || declaration.class !== "Cloud_Failover") throw new DiscoveryInputError(file, `${base || "/"}: not a CFE declaration (expected "class": "Cloud_Failover")`);
  if (declaration.environment !== "azure") throw new DiscoveryInputError(file, `${base}/environment is ${JSON.stringify(declaration.environment)}; \`discover azure\` reads an Azure declaration ("environment": "azure"): use \`discover ${typeof declaration.environment === "string" ? declaration.environment : "aws"}\` for this one`);
  const addresses = isObject(declaration.failoverAddresses) ? declaration.failoverAddresses : {};
  const routes = isObject(declaration.failoverRoutes) ? declaration.failoverRoutes : {};
  const storage = isObject(declaration.externalStorage) ? declaration.externalStorage : {};
  const addressTags = stringRecord(addresses.scopingTags);
  const label = options.label ?? addressTags?.[keys.labelKey] ?? stringRecord(routes.scopingTags)?.[keys.labelKey];
  if (!label) throw new DiscoveryInputError(file, `${base}/failoverAddresses/scopingTags has no ${keys.labelKey}: pass --label L, or --label-key when the declaration scopes by another tag`);
  if (options.label && addressTags?.[keys.labelKey] && addressTags[keys.labelKey] !== options.label) {
    throw new DiscoveryInputError(file, `${base}/failoverAddresses/scopingTags/${keys.labelKey} is "${addressTags[keys.labelKey]}" but --label is "${options.label}": drop --label or pass the declaration of that pair`);
  }
  const notes: string[] = [];
  const groups = Array.isArray(addresses.addressGroupDefinitions) ? addresses.addressGroupDefinitions.filter(isObject) : [];
  const movingIps = groups.filter((g) => g.type === "networkInterfaceAddress").map((g) => g.scopingAddress).filter((a): a is string => typeof a === "string");
  groups.forEach((g, i) => {
    if (g.type !== "networkInterfaceAddress") notes.push(`${file}: ${base}/failoverAddresses/addressGroupDefinitions/${i} (type ${String(g.type)}) is not used: a public IP moves with the ipConfiguration it is attached to`);
  });

  const routeScopes: AzureRouteScope[] = [];
  const commonRanges = ranges(routes.scopingAddressRanges);
  const commonHops = staticNextHops(routes.defaultNextHopAddresses);
  const withLimits = (scope: AzureRouteScope, r?: string[], hops?: string[]): AzureRouteScope => ({ ...scope, ...(r ? { ranges: r } : {}), ...(hops ? { nextHopIps: hops } : {}) });
  const definitions = Array.isArray(routes.routeGroupDefinitions) ? routes.routeGroupDefinitions.filter(isObject) : [];
  for (const [i, group] of definitions.entries()) {
    const name = typeof group.scopingName === "string" ? group.scopingName : undefined;
    const tags = stringRecord(group.scopingTags);
    if (!name && !tags) throw new DiscoveryInputError(file, `${base}/failoverRoutes/routeGroupDefinitions/${i} has neither scopingName (a route table name) nor scopingTags`);
    routeScopes.push(withLimits(name ? { routeTableName: name } : { tags: tags! }, ranges(group.scopingAddressRanges) ?? commonRanges, staticNextHops(group.defaultNextHopAddresses) ?? commonHops));
  }
  const routeTags = stringRecord(routes.scopingTags);
  // No failoverRoutes (or enabled: false): CFE moves no route, and neither will the agent.
  if (definitions.length === 0 && isObject(declaration.failoverRoutes) && routes.enabled !== false) routeScopes.push(withLimits({ tags: routeTags ?? { [keys.labelKey]: label } }, commonRanges, commonHops));

  const storageName = typeof storage.scopingName === "string" ? storage.scopingName : undefined;
  const storageTags = stringRecord(storage.scopingTags);
  return {
    label,
    keys,
    source: "cfe",
    nicsByTags: true,
    nicIds: [],
    routeTablesByTags: false,
    routeScopes,
    publicIpsByTags: true,
    storage: storageName ? { name: storageName } : { tags: storageTags ?? { [keys.labelKey]: label } },
    ...(movingIps.length > 0 ? { movingIps } : {}),
    notes,
  };
}
