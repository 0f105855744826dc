import type { IncomingMessage, RequestListener, ServerResponse } from "node:http";
import type { NodeId } from "../config/types.js";
import type { FailoverTask, TriggerResult } from "../core/coordinator.js";
import { ApiError, onlyKeys, readJsonObject, sendJson, sendText } from "./http.js";
import type { Logger } from "./logger.js";
import type { BearerToken } from "./token.js";

/** What the API needs from the daemon; every route is a thin layer over one of these. */
export interface ApiBackend {
  /** Start (or join) a failover; `activate` undefined = this node. */
  trigger(activate: NodeId | undefined): TriggerResult;
  lastTask(): FailoverTask | undefined;
  inspect(): Promise<unknown>;
  info(): unknown;
  reset(force: boolean): Promise<{ status: number; body: unknown }>;
  metrics(): Promise<{ contentType: string; text: string }>;
  /** True once the daemon is shutting down: new work is refused with 503. */
  stopping(): boolean;
}

type Handler = (request: IncomingMessage, response: ServerResponse) => Promise<void>;

/** The task as the API shows it. */
export function taskView(task: FailoverTask): Record<string, unknown> {
  return {
    id: task.id,
    state: task.state,
    activate: task.activate,
    source: task.source,
    triggers: task.triggers,
    startedAt: task.startedAt,
    ...(task.finishedAt ? { finishedAt: task.finishedAt } : {}),
    ...(task.report ? { report: task.report } : {}),
    ...(task.error ? { error: task.error } : {}),
  };
}

/**
 * The daemon's HTTP API. Every request must name a loopback Host and carry the bearer token —
 * both checked before the route, so an unauthenticated caller learns nothing, not even which
 * paths exist. Then 404 for an unknown path, 405 (with Allow) for a known path and another method.
 */
export function createApi(backend: ApiBackend, token: BearerToken, log: Logger): RequestListener {
  const routes: Record<string, Partial<Record<string, Handler>>> = {
    "/trigger": {
      POST: async (request, response) => {
        const body = await readJsonObject(request, "POST /trigger body");
        onlyKeys(body, ["activate"], "POST /trigger body");
        const activate = body.activate;
        if (activate !== undefined && activate !== "a" && activate !== "b") {
          throw new ApiError(400, "BadActivate", `"activate" must be "a" or "b", got ${JSON.stringify(activate)}`, "POST /trigger body: activate", "omit it to activate this node, or pass {\"activate\": \"a\"} or {\"activate\": \"b\"}");
        }
        if (backend.stopping()) throw stoppingError("POST /trigger");
        const result = backend.trigger(activate);
        if (!result.accepted) {
          throw new ApiError(409, "FailoverRunning", `a failover to node ${result.running.activate} is running on this agent (task ${result.running.id}); it is not overrun`, "POST /trigger", "wait for it (GET /trigger shows it), then trigger again if the other node should be active", {}, { task: taskView(result.running) });
        }
        // Answer at once: the failover runs on; GET /trigger shows how it ends.
        sendJson(response, 202, { taskId: result.task.id, state: result.task.state, activate: result.task.activate, joined: result.joined, status: "/trigger" }, { location: "/trigger" });
      },
      GET: async (_request, response) => {
        const task = backend.lastTask();
        sendJson(response, 200, { task: task ? taskView(task) : null });
      },
    },
    "/inspect": {
      GET: async (_request, response) => sendJson(response, 200, await backend.inspect()),
    },
    "/info": {
      GET: async (_request, response) => sendJson(response, 200, backend.info()),
    },
    "/reset": {
      POST: async (request, response) => {
        const body = await readJsonObject(request, "POST /reset body");
        onlyKeys(body, ["force"], "POST /reset body");
        if (body.force !== undefined && typeof body.force !== "boolean") {
          throw new ApiError(400, "BadForce", `"force" must be true or false, got ${JSON.stringify(body.force)}`, "POST /reset body: force", "pass {\"force\": true} only to reset while the other node's failover runs");
        }
        if (backend.stopping()) throw stoppingError("POST /reset");
        const { status, body: answer } = await backend.reset(body.force === true);
        sendJson(response, status, answer);
      },
    },
    "/metrics": {
      GET: async (_request, response) => {
        const { contentType, text } = await backend.metrics();
        sendText(response, 200, contentType, text);
      },
    },
  };

  const handle = async (request: IncomingMessage, response: ServerResponse): Promise<void> => {
    const path = new URL(request.url ?? "/", "http://127.0.0.1").pathname;
    admit(request, token);
    const route = routes[path];
    if (!route) throw new ApiError(404, "NotFound", `no such endpoint ${path}`, `${request.method} ${path}`, `endpoints: ${Object.keys(routes).join(", ")}`);
    const handler = route[request.method ?? ""];
    if (!handler) {
      const allow = Object.keys(route).join(", ");
      throw new ApiError(405, "MethodNotAllowed", `${request.method} is not allowed on ${path}`, `${request.method} ${path}`, `use ${allow}`, { allow });
    }
    await handler(request, response);
  };

  return serve(handle, log);
}

/**
 * What the daemon answers between binding its port and being ready (its identity read, the
 * state warmed): 503 with Retry-After to an admitted caller, so the trigger snippet runs the
 * one-shot failover meanwhile. The port is bound first so that a port already in use stops the
 * start before any cloud call.
 */
export function createStartingApi(token: BearerToken, log: Logger): RequestListener {
  return serve(async (request) => {
    admit(request, token);
    throw new ApiError(503, "Starting", "the agent is starting", `${request.method} ${new URL(request.url ?? "/", "http://127.0.0.1").pathname}`, "retry in a second, or run the one-shot ha-pair failover", { "retry-after": "1" });
  }, log);
}

/**
 * The Host names the API answers to: the loopback address it listens on, or localhost, with an
 * optional port. Anything else is refused before the token is even looked at: a web page whose
 * name an attacker rebinds to 127.0.0.1 (DNS rebinding) sends its own name as Host.
 */
const LOOPBACK_HOST = /^(?:127\.0\.0\.1|localhost)(?::\d{1,5})?$/i;

/** Host first (defence in depth against DNS rebinding), then the bearer token. */
function admit(request: IncomingMessage, token: BearerToken): void {
  const host = request.headers.host;
  if (host === undefined || host === "") {
    throw new ApiError(400, "MissingHost", "the request has no Host header", "Host header", "send Host: 127.0.0.1:<port> (curl and every HTTP/1.1 client do)");
  }
  if (!LOOPBACK_HOST.test(host)) {
    throw new ApiError(421, "MisdirectedRequest", `this API answers only to 127.0.0.1 or localhost, not to Host ${JSON.stringify(host.slice(0, 100))}`, "Host header", "call http://127.0.0.1:<port>/ directly");
  }
  if (!token.accepts(request.headers.authorization)) {
    throw new ApiError(401, "Unauthorized", request.headers.authorization ? "the bearer token is wrong" : "no bearer token", "Authorization header", "send Authorization: Bearer <the token in the agent's token file>", { "www-authenticate": 'Bearer realm="ha-pair"' });
  }
}

/** Run a handler: log method, path and status of every request, answer every error as JSON. */
function serve(handle: Handler, log: Logger): RequestListener {
  return (request, response) => {
    const started = performance.now();
    response.on("finish", () => {
      // Method, path and status only: never headers (the token) or bodies.
      const path = new URL(request.url ?? "/", "http://127.0.0.1").pathname;
      log.info({ event: "http", method: request.method, path, status: response.statusCode, ms: Math.round(performance.now() - started) }, `${request.method} ${path} ${response.statusCode}`);
    });
    handle(request, response).catch((err: unknown) => {
      const error = err instanceof ApiError ? err : internalError(err, log);
      if (response.headersSent) {
        response.destroy();
        return;
      }
      sendJson(response, error.status, error.body(), error.headers);
    });
  };
}

function stoppingError(where: string): ApiError {
  return new ApiError(503, "ShuttingDown", "the agent is shutting down", where, "retry once the agent has restarted", { "retry-after": "5" });
}

function internalError(err: unknown, log: Logger): ApiError {
  const described = err as { code?: unknown; message?: unknown; fix?: unknown; resource?: unknown };
  log.error({ event: "http-error", err: { code: described.code, message: described.message } }, "request failed");
  // A cloud error (HaPairError) says what and where; the API passes it on as 502: the agent is fine, the cloud call was not.
  if (typeof described.code === "string" && typeof described.message === "string") {
    return new ApiError(502, described.code, described.message, typeof described.resource === "string" ? described.resource : "the cloud API", typeof described.fix === "string" ? described.fix : undefined);
  }
  return new ApiError(500, "InternalError", err instanceof Error ? err.message : String(err), "the agent", "see the agent's log; report a bug if it persists");
}
