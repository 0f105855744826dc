/**
 * ARM errors, classified. Transient (retried with backoff and jitter under the deadline):
 * throttling (429), another operation on the resource (409 AnotherOperationInProgress, 429
 * RetryableErrorDueToAnotherOperation), a lost If-Match (412: re-GET and recompute), a canceled
 * operation (a later PUT of the same table cancels an earlier one), 5xx and network errors.
 * Permanent (fail fast with the fix): authorization, not found, and the NIC rules Azure enforces.
 */
import { HaPairError } from "../core/errors.js";

export interface ArmErrorContext {
  /** What was being done, for the message: "PUT route table", "GET network interface". */
  action: string;
  /** The resource ID. */
  resource: string;
  attempts?: number;
}

interface RestErrorLike {
  statusCode?: number;
  code?: string;
  message?: string;
  details?: unknown;
  response?: { headers?: { get(name: string): string | undefined }; bodyAsText?: string | null };
}

/** The `error` object of an ARM response body, or undefined when there is no JSON body. */
function bodyError(err: unknown): { code?: string; message?: string } | undefined {
  const body = (err as RestErrorLike | undefined)?.response?.bodyAsText;
  if (!body) return undefined;
  try {
    return (JSON.parse(body) as { error?: { code?: string; message?: string } }).error;
  } catch {
    return undefined; // not JSON: the callers fall back to the SDK's fields
  }
}

/** The ARM error code of a failure: the body's error.code, else the SDK's code. */
export function armErrorCode(err: unknown): string | undefined {
  const fromBody = bodyError(err)?.code;
  if (fromBody) return fromBody;
  const e = err as RestErrorLike | undefined;
  const details = e?.details as { error?: { code?: string } } | undefined;
  return details?.error?.code ?? e?.code;
}

export function armStatus(err: unknown): number | undefined {
  return (err as RestErrorLike | undefined)?.statusCode;
}

/** Seconds the server asked us to wait (429/409), or undefined. */
export function retryAfterMs(err: unknown): number | undefined {
  const value = (err as RestErrorLike | undefined)?.response?.headers?.get("retry-after");
  if (value === undefined) return undefined;
  const seconds = Number(value);
  if (Number.isFinite(seconds)) return Math.max(0, seconds * 1000);
  const date = Date.parse(value);
  return Number.isNaN(date) ? undefined : Math.max(0, date - Date.now());
}

function messageOf(err: unknown): string {
  const fromBody = bodyError(err)?.message;
  if (fromBody) return fromBody;
  return (err instanceof Error ? err.message : String(err)).split("\n")[0]!;
}

const TRANSIENT_CODES = new Set([
  "AnotherOperationInProgress",
  "RetryableErrorDueToAnotherOperation",
  "PreconditionFailed",
  "PreconditionFailedEtagMismatch",
  "Canceled",
  "OperationPreempted",
  "TooManyRequests",
  "SubscriptionRequestsThrottled",
  "InternalServerError",
  "ServiceUnavailable",
  "GatewayTimeout",
  "REQUEST_SEND_ERROR",
  "ECONNRESET",
  "ECONNREFUSED",
  "ETIMEDOUT",
]);

const FIXES: Record<string, (resource: string) => string> = {
  AuthorizationFailed: (r) => `Grant the node's managed identity the action named above on ${r} (the pair's custom role has it), then run \`ha-pair preflight\`.`,
  ResourceNotFound: (r) => `Check that ${r} exists and that the config names it exactly (IDs are copied from the stack's outputs).`,
  NotFound: (r) => `Check that ${r} exists and that the config names it exactly.`,
  PrivateIPAddressInUse: (r) => `Another NIC (not this pair's giving NIC) holds the IP: free it there, or correct addresses.ipConfigurations for ${r}.`,
  IpConfigDeleteNotSupported: (r) => `The ipConfiguration removed from ${r} is its primary or is referenced elsewhere: moving ipConfigurations must be secondary ones.`,
  InvalidIPConfigCount: (r) => `${r} would be left without an ipConfiguration or over its limit: check the moving ipConfigurations in the config.`,
  PublicIPAddressInUse: (r) => `The public IP is attached to an ipConfiguration outside this pair: detach it there, then trigger again (${r}).`,
  RouteNotFound: (r) => `Add the route to ${r} (the stack creates it) or correct routes[].addressPrefixes.`,
  IpConfigurationPrimary: (r) => `Moving ipConfigurations must be secondary: ${r} holds it as its primary.`,
};

export function classifyArmError(err: unknown, context: ArmErrorContext): HaPairError {
  if (err instanceof HaPairError) return err;
  const status = armStatus(err);
  const code = armErrorCode(err) ?? (status ? `Http${status}` : "NetworkError");
  const transient = TRANSIENT_CODES.has(code) || status === 429 || status === 409 || status === 412 || (status !== undefined && status >= 500) || status === undefined;
  const permanentByCode = code in FIXES || code === "InvalidAuthenticationToken" || code === "LinkedAuthorizationFailed";
  const errorClass = permanentByCode ? "permanent" : transient ? "transient" : "permanent";
  const fix = FIXES[code]?.(context.resource);
  return new HaPairError({
    code,
    errorClass,
    message: `${context.action} ${context.resource} failed${status ? ` (HTTP ${status} ${code})` : ` (${code})`}: ${messageOf(err)}`,
    resource: context.resource,
    ...(fix ? { fix } : {}),
    ...(status ? { httpStatus: status } : {}),
    ...(context.attempts ? { attempts: context.attempts } : {}),
    ...safeCause(err),
  });
}

/**
 * The SDK's RestError carries the request, and the request its Authorization header: it is not
 * kept as a cause (causes reach logs). Our own errors carry no request and are kept.
 */
function safeCause(err: unknown): { cause?: unknown } {
  return err && typeof err === "object" && "request" in err ? {} : { cause: err };
}

export function deadlineError(context: ArmErrorContext, cause: unknown): HaPairError {
  return new HaPairError({
    code: "DeadlineExceeded",
    errorClass: "deadline",
    message: `${context.action} ${context.resource} did not finish before the failover deadline${cause instanceof Error ? ` (last: ${cause.message.split("\n")[0]})` : ""}.`,
    resource: context.resource,
    fix: "Trigger again (it is safe to repeat), or raise timeouts.deadlineMs: NIC updates can take minutes on Azure.",
    ...(context.attempts ? { attempts: context.attempts } : {}),
    ...safeCause(cause),
  });
}
