import type { NodeId } from "../config/types.js";
import { FencingConflictError, HaPairError } from "./errors.js";
import { inheritedLateBounds, recordBounds, settleUntil } from "./late-writes.js";
import { MAX_DEADLINE_MS, staleReason, type PairState, type StateStore, type StoredState } from "./state.js";

export interface TakeOverIntent {
  label: string;
  activate: NodeId;
  taskId: string;
  owner: PairState["owner"];
  now: Date;
  deadlineMs: number;
  /** How long after its client gave up a call may still land (late-writes.ts); default: no late writes considered. */
  lateWindowMs?: number;
}

export type TakeOverResult = (
  | { acquired: true; etag: string; state: PairState; previous: PairState | null }
  | {
      acquired: false;
      /** lost-race: our conditional write lost; busy: the other node's failover is still running. */
      reason: "lost-race" | "busy";
      current: PairState | null;
    }
) & {
  /** The read passed in was a cached one that turned out outdated, and the state was re-read once. */
  reread?: boolean;
  /** Something about the previous record worth an operator's attention (an implausible deadline, naming its writer). */
  warning?: string;
};

export interface TakeOverOptions {
  /**
   * The read passed in is a cached one (the daemon's), possibly seconds old, not a read made
   * just before this trigger. Then an outdated cache must not be mistaken for a lost race:
   * when the write answers 412 (or the cache shows the other node busy), the state is re-read
   * once and the same rules are applied to that fresh read — except that a takeover by the
   * other node that began at or after our trigger is a race we lost (never fight a fresh owner).
   */
  cachedRead?: boolean;
}

/**
 * Take the pair over for `activate` with one conditional write of the state object, against
 * the version read just before (If-Match its ETag; If-None-Match: * when there is none yet).
 * Two nodes racing: exactly one write succeeds; the loser re-reads and reports the owner, and
 * does not fight. A failover of the other node that is still RUNNING inside its deadline is
 * not overrun (its mutations may still be in flight); one past its deadline is stale — its
 * owner gave up or died — and never blocks. A FAILED or SUCCEEDED state never blocks.
 */
export async function takeOver(
  store: StateStore,
  intent: TakeOverIntent,
  read: StoredState | null,
  signal?: AbortSignal,
  options: TakeOverOptions = {},
): Promise<TakeOverResult> {
  if (read && read.state.label !== intent.label) {
    throw new HaPairError({
      code: "StateBelongsToAnotherPair",
      errorClass: "permanent",
      resource: store.location,
      message: `The state object ${store.location} belongs to pair "${read.state.label}", not "${intent.label}".`,
      fix: "Give each pair its own stateStore.key in the config.",
    });
  }
  const previous = read?.state ?? null;
  const stale = previous ? staleReason(previous, intent.now) : undefined;
  const warning = stale?.kind === "implausible" ? { warning: stale.message } : {};
  if (previous && previous.taskState === "RUNNING" && previous.activeNode !== intent.activate && !stale) {
    // A cached RUNNING may have finished since it was read.
    if (options.cachedRead) return takeOverFresh(store, intent, signal);
    return { acquired: false, reason: "busy", current: previous };
  }
  // Calls of earlier failovers may still land: the new record carries the bound, and its deadline
  // covers the wait for it, so that no node overruns this one while it waits and re-verifies.
  const late = intent.lateWindowMs !== undefined ? inheritedLateBounds(previous, intent.now, intent.lateWindowMs) : {};
  const lateUntil = recordBounds(late, intent.now);
  const wait = Math.max(0, settleUntil(late, intent.activate) - intent.now.getTime());
  const state: PairState = {
    schemaVersion: 1,
    label: intent.label,
    generation: (previous?.generation ?? 0) + 1,
    activeNode: intent.activate,
    taskId: intent.taskId,
    taskState: "RUNNING",
    owner: intent.owner,
    startedAt: intent.now.toISOString(),
    // With a wait: the failover, the wait, and the re-verification and repair after it.
    deadlineAt: new Date(intent.now.getTime() + Math.min(intent.deadlineMs + (wait > 0 ? wait + intent.deadlineMs : 0), MAX_DEADLINE_MS)).toISOString(),
    ...(lateUntil ? { lateUntil } : {}),
    operations: [],
  };
  try {
    const etag = await store.write(state, read ? { ifMatch: read.etag } : { ifNoneMatch: "*" }, signal);
    return { acquired: true, etag, state, previous, ...warning };
  } catch (err) {
    if (!(err instanceof FencingConflictError)) throw err;
    if (options.cachedRead) return takeOverFresh(store, intent, signal);
    const current = await store.read(signal);
    return { acquired: false, reason: "lost-race", current: current?.state ?? null };
  }
}

/** The daemon's cache was outdated: re-read once, then exactly the rules of a fresh read. */
async function takeOverFresh(store: StateStore, intent: TakeOverIntent, signal?: AbortSignal): Promise<TakeOverResult> {
  const fresh = await store.read(signal);
  if (fresh && isFreshOwner(fresh.state, intent)) return { acquired: false, reason: "lost-race", current: fresh.state, reread: true };
  return { ...(await takeOver(store, intent, fresh, signal)), reread: true };
}

/**
 * The other node took the pair over at or after the instant of our trigger: both were triggered
 * together and its write landed first — a race we lost, whatever state its task is in now. (Its
 * clock is compared with ours; with skew, a RUNNING takeover is still caught by the busy rule.)
 */
function isFreshOwner(state: PairState, intent: TakeOverIntent): boolean {
  return state.activeNode !== intent.activate && Date.parse(state.startedAt) >= intent.now.getTime();
}

/** Who holds the pair, in one line, for a node that does not fight. */
export function describeOwner(state: PairState | null, now: Date): string {
  if (!state) return "no node has taken the pair over yet";
  const age = Math.max(0, Math.round((now.getTime() - Date.parse(state.startedAt)) / 1000));
  const by = state.owner.instanceId ? ` (${state.owner.instanceId})` : "";
  return `node ${state.activeNode}${by} owns the pair since generation ${state.generation}, taken ${age}s ago, task ${state.taskState}`;
}
