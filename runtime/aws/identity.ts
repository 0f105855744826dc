/**
 * The node's identity from the EC2 instance metadata service, IMDSv2 only: a session token
 * first (PUT /latest/api/token), then the instance identity document, which carries the
 * instance ID, region, AZ and account in one read.
 *
 * Time limits are short on purpose: on EC2, IMDS answers in about a millisecond; off EC2 (a
 * laptop, CI, a container with the hop limit at 1) nothing answers, and a failover command
 * should say so within about two seconds, not the SDK's default minute of retries.
 */
import { MetadataService } from "@aws-sdk/ec2-metadata-service";
import { HaPairError } from "../core/errors.js";
import type { NodeIdentity } from "../core/provider.js";
import { cleanMessage } from "./errors.js";

export const IDENTITY_DOCUMENT_PATH = "/latest/dynamic/instance-identity/document";
/**
 * Per request (token and document, each connect + response) unless the caller gives its own: the
 * provider passes the config's request timeout, so a metadata service slower than a second does
 * not fail a failover whose deadline allows it (the deadline signal still bounds the whole read).
 */
export const IMDS_TIMEOUT_MS = 1_000;
/** One retry at most, after a short pause: a blip is survived, an absent IMDS is reported fast. */
export const IMDS_RETRIES = 1;
const IMDS_RETRY_PAUSE_S = 0.1;

export interface InstanceIdentity extends NodeIdentity {
  accountId?: string;
}

export async function fetchIdentity(imds: { endpoint: string; disabled: boolean }, signal?: AbortSignal, timeoutMs: number = IMDS_TIMEOUT_MS): Promise<InstanceIdentity> {
  if (imds.disabled) {
    throw new HaPairError({
      code: "ImdsDisabled",
      errorClass: "permanent",
      message: "The instance metadata service is disabled for this process (AWS_EC2_METADATA_DISABLED=true), so the node cannot tell which instance it is.",
      resource: imds.endpoint,
      fix: "Unset AWS_EC2_METADATA_DISABLED, or name the node explicitly with `--activate a|b` (and set the region in the config or AWS_REGION).",
    });
  }
  const service = new MetadataService({
    endpoint: imds.endpoint,
    httpOptions: { timeout: timeoutMs },
    retries: IMDS_RETRIES,
    backoff: IMDS_RETRY_PAUSE_S,
    // IMDSv2 only: never fall back to an unauthenticated IMDSv1 GET when the token fails.
    ec2MetadataV1Disabled: true,
    tokenTtl: 60,
  });
  let text: string;
  try {
    // MetadataService takes no AbortSignal; its own timeouts bound it to ~2 s, and the race
    // lets a caller's deadline win sooner.
    // MetadataService prefixes the endpoint's path ("/" at least), so the path goes in without
    // its leading slash; "//latest/..." is not what IMDS serves.
    text = await withSignal(service.request(IDENTITY_DOCUMENT_PATH.slice(1), {}), signal, imds.endpoint);
  } catch (err) {
    if (err instanceof HaPairError) throw err;
    throw unreachable(imds.endpoint, err);
  }
  return parseIdentityDocument(text, imds.endpoint);
}

export function parseIdentityDocument(text: string, endpoint: string): InstanceIdentity {
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch {
    doc = undefined;
  }
  const d = (typeof doc === "object" && doc !== null ? doc : {}) as Record<string, unknown>;
  const str = (key: string) => (typeof d[key] === "string" && d[key] !== "" ? (d[key] as string) : undefined);
  const instanceId = str("instanceId");
  const region = str("region");
  if (!instanceId || !region) {
    throw new HaPairError({
      code: "ImdsInvalidIdentity",
      errorClass: "permanent",
      message: `The instance identity document from ${endpoint}${IDENTITY_DOCUMENT_PATH} has no instanceId/region: is ${endpoint} really an EC2 metadata service?`,
      resource: endpoint,
      fix: "Point AWS_EC2_METADATA_SERVICE_ENDPOINT (or endpoints.imds in the config) at the instance metadata service, or unset it to use the default.",
    });
  }
  const availabilityZone = str("availabilityZone");
  const accountId = str("accountId");
  return { instanceId, region, ...(availabilityZone ? { availabilityZone } : {}), ...(accountId ? { accountId } : {}) };
}

function unreachable(endpoint: string, err: unknown): HaPairError {
  const reason = cleanMessage(err instanceof Error ? err.message : String(err));
  return new HaPairError({
    code: "ImdsUnreachable",
    errorClass: "permanent",
    message:
      `Could not read the instance identity from the EC2 instance metadata service at ${endpoint} (IMDSv2: token, then ${IDENTITY_DOCUMENT_PATH}): ${reason}. ` +
      "Either this node is not an EC2 instance, its metadata service is turned off (HttpEndpoint disabled), " +
      "or this runs in a container and the IMDSv2 response hop limit is too low (it must be at least 2).",
    resource: endpoint,
    fix:
      "Off EC2, name the node explicitly with `--activate a|b` and set the region (config.region or AWS_REGION). " +
      "On EC2: `aws ec2 modify-instance-metadata-options --instance-id ID --http-endpoint enabled --http-put-response-hop-limit 2`. " +
      "To use another metadata endpoint, set AWS_EC2_METADATA_SERVICE_ENDPOINT (or endpoints.imds in the config).",
    cause: err,
  });
}

/**
 * Let `signal` cut a wait short. The promise itself runs on (it is bounded by its own
 * timeouts); only the caller stops waiting, with a deadline error.
 */
export function withSignal<T>(promise: Promise<T>, signal: AbortSignal | undefined, endpoint: string): Promise<T> {
  if (!signal) return promise;
  const deadline = (reason: unknown) =>
    new HaPairError({
      code: "DeadlineExceeded",
      errorClass: "deadline",
      message: `Reading the instance identity from ${endpoint} did not complete before the deadline.`,
      resource: endpoint,
      cause: reason,
    });
  if (signal.aborted) return Promise.reject(deadline(signal.reason));
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(deadline(signal.reason));
    signal.addEventListener("abort", onAbort, { once: true });
    promise.then(
      (value) => {
        signal.removeEventListener("abort", onAbort);
        resolve(value);
      },
      (err: unknown) => {
        signal.removeEventListener("abort", onAbort);
        reject(err);
      },
    );
  });
}
