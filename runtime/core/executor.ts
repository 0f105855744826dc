import { randomUUID } from "node:crypto";
import { setTimeout as sleep } from "node:timers/promises";
import type { AgentConfig, NodeId } from "../config/types.js";
import { timeBudgets } from "../config/types.js";
import { describeDifference, describeSplit, differences, pairItems, type Difference } from "./desired.js";
import { asHaPairError, FencingConflictError, HaPairError } from "./errors.js";
import { describeOwner, takeOver } from "./fencing.js";
import { routeKey, type ObservedState } from "./observed.js";
import { planOperations, type Operation, type Plan } from "./operations.js";
import { planFailover } from "./planner.js";
import type { CloudProvider, PermissionCheck } from "./provider.js";
import { CallRecorder, countByAction } from "./recorder.js";
import type { OperationOutcome, PairState, StoredState } from "./state.js";
import { deadlineSignal } from "./deadline.js";
import { refusalBeforeFencing } from "./pre-fence.js";
import { lateWriteWindowMs, mayHaveCallsInFlight, parseBounds, recordBounds, settleUntil } from "./late-writes.js";
import type { ConfigProblem } from "./provider.js";

export type FailoverOutcome =
  /** Every item points to the activated node. */
  | "converged"
  /** The failover ran but some items still differ (listed in `differences`). */
  | "not-converged"
  /** Another node's conditional write won: it owns the pair; nothing was changed. */
  | "lost-race"
  /** Another node's failover is still running inside its deadline; nothing was changed. */
  | "busy"
  /** Our mutations ran, but another node took the pair over before we recorded the result. */
  | "superseded"
  /** Could not take the pair over (state store unreachable, not permitted, ...); nothing was changed. */
  | "failed";

/** settle: after converging, wait until calls of an earlier failover can no longer land, re-verify, repair (late-writes.ts). */
export type Phase = "prepare" | "fence" | "mutate" | "verify" | "settle" | "record";

export interface PhaseTiming {
  phase: Phase;
  /** Start, relative to the start of the run (ms). */
  at: number;
  ms: number;
  /** Sequential round trips this phase made (a parallel wave counts once). */
  roundTrips: number;
}

export interface FailoverReport {
  outcome: FailoverOutcome;
  converged: boolean;
  /** The node that holds the pair after this run: the requested one, or the owner we did not fight. */
  activeNode: NodeId | null;
  requestedNode: NodeId;
  generation: number | null;
  taskId: string;
  /** Trigger (fencing write) to converged (verification matched), in ms. */
  durationMs: number;
  /** Whole run including the state read before the trigger and the final state write, in ms. */
  totalMs: number;
  /** Sequential round trips from trigger to converged: fencing + mutation waves + verification reads. */
  criticalPathRoundTrips: number;
  apiCalls: number;
  apiCallsByAction: Record<string, number>;
  /** HTTP attempts including retries. */
  attempts: number;
  phases: PhaseTiming[];
  operations: OperationOutcome[];
  differences: Difference[];
  owner?: string;
  error?: { code: string; message: string; fix?: string };
  /** The planned operations the cloud refused in the permission check before the trigger (outcome "failed"). */
  missingPermissions?: PermissionCheck[];
  /** How the config does not match the cloud, when that refused the failover before fencing (outcome "failed"). */
  configProblems?: ConfigProblem[];
  /** Things found on the way that an operator should know (e.g. a previous record with an implausible deadline, naming its writer). */
  warnings?: string[];
}

export type FailoverEvent =
  | { type: "phase-start"; phase: Phase }
  | { type: "phase-end"; phase: Phase; ms: number }
  | { type: "operation"; outcome: OperationOutcome }
  | { type: "verify"; differences: Difference[] };

export interface FailoverOptions {
  /** The recorder the provider reports its calls to (`createXProvider(config, { onCall: recorder.record })`). */
  recorder: CallRecorder;
  /** Who is running the failover, written into the state object. */
  owner?: { instanceId?: string; host?: string };
  taskId?: string;
  onEvent?: (event: FailoverEvent) => void;
  /** External cancellation (in addition to the config's deadline). */
  signal?: AbortSignal;
  now?: () => Date;
}

/** What is computed before the trigger: the plan and the state object's current version. */
export interface PreparedFailover {
  config: AgentConfig;
  activate: NodeId;
  plan: Plan;
  stored: StoredState | null;
  /** `stored` is a cached read (the daemon's), not one made just now: see TakeOverOptions.cachedRead. */
  cached?: boolean;
  /**
   * The permission check of every planned operation, made before the trigger; absent when not
   * made. runFailover refuses — before fencing, so nothing moves — when any was denied.
   */
  permissions?: PermissionCheck[];
  /** The config checked against the cloud before the trigger (provider.checkConfig); absent when not made. */
  configProblems?: ConfigProblem[];
  /** The config check could not be made (the cloud could not be read): why. */
  configCheckError?: string;
}

export interface PrepareOptions {
  /**
   * Check that every planned operation is permitted (DryRun, or a no-op call where the API has
   * no DryRun) in parallel with the state read, so a missing permission stops the failover
   * before anything moves instead of leaving the pair split between the nodes. Default true.
   *
   * What it costs: one extra call per planned operation, plus one batched
   * DescribeNetworkInterfaces when secondary IPs move (the no-op AssignPrivateIpAddresses
   * needs the interface's primary IP first: a second sequential round trip in the check's
   * branch of prepare, so prepare takes two round trips instead of one). Nothing on the
   * trigger → converged path. The checks count against EC2's request-rate buckets like the
   * real calls (mutating actions: 50 burst, 5/s): a plan of N mutating calls spends N tokens
   * before the wave needs N more, so beyond ~25 operations turn it off, or keep the check out
   * of the trigger path as the daemon does (it re-checks off-path and passes the result in).
   */
  checkPermissions?: boolean;
  /**
   * Check the config against the cloud (every interface on its own node, every resource
   * present) in the same parallel round as the state read. Default true.
   */
  checkConfig?: boolean;
}

/**
 * Plan, and read the state object's current version. A daemon that keeps a recent read passes it
 * as `cached`: no read on the trigger path, the fencing write goes out at once, and an outdated
 * cache costs one re-read only when the write answers 412.
 */
export async function prepareFailover(
  config: AgentConfig,
  activate: NodeId,
  provider: CloudProvider,
  signal?: AbortSignal,
  cached?: { stored: StoredState | null; permissions?: PermissionCheck[] },
  options: PrepareOptions = {},
): Promise<PreparedFailover> {
  const plan = planFailover(config, activate);
  // A cached read comes with the daemon's cached check (or none): nothing is awaited here.
  if (cached) return { config, activate, plan, stored: cached.stored, cached: true, ...(cached.permissions ? { permissions: cached.permissions } : {}) };
  const operations = planOperations(plan);
  const checking = options.checkPermissions !== false && operations.length > 0;
  // In parallel with the state read: the check adds no sequential step of its own. A check
  // that throws (not a denial) proves nothing and does not block the failover.
  const checkSignal = signal ?? deadlineSignal(timeBudgets(config).deadlineMs);
  const [stored, permissions, configCheck] = await Promise.all([
    provider.stateStore.read(signal),
    checking ? provider.checkPermissions(operations, checkSignal).catch(() => undefined) : undefined,
    options.checkConfig !== false && provider.checkConfig
      ? provider.checkConfig(checkSignal).then((problems) => ({ problems }), (err: unknown) => ({ error: asHaPairError(err).describe() }))
      : undefined,
    // What the operations need that the config cannot name (association IDs); failing here only moves the read into the wave.
    provider.prefetch?.(operations, checkSignal).catch(() => undefined),
  ]);
  return {
    config,
    activate,
    plan,
    stored,
    ...mergeRefusals(permissions, configCheck && "problems" in configCheck ? configCheck.problems.refused : []),
    ...(configCheck && "problems" in configCheck ? { configProblems: configCheck.problems.problems } : {}),
    ...(configCheck && "error" in configCheck ? { configCheckError: configCheck.error } : {}),
  };
}

/**
 * A read of the config check the role may not make refuses like a denied operation; one the
 * permission check already names (the same permission on the same resource) is not named twice.
 */
function mergeRefusals(permissions: PermissionCheck[] | undefined, refused: PermissionCheck[]): { permissions?: PermissionCheck[] } {
  const named = new Set((permissions ?? []).filter((p) => p.denied).map((p) => `${p.permission} ${p.resource}`));
  const extra = refused.filter((p) => !named.has(`${p.permission} ${p.resource}`));
  if (!permissions && extra.length === 0) return {};
  return { permissions: [...(permissions ?? []), ...extra] };
}

/** prepare + run, for a one-shot command. */
export async function failover(
  config: AgentConfig,
  activate: NodeId,
  provider: CloudProvider,
  options: FailoverOptions & PrepareOptions,
): Promise<FailoverReport> {
  const started = performance.now();
  options.onEvent?.({ type: "phase-start", phase: "prepare" });
  const mark = options.recorder.calls.length;
  let prepared: PreparedFailover;
  try {
    prepared = await prepareFailover(config, activate, provider, options.signal, undefined, options);
  } catch (err) {
    const error = asHaPairError(err);
    return failedBeforeTrigger(config, activate, options, error, performance.now() - started, mark);
  }
  const prepareMs = performance.now() - started;
  options.onEvent?.({ type: "phase-end", phase: "prepare", ms: prepareMs });
  const report = await runFailover(prepared, provider, { ...options, callMark: mark });
  report.phases.unshift({ phase: "prepare", at: 0, ms: prepareMs, roundTrips: 1 });
  for (const phase of report.phases.slice(1)) phase.at += prepareMs;
  report.totalMs += prepareMs;
  return report;
}

function failedBeforeTrigger(config: AgentConfig, activate: NodeId, options: FailoverOptions, error: HaPairError, ms: number, mark: number): FailoverReport {
  const calls = options.recorder.since(mark);
  return {
    outcome: "failed",
    converged: false,
    activeNode: null,
    requestedNode: activate,
    generation: null,
    taskId: options.taskId ?? "",
    durationMs: 0,
    totalMs: ms,
    criticalPathRoundTrips: 0,
    apiCalls: calls.length,
    apiCallsByAction: countByAction(calls),
    attempts: calls.reduce((n, c) => n + c.attempts, 0),
    phases: [],
    operations: [],
    differences: [],
    error: { code: error.code, message: error.message, ...(error.fix ? { fix: error.fix } : {}) },
  };
}

/**
 * The failover path: fencing write → one parallel mutation wave (two when an EIP follows a
 * moving IP) → verification wave(s) until the cloud shows the result → final state write.
 */
export async function runFailover(
  prepared: PreparedFailover,
  provider: CloudProvider,
  options: FailoverOptions & { callMark?: number },
): Promise<FailoverReport> {
  const { config, activate, plan } = prepared;
  const budgets = timeBudgets(config);
  const now = options.now ?? (() => new Date());
  const taskId = options.taskId ?? randomUUID();
  const mark = options.callMark ?? options.recorder.calls.length;
  const signal = deadlineSignal(budgets.deadlineMs, options.signal);
  const started = performance.now();
  const phases: PhaseTiming[] = [];
  const warnings: string[] = [];
  const timed = async <T>(phase: Phase, roundTrips: (result: T) => number, body: () => Promise<T>): Promise<T> => {
    options.onEvent?.({ type: "phase-start", phase });
    const at = performance.now();
    const result = await body();
    const ms = performance.now() - at;
    phases.push({ phase, at: at - started, ms, roundTrips: roundTrips(result) });
    options.onEvent?.({ type: "phase-end", phase, ms });
    return result;
  };
  const report = (fields: Partial<FailoverReport> & Pick<FailoverReport, "outcome" | "activeNode">): FailoverReport => {
    const calls = options.recorder.since(mark);
    return {
      converged: false,
      requestedNode: activate,
      generation: null,
      taskId,
      durationMs: 0,
      totalMs: performance.now() - started,
      criticalPathRoundTrips: phases.filter((p) => p.phase !== "record" && p.phase !== "prepare" && p.phase !== "settle").reduce((n, p) => n + p.roundTrips, 0),
      apiCalls: calls.length,
      apiCallsByAction: countByAction(calls),
      attempts: calls.reduce((n, c) => n + c.attempts, 0),
      phases,
      operations: [],
      differences: [],
      ...(warnings.length > 0 ? { warnings } : {}),
      ...fields,
    };
  };

  // 0. A planned operation the role may not perform (or that the cloud refuses as it stands)
  //    would fail while the rest of the wave lands, leaving the pair split between the nodes;
  //    a config whose interfaces are not its nodes' would move the pair to the wrong node:
  //    refuse before fencing instead.
  const refusal = refusalBeforeFencing(prepared);
  if (refusal) {
    const { missingPermissions, configProblems, ...error } = refusal;
    return report({ outcome: "failed", activeNode: null, ...(missingPermissions ? { missingPermissions } : {}), ...(configProblems ? { configProblems } : {}), error });
  }
  if (prepared.configCheckError) warnings.push(`The config could not be checked against the cloud before fencing: ${prepared.configCheckError}`);

  // 1. Fencing: exactly one node may move the pair at a time.
  let fence;
  try {
    // A re-read of an outdated cache adds a read and a second write to the critical path.
    fence = await timed("fence", (f) => (f.reread ? 3 : 1), () =>
      takeOver(
        provider.stateStore,
        { label: config.label, activate, taskId, owner: { node: activate, ...options.owner }, now: now(), deadlineMs: budgets.deadlineMs, lateWindowMs: lateWriteWindowMs(budgets) },
        prepared.stored,
        signal,
        { cachedRead: prepared.cached === true },
      ),
    );
  } catch (err) {
    const error = asHaPairError(err);
    return report({ outcome: "failed", activeNode: null, error: errorFields(error, `Could not take the pair over through ${provider.stateStore.location}; nothing was changed.`) });
  }
  if (!fence.acquired) {
    const owner = describeOwner(fence.current, now());
    return report({
      outcome: fence.reason,
      activeNode: fence.current?.activeNode ?? null,
      generation: fence.current?.generation ?? null,
      owner,
      error: {
        code: fence.reason === "busy" ? "FailoverInProgress" : "LostFencingRace",
        message: `Not taking over: ${owner}. Nothing was changed.`,
        fix: fence.reason === "busy"
          ? `Wait for that failover to finish (its deadline is ${fence.current?.deadlineAt}), then trigger again if this node should be active.`
          : "Nothing to fix if the other node is meant to be active; otherwise trigger again once it has finished.",
      },
    });
  }

  if (fence.warning) warnings.push(fence.warning);

  // 2. Mutation waves: every operation of a wave in parallel, each retried by the SDK under the deadline.
  const outcomes: OperationOutcome[] = [];
  for (const wave of plan.waves) {
    await timed("mutate", () => 1, () => runBatch(wave, provider, signal, outcomes, options));
  }

  // 3. Verification: one batched read per resource type; re-read while the cloud's reads lag behind its writes.
  let verified = await timed("verify", (v) => v.reads, () => verify(config, activate, plan, outcomes, provider, signal, budgets.verifyIntervalMs, options));
  const durationMs = performance.now() - started;

  // 3b. Calls of an earlier failover to the other node could still land when we fenced
  //     (late-writes.ts): wait them out, re-verify, repair — also when the verification did not
  //     converge, since what it saw may be exactly such a late write.
  const late = parseBounds(fence.state.lateUntil);
  const lateUntil = settleUntil(late, activate);
  if (lateUntil > 0) {
    verified = await timed("settle", (v) => v.reads + 1, async () => {
      await sleep(Math.max(0, lateUntil - now().getTime()));
      // The wait was covered by our record's deadline; the repair gets a deadline of its own.
      const repairSignal = deadlineSignal(budgets.deadlineMs);
      const observed = await provider.observe(repairSignal).catch(() => undefined);
      const repair = planFailover(config, activate, observed);
      for (const wave of repair.waves) {
        await runBatch(wave, provider, repairSignal, outcomes, options);
      }
      // Nothing to repair: the read just made is the verification's first, not a second Describe round.
      const fresh = repair.waves.length === 0 ? observed : undefined;
      return verify(config, activate, repair, outcomes, provider, repairSignal, budgets.verifyIntervalMs, options, fresh);
    });
  }
  const converged = verified.differences.length === 0 && !verified.error;

  // 4. Record the result, fenced by the ETag of our own takeover. The deadline may have passed:
  //    the result is recorded anyway, under its own short budget.
  const failedOps = outcomes.filter((o) => !o.ok);
  const summary = converged ? undefined : `${describeSplit(config, activate, verified.differences)}. ${summarize(failedOps, verified.differences, verified.error)}`;
  const finalState: PairState = {
    ...fence.state,
    taskState: converged ? "SUCCEEDED" : "FAILED",
    finishedAt: now().toISOString(),
    operations: outcomes,
    ...(summary ? { error: summary } : {}),
  };
  // Until when calls of this run (or earlier ones not yet waited out) may still land.
  if (mayHaveCallsInFlight(outcomes, converged)) late[activate] = Math.max(late[activate] ?? 0, now().getTime() + lateWriteWindowMs(budgets));
  const recordLate = recordBounds(late, now());
  delete finalState.lateUntil;
  if (recordLate) finalState.lateUntil = recordLate;
  let superseded: string | undefined;
  let recordError: HaPairError | undefined;
  await timed("record", () => 1, async () => {
    try {
      await provider.stateStore.write(finalState, { ifMatch: fence.etag }, deadlineSignal(budgets.requestMs * 2));
    } catch (err) {
      if (err instanceof FencingConflictError) {
        // Our version was replaced. By another node's takeover — or by something unreadable,
        // which is not "another node took the pair over" and must be reported as what it is.
        try {
          const current = await provider.stateStore.read(deadlineSignal(budgets.requestMs));
          superseded = describeOwner(current?.state ?? null, now());
        } catch (readErr) {
          const unreadable = asHaPairError(readErr);
          recordError = new HaPairError({
            code: unreadable.code,
            errorClass: unreadable.errorClass,
            message: `While this failover ran, ${provider.stateStore.location} was replaced by a state object that cannot be read: ${unreadable.message}`,
            resource: provider.stateStore.location,
            ...(unreadable.fix ? { fix: unreadable.fix } : {}),
          });
        }
      } else {
        recordError = asHaPairError(err);
      }
    }
  });

  if (superseded) {
    return report({
      outcome: "superseded",
      activeNode: null,
      generation: fence.state.generation,
      durationMs,
      operations: outcomes,
      differences: verified.differences,
      owner: superseded,
      error: { code: "Superseded", message: `Another node took the pair over while this failover ran: ${superseded}.` },
    });
  }
  const error = !converged
    ? { code: failedOps[0]?.error?.code ?? verified.error?.code ?? "NotConverged", message: summary ?? "not converged" }
    : recordError
      ? errorFields(recordError, `The failover converged but its result could not be recorded in ${provider.stateStore.location}.`)
      : undefined;
  return report({
    outcome: converged ? "converged" : "not-converged",
    converged,
    activeNode: activate,
    generation: fence.state.generation,
    durationMs,
    operations: outcomes,
    differences: verified.differences,
    ...(error ? { error } : {}),
  });
}

/** Operations in parallel; their outcomes appended to `outcomes` and reported, in order. */
async function runBatch(ops: Operation[], provider: CloudProvider, signal: AbortSignal, outcomes: OperationOutcome[], options: FailoverOptions): Promise<void> {
  const results = await Promise.all(ops.map((op) => runOperation(op, provider, signal)));
  outcomes.push(...results);
  for (const outcome of results) options.onEvent?.({ type: "operation", outcome });
}

async function runOperation(op: Operation, provider: CloudProvider, signal: AbortSignal): Promise<OperationOutcome> {
  const started = performance.now();
  try {
    const { attempts } = await provider.execute(op, signal);
    return { action: op.action, target: op.target, ok: true, ms: Math.round(performance.now() - started), attempts };
  } catch (err) {
    const error = asHaPairError(err);
    return {
      action: op.action,
      target: op.target,
      ok: false,
      ms: Math.round(performance.now() - started),
      attempts: error.attempts ?? 1,
      error: { code: error.code, message: error.describe() },
    };
  }
}

interface Verification {
  differences: Difference[];
  reads: number;
  error?: HaPairError;
}

async function verify(
  config: AgentConfig,
  activate: NodeId,
  plan: Plan,
  outcomes: OperationOutcome[],
  provider: CloudProvider,
  signal: AbortSignal,
  intervalMs: number,
  options: FailoverOptions,
  /** A read made with no write since: the first round uses it instead of reading again. */
  fresh?: ObservedState,
): Promise<Verification> {
  if (pairItems(config).length === 0) return { differences: [], reads: 0 };
  // Items whose operation failed for good will not change by waiting; others may just be read stale.
  const hopeless = (d: Difference) => {
    const failedTargets = new Set(outcomes.filter((o) => !o.ok).map((o) => o.target));
    return planOperations(plan).some((op) => failedTargets.has(op.target) && coversItem(op, d) && (!plan.followUps?.includes(op) || sentFollowUps.has(op)));
  };
  const sentFollowUps = new Set<Operation>();
  let reads = 0;
  let last: Difference[] = [];
  for (;;) {
    let observed: ObservedState;
    if (fresh) {
      observed = fresh;
      fresh = undefined;
    } else {
      try {
        reads += 1;
        observed = await provider.observe(signal);
      } catch (err) {
        if (signal.aborted) last = (await finalPicture(config, activate, provider)) ?? last;
        return { differences: last, reads, error: asHaPairError(err) };
      }
    }
    last = differences(config, activate, observed);
    options.onEvent?.({ type: "verify", differences: last });
    // What the cloud was expected to do by itself (an EIP following its IP) and did not: send it now, once.
    const due = (plan.followUps ?? []).filter((op) => !sentFollowUps.has(op) && last.some((d) => coversItem(op, d)));
    if (due.length > 0) {
      for (const op of due) sentFollowUps.add(op);
      await runBatch(due, provider, signal, outcomes, options);
      continue;
    }
    if (last.length === 0 || last.every(hopeless)) return { differences: last, reads };
    try {
      await sleep(intervalMs, undefined, { signal });
    } catch {
      return { differences: (await finalPicture(config, activate, provider)) ?? last, reads, error: deadlineError(config) };
    }
  }
}

/**
 * The deadline ran out: one last read under its own short budget (as the result's record has),
 * so the report says where every item is, not just that time was up.
 */
async function finalPicture(config: AgentConfig, activate: NodeId, provider: CloudProvider): Promise<Difference[] | undefined> {
  try {
    return differences(config, activate, await provider.observe(deadlineSignal(timeBudgets(config).requestMs * 2)));
  } catch {
    return undefined;
  }
}

function coversItem(op: Operation, d: Difference): boolean {
  switch (op.action) {
    case "AssignPrivateIpAddresses":
      return d.kind === "secondaryIp" && op.privateIps.includes(d.id);
    case "AssociateAddress":
      return d.kind === "elasticIp" && op.allocationId === d.id;
    case "ReplaceRoute":
      return d.kind === "route" && op.target === d.id;
    case "ReplaceRouteTableAssociation":
      return d.kind === "subnetRouteTable" && op.subnetId === d.id;
    case "UpdateRouteTable":
      return d.kind === "route" && op.routes.some((r) => routeKey(op.routeTableId, r.addressPrefix) === d.id);
    case "MoveIpConfigurations":
      return op.ipConfigurations.some((c) => (d.kind === "secondaryIp" && c.privateIp === d.id) || (d.kind === "elasticIp" && c.publicIpAddressId === d.id));
  }
}

function deadlineError(config: AgentConfig): HaPairError {
  return new HaPairError({
    code: "DeadlineExceeded",
    errorClass: "deadline",
    message: `The failover deadline (${timeBudgets(config).deadlineMs} ms) passed before the cloud showed every change.`,
    fix: "Run `ha-pair inspect` to see what still differs; trigger again (it is safe to repeat), or raise timeouts.deadlineMs.",
  });
}

function summarize(failed: OperationOutcome[], diffs: Difference[], error?: HaPairError): string {
  const parts = [
    ...failed.map((o) => `${o.action} ${o.target} failed: ${o.error?.message ?? "unknown error"}`),
    ...(error ? [error.describe()] : []),
    ...diffs.map(describeDifference),
  ];
  return parts.join("; ");
}

function errorFields(error: HaPairError, context: string): { code: string; message: string; fix?: string } {
  return { code: error.code, message: `${context} ${error.message}`, ...(error.fix ? { fix: error.fix } : {}) };
}
