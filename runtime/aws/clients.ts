/**
 * The one place where the AWS SDK clients are configured: region, endpoints, per-request
 * timeouts, keep-alive and retries. Everything else in runtime/aws receives ready clients.
 */
import { Agent as HttpAgent } from "node:http";
import { Agent as HttpsAgent } from "node:https";
import { defaultProvider } from "@aws-sdk/credential-provider-node";
import { EC2Client } from "@aws-sdk/client-ec2";
import { S3Client } from "@aws-sdk/client-s3";
import { NodeHttpHandler } from "@smithy/node-http-handler";
// The AWS half of the config union, under the name this module has always used.
import type { AwsAgentConfig as AgentConfig, ThrottlingConfig } from "../config/types.js";
import { throttling, timeBudgets } from "../config/types.js";
import { pacingPlugin, RequestPacer } from "./pacing.js";
import { PerCallRetryStrategy } from "./retry.js";

/** The IMDS address every EC2 instance answers on (IPv4), and its IPv6 twin on Nitro. */
export const IMDS_DEFAULT_ENDPOINT = "http://169.254.169.254";
export const IMDS_DEFAULT_ENDPOINT_IPV6 = "http://[fd00:ec2::254]";

/**
 * Attempts per logical call that meets errors other than throttling (1 + 7 retries): a server
 * error, a timeout or a reset connection. The SDK default (3) gives up on a short blip.
 */
export const MAX_ATTEMPTS = 8;

/**
 * Attempts per logical call while the cloud throttles it. The SDK's client-wide quota would end
 * them after ~100 throttled retries of the whole client; with the quota per call (retry.ts) the
 * deadline (the `signal` handed to every call) is what bounds a throttled call, not a count.
 */
export const MAX_THROTTLED_ATTEMPTS = 100;

export type Source = "env" | "config" | "default";

export interface EndpointChoice {
  /** The URL to hand to the SDK; undefined lets the SDK resolve it (its own env/config-file lookup, or the public endpoint). */
  endpoint: string | undefined;
  /** The URL the SDK will use when known (for path-style and messages), whoever sets it. */
  effective: string | undefined;
  source: Source;
}

export interface AwsSettings {
  /** Set when known without asking IMDS: config.region, then AWS_REGION. */
  region: { value: string; source: "config" | "env" } | undefined;
  ec2: EndpointChoice;
  s3: EndpointChoice & { forcePathStyle: boolean };
  imds: { endpoint: string; source: Source; disabled: boolean };
  requestMs: number;
  connectMs: number;
  maxAttempts: number;
  /** EC2's request buckets, which the EC2 client paces its calls to unless `pace` is false. */
  throttling: Required<ThrottlingConfig>;
}

/**
 * What the clients will use, from the config and the environment. The standard AWS
 * environment variables win over the config (an operator can always redirect a node
 * without editing the generated config); the config wins over the SDK's defaults.
 */
export function resolveAwsSettings(config: AgentConfig, env: NodeJS.ProcessEnv = process.env): AwsSettings {
  const budgets = timeBudgets(config);
  const region = config.region
    ? { value: config.region, source: "config" as const }
    : env.AWS_REGION
      ? { value: env.AWS_REGION, source: "env" as const }
      : undefined;
  const s3 = endpointChoice("S3", config.endpoints?.s3, env);
  return {
    region,
    ec2: endpointChoice("EC2", config.endpoints?.ec2, env),
    s3: { ...s3, forcePathStyle: needsPathStyle(s3.effective) },
    imds: imdsEndpoint(config, env),
    requestMs: budgets.requestMs,
    connectMs: budgets.connectMs,
    maxAttempts: MAX_ATTEMPTS,
    throttling: throttling(config),
  };
}

function endpointChoice(serviceEnvSuffix: "EC2" | "S3", configured: string | undefined, env: NodeJS.ProcessEnv): EndpointChoice {
  // AWS_IGNORE_CONFIGURED_ENDPOINT_URLS makes the SDK itself disregard the env variables.
  const envIgnored = env.AWS_IGNORE_CONFIGURED_ENDPOINT_URLS?.toLowerCase() === "true";
  const fromEnv = envIgnored ? undefined : (env[`AWS_ENDPOINT_URL_${serviceEnvSuffix}`] ?? env.AWS_ENDPOINT_URL);
  if (fromEnv) {
    // The SDK reads these variables itself (service-specific first, then the global one), so
    // it is not re-implemented here: no `endpoint` is passed. Only an environment injected by
    // the caller (not process.env) is invisible to the SDK and has to be handed over.
    return { endpoint: env === process.env ? undefined : fromEnv, effective: fromEnv, source: "env" };
  }
  if (configured) return { endpoint: configured, effective: configured, source: "config" };
  return { endpoint: undefined, effective: undefined, source: "default" };
}

/**
 * The S3 endpoint rules already use path-style addressing for an IP-literal endpoint (a
 * bucket cannot be a sub-domain of an IP; checked: http://127.0.0.1:PORT/bucket/key). But
 * "localhost" is a name, so the SDK sends bucket.localhost, which fails with ENOTFOUND on
 * most hosts: force path style there only. Real S3 and VPC interface endpoints keep the SDK's
 * virtual-hosted default (path style is deprecated there).
 */
export function needsPathStyle(endpoint: string | undefined): boolean {
  if (!endpoint) return false;
  let host: string;
  try {
    host = new URL(endpoint).hostname;
  } catch {
    return false;
  }
  return host === "localhost" || host.endsWith(".localhost");
}

export function imdsEndpoint(config: AgentConfig, env: NodeJS.ProcessEnv = process.env): AwsSettings["imds"] {
  const disabled = env.AWS_EC2_METADATA_DISABLED?.toLowerCase() === "true";
  if (env.AWS_EC2_METADATA_SERVICE_ENDPOINT) return { endpoint: env.AWS_EC2_METADATA_SERVICE_ENDPOINT, source: "env", disabled };
  if (config.endpoints?.imds) return { endpoint: config.endpoints.imds, source: "config", disabled };
  const ipv6 = env.AWS_EC2_METADATA_SERVICE_ENDPOINT_MODE?.toLowerCase() === "ipv6";
  return { endpoint: ipv6 ? IMDS_DEFAULT_ENDPOINT_IPV6 : IMDS_DEFAULT_ENDPOINT, source: "default", disabled };
}

export interface AwsClients {
  ec2: EC2Client;
  s3: S3Client;
  settings: AwsSettings;
  destroy(): void;
}

/**
 * Build both clients. `region` is a provider so that a node without config.region or
 * AWS_REGION can still start: the region is then read from its IMDS identity on first use.
 */
export function createAwsClients(settings: AwsSettings, region: () => Promise<string>, env: NodeJS.ProcessEnv = process.env): AwsClients {
  if (settings.imds.source === "config" && !process.env.AWS_EC2_METADATA_SERVICE_ENDPOINT && env === process.env) {
    // The SDK's default credential chain fetches instance-role credentials from IMDS, and it
    // only takes the IMDS address from AWS_EC2_METADATA_SERVICE_ENDPOINT (or the shared config
    // file); it has no client option for it. Publishing the configured endpoint in this
    // process's environment makes credentials come from the same IMDS as the identity. The
    // variable was unset, so nothing the operator chose is overridden.
    process.env.AWS_EC2_METADATA_SERVICE_ENDPOINT = settings.imds.endpoint;
  }
  // One credential provider for both clients: the default chain, memoized (refreshed before
  // expiry). With separate chains each client would fetch the instance-role credentials from
  // IMDS on its first call — and the EC2 client's first call is the failover's mutation wave.
  // Instance-role credentials come from IMDS with the SDK's 1 s timeout and no retry by default:
  // a metadata service slower than that would fail every call. The config's request timeout and
  // one retry keep the fetch bounded inside the failover's deadline (issue 9, defect 8).
  const credentials = defaultProvider({ timeout: settings.requestMs, maxRetries: 1 });
  const common = {
    region,
    credentials,
    maxAttempts: MAX_THROTTLED_ATTEMPTS,
    // The SDK's standard strategy (exponential backoff with full jitter, base 50 ms, 1 s for
    // throttling, retrying throttling, 5xx, timeouts and connection errors only), with its retry
    // quota per call rather than per client and pauses capped at 2 s: retry.ts says why. Adaptive
    // mode's rate limiter guesses the rate from errors; pacing.ts knows EC2's buckets instead.
    retryStrategy: new PerCallRetryStrategy({ maxAttempts: MAX_THROTTLED_ATTEMPTS, maxNonThrottlingAttempts: settings.maxAttempts }),
  };
  const ec2 = new EC2Client({
    ...common,
    ...(settings.ec2.endpoint ? { endpoint: settings.ec2.endpoint } : {}),
    requestHandler: requestHandler(settings),
  });
  const pacer = settings.throttling.pace ? new RequestPacer(settings.throttling) : undefined;
  if (pacer) ec2.middlewareStack.use(pacingPlugin(pacer));
  const s3 = new S3Client({
    ...common,
    ...(settings.s3.endpoint ? { endpoint: settings.s3.endpoint } : {}),
    forcePathStyle: settings.s3.forcePathStyle,
    // A state bucket in another region answers 301; follow it rather than fail the failover.
    followRegionRedirects: true,
    requestHandler: requestHandler(settings),
  });
  return {
    ec2,
    s3,
    settings,
    destroy() {
      ec2.destroy();
      s3.destroy();
    },
  };
}

/**
 * Every request gets its own time limits, so one stalled connection costs at most one
 * attempt, never the whole failover deadline:
 * - connectionTimeout: TCP (and TLS) connect;
 * - requestTimeout: from sending to the response headers. The handler only logs a warning
 *   when it expires unless throwOnRequestTimeout is set, so it is set;
 * - socketTimeout: inactivity while the body streams in (after the headers).
 * Keep-alive agents reuse connections, so a failover's calls skip the TCP/TLS handshake.
 *
 * The handler starts a request's timers when it is handed the request, and a request that
 * waits in the agent's queue for a free socket waits inside them: with a pool of 64, the
 * 65th of 500 parallel calls timed out before it was ever sent. So the pool is not capped
 * (Node's default): what bounds the calls in flight is the pacing (pacing.ts), which holds each
 * attempt back before the handler, outside its timeouts, until the API's bucket has a token.
 */
function requestHandler(settings: AwsSettings): NodeHttpHandler {
  const agentOptions = { keepAlive: true, maxSockets: Infinity };
  return new NodeHttpHandler({
    connectionTimeout: settings.connectMs,
    requestTimeout: settings.requestMs,
    throwOnRequestTimeout: true,
    socketTimeout: settings.requestMs,
    httpAgent: new HttpAgent(agentOptions),
    httpsAgent: new HttpsAgent(agentOptions),
  });
}

/**
 * The URLs the clients will call, resolved by the SDK's own endpoint rules (so FIPS, dual-stack
 * and partitions come out as the SDK would do them), for preflight and support. An endpoint
 * that only the shared config file names is not reflected here.
 */
export async function resolvedEndpoints(clients: AwsClients, bucket: string): Promise<{ service: string; url: string }[]> {
  const { ec2, s3, settings } = clients;
  const region = await ec2.config.region();
  const [fips, dualStack] = await Promise.all([ec2.config.useFipsEndpoint(), ec2.config.useDualstackEndpoint()]);
  const ec2Url = ec2.config.endpointProvider({ Region: region, UseFIPS: fips, UseDualStack: dualStack, ...(settings.ec2.effective ? { Endpoint: settings.ec2.effective } : {}) }).url.href;
  const s3Url = s3.config.endpointProvider({
    Region: region,
    Bucket: bucket,
    UseFIPS: fips,
    UseDualStack: dualStack,
    ForcePathStyle: settings.s3.forcePathStyle,
    Accelerate: false,
    ...(settings.s3.effective ? { Endpoint: settings.s3.effective } : {}),
  }).url.href;
  return [
    { service: "ec2", url: ec2Url },
    { service: "s3", url: s3Url },
    { service: "imds", url: settings.imds.endpoint },
  ];
}
