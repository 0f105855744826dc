/**
 * The simulated Azure Resource Manager for Microsoft.Network, on 127.0.0.1: the REST paths,
 * status codes, headers and long-running-operation protocol of the real one (checked in
 * test/sim-azure-conformance.test.ts against the REST spec examples and recorded exchanges),
 * with bearer-token authentication, RBAC, the write bucket and seeded faults in front.
 */
import { randomUUID } from "node:crypto";
import { setMaxListeners } from "node:events";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo, Socket } from "node:net";
import type { AzureFaults } from "./faults.js";
import type { TokenRegistry } from "./identities.js";
import type { RoleAssignments } from "./rbac.js";
import { ArmError, type AzureWorld, type Json } from "./world.js";

/** ARM's write limit per principal: a bucket of 200, refilled at 10 per second. */
export interface WriteBucketConfig {
  burst: number;
  refillPerSecond: number;
}
export const ARM_WRITE_BUCKET: WriteBucketConfig = { burst: 200, refillPerSecond: 10 };

export interface ArmCallRecord {
  method: string;
  path: string;
  status: number;
  code?: string;
  principalId?: string;
  at: number;
  ms: number;
}

export interface ArmServerOptions {
  world: AzureWorld;
  tokens: TokenRegistry;
  roles: RoleAssignments;
  faults: AzureFaults;
  writeBucket: WriteBucketConfig | false;
  port?: number;
  /** Items per page of a list answer (NRP pages its lists; default 100): the rest is behind nextLink. */
  listPageSize?: number;
  /** Called after each answer is sent (tests use it to act between a client's GET and its PUT). */
  onAnswered?: (call: ArmCallRecord) => void;
}

export interface ArmServer {
  url: string;
  calls: ArmCallRecord[];
  stop(): Promise<void>;
}

const TYPES: Record<string, string> = {
  routetables: "Microsoft.Network/routeTables",
  networkinterfaces: "Microsoft.Network/networkInterfaces",
  publicipaddresses: "Microsoft.Network/publicIPAddresses",
};
/** Read-only here: discovery lists the pair's storage account; the state blob itself is Azurite's. */
const READ_ONLY_TYPES: Record<string, string> = {
  storageaccounts: "Microsoft.Storage/storageAccounts",
};
/** A list call of a subscription or resource group: GET …/providers/{namespace}/{type} (REST spec "…_List" / "…_ListAll"). */
const LIST_PATH = /^(\/subscriptions\/[^/]+(?:\/resourceGroups\/[^/]+)?)\/providers\/(Microsoft\.Network|Microsoft\.Storage)\/([^/]+)$/i;

class Bucket {
  private tokens: number;
  private last = Date.now();
  constructor(private readonly config: WriteBucketConfig) {
    this.tokens = config.burst;
  }
  take(): { ok: boolean; remaining: number; retryAfterSeconds: number } {
    const now = Date.now();
    this.tokens = Math.min(this.config.burst, this.tokens + ((now - this.last) / 1000) * this.config.refillPerSecond);
    this.last = now;
    if (this.tokens < 1) return { ok: false, remaining: 0, retryAfterSeconds: Math.max(1, Math.ceil((1 - this.tokens) / this.config.refillPerSecond)) };
    this.tokens -= 1;
    return { ok: true, remaining: Math.floor(this.tokens), retryAfterSeconds: 0 };
  }
}

export async function startArmServer(options: ArmServerOptions): Promise<ArmServer> {
  const calls: ArmCallRecord[] = [];
  const buckets = new Map<string, Bucket>();
  const sockets = new Set<Socket>();
  const stopping = new AbortController();
  // Every request in flight waits on it (latency, held requests): many at once by design.
  setMaxListeners(0, stopping.signal);
  let base = "";

  const handle = async (req: IncomingMessage, res: ServerResponse, body: string): Promise<{ status: number; code?: string; principalId?: string }> => {
    const url = new URL(req.url ?? "/", base);
    const method = req.method ?? "GET";
    const send = (status: number, payload: unknown, headers: Record<string, string> = {}) => {
      res.writeHead(status, {
        "Content-Type": "application/json; charset=utf-8",
        "Cache-Control": "no-cache",
        "x-ms-request-id": randomUUID(),
        "x-ms-correlation-request-id": randomUUID(),
        ...headers,
      });
      res.end(payload === undefined ? "" : JSON.stringify(payload));
    };
    const fail = (error: ArmError, principalId?: string) => {
      send(error.status, { error: { code: error.code, message: error.message } }, error.headers);
      return { status: error.status, code: error.code, ...(principalId ? { principalId } : {}) };
    };

    if (options.faults.config.latencyMs) await sleep(options.faults.config.latencyMs, stopping.signal);
    const auth = req.headers.authorization;
    if (!auth?.startsWith("Bearer ")) {
      return fail(new ArmError(401, "AuthenticationFailed", "Authentication failed. The 'Authorization' header is missing."), undefined);
    }
    const principalId = options.tokens.principalOf(auth.slice("Bearer ".length));
    if (!principalId) return fail(new ArmError(401, "InvalidAuthenticationToken", "The access token is invalid or has expired."));
    if (!url.searchParams.get("api-version")) {
      return fail(new ArmError(400, "MissingApiVersionParameter", "The api-version query parameter (?api-version=) is required for all requests."), principalId);
    }
    const fault = options.faults.draw(method, url.pathname);
    if (fault?.kind === "hold") {
      await new Promise<void>((resolve) => {
        req.socket.once("close", resolve);
        stopping.signal.addEventListener("abort", () => resolve(), { once: true });
      });
      return { status: 0, code: "Held", principalId };
    }
    if (fault?.kind === "error") {
      return fail(new ArmError(fault.status, fault.code, fault.message, fault.retryAfter !== undefined ? { "Retry-After": String(fault.retryAfter) } : {}), principalId);
    }

    try {
      const path = url.pathname.replace(/\/+$/, "");
      const operation = /^\/subscriptions\/[^/]+\/providers\/Microsoft\.Network\/locations\/[^/]+\/operations\/([^/]+)$/i.exec(path);
      if (operation && method === "GET") {
        const op = options.world.operation(operation[1]!);
        if (!op) throw new ArmError(404, "OperationNotFound", `Operation ${operation[1]} was not found.`);
        const payload = op.status === "InProgress" || op.status === "Succeeded" ? { status: op.status } : { status: op.status, error: op.error };
        // NRP asks pollers to come back in 10 s while an operation runs; the agent ignores it (fastPollPolicy).
        send(200, payload, op.status === "InProgress" ? { "Retry-After": "10" } : {});
        return { status: 200, principalId };
      }
      const permissions = /^(.*)\/providers\/Microsoft\.Authorization\/permissions$/i.exec(path);
      if (permissions && method === "GET") {
        send(200, { value: options.roles.permissionsAt(principalId, permissions[1]!) });
        return { status: 200, principalId };
      }
      const list = LIST_PATH.exec(path);
      const listType = list ? (list[2]!.toLowerCase() === "microsoft.storage" ? READ_ONLY_TYPES : TYPES)[list[3]!.toLowerCase()] : undefined;
      if (list && listType && method === "GET") {
        // ARM authorizes a list at its own scope: a role on one resource group cannot list the subscription.
        if (!options.roles.allowed(principalId, list[1]!, `${listType}/read`)) {
          throw new ArmError(403, "AuthorizationFailed", `The client with object id '${principalId}' does not have authorization to perform action '${listType}/read' over scope '${list[1]}' or the scope is invalid. If access was recently granted, please refresh your credentials.`);
        }
        // Pages as NRP's: nextLink (a $skipToken) while more remain; no nextLink on the last page.
        const all = options.world.list(listType, list[1]!);
        const size = options.listPageSize ?? 100;
        const skip = Math.max(0, Number.parseInt(url.searchParams.get("$skipToken") ?? "0", 10) || 0);
        const next = skip + size < all.length ? `${base}${path}?api-version=${url.searchParams.get("api-version")}&$skipToken=${skip + size}` : undefined;
        send(200, { value: all.slice(skip, skip + size), ...(next ? { nextLink: next } : {}) });
        return { status: 200, principalId };
      }
      const resource = /^\/subscriptions\/[^/]+\/resourceGroups\/[^/]+\/providers\/(Microsoft\.Network|Microsoft\.Storage)\/([^/]+)\/[^/]+$/i.exec(path);
      const storage = resource?.[1]!.toLowerCase() === "microsoft.storage";
      const type = resource ? (storage ? READ_ONLY_TYPES : TYPES)[resource[2]!.toLowerCase()] : undefined;
      if (!resource || !type) throw new ArmError(404, "InvalidResourceType", `The resource type could not be found for ${path} (the simulator serves route tables, network interfaces, public IP addresses and, read-only, storage accounts).`);
      if (storage && method !== "GET") throw new ArmError(405, "MethodNotAllowed", `The simulator serves storage accounts read-only; ${method} on ${path} is not supported.`);
      const authorize = (action: string, scope: string, linked = false) => {
        if (options.roles.allowed(principalId, scope, action)) return;
        throw linked
          ? new ArmError(403, "LinkedAuthorizationFailed", `The client has permission to perform action '${type}/write' on scope '${path}', however it does not have permission to perform action(s) '${action}' on the linked scope(s) '${scope}' (respectively) or the linked scope(s) are invalid.`)
          : new ArmError(403, "AuthorizationFailed", `The client with object id '${principalId}' does not have authorization to perform action '${action}' over scope '${scope}' or the scope is invalid. If access was recently granted, please refresh your credentials.`);
      };
      if (method === "GET") {
        authorize(`${type}/read`, path);
        const resource = options.world.get(path);
        // As recorded from ARM: a GET carries the resource's etag as a header too.
        send(200, resource, { ETag: String(resource.etag) });
        return { status: 200, principalId };
      }
      if (method === "PUT") {
        authorize(`${type}/write`, path);
        let parsed: Json;
        try {
          parsed = JSON.parse(body) as Json;
        } catch {
          throw new ArmError(400, "InvalidRequestFormat", "Cannot parse the request body as JSON.");
        }
        if (type === "Microsoft.Network/networkInterfaces") authorizeLinked(options.world, path, parsed, (action, scope) => authorize(action, scope, true));
        let remaining = "";
        if (options.writeBucket) {
          let bucket = buckets.get(principalId);
          if (!bucket) buckets.set(principalId, (bucket = new Bucket(options.writeBucket)));
          const taken = bucket.take();
          if (!taken.ok) {
            throw new ArmError(429, "SubscriptionRequestsThrottled", `Number of 'write' requests for subscription exceeded the limit of '${options.writeBucket.burst}' for time interval. Please try again after '${taken.retryAfterSeconds}' seconds.`, {
              "Retry-After": String(taken.retryAfterSeconds),
              "x-ms-ratelimit-remaining-subscription-writes": "0",
            });
          }
          remaining = String(taken.remaining);
        }
        const ifMatch = req.headers["if-match"];
        const accepted = options.world.put(path, parsed, typeof ifMatch === "string" ? ifMatch : undefined);
        const location = String(accepted.body.location);
        const subscription = path.split("/")[2];
        const asyncUrl = `${base}/subscriptions/${subscription}/providers/Microsoft.Network/locations/${location}/operations/${accepted.operation.id}?api-version=${url.searchParams.get("api-version")}`;
        // As recorded from ARM: Azure-AsyncOperation and the remaining writes, no Retry-After on the PUT itself.
        send(accepted.created ? 201 : 200, accepted.body, {
          "Azure-AsyncOperation": asyncUrl,
          ...(remaining ? { "x-ms-ratelimit-remaining-subscription-writes": remaining } : {}),
        });
        return { status: accepted.created ? 201 : 200, principalId };
      }
      throw new ArmError(405, "MethodNotAllowed", `The simulator does not support ${method} on ${path}.`);
    } catch (err) {
      if (err instanceof ArmError) return fail(err, principalId);
      return fail(new ArmError(500, "InternalServerError", err instanceof Error ? err.message : String(err)), principalId);
    }
  };

  const server: Server = createServer((req, res) => {
    const started = performance.now();
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      void handle(req, res, Buffer.concat(chunks).toString("utf8")).then(
        (r) => {
          const call: ArmCallRecord = { method: req.method ?? "", path: (req.url ?? "").split("?")[0]!, status: r.status, ...(r.code ? { code: r.code } : {}), ...(r.principalId ? { principalId: r.principalId } : {}), at: Date.now(), ms: performance.now() - started };
          calls.push(call);
          options.onAnswered?.(call);
        },
        () => res.destroy(),
      );
    });
  });
  server.on("connection", (socket) => {
    sockets.add(socket);
    socket.on("close", () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(options.port ?? 0, "127.0.0.1", resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url: base,
    calls,
    stop: async () => {
      stopping.abort();
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** A NIC PUT that adds a subnet or public IP reference needs its join action on that resource (ARM's linked authorization). */
function authorizeLinked(world: AzureWorld, nicId: string, body: Json, authorize: (action: string, scope: string) => void): void {
  const refs = (nic: Json | undefined) => {
    const configs = (((nic?.properties as Json | undefined)?.ipConfigurations ?? []) as { properties?: { subnet?: { id?: string }; publicIPAddress?: { id?: string } } }[]);
    return {
      subnets: new Set(configs.map((c) => c.properties?.subnet?.id?.toLowerCase()).filter((x): x is string => !!x)),
      publicIps: new Set(configs.map((c) => c.properties?.publicIPAddress?.id?.toLowerCase()).filter((x): x is string => !!x)),
    };
  };
  const before = refs(world.exists(nicId) ? world.get(nicId) : undefined);
  const after = refs(body);
  for (const subnet of after.subnets) if (!before.subnets.has(subnet)) authorize("Microsoft.Network/virtualNetworks/subnets/join/action", subnet);
  for (const publicIp of after.publicIps) if (!before.publicIps.has(publicIp)) authorize("Microsoft.Network/publicIPAddresses/join/action", publicIp);
}

/** Injected latency that the sim's stop cuts short; the listener goes when the wait ends. */
function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const onAbort = () => {
      clearTimeout(timer);
      resolve();
    };
    const timer = setTimeout(() => {
      signal.removeEventListener("abort", onAbort);
      resolve();
    }, ms);
    signal.addEventListener("abort", onAbort, { once: true });
  });
}
