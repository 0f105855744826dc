import type { ApiCallRecord } from "./provider.js";

/** Collects every API call of a run, for the report, the timeline and the metrics. */
export class CallRecorder {
  readonly calls: ApiCallRecord[] = [];
  private readonly listeners: ((call: ApiCallRecord) => void)[] = [];

  /** Pass this to the provider as its `onCall`. */
  readonly record = (call: ApiCallRecord): void => {
    this.calls.push(call);
    for (const listener of this.listeners) listener(call);
  };

  subscribe(listener: (call: ApiCallRecord) => void): void {
    this.listeners.push(listener);
  }

  /** The calls recorded after position `mark` (a previous `calls.length`). */
  since(mark: number): ApiCallRecord[] {
    return this.calls.slice(mark);
  }
}

/** Calls by action; a permission check (DryRun or no-op) counts apart, as "Action (check)". */
export function countByAction(calls: ApiCallRecord[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const call of calls) {
    const key = call.check ? `${call.action} (check)` : call.action;
    counts[key] = (counts[key] ?? 0) + 1;
  }
  return counts;
}
