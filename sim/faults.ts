/**
 * Fault injection for the simulated cloud: latency, EC2 request throttling, server errors,
 * held (timed-out) requests, stale reads, targeted failures and denials.
 *
 * Every random choice is reproducible from the seed. Requests of a failover arrive in parallel,
 * so a single shared random stream would depend on arrival order; instead each call draws from
 * its own stream, seeded by (seed, service, action, target, how many such calls came before).
 * The n-th AssociateAddress on an allocation therefore meets the same fault in every run.
 */

export interface TokenBucketConfig {
  /** Bucket size: how many calls can be made at once. */
  burst: number;
  /** Tokens added back per second, up to the bucket size. */
  refillPerSecond: number;
}

export interface ThrottleConfig {
  mutating: TokenBucketConfig;
  nonMutating: TokenBucketConfig;
}

/** A specific error for a specific action (and target), e.g. one failing operation among many. */
export interface InjectedFailure {
  /** API action, e.g. "AssociateAddress" or "PutObject"; "*" for any. */
  action: string;
  /** Only calls naming this resource (any request parameter, or the S3 bucket, key or bucket/key). */
  target?: string;
  code: string;
  message?: string;
  /** HTTP status; defaults to what AWS answers with this code, else 400. */
  status?: number;
  /** How many matching calls fail; then the failure is used up. Default: every matching call. */
  times?: number;
}

/**
 * Late-landing writes: a chosen mutating call (not a DryRun) is accepted but not answered; the
 * server applies it `delayMs` after it arrived, whatever the client did meanwhile (timed out,
 * retried, gave up, died). The real-world case: EC2 had the request and completed it after the
 * caller's timeout fired.
 */
export interface LateWriteConfig {
  /** API actions, e.g. ["ReplaceRoute"]; "*" for any mutating action. */
  actions: string[];
  /** Only calls naming this resource. */
  target?: string;
  /** Applied this long after arrival; a range draws uniformly per call. */
  delayMs: number | { min: number; max: number };
  /** Share of matching calls made late (0..1). Default 1. */
  rate?: number;
  /** How many calls are made late; then the fault is used up. Default: unlimited. */
  times?: number;
}

/** Makes the authorizer refuse an action (on a target): UnauthorizedOperation / AccessDenied. */
export interface DenyRule {
  action: string;
  /** An ID, name or ARN of the resource; matched against the ARNs the request touches. */
  target?: string;
}

export interface FaultConfig {
  seed?: number;
  /** Added to every call (EC2, S3, IMDS). A range draws uniformly per call. Default 0. */
  latencyMs?: number | { min: number; max: number };
  /** EC2 request-rate throttling per API action; false turns it off. Default on, with EC2's published numbers. */
  throttle?: false | ThrottleConfig;
  /** Added to every IMDS call only (a slow metadata service), on top of latencyMs. Default 0. */
  imdsLatencyMs?: number;
  /** Share of calls answered 500 InternalError or 503 Unavailable (0..1). */
  serverErrorRate?: number;
  /** Share of calls held without an answer until the client gives up (0..1). */
  timeoutRate?: number;
  /** Share of EC2 Describe calls within staleReadMs of a write that see the world as it was staleReadMs ago. Default 1 when staleReadMs is set. */
  staleReadRate?: number;
  /** How far reads lag behind writes. Default 0 (strongly consistent). */
  staleReadMs?: number;
  failures?: InjectedFailure[];
  /** Mutating EC2 calls held without an answer and applied server-side later, after the client gave up. */
  lateWrites?: LateWriteConfig;
  deny?: DenyRule[];
  /** Restricts the random faults (server errors, timeouts, stale reads) to these actions. */
  actions?: string[];
}

/** EC2's request-rate limits per action ("Request throttling for the Amazon EC2 API"). */
export const EC2_THROTTLE_DEFAULTS: ThrottleConfig = {
  mutating: { burst: 50, refillPerSecond: 5 },
  nonMutating: { burst: 100, refillPerSecond: 20 },
};

export type SimService = "ec2" | "s3" | "imds";

/** What the injector needs to know about one call. */
export interface CallDescription {
  service: SimService;
  action: string;
  /** Resource identifiers the call names; targets[0] keys the per-call random stream. */
  targets: string[];
  mutating: boolean;
  /**
   * An EC2 DryRun request. Targeted `failures` model what the real operation meets; a DryRun
   * permission check sent first (the agent's precheck) must not use up a `times: 1` failure
   * aimed at the operation. Throttling, random faults and deny rules still apply to it.
   */
  dryRun?: boolean;
}

export interface InjectedError {
  status: number;
  code: string;
  message: string;
}

export type FaultOutcome =
  | { kind: "pass"; readAsOf?: number }
  /** Hold the call unanswered and apply it after delayMs (a late-landing write). */
  | { kind: "late"; delayMs: number }
  | { kind: "error"; error: InjectedError }
  | { kind: "timeout" };

/** The faults of one call: its latency is known at once; the outcome is decided after authentication. */
export interface CallFaults {
  latencyMs: number;
  outcome(): FaultOutcome;
}

/** Small, fast, seedable PRNG (mulberry32): plenty for choosing faults, never for secrets. */
export class SeededRandom {
  private state: number;
  constructor(seed: number) {
    this.state = seed >>> 0;
  }
  /** Uniform in [0, 1). */
  next(): number {
    this.state = (this.state + 0x6d2b79f5) >>> 0;
    let t = this.state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }
}

/** FNV-1a over the text, mixed with the seed: a stable 32-bit seed for one call's stream. */
export function streamSeed(seed: number, text: string): number {
  let hash = (0x811c9dc5 ^ (seed >>> 0)) >>> 0;
  for (let i = 0; i < text.length; i++) {
    hash ^= text.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return hash;
}

class TokenBucket {
  private tokens: number;
  private updatedAt: number;
  constructor(
    private readonly config: TokenBucketConfig,
    now: number,
  ) {
    this.tokens = config.burst;
    this.updatedAt = now;
  }
  take(now: number): boolean {
    const elapsedSeconds = Math.max(0, now - this.updatedAt) / 1000;
    this.tokens = Math.min(this.config.burst, this.tokens + elapsedSeconds * this.config.refillPerSecond);
    this.updatedAt = now;
    if (this.tokens < 1) return false;
    this.tokens -= 1;
    return true;
  }
}

/** The status AWS answers with these codes, for failures that do not name one. */
const STATUS_BY_CODE: Record<string, number> = {
  RequestLimitExceeded: 503,
  Unavailable: 503,
  ServiceUnavailable: 503,
  SlowDown: 503,
  InternalError: 500,
  InternalFailure: 500,
  AuthFailure: 401,
  UnauthorizedOperation: 403,
  AccessDenied: 403,
  InvalidAccessKeyId: 403,
  NoSuchKey: 404,
  NoSuchBucket: 404,
  PreconditionFailed: 412,
  ConditionalRequestConflict: 409,
};

export function defaultStatusFor(code: string): number {
  return STATUS_BY_CODE[code] ?? 400;
}

/** Strips a service prefix ("ec2:", "s3:") so rules may name actions either way. */
function bareAction(action: string): string {
  const colon = action.indexOf(":");
  return colon >= 0 ? action.slice(colon + 1) : action;
}

function actionMatches(ruleAction: string, action: string): boolean {
  return ruleAction === "*" || bareAction(ruleAction) === bareAction(action);
}

/** A target matches a resource named by ID, name or ARN (arn:...:network-interface/eni-..., arn:aws:s3:::bucket/key). */
export function resourceMatches(target: string, resource: string): boolean {
  return resource === target || resource.endsWith(`/${target}`) || resource.endsWith(`:${target}`);
}

function serverErrorFor(service: SimService, pick: number): InjectedError {
  if (pick < 0.5) {
    return {
      status: 500,
      code: "InternalError",
      message: service === "s3" ? "We encountered an internal error. Please try again." : "An internal error has occurred.",
    };
  }
  return service === "s3"
    ? { status: 503, code: "ServiceUnavailable", message: "Please reduce your request rate." }
    : { status: 503, code: "Unavailable", message: "The server is overloaded and can't handle the request." };
}

export class FaultInjector {
  private current: FaultConfig;
  private buckets = new Map<string, TokenBucket>();
  private callCounts = new Map<string, number>();
  private failuresUsed = new Map<InjectedFailure, number>();
  private lastWriteAt = Number.NEGATIVE_INFINITY;
  private lateUsed = 0;
  private late = { pending: 0, landed: 0, lastLandedAt: undefined as number | undefined };

  constructor(
    config: FaultConfig = {},
    private readonly clock: () => number = Date.now,
  ) {
    this.current = { ...config };
  }

  get config(): Readonly<FaultConfig> {
    return this.current;
  }

  /**
   * Changes injection at run time; only the fields given change. A new throttle restarts the
   * buckets full, new failures start unused, a new seed restarts the per-call streams.
   */
  update(partial: Partial<FaultConfig>): void {
    this.current = { ...this.current, ...partial };
    if ("throttle" in partial) this.buckets.clear();
    if ("failures" in partial) this.failuresUsed.clear();
    if ("seed" in partial) this.callCounts.clear();
    if ("lateWrites" in partial) this.lateUsed = 0;
  }

  /** Late-landing writes: how many are held now, how many have landed, when the last one did. */
  get lateWrites(): Readonly<{ pending: number; landed: number; lastLandedAt: number | undefined }> {
    return { ...this.late };
  }

  /** The server holds a late write (pending) and later applies it (landed), or drops it when the sim stops. */
  noteLate(event: "held" | "landed" | "dropped"): void {
    if (event === "held") this.late.pending += 1;
    else this.late.pending = Math.max(0, this.late.pending - 1);
    if (event === "landed") {
      this.late.landed += 1;
      this.late.lastLandedAt = this.clock();
    }
  }

  /** A successful write makes the following Describe calls candidates for stale reads. */
  noteWrite(): void {
    this.lastWriteAt = this.clock();
  }

  /**
   * The deny rule refusing the action on any of the resources (ARNs or IDs), if one does, and
   * the resource it names (for the error message).
   */
  denial(action: string, resources: string[]): { rule: DenyRule; resource?: string } | undefined {
    for (const rule of this.current.deny ?? []) {
      if (!actionMatches(rule.action, action)) continue;
      if (rule.target === undefined) return { rule, ...(resources[0] ? { resource: resources[0] } : {}) };
      const resource = resources.find((candidate) => resourceMatches(rule.target as string, candidate));
      if (resource) return { rule, resource };
    }
    return undefined;
  }

  isDenied(action: string, resources: string[]): boolean {
    return this.denial(action, resources) !== undefined;
  }

  begin(call: CallDescription): CallFaults {
    const key = `${call.service}\u0000${call.action}\u0000${call.targets[0] ?? ""}`;
    const ordinal = this.callCounts.get(key) ?? 0;
    this.callCounts.set(key, ordinal + 1);
    const random = new SeededRandom(streamSeed(this.current.seed ?? 0, `${key}\u0000${ordinal}`));
    // Draw in a fixed order so a config change of one kind does not reshuffle the others.
    const latencyDraw = random.next();
    const timeoutDraw = random.next();
    const errorDraw = random.next();
    const errorKindDraw = random.next();
    const staleDraw = random.next();
    const lateDraw = random.next();
    const lateDelayDraw = random.next();
    return {
      latencyMs: this.latency(latencyDraw) + (call.service === "imds" ? Math.max(0, this.current.imdsLatencyMs ?? 0) : 0),
      outcome: () => this.lateOutcome(call, lateDraw, lateDelayDraw) ?? this.outcome(call, { timeoutDraw, errorDraw, errorKindDraw, staleDraw }),
    };
  }

  /** A late-landing write, if this call is chosen for one (after throttling: a throttled call never reaches the service). */
  private lateOutcome(call: CallDescription, draw: number, delayDraw: number): FaultOutcome | undefined {
    const late = this.current.lateWrites;
    if (!late || call.service !== "ec2" || !call.mutating || call.dryRun) return undefined;
    if (!late.actions.some((action) => actionMatches(action, call.action))) return undefined;
    if (late.target !== undefined && !call.targets.some((t) => resourceMatches(late.target as string, t))) return undefined;
    if (late.times !== undefined && this.lateUsed >= late.times) return undefined;
    if (draw >= (late.rate ?? 1)) return undefined;
    if (!this.takeThrottleToken(call, this.clock())) {
      return { kind: "error", error: { status: 503, code: "RequestLimitExceeded", message: "Request limit exceeded." } };
    }
    this.lateUsed += 1;
    const delay = typeof late.delayMs === "number" ? late.delayMs : late.delayMs.min + delayDraw * (late.delayMs.max - late.delayMs.min);
    return { kind: "late", delayMs: Math.max(0, delay) };
  }

  private latency(draw: number): number {
    const latency = this.current.latencyMs ?? 0;
    if (typeof latency === "number") return Math.max(0, latency);
    return Math.max(0, latency.min + draw * (latency.max - latency.min));
  }

  private outcome(
    call: CallDescription,
    draws: { timeoutDraw: number; errorDraw: number; errorKindDraw: number; staleDraw: number },
  ): FaultOutcome {
    const now = this.clock();
    if (call.service === "ec2" && !this.takeThrottleToken(call, now)) {
      return { kind: "error", error: { status: 503, code: "RequestLimitExceeded", message: "Request limit exceeded." } };
    }
    const failure = this.matchingFailure(call);
    if (failure) {
      return {
        kind: "error",
        error: {
          status: failure.status ?? defaultStatusFor(failure.code),
          code: failure.code,
          message: failure.message ?? `Injected failure of ${call.action}.`,
        },
      };
    }
    if (call.service === "imds" || !this.randomFaultsApply(call.action)) return { kind: "pass" };
    if (draws.timeoutDraw < (this.current.timeoutRate ?? 0)) return { kind: "timeout" };
    if (draws.errorDraw < (this.current.serverErrorRate ?? 0)) {
      return { kind: "error", error: serverErrorFor(call.service, draws.errorKindDraw) };
    }
    const staleMs = this.current.staleReadMs ?? 0;
    const isDescribe = call.service === "ec2" && !call.mutating && call.action.startsWith("Describe");
    if (isDescribe && staleMs > 0 && now - this.lastWriteAt < staleMs && draws.staleDraw < (this.current.staleReadRate ?? 1)) {
      return { kind: "pass", readAsOf: now - staleMs };
    }
    return { kind: "pass" };
  }

  private randomFaultsApply(action: string): boolean {
    const only = this.current.actions;
    return !only || only.some((allowed) => actionMatches(allowed, action));
  }

  private takeThrottleToken(call: CallDescription, now: number): boolean {
    const throttle = this.current.throttle === undefined ? EC2_THROTTLE_DEFAULTS : this.current.throttle;
    if (throttle === false) return true;
    let bucket = this.buckets.get(call.action);
    if (!bucket) {
      bucket = new TokenBucket(call.mutating ? throttle.mutating : throttle.nonMutating, now);
      this.buckets.set(call.action, bucket);
    }
    return bucket.take(now);
  }

  private matchingFailure(call: CallDescription): InjectedFailure | undefined {
    if (call.dryRun) return undefined;
    for (const failure of this.current.failures ?? []) {
      if (!actionMatches(failure.action, call.action)) continue;
      if (failure.target !== undefined && !call.targets.some((t) => resourceMatches(failure.target as string, t))) continue;
      const used = this.failuresUsed.get(failure) ?? 0;
      if (failure.times !== undefined && used >= failure.times) continue;
      this.failuresUsed.set(failure, used + 1);
      return failure;
    }
    return undefined;
  }
}
