import { isIP } from "node:net";
import type { NodeId } from "./types.js";
import { DEFAULT_AGENT, DEFAULT_LABEL_KEY, DEFAULT_NIC_MAP_KEY, DEFAULT_TIMEOUTS, NODE_IDS } from "./types.js";
import type { ConfigError } from "./validate.js";
import { azureSemanticErrors } from "./azure-semantics.js";
import { DEFAULT_AZURE_TIMEOUTS } from "./azure-types.js";

/** One segment of a JSON pointer (RFC 6901): ~ and / are escaped. */
export function pointerSegment(key: string): string {
  return key.replace(/~/g, "~0").replace(/\//g, "~1");
}

export type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === "object" && v !== null && !Array.isArray(v);
export const asObj = (v: unknown): Obj | undefined => (isObj(v) ? v : undefined);
export const asArray = (v: unknown): unknown[] => (Array.isArray(v) ? v : []);
export const asString = (v: unknown): string | undefined => (typeof v === "string" ? v : undefined);

/**
 * The canonical form of a route destination, so that 10.0.0.0/8 and 10.1.2.3/8, or
 * 2001:DB8::/32 and 2001:0db8:0::/32, are recognised as the same route (EC2 keys a route by its network).
 */
export function canonicalDestination(destination: string): string {
  const slash = destination.indexOf("/");
  if (slash < 0) return destination; // prefix list ID
  const address = destination.slice(0, slash);
  const prefix = Number(destination.slice(slash + 1));
  const family = isIP(address);
  if (family === 4) {
    const value = address.split(".").reduce((acc, octet) => acc * 256 + Number(octet), 0);
    const size = 2 ** (32 - prefix);
    const network = Math.floor(value / size) * size;
    return `${[24, 16, 8, 0].map((shift) => Math.floor(network / 2 ** shift) % 256).join(".")}/${prefix}`;
  }
  if (family === 6) {
    const groups = expandIpv6(address);
    let bits = groups.map((g) => g.toString(2).padStart(16, "0")).join("");
    bits = bits.slice(0, prefix).padEnd(128, "0");
    const words: string[] = [];
    for (let k = 0; k < 128; k += 16) words.push(parseInt(bits.slice(k, k + 16), 2).toString(16));
    return `${words.join(":")}/${prefix}`;
  }
  return destination;
}

/** The eight 16-bit groups of an IPv6 address ('::' expanded, an embedded IPv4 tail as two groups). */
export function expandIpv6(address: string): number[] {
  let text = address.toLowerCase();
  // An embedded IPv4 tail (::ffff:10.0.0.1) becomes two 16-bit groups.
  const v4 = /(\d+)\.(\d+)\.(\d+)\.(\d+)$/.exec(text);
  if (v4) {
    const [a, b, c, d] = v4.slice(1).map(Number) as [number, number, number, number];
    text = `${text.slice(0, v4.index)}${((a << 8) | b).toString(16)}:${((c << 8) | d).toString(16)}`;
  }
  const [head = "", tail] = text.split("::");
  const left = head === "" ? [] : head.split(":");
  const right = tail === undefined || tail === "" ? [] : tail.split(":");
  const zeros = tail === undefined ? [] : Array<string>(8 - left.length - right.length).fill("0");
  return [...left, ...zeros, ...right].map((g) => parseInt(g, 16));
}

/**
 * Rules a JSON Schema cannot express. They run on every part of the document the schema
 * accepted: `broken` lists the paths of the schema's errors, and a value at (or under) one of
 * them is skipped, so a malformed value is reported once, by the schema, and never breaks a rule here.
 */
export function semanticErrors(document: unknown, broken: readonly string[] = []): ConfigError[] {
  const errors: ConfigError[] = [];
  const add = (path: string, message: string) => errors.push({ path, message });
  const ok = (path: string) => !broken.some((p) => p === path || path.startsWith(`${p}/`) || p === "");
  const config = asObj(document);
  if (!config || !ok("")) return errors;
  if (config.cloud === "azure") {
    azureSemanticErrors(config, ok, add);
    tagRules(config, ok, add);
    timeAndAgentRules(config, ok, add);
    return errors;
  }

  // --- nodes: two distinct instances, every interface used once -------------------------
  const nodes = ok("/nodes") ? asObj(config.nodes) : undefined;
  const node = (id: NodeId) => (ok(`/nodes/${id}`) ? asObj(nodes?.[id]) : undefined);
  const instanceOf = (id: NodeId) => (ok(`/nodes/${id}/instanceId`) ? asString(node(id)?.instanceId) : undefined);
  const interfacesOf = (id: NodeId) => (ok(`/nodes/${id}/interfaces`) ? asObj(node(id)?.interfaces) : undefined);

  const instanceA = instanceOf("a");
  if (instanceA !== undefined && instanceA === instanceOf("b")) {
    add("/nodes/b/instanceId", `is the same instance as /nodes/a/instanceId (${instanceA}); a pair needs two different instances`);
  }

  const eniSeenAt = new Map<string, string>();
  for (const id of NODE_IDS) {
    for (const [role, nic] of Object.entries(interfacesOf(id) ?? {})) {
      const path = `/nodes/${id}/interfaces/${pointerSegment(role)}/id`;
      const eni = ok(path) ? asString(asObj(nic)?.id) : undefined;
      if (eni === undefined) continue;
      const first = eniSeenAt.get(eni);
      if (first) add(path, `${eni} is already used at ${first}; every role of every node needs its own network interface`);
      else eniSeenAt.set(eni, path);
    }
  }

  const requireRole = roleRule(ok, add, interfacesOf);

  tagRules(config, ok, add);

  // --- addresses ----------------------------------------------------------------------
  const addresses = ok("/addresses") ? asObj(config.addresses) : undefined;
  const movingIpAt = new Map<string, { path: string; role: string | undefined }>();
  // Whether every moving IP is known: only then can "that IP does not move" be said.
  const movingKnown = ok("/addresses/secondaryIps") && !broken.some((p) => p.startsWith("/addresses/secondaryIps/"));
  if (ok("/addresses/secondaryIps")) {
    asArray(addresses?.secondaryIps).forEach((item, g) => {
      const base = `/addresses/secondaryIps/${g}`;
      const group = ok(base) ? asObj(item) : undefined;
      if (!group) return;
      const role = ok(`${base}/role`) ? asString(group.role) : undefined;
      requireRole(`${base}/role`, role);
      if (!ok(`${base}/ips`)) return;
      asArray(group.ips).forEach((value, i) => {
        const path = `${base}/ips/${i}`;
        const ip = ok(path) ? asString(value) : undefined;
        if (ip === undefined) return;
        const first = movingIpAt.get(ip);
        // Repeats inside one group are the schema's uniqueItems error; this catches them across groups.
        if (first) add(path, `${ip} is already listed at ${first.path}; an IP can move with one group only`);
        else movingIpAt.set(ip, { path, role });
      });
    });
  }

  const allocationAt = new Map<string, string>();
  const publicIpAt = new Map<string, string>();
  /** Which node's interface a private IP is on, and which EIP it carries. */
  const ownerOf = new Map<string, { node: NodeId; path: string }>();
  const eipOn = new Map<string, string>();
  if (ok("/addresses/elasticIps")) {
    asArray(addresses?.elasticIps).forEach((item, e) => {
      const base = `/addresses/elasticIps/${e}`;
      const eip = ok(base) ? asObj(item) : undefined;
      if (!eip) return;
      const role = ok(`${base}/role`) ? asString(eip.role) : undefined;
      requireRole(`${base}/role`, role);

      const allocationId = ok(`${base}/allocationId`) ? asString(eip.allocationId) : undefined;
      if (allocationId !== undefined) {
        const first = allocationAt.get(allocationId);
        if (first) add(`${base}/allocationId`, `${allocationId} is already listed at ${first}; each Elastic IP can follow the active node once`);
        else allocationAt.set(allocationId, `${base}/allocationId`);
      }
      const publicIp = ok(`${base}/publicIp`) ? asString(eip.publicIp) : undefined;
      if (publicIp !== undefined) {
        const first = publicIpAt.get(publicIp);
        if (first) add(`${base}/publicIp`, `${publicIp} is already the public IP at ${first}; two allocations cannot share one public IP`);
        else publicIpAt.set(publicIp, `${base}/publicIp`);
      }

      const privateIp = ok(`${base}/privateIp`) ? asObj(eip.privateIp) : undefined;
      if (!privateIp) return;
      const ipOf = (id: NodeId) => (ok(`${base}/privateIp/${id}`) ? asString(privateIp[id]) : undefined);
      const a = ipOf("a");
      const b = ipOf("b");
      const label = allocationId ? ` (${allocationId})` : "";
      if (a !== undefined && a === b) {
        const moving = movingIpAt.get(a);
        if ((!moving && movingKnown) || (moving && role !== undefined && moving.role !== undefined && moving.role !== role)) {
          const why = moving ? `moves with role "${moving.role}" (${moving.path}), not "${role}"` : "is not a secondary IP that moves between the nodes";
          add(`${base}/privateIp`, `a and b are both ${a}, but that IP ${why}; give each node its own private IP, or list the IP under /addresses/secondaryIps with role "${role ?? "..."}"`);
        }
        const first = eipOn.get(a);
        if (first) add(`${base}/privateIp`, `${a} already carries the Elastic IP at ${first}; a private IP can have only one Elastic IP, and associating a second would take the first away`);
        else eipOn.set(a, `${base}${label}`);
        return;
      }
      for (const id of NODE_IDS) {
        const ip = ipOf(id);
        if (ip === undefined) continue;
        const path = `${base}/privateIp/${id}`;
        const moving = movingIpAt.get(ip);
        if (moving) {
          add(path, `${ip} moves between the nodes (${moving.path}), so it cannot be node ${id}'s own address; use the same moving IP for a and b, or a private IP of node ${id} that does not move`);
          continue;
        }
        const owner = ownerOf.get(ip);
        if (owner && owner.node !== id) {
          add(path, `${ip} is node ${owner.node}'s address at ${owner.path}; a private IP lives on one interface, so it cannot also be node ${id}'s`);
          continue;
        }
        if (!owner) ownerOf.set(ip, { node: id, path });
        const key = `${id} ${ip}`;
        const first = eipOn.get(key);
        if (first) add(path, `${ip} on node ${id} already carries the Elastic IP at ${first}; a private IP can have only one Elastic IP, and associating a second would take the first away`);
        else eipOn.set(key, `${base}${label}`);
      }
    });
  }
  // --- routes -------------------------------------------------------------------------
  const routeAt = new Map<string, string>();
  if (ok("/routes")) {
    asArray(config.routes).forEach((item, r) => {
      const base = `/routes/${r}`;
      const route = ok(base) ? asObj(item) : undefined;
      if (!route) return;
      const nextHop = ok(`${base}/nextHop`) ? asObj(route.nextHop) : undefined;
      requireRole(`${base}/nextHop/role`, asString(nextHop?.role));
      const table = ok(`${base}/routeTableId`) ? asString(route.routeTableId) : undefined;
      if (table === undefined || !ok(`${base}/destinations`)) return;
      asArray(route.destinations).forEach((value, d) => {
        const path = `${base}/destinations/${d}`;
        const destination = ok(path) ? asString(value) : undefined;
        if (destination === undefined) return;
        const canonical = canonicalDestination(destination);
        const key = `${table} ${canonical}`;
        const first = routeAt.get(key);
        if (first) {
          const same = canonical === destination ? "" : ` (both are ${canonical})`;
          add(path, `route ${destination} in ${table} is already listed at ${first}${same}; a route has one next hop, list it once`);
        } else routeAt.set(key, path);
      });
    });
  }

  // --- route table associations: twin tables per subnet -------------------------------
  /** Per-route tables, so that a twin table named here can be refused there. */
  const perRouteTables = new Map<string, string>();
  if (ok("/routes")) {
    asArray(config.routes).forEach((item, r) => {
      const table = ok(`/routes/${r}/routeTableId`) ? asString(asObj(item)?.routeTableId) : undefined;
      if (table !== undefined && !perRouteTables.has(table)) perRouteTables.set(table, `/routes/${r}/routeTableId`);
    });
  }
  if (ok("/routeTableAssociations")) {
    const subnetAt = new Map<string, string>();
    /** Each twin table: the node it belongs to, its twin, and where that was first said. */
    const twinOf = new Map<string, { node: NodeId; twin: string | undefined; path: string }>();
    /** Each twin table's routes: destination → role and where it was listed (subnets sharing tables share routes). */
    const twinRouteAt = new Map<string, { role: string | undefined; path: string }>();
    asArray(config.routeTableAssociations).forEach((item, s) => {
      const base = `/routeTableAssociations/${s}`;
      const entry = ok(base) ? asObj(item) : undefined;
      if (!entry) return;
      const subnet = ok(`${base}/subnetId`) ? asString(entry.subnetId) : undefined;
      if (subnet !== undefined) {
        const first = subnetAt.get(subnet);
        if (first) add(`${base}/subnetId`, `${subnet} is already listed at ${first}; a subnet is associated with one route table, list it once`);
        else subnetAt.set(subnet, `${base}/subnetId`);
      }
      const tables = ok(`${base}/routeTableIds`) ? asObj(entry.routeTableIds) : undefined;
      const tableOf = (id: NodeId) => (ok(`${base}/routeTableIds/${id}`) ? asString(tables?.[id]) : undefined);
      const a = tableOf("a");
      const b = tableOf("b");
      if (a !== undefined && a === b) {
        add(`${base}/routeTableIds/b`, `is the same route table as /routeTableIds/a (${a}); each node needs its own twin table, whose routes point at that node's interfaces`);
      }
      for (const id of NODE_IDS) {
        const table = tableOf(id);
        if (table === undefined) continue;
        const path = `${base}/routeTableIds/${id}`;
        const twin = id === "a" ? b : a;
        const perRoute = perRouteTables.get(table);
        if (perRoute) {
          add(path, `${table} is also a per-route table at ${perRoute}; a twin table follows the active node by association swap, so list its routes here only (or move the subnet out of routeTableAssociations)`);
        }
        const known = twinOf.get(table);
        if (!known) twinOf.set(table, { node: id, twin, path });
        else if (known.node !== id) add(path, `${table} is node ${known.node}'s twin table at ${known.path}; a table belongs to one node, its routes point at that node's interfaces`);
        else if (twin !== undefined && known.twin !== undefined && known.twin !== twin) {
          add(path, `${table} is paired with ${known.twin} at ${known.path}, not with ${twin}; subnets that share a twin table share its twin too`);
        }
      }
      if (!ok(`${base}/routes`)) return;
      const key = a ?? b;
      const local = new Map<string, string>();
      asArray(entry.routes).forEach((routeItem, r) => {
        const rbase = `${base}/routes/${r}`;
        const route = ok(rbase) ? asObj(routeItem) : undefined;
        if (!route) return;
        const role = ok(`${rbase}/nextHop`) ? asString(asObj(route.nextHop)?.role) : undefined;
        requireRole(`${rbase}/nextHop/role`, role);
        if (!ok(`${rbase}/destinations`)) return;
        asArray(route.destinations).forEach((value, d) => {
          const path = `${rbase}/destinations/${d}`;
          const destination = ok(path) ? asString(value) : undefined;
          if (destination === undefined) return;
          const canonical = canonicalDestination(destination);
          const first = local.get(canonical);
          if (first) {
            add(path, `route ${destination} is already listed at ${first}${canonical === destination ? "" : ` (both are ${canonical})`}; a route has one next hop, list it once`);
            return;
          }
          local.set(canonical, path);
          if (key === undefined) return;
          const shared = twinRouteAt.get(`${key} ${canonical}`);
          if (!shared) twinRouteAt.set(`${key} ${canonical}`, { role, path });
          else if (role !== undefined && shared.role !== undefined && shared.role !== role) {
            add(path, `route ${destination} in the twin tables of ${key} points at role "${shared.role}" at ${shared.path}, not "${role}"; subnets that share twin tables share their routes`);
          }
        });
      });
    });
  }

  timeAndAgentRules(config, ok, add);
  return errors;
}

/** The rules both clouds share: how a rule reports, and which paths the schema already rejected. */
export type Add = (path: string, message: string) => void;
export type PathOk = (path: string) => boolean;

function tagRules(config: Obj, ok: PathOk, add: Add): void {
  // --- tags: the label and nic map tags must be two different keys ---------------------
  const tags = ok("/tags") ? asObj(config.tags) : undefined;
  const labelKey = ok("/tags/labelKey") ? asString(tags?.labelKey) ?? (tags?.labelKey === undefined ? DEFAULT_LABEL_KEY : undefined) : undefined;
  const nicMapKey = ok("/tags/nicMapKey") ? asString(tags?.nicMapKey) ?? (tags?.nicMapKey === undefined ? DEFAULT_NIC_MAP_KEY : undefined) : undefined;
  if (labelKey !== undefined && labelKey === nicMapKey) {
    const at = tags?.nicMapKey !== undefined ? "/tags/nicMapKey" : "/tags/labelKey";
    add(at, `"${labelKey}" is used for both the label tag and the nic map tag; they must be two different tag keys (defaults: ${DEFAULT_LABEL_KEY}, ${DEFAULT_NIC_MAP_KEY})`);
  }

}

function timeAndAgentRules(config: Obj, ok: PathOk, add: Add): void {
  // --- time budgets -------------------------------------------------------------------
  const timeouts = ok("/timeouts") ? asObj(config.timeouts) ?? {} : undefined;
  if (timeouts) {
    const budget = (name: keyof typeof DEFAULT_TIMEOUTS): { value: number; set: boolean } | undefined => {
      if (!ok(`/timeouts/${name}`)) return undefined;
      const value = timeouts[name];
      if (value === undefined) return { value: (config.cloud === "azure" ? DEFAULT_AZURE_TIMEOUTS : DEFAULT_TIMEOUTS)[name], set: false };
      return typeof value === "number" ? { value, set: true } : undefined;
    };
    const shown = (name: string, b: { value: number; set: boolean }) => `${name} (${b.value} ms${b.set ? "" : ", the default"})`;
    const deadline = budget("deadlineMs");
    const request = budget("requestMs");
    const connect = budget("connectMs");
    const verify = budget("verifyIntervalMs");
    // Report at the field the user set; if only the other one is set, point at that one.
    const at = (x: { set: boolean }, xName: string, yName: string) => `/timeouts/${x.set ? xName : yName}`;
    if (request && deadline && request.value >= deadline.value) {
      add(at(request, "requestMs", "deadlineMs"), `${shown("requestMs", request)} must be shorter than ${shown("deadlineMs", deadline)} so that a failed request can be retried within the deadline`);
    }
    if (connect && request && connect.value > request.value) {
      add(at(connect, "connectMs", "requestMs"), `${shown("connectMs", connect)} must not exceed ${shown("requestMs", request)}: the connect timeout is part of each request`);
    }
    if (verify && deadline && verify.value >= deadline.value) {
      add(at(verify, "verifyIntervalMs", "deadlineMs"), `${shown("verifyIntervalMs", verify)} must be shorter than ${shown("deadlineMs", deadline)} so that the result can be verified within the deadline`);
    }
  }
  // --- agent daemon: the role command runs without a shell, so its program needs a full path ---
  const agent = ok("/agent") ? asObj(config.agent) : undefined;
  const reconcile = ok("/agent/reconcile") ? asObj(agent?.reconcile) : undefined;
  if (reconcile) {
    const program = ok("/agent/reconcile/roleCommand/0") ? asString(asArray(reconcile.roleCommand)[0]) : undefined;
    if (program !== undefined && !program.startsWith("/")) {
      add("/agent/reconcile/roleCommand/0", `"${program}" must be an absolute path (the command runs without a shell or PATH lookup), e.g. "/usr/local/bin/${program.split("/").pop() || "is-active"}"`);
    }
    const seconds = (name: "intervalSeconds" | "timeoutSeconds"): number | undefined => {
      if (!ok(`/agent/reconcile/${name}`)) return undefined;
      const value = reconcile[name];
      return value === undefined ? DEFAULT_AGENT.reconcile[name] : typeof value === "number" ? value : undefined;
    };
    const interval = seconds("intervalSeconds");
    const timeout = seconds("timeoutSeconds");
    if (interval !== undefined && timeout !== undefined && timeout >= interval) {
      const at = reconcile.timeoutSeconds !== undefined ? "/agent/reconcile/timeoutSeconds" : "/agent/reconcile/intervalSeconds";
      add(at, `timeoutSeconds (${timeout}) must be shorter than intervalSeconds (${interval}) so that a hung role command cannot hold up the next round`);
    }
  }
  const poll = ok("/timeouts/pollIntervalMs") ? asObj(config.timeouts)?.pollIntervalMs : undefined;
  const deadline = ok("/timeouts/deadlineMs") ? asObj(config.timeouts)?.deadlineMs : undefined;
  if (config.cloud === "azure" && typeof poll === "number") {
    const limit = typeof deadline === "number" ? deadline : DEFAULT_AZURE_TIMEOUTS.deadlineMs;
    if (poll >= limit) add("/timeouts/pollIntervalMs", `pollIntervalMs (${poll} ms) must be shorter than deadlineMs (${limit} ms) so that a long-running operation is polled within the deadline`);
  }
}

/** A role used by an address or route must be an interface of both nodes (if both nodes' interfaces are readable). */
export function roleRule(ok: PathOk, add: Add, interfacesOf: (id: NodeId) => Obj | undefined): (path: string, role: string | undefined) => void {
  return (path, role) => {
    if (role === undefined || !ok(path)) return;
    const maps = NODE_IDS.map((id) => [id, interfacesOf(id)] as const);
    if (maps.some(([, map]) => map === undefined)) return;
    const missing = maps.filter(([, map]) => !Object.hasOwn(map!, role)).map(([id]) => id);
    if (missing.length === 0) return;
    const common = Object.keys(maps[0]![1]!).filter((r) => Object.hasOwn(maps[1]![1]!, r));
    add(path, `role "${role}" is not an interface of node ${missing.join(" and ")}; add it under ${missing.map((n) => `/nodes/${n}/interfaces`).join(" and ")}${common.length > 0 ? `, or use a role both nodes have: ${common.join(", ")}` : ""}`);
  };
}
