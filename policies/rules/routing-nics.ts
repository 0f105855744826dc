/**
 * routing-nics: an interface that forwards traffic not addressed to itself — a route's next
 * hop — must have AWS source/dest check off, or Azure IP forwarding on; otherwise the cloud
 * drops the forwarded packets and a failover "succeeds" into a black hole. Both nodes' interfaces
 * of such a role need it, since either node may be active.
 *
 * Routing interfaces (documented in README.md):
 *  - the pair's interfaces whose nic-map role is in the config list `routingRoles`;
 *  - the roles the component's agent config names as route next hops (routes[].nextHop.role),
 *    when that output is known;
 *  - every interface that is the next hop of a route in the stack (aws:ec2/route:Route
 *    networkInterfaceId, aws:ec2/routeTable:RouteTable routes[].networkInterfaceId; Azure
 *    Route / RouteTable routes[].nextHopIpAddress equal to one of the NIC's private IPs), and
 *    every interface of the pair that carries the same nic-map role.
 * An interface the stack does not own (tagged by ID) counts as done when a SourceDestCheckOff
 * resource (AwsHaPair) targets it.
 */
import type { StackValidationPolicy } from "@pulumi/policy";
import { DEFAULT_LABEL_KEY, DEFAULT_NIC_MAP_KEY, LABEL_KEY_SCHEMA, NIC_MAP_KEY_SCHEMA, STRING_LIST, withDefaults } from "../lib/config.js";
import { StackModel, findPairs, idOf, membersOfKind, pairName, roleOf, type Pair, type Res } from "../lib/model.js";
import { Reporter } from "../lib/report.js";
import { AWS, AZURE } from "../lib/types.js";
import { asArray, asString, get, isUnknown } from "../lib/values.js";

export interface RoutingNicsConfig {
  labelKey: string;
  nicMapKey: string;
  /** nic-map roles whose interfaces forward traffic (in addition to the next hops found in the stack). */
  routingRoles: string[];
}

export const ROUTING_NICS_DEFAULTS: RoutingNicsConfig = { labelKey: DEFAULT_LABEL_KEY, nicMapKey: DEFAULT_NIC_MAP_KEY, routingRoles: [] };

export const routingNics: StackValidationPolicy = {
  name: "routing-nics",
  description:
    "An ha-pair's routing interfaces (route next hops, and their same-role peers on the other node) have source/dest check off on AWS and IP forwarding on in Azure.",
  enforcementLevel: "mandatory",
  remediationSteps: "AWS: sourceDestCheck: false on the interface (or AwsHaPair's SourceDestCheckOff for one the stack does not own). Azure: enableIPForwarding: true on the NIC.",
  configSchema: {
    properties: {
      labelKey: LABEL_KEY_SCHEMA,
      nicMapKey: NIC_MAP_KEY_SCHEMA,
      routingRoles: STRING_LIST("nic-map roles whose interfaces forward traffic, besides the route next hops found in the stack."),
    },
  },
  validateStack: (args, reportViolation) => {
    const config = withDefaults(ROUTING_NICS_DEFAULTS, args.getConfig<Partial<RoutingNicsConfig>>());
    const model = new StackModel(args.resources);
    const reporter = new Reporter(reportViolation);
    const nextHops = findNextHops(model, reporter);
    for (const pair of findPairs(model, config)) checkPair(model, pair, nextHops, config, reporter);
    reporter.finish();
  },
};

/** Interfaces that are a route's next hop, with the route that makes them one. */
function findNextHops(model: StackModel, reporter: Reporter): Map<Res, Res> {
  const hops = new Map<Res, Res>();
  const awsNics = model.ofType(AWS.networkInterface);
  for (const route of model.ofType(AWS.route)) {
    const target = route.props.networkInterfaceId;
    if (target === undefined) continue;
    const found = awsNics.filter((nic) => model.refersTo(route, "networkInterfaceId", target, nic));
    if (found.length === 0 && isUnknown(target)) reporter.notKnown(route, "networkInterfaceId");
    found.forEach((nic) => hops.set(nic, route));
  }
  for (const table of model.ofType(AWS.routeTable)) {
    const routes = asArray(table.props.routes);
    if (!Array.isArray(routes)) continue;
    const targets = routes.map((r) => get(r, "networkInterfaceId")).filter((t) => t !== undefined);
    awsNics.filter((nic) => targets.length > 0 && model.refersTo(table, "routes", targets, nic)).forEach((nic) => hops.set(nic, table));
  }
  const azureNics = model.ofType(AZURE.networkInterface);
  const nicIps = new Map(azureNics.map((nic) => [nic, privateIps(nic)]));
  const byIp = (ip: unknown, via: Res) => {
    if (typeof ip !== "string" || isUnknown(ip)) return;
    for (const [nic, ips] of nicIps) if (ips.includes(ip)) hops.set(nic, via);
  };
  for (const route of model.ofType(AZURE.route)) byIp(route.props.nextHopIpAddress, route);
  for (const table of model.ofType(AZURE.routeTable)) {
    const routes = asArray(table.props.routes);
    if (Array.isArray(routes)) routes.forEach((r) => byIp(get(r, "nextHopIpAddress"), table));
  }
  return hops;
}

function privateIps(nic: Res): string[] {
  const configs = asArray(nic.props.ipConfigurations);
  if (!Array.isArray(configs)) return [];
  return configs.map((c) => asString(get(c, "privateIPAddress"))).filter((ip): ip is string => ip !== undefined);
}

function checkPair(model: StackModel, pair: Pair, nextHops: Map<Res, Res>, config: RoutingNicsConfig, reporter: Reporter): void {
  const where = pairName(pair);
  const interfaces = membersOfKind(pair, "interface");
  const roles = new Map<Res, string | undefined>();
  for (const nic of interfaces) {
    const role = roleOf(model, nic, config.nicMapKey);
    roles.set(nic, typeof role === "string" ? role : undefined);
  }
  const routingRoles = new Map<string, string>();
  for (const role of config.routingRoles) routingRoles.set(role, "listed in routing-nics' routingRoles");
  for (const route of pair.agentConfig?.routes ?? []) {
    const role = asString(route.nextHop?.role);
    if (role && !routingRoles.has(role)) routingRoles.set(role, "a route next hop in the agent config");
  }
  for (const nic of interfaces) {
    const role = roles.get(nic);
    const via = nextHops.get(nic);
    if (role && via && !routingRoles.has(role)) routingRoles.set(role, `the next hop of ${via.type.split(":").pop()} "${via.name}"`);
  }
  for (const nic of interfaces) {
    const role = roles.get(nic);
    const via = nextHops.get(nic);
    const reason = via ? `the next hop of ${via.type.split(":").pop()} "${via.name}"` : role ? routingRoles.get(role) : undefined;
    if (!reason) continue;
    checkInterface(model, nic, `${where}${role ? `, role ${role}` : ""} (${reason})`, reporter);
  }
  // Interfaces the stack does not own: a SourceDestCheckOff must target each routing one.
  for (const t of pair.tags) {
    if (t.key !== config.nicMapKey || typeof t.value !== "string" || !routingRoles.has(t.value) || typeof t.resourceId !== "string") continue;
    // An interface of the stack was checked above, through its own args.
    if (model.ofType(AWS.networkInterface).some((n) => idOf(n) === t.resourceId)) continue;
    const tagged = model.dependenciesOf(t.res, "resourceId");
    const off = model.ofType(AWS.sourceDestCheckOff).some(
      (s) => s.props.networkInterfaceId === t.resourceId || model.dependenciesOf(s, "networkInterfaceId").some((d) => tagged.includes(d)),
    );
    if (!off) {
      reporter.violation(
        t.res,
        `Interface ${t.resourceId} of ${where}, role ${t.value} (${routingRoles.get(t.value)}), is not in the stack and nothing turns its source/dest check off`,
        `turn it off: AwsHaPair does so with SourceDestCheckOff for a routing role, or run aws ec2 modify-network-interface-attribute --network-interface-id ${t.resourceId} --no-source-dest-check`,
      );
    }
  }
}

function checkInterface(model: StackModel, nic: Res, where: string, reporter: Reporter): void {
  if (nic.type === AZURE.networkInterface) {
    const value = nic.props.enableIPForwarding;
    if (isUnknown(value)) reporter.notKnown(nic, "enableIPForwarding");
    else if (value !== true) {
      reporter.violation(nic, `The routing NIC of ${where} has IP forwarding off, so Azure drops the traffic it should forward`, "set enableIPForwarding: true on the NIC");
    }
    return;
  }
  const value = nic.props.sourceDestCheck;
  if (isUnknown(value)) {
    reporter.notKnown(nic, "sourceDestCheck");
    return;
  }
  if (value === false) return;
  // Turned off by a SourceDestCheckOff, or by the instance for its primary interface.
  const off = model.ofType(AWS.sourceDestCheckOff).some((s) => model.refersTo(s, "networkInterfaceId", s.props.networkInterfaceId, nic));
  const viaInstance = model.ofType(AWS.instance).some(
    (i) => i.props.sourceDestCheck === false && model.refersTo(i, "primaryNetworkInterface", get(i.props, "primaryNetworkInterface", "networkInterfaceId"), nic),
  );
  if (off || viaInstance) return;
  reporter.violation(
    nic,
    `The routing interface of ${where} has source/dest check ${value === true ? "on" : "on (the default)"}, so EC2 drops the traffic it should forward`,
    "set sourceDestCheck: false in the interface's args",
  );
}

