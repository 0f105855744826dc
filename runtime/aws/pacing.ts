/**
 * Client-side pacing to EC2's request buckets. EC2 throttles each API action per account and
 * Region with a token bucket (mutating actions: 50 burst, refilled at 5/s; Describe*: 100 and
 * 20/s). A failover of 500 routes sends 500 ReplaceRoute calls: fired at once, 450 come back
 * RequestLimitExceeded and every retry spends more of the same bucket. Paced, each call waits
 * for its token on the client and is sent when EC2 will take it: the failover takes the bucket's
 * floor, (N − 50)/5 s, and no call is refused on the way.
 *
 * The pacing runs as a middleware after the SDK's retry middleware, so every attempt (the first
 * and each retry) takes a token, and before the HTTP handler, so a request's timeouts start when
 * it is sent, never while it waits for its token. A throttled answer means EC2's bucket is empty
 * whatever ours says (the other node or another tool shares it): ours is emptied too.
 */
import { isThrottlingError } from "@smithy/core/retry";
import type { FinalizeRequestHandlerOptions, FinalizeRequestMiddleware, MetadataBearer, Pluggable, RelativeMiddlewareOptions } from "@smithy/types";
import { SMITHY_CONTEXT_KEY } from "@smithy/types";
import type { ThrottlingConfig, TokenBucketSettings } from "../config/types.js";

/**
 * Share of the bucket's refill rate the client uses, and of its burst. Requests cross the
 * network (and the endpoint's own queues) with jitter, so calls sent 200 ms apart may land
 * bunched together; a few tokens held back and a rate a little under the refill keep such a
 * bunch from meeting an empty bucket (a throttled call goes to the back of the queue).
 */
export const PACING_RATE_SHARE = 0.95;
export const PACING_BURST_SHARE = 0.9;

/** A token bucket that hands out reservations: how long the caller waits before its call may go. */
export class TokenBucket {
  private tokens: number;
  private updatedAt: number;
  private readonly ratePerMs: number;

  constructor(
    private readonly settings: TokenBucketSettings,
    private readonly now: () => number = () => performance.now(),
  ) {
    this.tokens = settings.burst;
    this.updatedAt = now();
    this.ratePerMs = settings.refillPerSecond / 1000;
  }

  private refill(): void {
    const now = this.now();
    this.tokens = Math.min(this.settings.burst, this.tokens + (now - this.updatedAt) * this.ratePerMs);
    this.updatedAt = now;
  }

  /** Take the next token: the ms to wait before it is there (0 when it is there now). Reservations queue in order. */
  reserve(): number {
    this.refill();
    this.tokens -= 1;
    return this.tokens >= 0 ? 0 : -this.tokens / this.ratePerMs;
  }

  /** Give back a reservation that was not used (its call was cancelled while waiting). */
  release(): void {
    this.refill();
    this.tokens = Math.min(this.settings.burst, this.tokens + 1);
  }

  /** The cloud said the bucket is empty: no token is left now, whatever this count says. */
  drain(): void {
    this.refill();
    this.tokens = Math.min(this.tokens, 0);
  }

  /** Tokens there now (negative: reservations waiting). */
  available(): number {
    this.refill();
    return this.tokens;
  }
}

/** EC2's bucket category of an action: Describe*, Get*, List* are non-mutating; everything else mutates. */
export function isMutatingAction(action: string): boolean {
  return !/^(Describe|Get|List)/.test(action);
}

/** One bucket per API action (EC2 throttles each action separately), created on first use. */
export class RequestPacer {
  private readonly buckets = new Map<string, TokenBucket>();
  private readonly mutating: TokenBucketSettings;
  private readonly nonMutating: TokenBucketSettings;

  constructor(
    throttling: Required<ThrottlingConfig>,
    private readonly now: () => number = () => performance.now(),
  ) {
    const share = (b: TokenBucketSettings): TokenBucketSettings => ({
      burst: Math.max(1, Math.floor(b.burst * PACING_BURST_SHARE)),
      refillPerSecond: b.refillPerSecond * PACING_RATE_SHARE,
    });
    this.mutating = share(throttling.mutating);
    this.nonMutating = share(throttling.nonMutating);
  }

  bucket(action: string): TokenBucket {
    let bucket = this.buckets.get(action);
    if (!bucket) {
      bucket = new TokenBucket(isMutatingAction(action) ? this.mutating : this.nonMutating, this.now);
      this.buckets.set(action, bucket);
    }
    return bucket;
  }

  /** Resolves when the action's next token is there; rejects (and gives the token back) when `signal` aborts first. */
  async acquire(action: string, signal?: AbortSignal): Promise<void> {
    if (signal?.aborted) throw abortError(signal);
    const bucket = this.bucket(action);
    const waitMs = bucket.reserve();
    if (waitMs <= 0) return;
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => {
        signal?.removeEventListener("abort", onAbort);
        resolve();
      }, Math.ceil(waitMs));
      const onAbort = () => {
        clearTimeout(timer);
        bucket.release();
        reject(abortError(signal!));
      };
      signal?.addEventListener("abort", onAbort, { once: true });
    });
  }

  /** The cloud throttled a call of this action. */
  throttled(action: string): void {
    this.bucket(action).drain();
  }
}

function abortError(signal: AbortSignal): Error {
  const reason: unknown = signal.reason;
  if (reason instanceof Error) return reason;
  const error = new Error("The request was aborted while it waited for its turn in the API's request bucket");
  error.name = "AbortError";
  return error;
}

export const PACING_MIDDLEWARE_NAME = "haPairRequestPacing";

/**
 * The pacing as an SDK plugin: per attempt (after the retry middleware), before signing and
 * sending. The action is the command's name; the deadline is the call's own abortSignal.
 */
export function pacingPlugin<Input extends object, Output extends MetadataBearer>(pacer: RequestPacer): Pluggable<Input, Output> {
  const middleware: FinalizeRequestMiddleware<Input, Output> = (next, context) => async (args) => {
    const action = (context.commandName ?? "").replace(/Command$/, "");
    if (!action) return next(args);
    await pacer.acquire(action, context[SMITHY_CONTEXT_KEY]?.abortSignal as AbortSignal | undefined);
    try {
      return await next(args);
    } catch (err) {
      if (isThrottlingError(err as Parameters<typeof isThrottlingError>[0])) pacer.throttled(action);
      throw err;
    }
  };
  const options: FinalizeRequestHandlerOptions & RelativeMiddlewareOptions = {
    name: PACING_MIDDLEWARE_NAME,
    step: "finalizeRequest",
    relation: "after",
    toMiddleware: "retryMiddleware",
    override: true,
  };
  return {
    applyToStack(stack) {
      stack.addRelativeTo(middleware, options);
    },
  };
}
