/**
 * The client-side pacing and the per-call retry strategy, on their own: reservations queue at
 * the refill rate after the burst, a cancelled wait gives its token back, a throttled answer
 * empties the bucket, and one call's throttled retries never use up another call's.
 */
import type { RetryErrorInfo } from "@smithy/types";
import { describe, expect, it } from "vitest";
import { isMutatingAction, RequestPacer, TokenBucket } from "../runtime/aws/pacing.js";
import { CappedJitterBackoff, MAX_BACKOFF_MS, PerCallRetryStrategy } from "../runtime/aws/retry.js";

describe("TokenBucket", () => {
  it("lets the burst through at once, then one call per 1/refill s, in order of reservation", () => {
    let now = 0;
    const bucket = new TokenBucket({ burst: 3, refillPerSecond: 5 }, () => now);
    expect([bucket.reserve(), bucket.reserve(), bucket.reserve()]).toEqual([0, 0, 0]);
    expect(bucket.reserve()).toBeCloseTo(200);
    expect(bucket.reserve()).toBeCloseTo(400);
    now = 400;
    // Both reservations are due now; the next one waits 200 ms more.
    expect(bucket.reserve()).toBeCloseTo(200);
  });

  it("gives a cancelled reservation back, and a throttled answer empties it", () => {
    let now = 0;
    const bucket = new TokenBucket({ burst: 2, refillPerSecond: 10 }, () => now);
    bucket.reserve();
    bucket.release();
    expect(bucket.available()).toBe(2);
    bucket.drain();
    expect(bucket.available()).toBe(0);
    expect(bucket.reserve()).toBeCloseTo(100);
    now = 10_000;
    expect(bucket.available()).toBe(2); // refilled, never beyond the burst
  });
});

describe("RequestPacer", () => {
  it("keeps one bucket per action, Describe*/Get*/List* in the non-mutating category, with a little held back", () => {
    const now = 0;
    const pacer = new RequestPacer({ pace: true, mutating: { burst: 10, refillPerSecond: 5 }, nonMutating: { burst: 100, refillPerSecond: 20 } }, () => now);
    expect(isMutatingAction("ReplaceRoute")).toBe(true);
    expect(isMutatingAction("DescribeRouteTables")).toBe(false);
    expect(pacer.bucket("ReplaceRoute").available()).toBe(9);
    expect(pacer.bucket("DescribeRouteTables").available()).toBe(90);
    pacer.bucket("ReplaceRoute").reserve();
    expect(pacer.bucket("AssociateAddress").available()).toBe(9);
  });

  it("rejects a wait when the deadline aborts it, and the token goes back", async () => {
    const pacer = new RequestPacer({ pace: true, mutating: { burst: 1, refillPerSecond: 1 }, nonMutating: { burst: 1, refillPerSecond: 1 } });
    await pacer.acquire("ReplaceRoute");
    const signal = AbortSignal.timeout(30);
    const started = performance.now();
    await expect(pacer.acquire("ReplaceRoute", signal)).rejects.toThrow();
    expect(performance.now() - started).toBeLessThan(500);
    expect(pacer.bucket("ReplaceRoute").available()).toBeGreaterThan(-0.5);
  });
});

describe("PerCallRetryStrategy", () => {
  const sdkError = (name: string) => Object.assign(new Error(name), { name, $metadata: {} }) as unknown as RetryErrorInfo["error"];
  const throttled: RetryErrorInfo = { errorType: "THROTTLING", error: sdkError("RequestLimitExceeded") };
  const transient: RetryErrorInfo = { errorType: "TRANSIENT", error: sdkError("Unavailable") };

  it("gives every call its own retry quota: 150 throttled retries of many calls all get a token", async () => {
    const strategy = new PerCallRetryStrategy({ maxAttempts: 100, maxNonThrottlingAttempts: 8, baseDelay: 0 });
    // The SDK's client-wide quota (500 tokens, 5 per throttled retry) would refuse the 101st.
    const calls = await Promise.all(Array.from({ length: 150 }, () => strategy.acquireInitialRetryToken("")));
    const retried = await Promise.all(calls.map((token) => strategy.refreshRetryTokenForRetry(token, throttled).then(() => true, () => false)));
    expect(retried.every(Boolean)).toBe(true);
  }, 20_000);

  it("stops a call that keeps failing for another reason after maxNonThrottlingAttempts", async () => {
    const strategy = new PerCallRetryStrategy({ maxAttempts: 100, maxNonThrottlingAttempts: 3, baseDelay: 0 });
    let token = await strategy.acquireInitialRetryToken("");
    token = await strategy.refreshRetryTokenForRetry(token, transient);
    token = await strategy.refreshRetryTokenForRetry(token, transient);
    await expect(strategy.refreshRetryTokenForRetry(token, transient)).rejects.toThrow("No retry token available");
  });

  it("backs off with full jitter, the base capped at 100 ms and the pause at 2 s", () => {
    const backoff = new CappedJitterBackoff(MAX_BACKOFF_MS, () => 0.999);
    backoff.setDelayBase(1_000);
    expect(backoff.computeNextBackoffDelay(0)).toBe(99);
    expect(backoff.computeNextBackoffDelay(10)).toBe(1_998);
  });
});
