import type { ApiCallRecord, CallListener } from "../core/provider.js";
import { HaPairError } from "../core/errors.js";

export type AzureService = "arm" | "blob" | "imds";

/** Time one logical call (its retries included) and report it to the listener, ok or not. */
export async function tracked<T>(
  onCall: CallListener | undefined,
  call: { service: AzureService; action: string; target: string; check?: boolean },
  run: () => Promise<T>,
  attemptsOf: (value: T) => number = () => 1,
  expected?: (err: unknown) => boolean,
): Promise<T> {
  const startedAt = Date.now();
  const started = performance.now();
  const report = (fields: Pick<ApiCallRecord, "attempts" | "ok"> & { errorCode?: string }) => {
    try {
      onCall?.({ ...call, startedAt, ms: Math.round((performance.now() - started) * 10) / 10, ...fields });
    } catch {
      // A listener's failure must never turn a successful cloud call into a failed one.
    }
  };
  try {
    const value = await run();
    report({ attempts: attemptsOf(value), ok: true });
    return value;
  } catch (err) {
    const code = err instanceof HaPairError ? err.code : (err as { code?: string }).code;
    report({ attempts: err instanceof HaPairError ? err.attempts ?? 1 : 1, ok: expected?.(err) ?? false, ...(code ? { errorCode: code } : {}) });
    throw err;
  }
}
