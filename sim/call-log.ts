/** Every request the simulated cloud received, in order of completion: tests and the bench count calls with it. */
import type { NodeId } from "../runtime/config/types.js";
import type { SimService } from "./faults.js";

export interface CallRecord {
  service: SimService;
  /** EC2 Action, S3 operation (PutObject, GetObject, ...) or IMDS path. */
  action: string;
  /** HTTP status answered; 0 for a request held without an answer (an injected timeout). */
  status: number;
  /** When the request arrived (ms since the epoch). */
  time: number;
  /** How long it took to answer, injected latency included. */
  ms: number;
  /** Error code answered, if any. */
  errorCode?: string;
  /** Caller ARN, once authenticated. */
  caller?: string;
  /** The resource the call named first (ENI, allocation, route table, bucket/key). */
  target?: string;
  /** The pair node whose IMDS answered. */
  node?: NodeId;
}

export class CallLog {
  readonly records: CallRecord[] = [];

  add(record: CallRecord): void {
    this.records.push(record);
  }

  clear(): void {
    this.records.length = 0;
  }
}
