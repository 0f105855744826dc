/**
 * The SDK's standard retry strategy, with its retry quota per call instead of per client.
 *
 * StandardRetryStrategy keeps one quota of 500 tokens for the whole client and spends 5 per
 * throttled retry (14 per transient one). That protects a service from a client's retry storm,
 * but a failover is one burst of hundreds of calls: after ~100 throttled retries every further
 * throttled call of the client fails after 1–5 attempts, long before the deadline, and the pair
 * is left split. Here each logical call gets its own StandardRetryStrategy (the SDK's backoff,
 * error classification and quota arithmetic, untouched), so one call's retries never starve
 * another's; the attempt limit and the call's deadline (its abortSignal, which the SDK's retry
 * middleware races every wait against) are what bound it. Retries are rare anyway: pacing.ts
 * keeps calls under EC2's buckets.
 */
import { StandardRetryStrategy, type StandardRetryStrategyOptions } from "@smithy/core/retry";
import type { RetryErrorInfo, RetryStrategyV2, StandardRetryBackoffStrategy, StandardRetryToken } from "@smithy/types";

/**
 * Longest pause between two attempts. The SDK's cap is 20 s; with calls paced to the bucket a
 * throttled retry needs the next token (1/refill s away), not a 20 s sleep that may outlast the
 * failover's deadline while tokens go unused.
 */
export const MAX_BACKOFF_MS = 2_000;

/**
 * Largest base delay. The SDK sets 1 s for throttling errors so that unpaced clients back off
 * from an empty bucket; a paced call's retry already waits in the pacer for the bucket's next
 * token, so its backoff only has to de-synchronise the retries.
 */
export const MAX_BASE_DELAY_MS = 100;

/** Exponential backoff with full jitter (as the SDK's DefaultRetryBackoffStrategy), base and pause capped. */
export class CappedJitterBackoff implements StandardRetryBackoffStrategy {
  private base = 50;
  constructor(
    private readonly capMs = MAX_BACKOFF_MS,
    private readonly random: () => number = Math.random,
  ) {}
  setDelayBase(delayBase: number): void {
    this.base = Math.min(delayBase, MAX_BASE_DELAY_MS);
  }
  computeNextBackoffDelay(retryCount: number): number {
    return Math.floor(this.random() * Math.min(this.base * 2 ** retryCount, this.capMs));
  }
}

export interface PerCallRetryOptions extends Omit<StandardRetryStrategyOptions, "backoff"> {
  /**
   * Attempts of a call that meets errors other than throttling (5xx, timeouts, connection
   * errors). Throttling is the cloud saying "later", and is retried up to maxAttempts within the
   * deadline; a server that keeps failing is not made to look healthier by waiting 30 s.
   */
  maxNonThrottlingAttempts: number;
}

interface CallRetries {
  strategy: StandardRetryStrategy;
  nonThrottling: number;
}

export class PerCallRetryStrategy implements RetryStrategyV2 {
  readonly mode = "standard";
  private readonly callOf = new WeakMap<StandardRetryToken, CallRetries>();

  constructor(private readonly options: PerCallRetryOptions) {}

  async acquireInitialRetryToken(retryTokenScope: string): Promise<StandardRetryToken> {
    const strategy = new StandardRetryStrategy({ maxAttempts: this.options.maxAttempts, ...(this.options.baseDelay !== undefined ? { baseDelay: this.options.baseDelay } : {}), backoff: new CappedJitterBackoff() });
    const token = await strategy.acquireInitialRetryToken(retryTokenScope);
    this.callOf.set(token, { strategy, nonThrottling: 0 });
    return token;
  }

  async refreshRetryTokenForRetry(token: StandardRetryToken, errorInfo: RetryErrorInfo): Promise<StandardRetryToken> {
    const call = this.callOf.get(token);
    if (!call) throw new Error("retry token of another strategy");
    if (errorInfo.errorType !== "THROTTLING") {
      call.nonThrottling += 1;
      // Same refusal as the SDK's when its attempts run out: the middleware then throws the call's error.
      if (call.nonThrottling >= this.options.maxNonThrottlingAttempts) throw new Error("No retry token available");
    }
    const next = await call.strategy.refreshRetryTokenForRetry(token, errorInfo);
    this.callOf.set(next, call);
    return next;
  }

  recordSuccess(token: StandardRetryToken): void {
    this.callOf.get(token)?.strategy.recordSuccess(token);
  }
}
