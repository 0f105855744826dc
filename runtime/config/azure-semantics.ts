import type { NodeId } from "./types.js";
import { NODE_IDS } from "./types.js";
import { isLoopbackHost } from "./loopback.js";
import { asArray, asObj, asString, canonicalDestination, pointerSegment, roleRule, type Add, type Obj, type PathOk } from "./semantics.js";

/** Where `key` was first seen; records `path` for it when this is the first time. */
function claim(seen: Map<string, string>, key: string, path: string): string | undefined {
  const first = seen.get(key);
  if (first === undefined) seen.set(key, path);
  return first;
}

/** The subscription a resource ID names (IDs are case-insensitive in Azure). */
function subscriptionOf(resourceId: string): string | undefined {
  return /^\/subscriptions\/([^/]+)\//i.exec(resourceId)?.[1]?.toLowerCase();
}

/**
 * The cross-field rules of an Azure config: two different VMs, every NIC used once, roles that
 * exist on both nodes, every resource in the configured subscription, each moving IP, public IP
 * and route listed once, and no moving IP that is a node's own NIC IP (moving it would take the
 * node's primary ipConfiguration away, which Azure refuses).
 */
export function azureSemanticErrors(config: Obj, ok: PathOk, add: Add): void {
  const subscription = ok("/subscriptionId") ? asString(config.subscriptionId)?.toLowerCase() : undefined;
  const inSubscription = (path: string, id: string | undefined) => {
    if (id === undefined || subscription === undefined || !ok(path)) return;
    const own = subscriptionOf(id);
    if (own !== undefined && own !== subscription) add(path, `${id} is in subscription ${own}, not in /subscriptionId (${subscription}); every resource of the pair must be in that subscription`);
  };

  const nodes = ok("/nodes") ? asObj(config.nodes) : undefined;
  const node = (id: NodeId) => (ok(`/nodes/${id}`) ? asObj(nodes?.[id]) : undefined);
  const vmOf = (id: NodeId) => (ok(`/nodes/${id}/instanceId`) ? asString(node(id)?.instanceId) : undefined);
  const interfacesOf = (id: NodeId) => (ok(`/nodes/${id}/interfaces`) ? asObj(node(id)?.interfaces) : undefined);
  for (const id of NODE_IDS) inSubscription(`/nodes/${id}/instanceId`, vmOf(id));
  const vmA = vmOf("a");
  if (vmA !== undefined && vmA.toLowerCase() === vmOf("b")?.toLowerCase()) {
    add("/nodes/b/instanceId", `is the same VM as /nodes/a/instanceId (${vmA}); a pair needs two different VMs`);
  }

  const nicSeenAt = new Map<string, string>();
  const nodeIpAt = new Map<string, string>();
  for (const id of NODE_IDS) {
    for (const [role, nic] of Object.entries(interfacesOf(id) ?? {})) {
      const base = `/nodes/${id}/interfaces/${pointerSegment(role)}`;
      const nicId = ok(`${base}/id`) ? asString(asObj(nic)?.id) : undefined;
      if (nicId !== undefined) {
        inSubscription(`${base}/id`, nicId);
        const first = claim(nicSeenAt, nicId.toLowerCase(), `${base}/id`);
        if (first) add(`${base}/id`, `${nicId} is already used at ${first}; every role of every node needs its own network interface`);
      }
      const ip = ok(`${base}/privateIp`) ? asString(asObj(nic)?.privateIp) : undefined;
      if (ip !== undefined) {
        const first = claim(nodeIpAt, ip, `${base}/privateIp`);
        if (first) add(`${base}/privateIp`, `${ip} is already the NIC IP at ${first}; a private IP lives on one NIC`);
      }
    }
  }

  const requireRole = roleRule(ok, add, interfacesOf);

  const addresses = ok("/addresses") ? asObj(config.addresses) : undefined;
  const ipAt = new Map<string, string>();
  const nameAt = new Map<string, string>();
  const publicIpAt = new Map<string, string>();
  if (ok("/addresses/ipConfigurations")) {
    asArray(addresses?.ipConfigurations).forEach((item, i) => {
      const base = `/addresses/ipConfigurations/${i}`;
      const ipConfig = ok(base) ? asObj(item) : undefined;
      if (!ipConfig) return;
      const role = ok(`${base}/role`) ? asString(ipConfig.role) : undefined;
      requireRole(`${base}/role`, role);
      const name = ok(`${base}/name`) ? asString(ipConfig.name) : undefined;
      if (name !== undefined && role !== undefined) {
        // ipConfiguration names are unique within a NIC, case-insensitively.
        const key = `${role} ${name.toLowerCase()}`;
        const first = claim(nameAt, key, `${base}/name`);
        if (first) add(`${base}/name`, `"${name}" is already the name at ${first} for role "${role}"; ipConfiguration names are unique on a NIC`);
      }
      const ip = ok(`${base}/privateIp`) ? asString(ipConfig.privateIp) : undefined;
      if (ip !== undefined) {
        const own = nodeIpAt.get(ip);
        const first = ipAt.get(ip);
        if (own) add(`${base}/privateIp`, `${ip} is the NIC IP at ${own}: a NIC's primary ipConfiguration cannot move; give the moving ipConfiguration an IP of its own`);
        else if (first) add(`${base}/privateIp`, `${ip} is already listed at ${first}; an IP can move with one ipConfiguration only`);
        else ipAt.set(ip, `${base}/privateIp`);
      }
      const publicIp = ok(`${base}/publicIpAddressId`) ? asString(ipConfig.publicIpAddressId) : undefined;
      if (publicIp !== undefined) {
        inSubscription(`${base}/publicIpAddressId`, publicIp);
        const first = claim(publicIpAt, publicIp.toLowerCase(), `${base}/publicIpAddressId`);
        if (first) add(`${base}/publicIpAddressId`, `${publicIp} is already attached at ${first}; a public IP is attached to one ipConfiguration`);
      }
    });
  }

  // A bearer token goes to ARM and to the Blob service: never in clear text off the machine.
  const endpoints = ok("/endpoints") ? asObj(config.endpoints) : undefined;
  for (const name of ["arm", "blob"] as const) {
    const url = ok(`/endpoints/${name}`) ? asString(endpoints?.[name]) : undefined;
    if (url === undefined) continue;
    const parsed = parseUrl(url);
    if (parsed?.protocol === "http:" && !isLoopbackHost(parsed.hostname)) {
      add(`/endpoints/${name}`, `${url} is plain http to a host that is not this machine: the agent sends a bearer token there, so it must be https (http is accepted only for a loopback address, e.g. the simulator on 127.0.0.1)`);
    }
  }

  const routeAt = new Map<string, string>();
  if (ok("/routes")) {
    asArray(config.routes).forEach((item, r) => {
      const base = `/routes/${r}`;
      const route = ok(base) ? asObj(item) : undefined;
      if (!route) return;
      const nextHop = ok(`${base}/nextHop`) ? asObj(route.nextHop) : undefined;
      requireRole(`${base}/nextHop/role`, asString(nextHop?.role));
      const table = ok(`${base}/routeTableId`) ? asString(route.routeTableId) : undefined;
      inSubscription(`${base}/routeTableId`, table);
      if (table === undefined || !ok(`${base}/addressPrefixes`)) return;
      asArray(route.addressPrefixes).forEach((value, p) => {
        const path = `${base}/addressPrefixes/${p}`;
        const prefix = ok(path) ? asString(value) : undefined;
        if (prefix === undefined) return;
        const canonical = canonicalDestination(prefix);
        const key = `${table.toLowerCase()} ${canonical}`;
        const first = claim(routeAt, key, path);
        if (first) add(path, `route ${prefix} in ${table} is already listed at ${first}${canonical === prefix ? "" : ` (both are ${canonical})`}; a route has one next hop, list it once`);
      });
    });
  }
}

function parseUrl(url: string): URL | undefined {
  try {
    return new URL(url);
  } catch {
    return undefined; // the schema's endpoint-url format reports it
  }
}
