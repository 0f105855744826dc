/**
 * Azure IMDS of one simulated VM, on its own 127.0.0.1 port: /metadata/instance (the VM's
 * identity) and /metadata/identity/oauth2/token (its managed identity's access token). Both
 * require the `Metadata: true` header, as the real IMDS does against SSRF.
 */
import { createServer, type Server } from "node:http";
import type { AddressInfo, Socket } from "node:net";
import type { TokenRegistry } from "./identities.js";

export interface VmIdentity {
  resourceId: string;
  name: string;
  subscriptionId: string;
  resourceGroupName: string;
  location: string;
  vmId: string;
  /** The system-assigned identity's principal (object) ID and client ID. */
  principalId: string;
  clientId: string;
  privateIp: string;
}

export interface AzureImdsServer {
  url: string;
  identity: VmIdentity;
  stop(): Promise<void>;
}

export async function startAzureImds(identity: VmIdentity, tokens: TokenRegistry, latencyMs: () => number = () => 0): Promise<AzureImdsServer> {
  const sockets = new Set<Socket>();
  const server: Server = createServer((req, res) => {
    const reply = (status: number, payload: unknown) => {
      res.writeHead(status, { "Content-Type": "application/json; charset=utf-8" });
      res.end(JSON.stringify(payload));
    };
    const url = new URL(req.url ?? "/", "http://127.0.0.1");
    // MSAL asks for the token path with a trailing slash; IMDS serves both spellings.
    url.pathname = url.pathname.replace(/\/+$/, "");
    setTimeout(() => {
      if (req.headers.metadata !== "true") return reply(400, { error: "invalid_request", error_description: "Required metadata header not specified" });
      if (!url.searchParams.get("api-version")) return reply(400, { error: "Bad request. api-version was not specified in the request." });
      if (url.pathname === "/metadata/instance") {
        return reply(200, {
          compute: {
            azEnvironment: "AzurePublicCloud",
            location: identity.location,
            name: identity.name,
            resourceGroupName: identity.resourceGroupName,
            resourceId: identity.resourceId,
            subscriptionId: identity.subscriptionId,
            vmId: identity.vmId,
            zone: "",
          },
          network: { interface: [{ ipv4: { ipAddress: [{ privateIpAddress: identity.privateIp, publicIpAddress: "" }] } }] },
        });
      }
      if (url.pathname === "/metadata/identity/oauth2/token") {
        const resource = url.searchParams.get("resource");
        if (!resource) return reply(400, { error: "invalid_request", error_description: "Required query variable 'resource' is missing" });
        const clientId = url.searchParams.get("client_id");
        if (clientId && clientId !== identity.clientId) return reply(400, { error: "invalid_request", error_description: "Identity not found" });
        const { token, expiresIn } = tokens.issue(identity.principalId);
        const now = Math.floor(Date.now() / 1000);
        return reply(200, {
          access_token: token,
          client_id: identity.clientId,
          expires_in: String(expiresIn),
          expires_on: String(now + expiresIn),
          ext_expires_in: String(expiresIn),
          not_before: String(now),
          resource,
          token_type: "Bearer",
        });
      }
      return reply(404, { error: "not_found", error_description: `no such metadata path ${url.pathname}` });
    }, latencyMs());
  });
  server.on("connection", (socket) => {
    sockets.add(socket);
    socket.on("close", () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    identity,
    stop: async () => {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
