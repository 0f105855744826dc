import type { NodeId } from "../config/types.js";
import { FencingConflictError, HaPairError } from "./errors.js";
import { isStale, type PairState, type StateStore, type StoredState } from "./state.js";

export interface TakeOverIntent {
  label: string;
  activate: NodeId;
  taskId: string;
  owner: PairState["owner"];
  now: Date;
  deadlineMs: number;
}

export type TakeOverResult =
  | { acquired: true; etag: string; state: PairState; previous: PairState | null }
  | {
      acquired: false;
      /** lost-race: our conditional write lost; busy: the other node's failover is still running. */
      reason: "lost-race" | "busy";
      current: PairState | null;
    };

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
  if (previous && previous.taskState === "RUNNING" && previous.activeNode !== intent.activate && !isStale(previous, intent.now)) {
    return { acquired: false, reason: "busy", current: previous };
  }
  const state: PairState = {
    schemaVersion: 1,
    label: intent.label,
    generation: (previous?.generation ?? 0) + 1,
    activeNode: intent.activate,
    taskId: intent.taskId,
    taskState: "RUNNING",
    owner: intent.owner,
    startedAt: intent.now.toISOString(),
    deadlineAt: new Date(intent.now.getTime() + intent.deadlineMs).toISOString(),
    operations: [],
  };
  try {
    const etag = await store.write(state, read ? { ifMatch: read.etag } : { ifNoneMatch: "*" }, signal);
    return { acquired: true, etag, state, previous };
  } catch (err) {
    if (!(err instanceof FencingConflictError)) throw err;
    const current = await store.read(signal);
    return { acquired: false, reason: "lost-race", current: current?.state ?? null };
  }
}

/** Who holds the pair, in one line, for a node that does not fight. */
export function describeOwner(state: PairState | null, now: Date): string {
  if (!state) return "no node has taken the pair over yet";
  const age = Math.max(0, Math.round((now.getTime() - Date.parse(state.startedAt)) / 1000));
  const by = state.owner.instanceId ? ` (${state.owner.instanceId})` : "";
  return `node ${state.activeNode}${by} owns the pair since generation ${state.generation}, taken ${age}s ago, task ${state.taskState}`;
}
