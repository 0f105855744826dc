/**
 * Azure IMDS of a simulated VM, on 127.0.0.1: /metadata/instance (the VM's
 * identity) and /metadata/identity/oauth2/token (its managed identity's access token). Both
 * require the `Metadata: true` header, as the real IMDS does against SSRF.
 */
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
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

/**
 * One metadata server per process, each VM under a path of its own (`/vm/N`): MSAL (inside
 * @azure/identity) fixes the IMDS endpoint of the whole process at its first token request, so
 * an IMDS that stopped with one simulator would be asked again by the next one in the same test
 * process. Tokens are issued by client ID when one is asked for (as IMDS does for a VM with
 * several identities), otherwise for the VM of the path.
 */
interface Registered {
  identity: VmIdentity;
  tokens: TokenRegistry;
  latencyMs: () => number;
}
const vms = new Map<string, Registered>();
let shared: Promise<{ base: string }> | undefined;
let nextVm = 0;

function sharedServer(): Promise<{ base: string }> {
  shared ??= new Promise((resolve) => {
    const server: Server = createServer((req, res) => {
      const reply = (status: number, payload: unknown) => {
        res.writeHead(status, { "Content-Type": "application/json; charset=utf-8" });
        res.end(JSON.stringify(payload));
      };
      const url = new URL(req.url ?? "/", "http://127.0.0.1");
      const match = /^\/vm\/(\d+)(\/.*)$/.exec(url.pathname);
      // MSAL asks for the token path with a trailing slash; IMDS serves both spellings.
      const path = (match?.[2] ?? url.pathname).replace(/\/+$/, "");
      // A token asked by client ID is that identity's, whichever VM path MSAL fixed on first.
      const clientId = url.searchParams.get("client_id");
      const byClient = clientId ? [...vms.values()].find((v) => v.identity.clientId === clientId) : undefined;
      const vm = (match ? vms.get(match[1]!) : undefined) ?? (path === "/metadata/identity/oauth2/token" ? byClient : undefined);
      if (!vm) return reply(404, { error: "not_found", error_description: `no simulated VM at ${url.pathname}` });
      setTimeout(() => serve(vm, path, url, req.headers.metadata, reply), vm.latencyMs());
    });
    server.listen(0, "127.0.0.1", () => {
      server.unref();
      resolve({ base: `http://127.0.0.1:${(server.address() as AddressInfo).port}` });
    });
  });
  return shared;
}

function serve(vm: Registered, path: string, url: URL, metadataHeader: string | string[] | undefined, reply: (status: number, payload: unknown) => void): void {
  const { identity } = vm;
  if (metadataHeader !== "true") return reply(400, { error: "invalid_request", error_description: "Required metadata header not specified" });
  if (!url.searchParams.get("api-version")) return reply(400, { error: "Bad request. api-version was not specified in the request." });
  if (path === "/metadata/instance") {
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
  if (path === "/metadata/identity/oauth2/token") {
    const resource = url.searchParams.get("resource");
    if (!resource) return reply(400, { error: "invalid_request", error_description: "Required query variable 'resource' is missing" });
    const clientId = url.searchParams.get("client_id");
    const owner = clientId ? [...vms.values()].find((v) => v.identity.clientId === clientId) : vm;
    if (!owner) return reply(400, { error: "invalid_request", error_description: "Identity not found" });
    const { token, expiresIn } = owner.tokens.issue(owner.identity.principalId);
    const now = Math.floor(Date.now() / 1000);
    return reply(200, {
      access_token: token,
      client_id: owner.identity.clientId,
      expires_in: String(expiresIn),
      expires_on: String(now + expiresIn),
      ext_expires_in: String(expiresIn),
      not_before: String(now),
      resource,
      token_type: "Bearer",
    });
  }
  return reply(404, { error: "not_found", error_description: `no such metadata path ${path}` });
}

export async function startAzureImds(identity: VmIdentity, tokens: TokenRegistry, latencyMs: () => number = () => 0): Promise<AzureImdsServer> {
  const { base } = await sharedServer();
  const key = String((nextVm += 1));
  vms.set(key, { identity, tokens, latencyMs });
  return {
    url: `${base}/vm/${key}`,
    identity,
    stop: async () => {
      vms.delete(key);
    },
  };
}
