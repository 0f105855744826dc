/**
 * The simulated cloud's HTTP front door: EC2 Query and S3 REST on one 127.0.0.1 port.
 *
 * A request is told apart the way a real endpoint would see it: by the service in its SigV4
 * credential scope (`Credential=AKID/DATE/REGION/<service>/aws4_request`). Unsigned requests are
 * guessed (a form POST to / with Action= is EC2) only to answer them with the right error. Each
 * request then goes: injected latency → authentication → faults (throttle, targeted failures,
 * timeouts, server errors, stale reads) → the service.
 */
import { randomBytes, randomUUID } from "node:crypto";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { XMLBuilder } from "fast-xml-parser";
import { type AuthenticationResult, type Caller, type CredentialRegistry, authenticate, bodySha256Hex, parseAuthorization } from "./auth.js";
import type { CallLog, CallRecord } from "./call-log.js";
import type { FaultInjector, InjectedError, SimService } from "./faults.js";
import { decodeAwsChunked, isAwsChunked } from "./s3/chunked.js";
import { handleS3, s3ErrorResponse, s3Operation, type S3AuthorizationDecision, type S3Response } from "./s3/handler.js";
import type { S3Store } from "./s3/store.js";
import { abortableSleep } from "./sleep.js";

/** What the server needs of the EC2 model (sim/ec2): one Query request in, one response out. */
export interface Ec2Port {
  handle(request: { params: URLSearchParams; caller: Caller; readAsOf?: number; requestId: string }): { status: number; body: string };
  mutatingActions: ReadonlySet<string>;
}

export interface AwsServerOptions {
  region: string;
  /** 0 = an ephemeral port. */
  port: number;
  ec2: Ec2Port;
  s3: S3Store;
  credentials: CredentialRegistry;
  faults: FaultInjector;
  calls: CallLog;
  /** Aborted when the sim stops: requests sleeping in injected latency let go at once. */
  stopping: AbortSignal;
  /** IAM for S3 requests (after the fault config's deny rules); none = allowed. */
  authorizeS3?: (caller: Caller, action: string, resourceArn: string, context?: Record<string, string[]>) => S3AuthorizationDecision;
}

export interface AwsServer {
  endpoint: string;
  stop(): Promise<void>;
}

/** Large enough for any state object; refuses runaway uploads. */
const MAX_BODY_BYTES = 16 * 1024 * 1024;

const xmlBuilder = new XMLBuilder({ suppressEmptyNode: false });

/** EC2's error document (the Query API's `<Response><Errors>...` shape). */
export function ec2ErrorXml(code: string, message: string, requestId: string): string {
  return `<?xml version="1.0" encoding="UTF-8"?>\n${xmlBuilder.build({
    Response: { Errors: { Error: { Code: code, Message: message } }, RequestID: requestId },
  }) as string}`;
}

interface ParsedRequest {
  method: string;
  rawPath: string;
  rawQuery: string;
  body: Buffer;
}

function readBody(request: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    request.on("data", (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_BODY_BYTES) {
        reject(new Error("request body too large"));
        request.destroy();
        return;
      }
      chunks.push(chunk);
    });
    request.on("end", () => resolve(Buffer.concat(chunks)));
    request.on("error", reject);
  });
}

function firstHeader(request: IncomingMessage, name: string): string | undefined {
  const value = request.headers[name];
  return Array.isArray(value) ? value[0] : value;
}

/** EC2 resource parameters first, so the call's first target is the resource it changes. */
const EC2_PRIMARY_PARAMS = ["NetworkInterfaceId", "AllocationId", "RouteTableId", "AssociationId", "InstanceId", "PublicIp"];
const EC2_NON_TARGET_PARAMS = new Set(["Action", "Version", "DryRun"]);

function ec2Targets(params: URLSearchParams): string[] {
  const targets: string[] = [];
  for (const name of EC2_PRIMARY_PARAMS) {
    const value = params.get(name);
    if (value) targets.push(value);
  }
  for (const [name, value] of params) {
    if (!EC2_NON_TARGET_PARAMS.has(name) && value && !targets.includes(value)) targets.push(value);
  }
  return targets;
}

function s3Targets(bucket: string | undefined, key: string | undefined): string[] {
  if (!bucket) return [];
  return key ? [`${bucket}/${key}`, bucket, key] : [bucket];
}

/** How each service refuses a request it cannot authenticate. */
function ec2AuthError(result: Extract<AuthenticationResult, { ok: false }>, region: string): InjectedError {
  switch (result.reason) {
    case "missing":
      return { status: 401, code: "AuthFailure", message: "AWS was not able to validate the provided access credentials (the request is not signed)." };
    case "region":
      return { status: 401, code: "AuthFailure", message: `Credential should be scoped to a valid region, not '${result.auth?.region}'; this endpoint is ${region}.` };
    case "expired":
      return { status: 400, code: "RequestExpired", message: "The security token included in the request is expired" };
    default:
      return { status: 401, code: "AuthFailure", message: "AWS was not able to validate the provided access credentials" };
  }
}

function s3AuthError(result: Extract<AuthenticationResult, { ok: false }>, region: string): { status: number; code: string; message: string; extra?: Record<string, string> } {
  switch (result.reason) {
    case "missing":
      return { status: 403, code: "AccessDenied", message: "Access Denied" };
    case "unknown-key":
      return {
        status: 403,
        code: "InvalidAccessKeyId",
        message: "The AWS Access Key Id you provided does not exist in our records.",
        extra: { AWSAccessKeyId: result.auth?.accessKeyId ?? "" },
      };
    case "bad-token":
      return { status: 400, code: "InvalidToken", message: "The provided token is malformed or otherwise invalid." };
    case "expired":
      return { status: 400, code: "ExpiredToken", message: "The provided token has expired." };
    case "region":
      return {
        status: 400,
        code: "AuthorizationHeaderMalformed",
        message: `The authorization header is malformed; the region '${result.auth?.region}' is wrong; expecting '${region}'`,
        extra: { Region: region },
      };
    case "signature":
      return {
        status: 403,
        code: "SignatureDoesNotMatch",
        message: "The request signature we calculated does not match the signature you provided. Check your key and signing method.",
      };
  }
}

const errorCodeIn = (xml: string): string | undefined => /<Code>([^<]+)<\/Code>/.exec(xml)?.[1];

export async function startAwsServer(options: AwsServerOptions): Promise<AwsServer> {
  const { region, faults, calls } = options;
  /** Late-landing writes not applied yet; dropped when the sim stops. */
  const lateTimers = new Set<NodeJS.Timeout>();

  const handle = async (request: IncomingMessage, response: ServerResponse): Promise<void> => {
    const startedAt = Date.now();
    const url = request.url ?? "/";
    const queryAt = url.indexOf("?");
    const parsed: ParsedRequest = {
      method: request.method ?? "GET",
      rawPath: queryAt < 0 ? url : url.slice(0, queryAt),
      rawQuery: queryAt < 0 ? "" : url.slice(queryAt + 1),
      body: await readBody(request),
    };
    const query = new URLSearchParams(parsed.rawQuery);
    const scope = parseAuthorization(firstHeader(request, "authorization"));
    const isFormPost = parsed.method === "POST" && parsed.rawPath === "/" && (firstHeader(request, "content-type") ?? "").startsWith("application/x-www-form-urlencoded");
    const service: SimService = scope ? (scope.service === "ec2" ? "ec2" : "s3") : isFormPost || query.has("Action") ? "ec2" : "s3";

    const record = (fields: Omit<CallRecord, "service" | "time" | "ms">) =>
      calls.add({ service, time: startedAt, ms: Date.now() - startedAt, ...fields });

    if (service === "ec2") {
      const params = new URLSearchParams(parsed.body.toString("utf8"));
      for (const [name, value] of query) if (!params.has(name)) params.append(name, value);
      const action = params.get("Action") ?? "";
      const mutating = options.ec2.mutatingActions.has(action);
      const targets = ec2Targets(params);
      const requestId = randomUUID();
      const callFaults = faults.begin({ service, action, targets, mutating, dryRun: params.get("DryRun") === "true" });
      await abortableSleep(callFaults.latencyMs, options.stopping);

      const sendEc2 = (status: number, body: string, caller?: string) => {
        response.writeHead(status, { "Content-Type": "text/xml;charset=UTF-8", "Content-Length": String(Buffer.byteLength(body)), "x-amzn-RequestId": requestId });
        response.end(body);
        const errorCode = status >= 300 ? errorCodeIn(body) : undefined;
        record({ action, status, target: targets[0], ...(errorCode ? { errorCode } : {}), ...(caller ? { caller } : {}) });
      };

      const authn = authenticate(options.credentials, { ...parsed, headers: request.headers, payloadHash: firstHeader(request, "x-amz-content-sha256") ?? bodySha256Hex(parsed.body) }, region);
      if (!authn.ok) {
        const error = ec2AuthError(authn, region);
        return sendEc2(error.status, ec2ErrorXml(error.code, error.message, requestId));
      }
      const outcome = callFaults.outcome();
      if (outcome.kind === "timeout") {
        record({ action, status: 0, target: targets[0], errorCode: "Timeout", caller: authn.caller.arn });
        return; // held: the client's timeout fires; stop() closes the socket
      }
      if (outcome.kind === "late") {
        // Held unanswered like a timeout, but applied later: the client has given up by then.
        record({ action, status: 0, target: targets[0], errorCode: "LateWrite", caller: authn.caller.arn });
        const caller = authn.caller;
        faults.noteLate("held");
        const timer = setTimeout(() => {
          lateTimers.delete(timer);
          const result = options.ec2.handle({ params, caller, requestId });
          if (result.status === 200) faults.noteWrite();
          faults.noteLate("landed");
          calls.add({ service, time: Date.now(), ms: 0, action, status: result.status, target: targets[0], errorCode: "LateWriteLanded", caller: caller.arn });
        }, outcome.delayMs);
        lateTimers.add(timer);
        return;
      }
      if (outcome.kind === "error") {
        return sendEc2(outcome.error.status, ec2ErrorXml(outcome.error.code, outcome.error.message, requestId), authn.caller.arn);
      }
      const result = options.ec2.handle({ params, caller: authn.caller, requestId, ...(outcome.readAsOf !== undefined ? { readAsOf: outcome.readAsOf } : {}) });
      if (mutating && result.status === 200 && params.get("DryRun") !== "true") faults.noteWrite();
      return sendEc2(result.status, result.body, authn.caller.arn);
    }

    const operation = s3Operation(parsed.method, parsed.rawPath, query);
    const targets = s3Targets(operation.bucket, operation.key);
    const requestId = randomBytes(8).toString("hex").toUpperCase();
    const hostId = randomBytes(24).toString("base64");
    const callFaults = faults.begin({ service, action: operation.action, targets, mutating: ["PUT", "DELETE", "POST"].includes(parsed.method) });
    await abortableSleep(callFaults.latencyMs, options.stopping);

    const sendS3 = (answer: S3Response, caller?: string) => {
      const body = parsed.method === "HEAD" ? Buffer.alloc(0) : Buffer.from(answer.body);
      const headers: Record<string, string> = { "x-amz-request-id": requestId, "x-amz-id-2": hostId, ...answer.headers };
      if (!("Content-Length" in headers)) headers["Content-Length"] = String(body.length);
      response.writeHead(answer.status, headers);
      response.end(body);
      const errorCode = answer.status >= 300 && answer.status !== 304 ? errorCodeIn(String(answer.body)) : undefined;
      record({ action: operation.action, status: answer.status, target: targets[0], ...(errorCode ? { errorCode } : {}), ...(caller ? { caller } : {}) });
    };
    const sendS3Error = (error: { status: number; code: string; message: string; extra?: Record<string, string> }, caller?: string) =>
      sendS3(s3ErrorResponse(error.status, { code: error.code, message: error.message, ...(error.extra ? { extra: error.extra } : {}) }, requestId, hostId), caller);

    if (scope && scope.service !== "s3") {
      return sendS3Error({
        status: 400,
        code: "AuthorizationHeaderMalformed",
        message: `The authorization header is malformed; incorrect service "${scope.service}". This endpoint belongs to "s3".`,
      });
    }
    const contentSha256 = firstHeader(request, "x-amz-content-sha256");
    const authn = authenticate(options.credentials, { ...parsed, headers: request.headers, payloadHash: contentSha256 ?? bodySha256Hex(parsed.body) }, region);
    if (!authn.ok) return sendS3Error(s3AuthError(authn, region));
    if (contentSha256 && /^[0-9a-f]{64}$/.test(contentSha256) && contentSha256 !== bodySha256Hex(parsed.body)) {
      return sendS3Error({ status: 400, code: "XAmzContentSHA256Mismatch", message: "The provided 'x-amz-content-sha256' header does not match what was computed." }, authn.caller.arn);
    }
    const outcome = callFaults.outcome();
    if (outcome.kind === "timeout") {
      record({ action: operation.action, status: 0, target: targets[0], errorCode: "Timeout", caller: authn.caller.arn });
      return;
    }
    if (outcome.kind === "error") return sendS3Error(outcome.error, authn.caller.arn);
    let body = parsed.body;
    if (isAwsChunked(contentSha256, firstHeader(request, "content-encoding"))) {
      try {
        body = decodeAwsChunked(body);
      } catch (err) {
        return sendS3Error({ status: 400, code: "IncompleteBody", message: (err as Error).message }, authn.caller.arn);
      }
    }
    const answer = handleS3(options.s3, {
      method: parsed.method,
      rawPath: parsed.rawPath,
      query,
      headers: request.headers,
      body,
      caller: authn.caller,
      requestId,
      hostId,
      region,
      authorize: (action, resourceArn, context) => {
        if (faults.isDenied(action, [resourceArn])) return { allowed: false, reason: `because no identity-based policy allows the ${action} action` };
        return options.authorizeS3?.(authn.caller, action, resourceArn, context) ?? { allowed: true };
      },
    });
    return sendS3(answer, authn.caller.arn);
  };

  const server: Server = createServer((request, response) => {
    handle(request, response).catch(() => {
      // Stopped mid-request or the client went away: nothing is left to answer.
      if (!response.headersSent && !response.destroyed) {
        response.writeHead(500, { "Content-Length": "0" });
        response.end();
      }
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port, "127.0.0.1", () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    stop: () =>
      new Promise<void>((resolve) => {
        for (const timer of lateTimers) {
          clearTimeout(timer);
          faults.noteLate("dropped");
        }
        lateTimers.clear();
        server.close(() => resolve());
        // Also the sockets of held (timed-out) requests and idle keep-alive connections.
        server.closeAllConnections();
      }),
  };
}
