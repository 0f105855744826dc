/**
 * IMDSv2 of one simulated instance, on its own 127.0.0.1 port (real IMDS is per instance).
 *
 * A session token from `PUT /latest/api/token` is required for every GET: IMDSv1 is disabled,
 * as ha-pair's IAM guidance requires (HttpTokens=required). The instance role's temporary
 * credentials are registered with the sim's credential registry, so EC2 and S3 accept them
 * and see the caller as `arn:aws:sts::ACCOUNT:assumed-role/ROLE/INSTANCE_ID`.
 */
import { randomBytes } from "node:crypto";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import type { NodeId } from "../runtime/config/types.js";
import type { CredentialRegistry, RoleSession } from "./auth.js";
import type { FaultInjector } from "./faults.js";
import type { CallLog } from "./call-log.js";
import { abortableSleep } from "./sleep.js";

export interface InstanceIdentity {
  instanceId: string;
  region: string;
  availabilityZone: string;
  accountId: string;
  privateIp: string;
  instanceType: string;
  imageId: string;
  /** Role of the instance profile; without one the instance has no credentials, as in EC2. */
  roleName?: string;
}

export interface ImdsServer {
  url: string;
  node: NodeId;
  identity: InstanceIdentity;
  stop(): Promise<void>;
}

/** Bounds of X-aws-ec2-metadata-token-ttl-seconds. */
const MAX_TOKEN_TTL_SECONDS = 21_600;
/** Role credentials live 6 hours and are rotated well before they expire, as EC2 does. */
const ROLE_SESSION_TTL_MS = 6 * 3600_000;
const ROLE_SESSION_ROTATE_BEFORE_MS = 3600_000;

/** IMDS serves timestamps without fractional seconds (botocore parses them with %Y-%m-%dT%H:%M:%SZ). */
function imdsTime(date: Date): string {
  return date.toISOString().replace(/\.\d{3}Z$/, "Z");
}

class InstanceMetadata {
  private tokens = new Map<string, number>();
  private session: RoleSession | undefined;
  private readonly bootedAt = new Date();

  constructor(
    readonly identity: InstanceIdentity,
    private readonly credentials: CredentialRegistry,
  ) {}

  issueToken(ttlSeconds: number): string {
    const token = randomBytes(32).toString("base64url");
    this.tokens.set(token, Date.now() + ttlSeconds * 1000);
    return token;
  }

  tokenValid(token: string | undefined): boolean {
    if (!token) return false;
    const expiresAt = this.tokens.get(token);
    if (expiresAt === undefined) return false;
    if (Date.now() > expiresAt) {
      this.tokens.delete(token);
      return false;
    }
    return true;
  }

  private roleSession(): RoleSession | undefined {
    const role = this.identity.roleName;
    if (!role) return undefined;
    if (!this.session || this.session.expiration.getTime() - Date.now() < ROLE_SESSION_ROTATE_BEFORE_MS) {
      this.session = this.credentials.issueRoleSession(role, this.identity.instanceId, ROLE_SESSION_TTL_MS);
    }
    return this.session;
  }

  /** The document at a metadata path, or undefined for 404. */
  read(path: string): string | undefined {
    const id = this.identity;
    const role = id.roleName;
    const credentialsDocument = (extended: boolean) => {
      const session = this.roleSession();
      if (!session) return undefined;
      return {
        Code: "Success",
        LastUpdated: imdsTime(session.issuedAt),
        Type: "AWS-HMAC",
        AccessKeyId: session.accessKeyId,
        SecretAccessKey: session.secretAccessKey,
        Token: session.sessionToken,
        Expiration: imdsTime(session.expiration),
        ...(extended ? { AccountId: id.accountId } : {}),
      };
    };
    const fixed: Record<string, string | undefined> = {
      "/latest/meta-data/": ["ami-id", "iam/", "instance-id", "instance-type", "local-ipv4", "placement/"].join("\n"),
      "/latest/meta-data/ami-id": id.imageId,
      "/latest/meta-data/instance-id": id.instanceId,
      "/latest/meta-data/instance-type": id.instanceType,
      "/latest/meta-data/local-ipv4": id.privateIp,
      "/latest/meta-data/placement/": ["availability-zone", "region"].join("\n"),
      "/latest/meta-data/placement/region": id.region,
      "/latest/meta-data/placement/availability-zone": id.availabilityZone,
      "/latest/meta-data/iam/": role ? ["info", "security-credentials/"].join("\n") : undefined,
      "/latest/meta-data/iam/security-credentials/": role,
      "/latest/meta-data/iam/security-credentials-extended/": role,
      "/latest/dynamic/": "instance-identity/",
      "/latest/dynamic/instance-identity/": "document",
    };
    if (path in fixed) {
      return fixed[path];
    }
    if (path === "/latest/dynamic/instance-identity/document") {
      const document = {
        accountId: id.accountId,
        architecture: "x86_64",
        availabilityZone: id.availabilityZone,
        billingProducts: null,
        devpayProductCodes: null,
        marketplaceProductCodes: null,
        imageId: id.imageId,
        instanceId: id.instanceId,
        instanceType: id.instanceType,
        kernelId: null,
        pendingTime: imdsTime(this.bootedAt),
        privateIp: id.privateIp,
        ramdiskId: null,
        region: id.region,
        version: "2017-09-30",
      };
      return JSON.stringify(document, null, 2);
    }
    if (role && path === "/latest/meta-data/iam/info") {
      const info = {
        Code: "Success",
        LastUpdated: imdsTime(this.bootedAt),
        InstanceProfileArn: `arn:aws:iam::${id.accountId}:instance-profile/${role}`,
        InstanceProfileId: "AIPAHAPAIRSIM0000001",
      };
      return JSON.stringify(info, null, 2);
    }
    if (role && (path === `/latest/meta-data/iam/security-credentials/${role}` || path === `/latest/meta-data/iam/security-credentials-extended/${role}`)) {
      const document = credentialsDocument(path.includes("-extended/"));
      return document ? JSON.stringify(document, null, 2) : undefined;
    }
    return undefined;
  }
}

function send(response: ServerResponse, status: number, body: string, headers: Record<string, string> = {}): void {
  response.writeHead(status, {
    "Content-Type": "text/plain",
    "Content-Length": String(Buffer.byteLength(body)),
    Server: "EC2ws",
    ...headers,
  });
  response.end(body);
}

export interface ImdsOptions {
  node: NodeId;
  identity: InstanceIdentity;
  credentials: CredentialRegistry;
  faults: FaultInjector;
  calls: CallLog;
  /** Aborted when the sim stops, so a request sleeping in injected latency lets go at once. */
  stopping: AbortSignal;
}

export async function startImds(options: ImdsOptions): Promise<ImdsServer> {
  const metadata = new InstanceMetadata(options.identity, options.credentials);

  const answer = (request: IncomingMessage, response: ServerResponse, path: string): number => {
    if (request.method === "PUT" && path === "/latest/api/token") {
      // IMDS refuses to hand tokens to requests that went through a proxy.
      if (request.headers["x-forwarded-for"] !== undefined) return (send(response, 403, "Forbidden"), 403);
      const ttl = Number(request.headers["x-aws-ec2-metadata-token-ttl-seconds"]);
      if (!Number.isInteger(ttl) || ttl < 1 || ttl > MAX_TOKEN_TTL_SECONDS) return (send(response, 400, "Bad Request"), 400);
      send(response, 200, metadata.issueToken(ttl), { "X-aws-ec2-metadata-token-ttl-seconds": String(ttl) });
      return 200;
    }
    if (request.method !== "GET" && request.method !== "HEAD") return (send(response, 405, "Method Not Allowed", { Allow: "GET, HEAD" }), 405);
    const token = request.headers["x-aws-ec2-metadata-token"];
    if (!metadata.tokenValid(typeof token === "string" ? token : undefined)) return (send(response, 401, "Unauthorized"), 401);
    const document = metadata.read(path);
    if (!document) return (send(response, 404, "Not Found"), 404);
    send(response, 200, request.method === "HEAD" ? "" : document);
    return 200;
  };

  const server: Server = createServer((request, response) => {
    const startedAt = Date.now();
    // SDK clients join the endpoint's "/" with their absolute path: collapse the doubled slash.
    const path = (request.url ?? "/").split("?")[0]?.replace(/\/{2,}/g, "/") ?? "/";
    const faults = options.faults.begin({ service: "imds", action: path, targets: [path], mutating: false });
    request.resume();
    abortableSleep(faults.latencyMs, options.stopping)
      .then(() => {
        const status = answer(request, response, path);
        options.calls.add({ service: "imds", action: path, status, time: startedAt, ms: Date.now() - startedAt, node: options.node });
      })
      .catch(() => response.destroy());
  });
  server.keepAliveTimeout = 1000;
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    node: options.node,
    identity: options.identity,
    stop: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
