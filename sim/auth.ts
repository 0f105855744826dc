/**
 * Who is calling: the access keys the simulated cloud accepts, and SigV4 checking.
 *
 * Two kinds of principal exist, as in a real account: a static IAM user (for tests, the demo
 * shell, the AWS CLI) and instance-role sessions whose temporary credentials the IMDS of each
 * pair node hands out. The request's SigV4 `Authorization` header names the access key and the
 * credential scope (date/region/service); the signature is recomputed with the key's secret.
 */
import { createHash, createHmac, randomBytes, timingSafeEqual } from "node:crypto";
import type { IncomingHttpHeaders } from "node:http";

/** The identity a request acts as (same shape as sim/ec2's Caller). */
export interface Caller {
  accessKeyId: string;
  arn: string;
}

export interface AccessKey {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken?: string;
}

interface Principal {
  caller: Caller;
  secretAccessKey: string;
  sessionToken?: string;
  expiresAt?: number;
}

export interface RoleSession extends AccessKey {
  sessionToken: string;
  expiration: Date;
  issuedAt: Date;
}

/** The static user's key: fixed, so a shell or the AWS CLI can be pointed at any sim run. */
export const SIM_USER_KEY: AccessKey = {
  accessKeyId: "AKIAHAPAIRSIM0000001",
  secretAccessKey: "haPairSimulatorSecretAccessKey0000000000",
};

const ALNUM_UPPER = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";

function randomKeyId(prefix: string): string {
  const bytes = randomBytes(16);
  let id = prefix;
  for (const byte of bytes) id += ALNUM_UPPER[byte % ALNUM_UPPER.length];
  return id;
}

export class CredentialRegistry {
  private principals = new Map<string, Principal>();

  constructor(readonly accountId: string) {
    this.principals.set(SIM_USER_KEY.accessKeyId, {
      caller: { accessKeyId: SIM_USER_KEY.accessKeyId, arn: `arn:aws:iam::${accountId}:user/ha-pair-sim` },
      secretAccessKey: SIM_USER_KEY.secretAccessKey,
    });
  }

  get staticUser(): AccessKey {
    return { ...SIM_USER_KEY };
  }

  /** Temporary credentials of an instance profile role, as the instance's IMDS serves them. */
  issueRoleSession(roleName: string, instanceId: string, ttlMs: number): RoleSession {
    const issuedAt = new Date(Math.floor(Date.now() / 1000) * 1000);
    const session: RoleSession = {
      accessKeyId: randomKeyId("ASIA"),
      secretAccessKey: randomBytes(30).toString("base64"),
      sessionToken: randomBytes(96).toString("base64"),
      issuedAt,
      expiration: new Date(issuedAt.getTime() + ttlMs),
    };
    this.principals.set(session.accessKeyId, {
      caller: { accessKeyId: session.accessKeyId, arn: `arn:aws:sts::${this.accountId}:assumed-role/${roleName}/${instanceId}` },
      secretAccessKey: session.secretAccessKey,
      sessionToken: session.sessionToken,
      expiresAt: session.expiration.getTime(),
    });
    return session;
  }

  lookup(accessKeyId: string): Principal | undefined {
    return this.principals.get(accessKeyId);
  }
}

/** The parts of `Authorization: AWS4-HMAC-SHA256 Credential=AKID/DATE/REGION/SERVICE/aws4_request, SignedHeaders=..., Signature=...`. */
export interface SigV4Authorization {
  accessKeyId: string;
  date: string;
  region: string;
  service: string;
  signedHeaders: string[];
  signature: string;
}

export function parseAuthorization(header: string | undefined): SigV4Authorization | null {
  if (!header) return null;
  const match = /^AWS4-HMAC-SHA256\s+(.*)$/s.exec(header.trim());
  if (!match?.[1]) return null;
  const fields = new Map<string, string>();
  for (const part of match[1].split(",")) {
    const eq = part.indexOf("=");
    if (eq > 0) fields.set(part.slice(0, eq).trim(), part.slice(eq + 1).trim());
  }
  const scope = (fields.get("Credential") ?? "").split("/");
  const signedHeaders = fields.get("SignedHeaders");
  const signature = fields.get("Signature");
  if (scope.length !== 5 || scope[4] !== "aws4_request" || !signedHeaders || !signature) return null;
  const [accessKeyId, date, region, service] = scope as [string, string, string, string];
  return { accessKeyId, date, region, service, signedHeaders: signedHeaders.split(";"), signature };
}

/** RFC 3986 encoding as SigV4 wants it (encodeURIComponent leaves !'()* alone). */
function strictEncode(value: string): string {
  return encodeURIComponent(value).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
}

function safeDecode(value: string): string {
  try {
    return decodeURIComponent(value);
  } catch {
    return value;
  }
}

function canonicalQuery(rawQuery: string): string {
  if (!rawQuery) return "";
  return rawQuery
    .split("&")
    .filter((pair) => pair.length > 0)
    .map((pair) => {
      const eq = pair.indexOf("=");
      const key = eq < 0 ? pair : pair.slice(0, eq);
      const value = eq < 0 ? "" : pair.slice(eq + 1);
      return [strictEncode(safeDecode(key)), strictEncode(safeDecode(value))] as const;
    })
    .sort((x, y) => (x[0] < y[0] ? -1 : x[0] > y[0] ? 1 : x[1] < y[1] ? -1 : x[1] > y[1] ? 1 : 0))
    .map(([key, value]) => `${key}=${value}`)
    .join("&");
}

/** S3 signs the path as sent; every other service signs it normalized and encoded once more. */
function canonicalPath(rawPath: string, service: string): string {
  if (service === "s3") return rawPath || "/";
  const segments: string[] = [];
  for (const segment of rawPath.split("/")) {
    if (segment === "" || segment === ".") continue;
    if (segment === "..") segments.pop();
    else segments.push(strictEncode(segment));
  }
  const trailing = rawPath.endsWith("/") && segments.length > 0 ? "/" : "";
  return `/${segments.join("/")}${trailing}`;
}

function headerValue(headers: IncomingHttpHeaders, name: string): string {
  const value = headers[name];
  const joined = Array.isArray(value) ? value.join(",") : (value ?? "");
  return joined.trim().replace(/\s+/g, " ");
}

const sha256Hex = (data: string | Buffer) => createHash("sha256").update(data).digest("hex");
const hmac = (key: Buffer | string, data: string) => createHmac("sha256", key).update(data).digest();

export interface SignedRequest {
  method: string;
  rawPath: string;
  rawQuery: string;
  headers: IncomingHttpHeaders;
  /** The payload hash the client signed (x-amz-content-sha256, or the body's hash). */
  payloadHash: string;
}

/** Recomputes the SigV4 signature with the key's secret and compares in constant time. */
export function signatureMatches(request: SignedRequest, auth: SigV4Authorization, secretAccessKey: string): boolean {
  const amzDate = headerValue(request.headers, "x-amz-date");
  if (!amzDate.startsWith(auth.date)) return false;
  const canonicalRequest = [
    request.method,
    canonicalPath(request.rawPath, auth.service),
    canonicalQuery(request.rawQuery),
    auth.signedHeaders.map((name) => `${name}:${headerValue(request.headers, name)}\n`).join(""),
    auth.signedHeaders.join(";"),
    request.payloadHash,
  ].join("\n");
  const scope = `${auth.date}/${auth.region}/${auth.service}/aws4_request`;
  const stringToSign = ["AWS4-HMAC-SHA256", amzDate, scope, sha256Hex(canonicalRequest)].join("\n");
  let key = hmac(`AWS4${secretAccessKey}`, auth.date);
  for (const part of [auth.region, auth.service, "aws4_request"]) key = hmac(key, part);
  const expected = Buffer.from(createHmac("sha256", key).update(stringToSign).digest("hex"));
  const given = Buffer.from(auth.signature);
  return expected.length === given.length && timingSafeEqual(expected, given);
}

export function bodySha256Hex(body: Buffer): string {
  return sha256Hex(body);
}

export type AuthenticationResult =
  | { ok: true; caller: Caller; auth: SigV4Authorization }
  | { ok: false; reason: "missing" | "unknown-key" | "bad-token" | "expired" | "signature" | "region"; auth?: SigV4Authorization };

/**
 * Checks the access key, the session token that must come with temporary keys, the credential
 * scope's region, and the signature. Reports why a request is refused so each service can answer
 * with its own error code.
 */
export function authenticate(
  registry: CredentialRegistry,
  request: SignedRequest,
  region: string,
  now: number = Date.now(),
): AuthenticationResult {
  const auth = parseAuthorization(headerValue(request.headers, "authorization") || undefined);
  if (!auth) return { ok: false, reason: "missing" };
  const principal = registry.lookup(auth.accessKeyId);
  if (!principal) return { ok: false, reason: "unknown-key", auth };
  if (principal.sessionToken !== undefined && headerValue(request.headers, "x-amz-security-token") !== principal.sessionToken) {
    return { ok: false, reason: "bad-token", auth };
  }
  if (principal.expiresAt !== undefined && now > principal.expiresAt) return { ok: false, reason: "expired", auth };
  if (auth.region !== region) return { ok: false, reason: "region", auth };
  if (!signatureMatches(request, auth, principal.secretAccessKey)) return { ok: false, reason: "signature", auth };
  return { ok: true, caller: principal.caller, auth };
}
