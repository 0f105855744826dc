/**
 * The agent config and the equivalent F5 Cloud_Failover declaration, as pure functions of the
 * pair's resolved resource IDs. The component feeds them the real IDs (pulumi.all) and checks
 * the result against the contract (runtime/config validateConfig) before anything is uploaded.
 */
import {
  DEFAULT_LABEL_KEY,
  DEFAULT_NIC_MAP_KEY,
  NODE_IDS,
  validateConfig,
  type AgentConfig,
  type AgentDaemonConfig,
  type ConfigError,
  type NodeId,
  type TimeBudgets,
} from "../../runtime/config/index.js";

export interface ResolvedInterface {
  id: string;
  /** Primary private IP (the CFE declaration names next hops by address). */
  privateIp?: string;
}

/** One subnet of association mode: each node's twin table, and the pair's routes in them. */
export interface ResolvedSubnetRouteTable {
  subnetId: string;
  routeTableIds: TwinRouteTableIds;
  routes: ResolvedTwinRoute[];
}

/** Named types, not Record<NodeId, ...> or literals: the plugin's schema (an output) takes only named interfaces. */
export interface TwinRouteTableIds {
  a: string;
  b: string;
}

export interface ResolvedTwinRoute {
  destinations: string[];
  nextHopRole: string;
}

export interface ResolvedPair {
  label: string;
  region: string;
  labelKey: string;
  nicMapKey: string;
  nodes: Record<NodeId, { instanceId: string; interfaces: Record<string, ResolvedInterface> }>;
  secondaryIps: { role: string; ips: string[] }[];
  elasticIps: { allocationId: string; publicIp?: string; role: string; privateIp: Record<NodeId, string> }[];
  routes: { routeTableId: string; destinations: string[]; nextHopRole: string }[];
  /** Association mode: each subnet and its twin tables (route-tables.ts). */
  routeTableAssociations?: ResolvedSubnetRouteTable[];
  bucket: string;
  stateKey: string;
  kmsKeyArn?: string;
  /** Only when the default endpoint would not reach the API privately (a reused endpoint without private DNS). */
  endpoints?: { ec2?: string };
  timeouts?: TimeBudgets;
  agent?: AgentDaemonConfig;
}

export function buildAgentConfig(pair: ResolvedPair): AgentConfig {
  const tags = {
    ...(pair.labelKey !== DEFAULT_LABEL_KEY ? { labelKey: pair.labelKey } : {}),
    ...(pair.nicMapKey !== DEFAULT_NIC_MAP_KEY ? { nicMapKey: pair.nicMapKey } : {}),
  };
  const node = (id: NodeId) => ({
    instanceId: pair.nodes[id].instanceId,
    interfaces: Object.fromEntries(Object.entries(pair.nodes[id].interfaces).map(([role, nic]) => [role, { id: nic.id }])),
  });
  const addresses = {
    ...(pair.secondaryIps.length > 0 ? { secondaryIps: pair.secondaryIps.map((g) => ({ role: g.role, ips: [...g.ips] })) } : {}),
    ...(pair.elasticIps.length > 0
      ? {
          elasticIps: pair.elasticIps.map((e) => ({
            allocationId: e.allocationId,
            ...(e.publicIp ? { publicIp: e.publicIp } : {}),
            role: e.role,
            privateIp: { a: e.privateIp.a, b: e.privateIp.b },
          })),
        }
      : {}),
  };
  return {
    version: 1,
    cloud: "aws",
    label: pair.label,
    region: pair.region,
    ...(Object.keys(tags).length > 0 ? { tags } : {}),
    nodes: { a: node("a"), b: node("b") },
    ...(Object.keys(addresses).length > 0 ? { addresses } : {}),
    ...(pair.routes.length > 0
      ? { routes: pair.routes.map((r) => ({ routeTableId: r.routeTableId, destinations: [...r.destinations], nextHop: { role: r.nextHopRole } })) }
      : {}),
    ...(pair.routeTableAssociations && pair.routeTableAssociations.length > 0
      ? {
          routeTableAssociations: pair.routeTableAssociations.map((s) => ({
            subnetId: s.subnetId,
            routeTableIds: { a: s.routeTableIds.a, b: s.routeTableIds.b },
            routes: s.routes.map((r) => ({ destinations: [...r.destinations], nextHop: { role: r.nextHopRole } })),
          })),
        }
      : {}),
    stateStore: { type: "s3", bucket: pair.bucket, key: pair.stateKey },
    ...(pair.endpoints?.ec2 ? { endpoints: { ec2: pair.endpoints.ec2 } } : {}),
    ...(pair.timeouts && Object.keys(pair.timeouts).length > 0 ? { timeouts: { ...pair.timeouts } } : {}),
    ...(pair.agent && Object.keys(pair.agent).length > 0 ? { agent: pair.agent } : {}),
  };
}

/** Thrown (at preview) when the generated config breaks the contract; names every JSON path. */
export class GeneratedConfigError extends Error {
  constructor(
    readonly component: string,
    readonly errors: ConfigError[],
  ) {
    super(
      `AwsHaPair "${component}": the generated agent config is invalid (${errors.length} error${errors.length === 1 ? "" : "s"}); fix the component's args:\n` +
        errors.map((e) => `  ${e.path || "/"}: ${e.message}`).join("\n"),
    );
    this.name = "GeneratedConfigError";
  }
}

export function validatedAgentConfig(component: string, pair: ResolvedPair): AgentConfig {
  const config = buildAgentConfig(pair);
  const result = validateConfig(config);
  if (!result.ok) throw new GeneratedConfigError(component, result.errors);
  return result.config;
}

/**
 * The F5 Cloud Failover Extension declaration of the same pair (class Cloud_Failover,
 * environment aws), for BIG-IP users who run CFE instead of (or while moving to) the agent:
 * the same label tag scopes the addresses, the same bucket holds CFE's state, and each route
 * table is named with the next hops of both nodes (the primary IPs of their next-hop interfaces).
 */
export function buildCfeDeclaration(pair: ResolvedPair): Record<string, unknown> {
  const nextHops = (role: string) =>
    NODE_IDS.map((id) => pair.nodes[id].interfaces[role]?.privateIp).filter((ip): ip is string => ip !== undefined);
  const addressGroupDefinitions = [
    ...pair.secondaryIps.flatMap((g) => g.ips.map((ip) => ({ type: "networkInterfaceAddress", scopingAddress: ip }))),
    ...pair.elasticIps
      .filter((e) => e.publicIp !== undefined)
      .map((e) => ({ type: "elasticIpAddress", scopingAddress: e.publicIp, vipAddresses: [...new Set([e.privateIp.a, e.privateIp.b])] })),
  ];
  return {
    class: "Cloud_Failover",
    environment: "aws",
    controls: { class: "Controls", logLevel: "info" },
    externalStorage: {
      scopingName: pair.bucket,
      encryption: {
        serverSide: pair.kmsKeyArn
          ? { enabled: true, algorithm: "aws:kms", keyId: pair.kmsKeyArn }
          : { enabled: true, algorithm: "AES256" },
      },
    },
    failoverAddresses: {
      enabled: true,
      scopingTags: { [pair.labelKey]: pair.label },
      ...(addressGroupDefinitions.length > 0 ? { addressGroupDefinitions } : {}),
    },
    failoverRoutes: {
      enabled: pair.routes.length > 0,
      routeGroupDefinitions: pair.routes.map((r) => ({
        scopingName: r.routeTableId,
        // CFE takes CIDRs only; a managed prefix list (pl-...) route is the agent's alone.
        scopingAddressRanges: r.destinations.filter((d) => d.includes("/")).map((range) => ({ range })),
        defaultNextHopAddresses: { discoveryType: "static", items: nextHops(r.nextHopRole) },
      })),
    },
  };
}
