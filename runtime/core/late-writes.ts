/**
 * Late-landing writes (issue 9, defect 1). A node that gives up on a call (its request timed
 * out, its deadline passed, it was killed) does not know whether the cloud will still apply it:
 * EC2 may have the request and complete it seconds later. FAILED never blocks the next
 * failover, so without a bound the other node could take over, converge, record SUCCEEDED —
 * and then the first node's calls land and silently move the pair back.
 *
 * The bound: a call that reached the cloud lands within LATE window = 2 × requestMs + 1 s after
 * its client stopped waiting for it (an assumption, stated in the README). Every record says,
 * per node, until when calls moving the pair to that node may still land (`lateUntil`): a run
 * that failed, or retried a call whose first attempt may still be in flight, writes now + window
 * for its node; a RUNNING record that went stale (its owner died) implies its deadline + window.
 * The next owner inherits the bounds with its fencing write; when the other node's bound is
 * still ahead, it extends its own deadline by the wait (so nobody overruns it meanwhile),
 * converges as usual, then waits for the bound, re-verifies and repairs what landed late before
 * it records SUCCEEDED. Calls toward the node being activated only help, so they are not waited for. The active node's reconcile loop repairs anything that lands later.
 */
import type { NodeId, TimeBudgets } from "../config/types.js";
import { NODE_IDS } from "../config/types.js";
import { MAX_DEADLINE_MS, staleReason, type OperationOutcome, type PairState } from "./state.js";

/** How long after its client gave up a call may still be applied by the cloud (the stated assumption). */
export function lateWriteWindowMs(budgets: Required<TimeBudgets>): number {
  return 2 * budgets.requestMs + 1_000;
}

/** Per node: until when (epoch ms) calls moving the pair to that node may still land. */
export type LateBounds = Partial<Record<NodeId, number>>;

/**
 * The bounds `previous` implies, those still after `now`: its recorded ones, and for a RUNNING
 * record (live, or stale: its owner died) its own calls until its deadline plus the window.
 */
export function inheritedLateBounds(previous: PairState | null, now: Date, windowMs: number): LateBounds {
  if (!previous) return {};
  const at = now.getTime();
  const bounds: LateBounds = {};
  const add = (node: NodeId, until: number) => {
    // A garbled far-future bound must not hold the pair: never more than half the largest budget.
    const capped = Math.min(until, at + MAX_DEADLINE_MS / 2);
    if (Number.isFinite(capped) && capped > at && capped > (bounds[node] ?? 0)) bounds[node] = capped;
  };
  for (const node of NODE_IDS) add(node, Date.parse(previous.lateUntil?.[node] ?? ""));
  if (previous.taskState === "RUNNING") {
    // One with a deadline no agent could set says nothing about when its calls went out: one window from now.
    const implausible = staleReason(previous, now)?.kind === "implausible";
    add(previous.activeNode, implausible ? at + windowMs : Date.parse(previous.deadlineAt) + windowMs);
  } else if (previous.taskState === "FAILED" && previous.lateUntil === undefined) {
    // Written by an agent that did not record bounds yet.
    add(previous.activeNode, Date.parse(previous.finishedAt ?? previous.deadlineAt) + windowMs);
  }
  return bounds;
}

/** Until when a failover to `activate` must wait: calls moving the pair to the other node may land until then (0: no wait). */
export function settleUntil(bounds: LateBounds, activate: NodeId): number {
  return Math.max(0, ...NODE_IDS.filter((node) => node !== activate).map((node) => bounds[node] ?? 0));
}

/** Whether calls of this run may still land after it ends: one failed, or one was retried (its first attempt may be in flight). */
export function mayHaveCallsInFlight(outcomes: OperationOutcome[], converged: boolean): boolean {
  return !converged || outcomes.some((o) => !o.ok || o.attempts > 1);
}

/** The bounds a record carries (only those after `now`), as ISO instants. */
export function recordBounds(bounds: LateBounds, now: Date): PairState["lateUntil"] {
  const entries = NODE_IDS.filter((node) => (bounds[node] ?? 0) > now.getTime()).map((node) => [node, new Date(bounds[node]!).toISOString()] as const);
  return entries.length > 0 ? Object.fromEntries(entries) : undefined;
}

/** The bounds of a record as epoch ms. */
export function parseBounds(recorded: PairState["lateUntil"]): LateBounds {
  const bounds: LateBounds = {};
  for (const node of NODE_IDS) {
    const at = Date.parse(recorded?.[node] ?? "");
    if (Number.isFinite(at)) bounds[node] = at;
  }
  return bounds;
}
