import { setTimeout as sleep } from "node:timers/promises";
import type { HaPairError } from "../core/errors.js";
import { classifyArmError, deadlineError, retryAfterMs, type ArmErrorContext } from "./errors.js";

export interface RetryOptions {
  /** First backoff step; doubled each attempt up to maxDelayMs, with full jitter. */
  baseDelayMs?: number;
  maxDelayMs?: number;
  /** Randomness for the jitter (tests pass a seeded one). */
  random?: () => number;
}

/**
 * Run `attempt` until it succeeds, fails for good, or the deadline passes. Transient errors are
 * retried with exponential backoff and full jitter; a Retry-After the server sent with a 429 or
 * 409 is honoured (as the minimum wait). Each attempt re-runs the whole step, so a step that
 * starts with a GET (route table, NIC) recomputes from fresh state after a 412.
 */
export async function withArmRetries<T>(
  context: Omit<ArmErrorContext, "attempts">,
  signal: AbortSignal,
  attempt: (n: number) => Promise<T>,
  options: RetryOptions = {},
): Promise<{ value: T; attempts: number }> {
  const base = options.baseDelayMs ?? 200;
  const max = options.maxDelayMs ?? 5_000;
  const random = options.random ?? Math.random;
  for (let n = 1; ; n++) {
    let error: HaPairError;
    try {
      return { value: await attempt(n), attempts: n };
    } catch (err) {
      if (signal.aborted) throw deadlineError({ ...context, attempts: n }, err);
      error = classifyArmError(err, { ...context, attempts: n });
      if (error.errorClass !== "transient") throw error;
      const asked = retryAfterMs(err) ?? 0;
      const backoff = random() * Math.min(max, base * 2 ** (n - 1));
      try {
        await sleep(Math.max(asked, backoff), undefined, { signal });
      } catch {
        throw deadlineError({ ...context, attempts: n }, err);
      }
    }
  }
}
