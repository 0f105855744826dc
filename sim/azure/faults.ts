/**
 * Seeded faults of the simulated ARM: latency, 5xx, throttling storms (429), conflict storms
 * (409 AnotherOperationInProgress / 429 RetryableErrorDueToAnotherOperation) and held requests.
 * Each request draws from its own stream, seeded by (seed, method, path, how many such requests
 * came before), so parallel arrivals meet the same faults in every run.
 */
export interface AzureFaultConfig {
  seed?: number;
  /** Added to every ARM and IMDS request. */
  latencyMs?: number;
  /** Share of requests answered 500 InternalServerError (0..1). */
  serverErrorRate?: number;
  /** Share of writes answered 429 (throttled) with Retry-After (0..1). */
  throttleRate?: number;
  /** Share of writes answered 409 AnotherOperationInProgress / 429 RetryableErrorDueToAnotherOperation (0..1). */
  conflictRate?: number;
  /** Share of requests held without an answer until the client gives up (0..1). */
  holdRate?: number;
  /** Retry-After seconds sent with injected 429/409. Default 1. */
  retryAfterSeconds?: number;
  /** Restrict random faults to "GET" or "PUT" requests. */
  methods?: ("GET" | "PUT")[];
}

export type InjectedFault =
  | { kind: "error"; status: number; code: string; message: string; retryAfter?: number }
  | { kind: "hold" }
  | undefined;

function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function hash(text: string): number {
  let h = 2166136261;
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 16777619);
  return h >>> 0;
}

export class AzureFaults {
  private readonly counts = new Map<string, number>();
  constructor(public config: AzureFaultConfig = {}) {}

  draw(method: string, path: string): InjectedFault {
    const c = this.config;
    if (c.methods && !c.methods.includes(method as "GET" | "PUT")) return undefined;
    const k = `${method} ${path.toLowerCase()}`;
    const n = (this.counts.get(k) ?? 0) + 1;
    this.counts.set(k, n);
    const random = mulberry32(hash(`${c.seed ?? 0} ${k} ${n}`));
    const retryAfter = c.retryAfterSeconds ?? 1;
    if (random() < (c.holdRate ?? 0)) return { kind: "hold" };
    if (random() < (c.serverErrorRate ?? 0)) return { kind: "error", status: 500, code: "InternalServerError", message: "An error occurred (injected by the simulator)." };
    if (method === "PUT" && random() < (c.throttleRate ?? 0)) {
      return { kind: "error", status: 429, code: "SubscriptionRequestsThrottled", message: "Number of write requests for subscription exceeded the limit (injected).", retryAfter };
    }
    if (method === "PUT" && random() < (c.conflictRate ?? 0)) {
      return random() < 0.5
        ? { kind: "error", status: 409, code: "AnotherOperationInProgress", message: "Another operation on this or dependent resource is in progress (injected).", retryAfter }
        : { kind: "error", status: 429, code: "RetryableErrorDueToAnotherOperation", message: "Operation could not be completed because another operation on the resource is in progress (injected).", retryAfter };
    }
    return undefined;
  }
}
