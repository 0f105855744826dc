/**
 * Turn what the AWS SDK throws into a HaPairError: classified (permanent / transient /
 * deadline), naming the IAM action and the resource, with the fix. By the time an error
 * reaches here the SDK's retry strategy has already retried what it could, so "transient"
 * means "still failing after the retries", not "retry me now".
 */
import { isServerError, isThrottlingError, isTransientError } from "@smithy/core/retry";
import { redactUrlUserinfo } from "../config/redact.js";
import { HaPairError } from "../core/errors.js";

type SdkErrorView = Parameters<typeof isTransientError>[0];

export interface AwsErrorContext {
  /** API action ("ReplaceRoute") or IAM action ("ec2:ReplaceRoute"). */
  action: string;
  /** What the call was about, for people: an ENI, an allocation, "rtb-… 10.0.0.0/8", s3://bucket/key. */
  target: string;
  /** ARNs the action needs permission on; named in the fix for a denied call. */
  resourceArns?: string[];
  region?: string;
}

/** API actions of S3 (everything else the agent calls is EC2). */
const S3_API_ACTIONS = new Set(["GetObject", "PutObject", "DeleteObject", "HeadObject"]);

export function iamAction(action: string): string {
  if (action.includes(":")) return action;
  return `${S3_API_ACTIONS.has(action) ? "s3" : "ec2"}:${action}`;
}

/** The SDK's error fields, read defensively: anything can be thrown. */
interface ErrorFields {
  code: string;
  message: string;
  status: number | undefined;
  fault: string | undefined;
  attempts: number | undefined;
  object: { name?: unknown; code?: unknown; $metadata?: { httpStatusCode?: number; attempts?: number } } | undefined;
}

function fieldsOf(err: unknown): ErrorFields {
  const object = typeof err === "object" && err !== null ? (err as ErrorFields["object"] & Record<string, unknown>) : undefined;
  const name = typeof object?.name === "string" ? object.name : undefined;
  // Node's network errors are plain Errors whose `code` says what happened (ECONNRESET, ...).
  const nodeCode = typeof object?.code === "string" ? object.code : undefined;
  const code = (name && name !== "Error" ? name : undefined) ?? nodeCode ?? name ?? "UnknownError";
  const rawMessage = err instanceof Error ? err.message : typeof err === "string" ? err : String(err);
  const status = object?.$metadata?.httpStatusCode;
  const fault = typeof (object as { $fault?: unknown } | undefined)?.$fault === "string" ? ((object as { $fault: string }).$fault) : undefined;
  return { code, message: cleanMessage(rawMessage), status, fault, attempts: object?.$metadata?.attempts, object };
}

/** The error code the SDK reports (the AWS error code, or Node's network error code). */
export function awsErrorCode(err: unknown): string {
  return fieldsOf(err).code;
}

export function awsErrorAttempts(err: unknown): number {
  return fieldsOf(err).attempts ?? 1;
}

/**
 * Keep messages short and free of anything secret. AWS messages do not carry secret keys, but
 * signing errors can echo the Authorization header's Credential= (with the access key ID) and
 * a presigned query string; EC2's UnauthorizedOperation appends a kilobyte-long encoded blob.
 */
export function cleanMessage(message: string): string {
  return redactUrlUserinfo(message)
    .replace(/\s*Encoded authorization failure message:\s*\S+/g, " (encoded authorization message omitted)")
    .replace(/\b(AKIA|ASIA|AROA|AIDA)[A-Z0-9]{12,}\b/g, "[redacted]")
    .replace(/(Credential|Signature|X-Amz-Security-Token|X-Amz-Credential|X-Amz-Signature)=[^\s,&"']+/gi, "$1=[redacted]")
    .replace(/(aws_secret_access_key|aws_session_token|secretAccessKey|sessionToken)\s*[=:]\s*\S+/gi, "$1=[redacted]")
    .trim();
}

const DENIED = new Set(["UnauthorizedOperation", "AccessDenied", "AccessDeniedException", "Forbidden", "AllAccessDisabled"]);
const BAD_CREDENTIALS = new Set([
  "AuthFailure",
  "InvalidClientTokenId",
  "InvalidAccessKeyId",
  "SignatureDoesNotMatch",
  "ExpiredToken",
  "ExpiredTokenException",
  "RequestExpired",
  "RequestTimeTooSkewed",
  "InvalidToken",
  "TokenRefreshRequired",
  "IncompleteSignature",
]);
const INVALID_REQUEST = new Set([
  "InvalidParameterValue",
  "InvalidParameterCombination",
  "InvalidParameter",
  "MissingParameter",
  "UnknownParameter",
  "InvalidRequest",
  "InvalidArgument",
  "ValidationError",
  "UnsupportedOperation",
  "InvalidIPAddress.InUse",
  "InvalidInstanceID",
  "InvalidBucketName",
]);
const LIMIT_EXCEEDED = new Set(["PrivateIpAddressLimitExceeded", "AddressLimitExceeded"]);

/** The failover deadline passed while this call ran (its retries stop at the deadline). */
export function deadlineError(context: AwsErrorContext, cause?: unknown): HaPairError {
  const attempts = cause === undefined ? undefined : awsErrorAttempts(cause);
  return new HaPairError({
    code: "DeadlineExceeded",
    errorClass: "deadline",
    message: `${iamAction(context.action)} on ${context.target} did not complete before the failover deadline${attempts && attempts > 1 ? ` (${attempts} attempts)` : ""}.`,
    resource: context.target,
    fix: "Trigger again (every operation is idempotent, so repeating is safe); if the API is reachable but slow, raise timeouts.deadlineMs.",
    ...(attempts !== undefined ? { attempts } : {}),
    cause,
  });
}

export function classifyAwsError(err: unknown, context: AwsErrorContext): HaPairError {
  if (err instanceof HaPairError) return err;
  const f = fieldsOf(err);
  const iam = iamAction(context.action);
  const on = `${iam} on ${context.target}`;
  const arns = context.resourceArns?.length ? context.resourceArns.join(" and ") : context.target;
  const region = context.region ?? "the configured region";
  const make = (errorClass: HaPairError["errorClass"], message: string, fix: string) =>
    new HaPairError({
      code: f.code,
      errorClass,
      message,
      resource: context.target,
      fix,
      ...(f.status !== undefined ? { httpStatus: f.status } : {}),
      ...(f.attempts !== undefined ? { attempts: f.attempts } : {}),
      cause: err,
    });

  // The call was cancelled: the SDK turns the aborted signal into an AbortError, on the wire or
  // while it waits between retries (it races its backoff sleep against the signal).
  if (f.code === "AbortError") return deadlineError(context, err);

  if (f.code === "CredentialsProviderError" || /could not load credentials/i.test(f.message)) {
    return make(
      "permanent",
      `${on}: no AWS credentials were found (${f.message}).`,
      "Attach an instance profile (IAM role) to the instance and make sure IMDS is reachable (in a container: IMDSv2 hop limit 2), or provide credentials through the standard AWS environment variables or shared config.",
    );
  }
  if (DENIED.has(f.code) || (f.status === 403 && !BAD_CREDENTIALS.has(f.code))) {
    return make("permanent", `${on} was denied (${f.code}): ${f.message}`, deniedFix(iam, arns));
  }
  if (BAD_CREDENTIALS.has(f.code)) {
    return make(
      "permanent",
      `${on}: AWS rejected the request's credentials (${f.code}): ${f.message}`,
      "Check that the node's role or credentials are valid and not expired, and that its clock is synchronized (NTP): signatures are refused when the clock is off by more than 5 minutes.",
    );
  }
  if (f.code === "InvalidRoute.NotFound") {
    const { routeTableId, destination } = splitRouteTarget(context.target);
    return make(
      "permanent",
      `${on}: the route ${destination} does not exist in ${routeTableId}.`,
      `Create the route ${destination} in ${routeTableId} once, pointing at either node (the agent only replaces routes, it never creates them), or fix /routes in the config.`,
    );
  }
  if (f.code === "NoSuchBucket") {
    return make("permanent", `${on}: the state bucket does not exist (${f.message}).`, "Create the bucket (the stack does) or fix /stateStore/bucket in the config.");
  }
  if (f.code.endsWith(".NotFound") || f.code === "NoSuchKey" || f.code === "NotFound") {
    return make("permanent", `${on}: ${f.message || f.code} (${f.code}).`, `The config names a resource that does not exist in ${region}: fix the config or the region.`);
  }
  if (f.code === "Resource.AlreadyAssociated") {
    return make(
      "permanent",
      `${on}: ${f.message} (${f.code}).`,
      "The Elastic IP is associated in a way AllowReassociation cannot take over (e.g. with a resource of another account or service): disassociate it once, or check /addresses/elasticIps in the config.",
    );
  }
  if (LIMIT_EXCEEDED.has(f.code)) {
    return make("permanent", `${on}: ${f.message} (${f.code}).`, "The interface holds as many private IPs as its instance type allows: free a slot or use a larger instance type.");
  }
  if (f.code.endsWith(".Malformed") || f.code.startsWith("InvalidNetworkInterfaceID.") || INVALID_REQUEST.has(f.code)) {
    return make(
      "permanent",
      `${on}: the API rejected the request (${f.code}): ${f.message}`,
      "Fix the value in the config (`ha-pair validate` checks its format); if the config is right, report this as a bug of ha-pair.",
    );
  }

  // What the SDK's own classification calls retryable, and any 5xx: still failing after the retries.
  const sdkView = (f.object ?? { name: f.code }) as SdkErrorView;
  const throttled = isThrottlingError(sdkView);
  const transient = throttled || isTransientError(sdkView) || isServerError(sdkView) || (f.status ?? 0) >= 500 || f.fault === "server";
  if (transient) {
    const tries = f.attempts && f.attempts > 1 ? ` after ${f.attempts} attempts` : "";
    return make(
      "transient",
      `${on} failed${tries}: ${f.code}${f.message && f.message !== f.code ? ` (${f.message})` : ""}.`,
      throttled
        ? "The account's API rate limit is exhausted (EC2 throttles per account and Region): trigger again shortly; reduce other automation calling the same API."
        : "The API endpoint was unavailable or did not answer in time: trigger again (safe to repeat); check the network path to the endpoint (VPC endpoint, DNS, security groups).",
    );
  }
  if ((f.status !== undefined && f.status >= 400) || f.fault === "client") {
    return make("permanent", `${on} failed (${f.code}): ${f.message}`, "Retrying cannot help: fix the cause named by the API.");
  }
  return make("permanent", `${on} failed: ${f.code}: ${f.message}`, "This is not an API error; report it as a bug of ha-pair if it repeats.");
}

function deniedFix(iam: string, arns: string): string {
  const grant = `Grant ${iam} on ${arns} to the node's role (see \`ha-pair preflight\`).`;
  if (!iam.startsWith("s3:")) return grant;
  const extra = [
    "If the bucket uses SSE-KMS, the role also needs kms:GenerateDataKey and kms:Decrypt on its key.",
    "If the bucket policy requires encryption headers, rely on the bucket's default encryption instead (the agent sends none).",
  ];
  if (iam === "s3:GetObject") {
    // S3 hides whether a key exists from callers without ListBucket: a missing state object
    // (normal before the first failover) then answers 403 instead of 404.
    extra.unshift("A missing object also answers 403 when the role lacks s3:ListBucket on the bucket.");
  }
  return `${grant} ${extra.join(" ")}`;
}

/** "rtb-… 10.0.0.0/8" (the planner's route target) into its parts. */
function splitRouteTarget(target: string): { routeTableId: string; destination: string } {
  const space = target.indexOf(" ");
  return space < 0 ? { routeTableId: target, destination: "(unknown destination)" } : { routeTableId: target.slice(0, space), destination: target.slice(space + 1) };
}
