/**
 * Round trips counted from what happened, never assumed: the calls' own timestamps as the
 * simulated cloud logged them (arrival, and arrival + time to answer). The sequential round
 * trips of an interval are the longest chain of calls in it where each starts after the
 * previous one ended (calls that overlap ran in parallel: one round trip between them).
 */
import type { CallRecord } from "../sim/index.js";

export interface TimedCall {
  start: number;
  end: number;
}

/** The longest chain of non-overlapping calls (greedy by earliest end, which is optimal). */
export function sequentialRoundTrips(calls: readonly TimedCall[]): number {
  let count = 0;
  let lastEnd = -Infinity;
  for (const call of [...calls].sort((x, y) => x.end - y.end)) {
    if (call.start >= lastEnd) {
      count += 1;
      lastEnd = call.end;
    }
  }
  return count;
}

/** The sim's calls as intervals. A call answered in under 1 ms at the same instant another ended still counts as after it. */
export function timed(calls: readonly CallRecord[]): TimedCall[] {
  return calls.map((c) => ({ start: c.time, end: c.time + c.ms }));
}
