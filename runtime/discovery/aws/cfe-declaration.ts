/**
 * F5 Cloud Failover Extension declaration (class Cloud_Failover, environment aws) to a discovery
 * scope: the label from failoverAddresses.scopingTags, the floating addresses from
 * addressGroupDefinitions (networkInterfaceAddress: a secondary IP; elasticIpAddress: a public IP
 * and its vipAddresses), the routes from failoverRoutes (scopingTags / routeGroupDefinitions with
 * scopingName, scopingAddressRanges, defaultNextHopAddresses static or routeTag) and the state
 * bucket from externalStorage (scopingName or scopingTags). Accepts the declaration as POSTed or
 * as `GET /declare` returns it ({ "declaration": {...} }).
 */
import { DiscoveryInputError } from "../errors.js";
import { isObject } from "../json-file.js";
import { emptyQuery, NONE_BY_TAGS, type AwsPairScope, type AwsTagKeys, type RouteScope } from "./scope.js";

const stringRecord = (value: unknown): Record<string, string> | undefined =>
  isObject(value) && Object.values(value).every((v) => typeof v === "string") ? (value as Record<string, string>) : undefined;
const strings = (value: unknown): string[] => (Array.isArray(value) ? value.filter((v): v is string => typeof v === "string") : []);

export interface CfeScopeOptions {
  file: string;
  keys: AwsTagKeys;
  /** --label, when given: must agree with the declaration's. */
  label?: string;
  labelKeyGiven: boolean;
}

/** Next hops of a route group: static items, or undefined for routeTag (the table's f5_self_ips tag decides). */
function nextHops(value: unknown): string[] | undefined {
  if (!isObject(value)) return undefined;
  if (value.discoveryType === "static") return strings(value.items);
  return undefined;
}

function rangesOf(value: unknown): { ranges?: string[]; nextHopIps?: string[] } {
  if (!Array.isArray(value)) return {};
  const ranges = value.filter(isObject).map((r) => r.range).filter((r): r is string => typeof r === "string");
  const perRange = value.filter(isObject).flatMap((r) => nextHops(r.nextHopAddresses) ?? []);
  return { ...(ranges.length > 0 ? { ranges } : {}), ...(perRange.length > 0 ? { nextHopIps: [...new Set(perRange)] } : {}) };
}

/** The declaration properties this reader understands, by JSON path pattern (others are reported). */
const KNOWN: Record<string, string[]> = {
  "": ["class", "environment", "schemaVersion", "$schema", "controls", "externalStorage", "failoverAddresses", "failoverRoutes"],
  failoverAddresses: ["enabled", "scopingTags", "requireScopingTags", "addressGroupDefinitions"],
  failoverRoutes: ["enabled", "scopingTags", "scopingAddressRanges", "defaultNextHopAddresses", "routeGroupDefinitions"],
  routeGroupDefinitions: ["scopingName", "scopingTags", "scopingAddressRanges", "defaultNextHopAddresses"],
  externalStorage: ["scopingName", "scopingTags", "encryption"],
};

function unusedProperties(declaration: Record<string, unknown>, base: string): string[] {
  const unused = (value: unknown, known: string[], path: string) =>
    isObject(value) ? Object.keys(value).filter((key) => !known.includes(key)).map((key) => `${path}/${key}`) : [];
  const routes = isObject(declaration.failoverRoutes) ? declaration.failoverRoutes : {};
  const groups = Array.isArray(routes.routeGroupDefinitions) ? routes.routeGroupDefinitions : [];
  return [
    ...unused(declaration, KNOWN[""]!, base),
    ...unused(declaration.failoverAddresses, KNOWN.failoverAddresses!, `${base}/failoverAddresses`),
    ...unused(routes, KNOWN.failoverRoutes!, `${base}/failoverRoutes`),
    ...groups.flatMap((group, i) => unused(group, KNOWN.routeGroupDefinitions!, `${base}/failoverRoutes/routeGroupDefinitions/${i}`)),
    ...unused(declaration.externalStorage, KNOWN.externalStorage!, `${base}/externalStorage`),
  ];
}

export function scopeFromCfeDeclaration(document: unknown, options: CfeScopeOptions): AwsPairScope {
  const { file } = options;
  const fail = (path: string, message: string): never => {
    throw new DiscoveryInputError(file, `${path}: ${message}`);
  };
  const declaration = isObject(document) && isObject(document.declaration) ? document.declaration : document;
  const base = isObject(document) && isObject(document.declaration) ? "/declaration" : "";
  if (!isObject(declaration) || declaration.class !== "Cloud_Failover") fail(base || "/", `is not a Cloud_Failover declaration (expected "class": "Cloud_Failover")`);
  const decl = declaration as Record<string, unknown>;
  if (decl.environment !== "aws") fail(`${base}/environment`, `is ${JSON.stringify(decl.environment)}; \`discover aws\` reads an "aws" declaration`);

  // --- the label: the scoping tag of the addresses (CFE finds the interfaces by it)
  const addresses = isObject(decl.failoverAddresses) ? decl.failoverAddresses : {};
  const scopingTags = stringRecord(addresses.scopingTags);
  if (!scopingTags || Object.keys(scopingTags).length === 0) fail(`${base}/failoverAddresses/scopingTags`, `is missing; the pair's label tag is read from it, e.g. {"f5_cloud_failover_label": "mydeployment"}`);
  const keys = { ...options.keys };
  let labelKey = keys.labelKey;
  if (!(labelKey in scopingTags!)) {
    const candidates = Object.keys(scopingTags!);
    if (options.labelKeyGiven || candidates.length !== 1) fail(`${base}/failoverAddresses/scopingTags`, `has no ${labelKey} key (it has ${candidates.join(", ")}); pass --label-key KEY naming the pair's label tag`);
    labelKey = candidates[0]!;
  }
  keys.labelKey = labelKey;
  const label = scopingTags![labelKey]!;
  if (options.label !== undefined && options.label !== label) fail(`${base}/failoverAddresses/scopingTags/${labelKey}`, `is "${label}" but --label is "${options.label}"; drop --label or pass the declaration of that pair`);

  const query = emptyQuery({ ...NONE_BY_TAGS, interfaces: true, endpoints: true });
  const scope: AwsPairScope = { label, keys, source: "cfe", routeScopes: [], query };

  // --- addresses: named ones, or everything the tags find
  const definitions = Array.isArray(addresses.addressGroupDefinitions) ? addresses.addressGroupDefinitions.filter(isObject) : [];
  const moving = definitions.filter((d) => d.type === "networkInterfaceAddress").map((d) => d.scopingAddress).filter((a): a is string => typeof a === "string");
  const elastic = definitions.filter((d) => d.type === "elasticIpAddress");
  if (definitions.length > 0) {
    scope.movingIps = moving;
    scope.elasticIpTargets = {};
    elastic.forEach((d, i) => {
      const publicIp = typeof d.scopingAddress === "string" ? d.scopingAddress : fail(`${base}/failoverAddresses/addressGroupDefinitions/${i}/scopingAddress`, "must be the Elastic IP's public address");
      query.publicIps.push(publicIp);
      scope.elasticIpTargets![publicIp] = strings(d.vipAddresses);
    });
  } else {
    query.byTags.elasticIps = true;
  }

  // --- routes
  const routes = isObject(decl.failoverRoutes) ? decl.failoverRoutes : undefined;
  if (routes && routes.enabled !== false) {
    const groups = Array.isArray(routes.routeGroupDefinitions) ? routes.routeGroupDefinitions.filter(isObject) : [];
    const entries = groups.length > 0 ? groups : [routes];
    entries.forEach((group, i) => {
      const where = groups.length > 0 ? `${base}/failoverRoutes/routeGroupDefinitions/${i}` : `${base}/failoverRoutes`;
      const byRange = rangesOf(group.scopingAddressRanges);
      const defaults = nextHops(group.defaultNextHopAddresses ?? routes.defaultNextHopAddresses);
      const nextHopIps = byRange.nextHopIps ?? defaults;
      const common: Omit<RouteScope, "routeTableId" | "tags"> = { ...(byRange.ranges ? { ranges: byRange.ranges } : {}), ...(nextHopIps ? { nextHopIps } : {}) };
      if (typeof group.scopingName === "string") {
        query.routeTableIds.push(group.scopingName);
        scope.routeScopes.push({ routeTableId: group.scopingName, ...common });
        return;
      }
      const tags = stringRecord(group.scopingTags);
      if (!tags || Object.keys(tags).length === 0) fail(where, `names no route table: give scopingName (a route table ID) or scopingTags`);
      query.routeTableTags.push(tags!);
      scope.routeScopes.push({ tags: tags!, ...common });
    });
  }

  // --- the state bucket (CFE keeps its own state there; the agent's key is its own)
  const storage = isObject(decl.externalStorage) ? decl.externalStorage : undefined;
  if (storage && typeof storage.scopingName === "string") query.bucketName = storage.scopingName;
  else if (storage && stringRecord(storage.scopingTags)) query.bucketTags = stringRecord(storage.scopingTags);
  else query.byTags.buckets = true;
  const unused = unusedProperties(decl, base);
  if (unused.length > 0) scope.notes = [`${file}: not read by discovery (check the discovered config covers what they say): ${unused.join(", ")}`];
  return scope;
}
