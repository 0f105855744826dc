/**
 * Every logical API call goes through `tracked`: it times the call (retries included), reads
 * the attempt count the SDK's retry middleware leaves in `$metadata.attempts`, and reports the
 * call to the listener whether it succeeded or not. Errors are re-thrown untouched: the caller
 * knows which codes are expected (DryRunOperation, NoSuchKey, 412) and classifies the rest.
 */
import type { ApiCallRecord, CallListener } from "../core/provider.js";
import { awsErrorAttempts, awsErrorCode } from "./errors.js";

export type AwsService = "ec2" | "s3";

export async function tracked<T extends { $metadata?: { attempts?: number } }>(
  onCall: CallListener | undefined,
  call: { service: AwsService; action: string; target: string; check?: boolean },
  run: () => Promise<T>,
  /** Errors that are the expected answer (e.g. DryRunOperation) and count as ok. */
  expected?: (err: unknown) => boolean,
): Promise<T> {
  const startedAt = Date.now();
  const started = performance.now();
  const report = (fields: Pick<ApiCallRecord, "attempts" | "ok"> & { errorCode?: string }) => {
    if (!onCall) return;
    try {
      onCall({ ...call, startedAt, ms: Math.round((performance.now() - started) * 10) / 10, ...fields });
    } catch {
      // A listener's failure must never turn a successful cloud call into a failed one.
    }
  };
  try {
    const output = await run();
    report({ attempts: output.$metadata?.attempts ?? 1, ok: true });
    return output;
  } catch (err) {
    report({ attempts: awsErrorAttempts(err), ok: expected?.(err) ?? false, errorCode: awsErrorCode(err) });
    throw err;
  }
}
