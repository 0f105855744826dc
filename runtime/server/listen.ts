import { createServer, type RequestListener, type Server } from "node:http";
import { LOOPBACK } from "./settings.js";
import { AgentStartError } from "./token.js";

/**
 * The API's HTTP server, bound to 127.0.0.1:`port`. Node enforces headersTimeout only when it
 * sweeps its connections, every connectionsCheckingInterval (30 s by default): a 10 s limit then
 * held for up to 40 s. The sweep runs often enough here for the limit to hold within a quarter
 * of itself (at most a second).
 */
export async function listenOnLoopback(port: number, limits: { headersTimeoutMs: number; requestTimeoutMs: number }, handler: RequestListener): Promise<Server> {
  const server = createServer(
    {
      headersTimeout: limits.headersTimeoutMs,
      requestTimeout: limits.requestTimeoutMs,
      connectionsCheckingInterval: Math.max(10, Math.min(1_000, Math.floor(limits.headersTimeoutMs / 4))),
    },
    handler,
  );
  server.keepAliveTimeout = 5_000;
  await new Promise<void>((resolve, reject) => {
    server.once("error", (err: NodeJS.ErrnoException) =>
      reject(err.code === "EADDRINUSE" ? new AgentStartError(`port ${port} on ${LOOPBACK} is already in use`, "stop what uses it, or choose another with --port / agent.listen.port") : err),
    );
    server.listen(port, LOOPBACK, () => resolve());
  });
  return server;
}
