import type { NodeId } from "../config/types.js";
import type { OperationAction } from "./operations.js";

export type TaskState = "RUNNING" | "SUCCEEDED" | "FAILED";

/** The outcome of one operation of a failover, as recorded in the state object and reported. */
export interface OperationOutcome {
  action: OperationAction;
  target: string;
  ok: boolean;
  /** Wall time of the call including its retries. */
  ms: number;
  /** HTTP attempts the call took (1 = no retry). */
  attempts: number;
  error?: { code: string; message: string };
}

/**
 * The pair's state object. Its ETag fences takeovers: a node takes the pair over only by a
 * conditional write against the version it read, and the generation counts takeovers.
 */
export interface PairState {
  schemaVersion: 1;
  label: string;
  generation: number;
  activeNode: NodeId;
  taskId: string;
  taskState: TaskState;
  /** Who wrote this generation: the node and, when known, its instance and host. */
  owner: { node: NodeId; instanceId?: string; host?: string };
  startedAt: string;
  /** A RUNNING task past this instant is stale: its owner gave up or died. */
  deadlineAt: string;
  finishedAt?: string;
  /**
   * Per node: calls (of this or an earlier failover) moving the pair to that node may still be
   * applied by the cloud until this instant (late-landing writes). A node taking the pair over
   * waits for the other node's bound, re-verifies and repairs. See late-writes.ts.
   */
  lateUntil?: Partial<Record<NodeId, string>>;
  operations: OperationOutcome[];
  error?: string;
}

/** The state object as read, with the ETag a conditional write must match. */
export interface StoredState {
  state: PairState;
  etag: string;
}

export type WriteCondition = { ifMatch: string } | { ifNoneMatch: "*" };

/** Durable, conditional storage of one pair's state object (S3 now, Azure Blob later). */
export interface StateStore {
  /** Where the state lives, for messages (s3://bucket/key). */
  readonly location: string;
  /** null when no state object exists yet. */
  read(signal?: AbortSignal): Promise<StoredState | null>;
  /** Writes only if the condition holds; otherwise throws FencingConflictError. Returns the new ETag. */
  write(state: PairState, condition: WriteCondition, signal?: AbortSignal): Promise<string>;
  /** Removes the state object (operator reset). */
  remove(signal?: AbortSignal): Promise<void>;
  /** Checks write permission without changing anything (preflight). */
  probeWrite(signal?: AbortSignal): Promise<void>;
}

/**
 * The largest deadline any agent may give a failover (the config schema's maximum of
 * timeouts.deadlineMs). A RUNNING record that claims more than this — a garbled or far-future
 * deadlineAt, or a writer whose clock runs ahead — cannot be a live failover of ours.
 */
export const MAX_DEADLINE_MS = 600_000;

/**
 * Why a RUNNING record no longer blocks a takeover, or undefined while it is a live failover:
 * past its deadline (its owner gave up or died), or a deadline no agent could have set. The
 * second is worth a warning naming the writer: its clock or its state writes are wrong.
 */
export function staleReason(state: PairState, now: Date): { kind: "expired" | "implausible"; message: string } | undefined {
  if (state.taskState !== "RUNNING") return undefined;
  const deadline = Date.parse(state.deadlineAt);
  const started = Date.parse(state.startedAt);
  const writer = `node ${state.owner?.node ?? state.activeNode}${state.owner?.instanceId ? ` (${state.owner.instanceId})` : ""}${state.owner?.host ? ` on ${state.owner.host}` : ""}`;
  const implausible = (why: string) => ({
    kind: "implausible" as const,
    message: `the RUNNING state of generation ${state.generation} written by ${writer} ${why}, beyond any failover's deadline (at most ${MAX_DEADLINE_MS / 1000}s): treated as stale. Check that node's clock (NTP) and agent version.`,
  });
  if (!Number.isFinite(deadline)) return implausible(`has an unreadable deadlineAt ${JSON.stringify(state.deadlineAt)}`);
  if (!Number.isFinite(started) || deadline - started > MAX_DEADLINE_MS) return implausible(`claims a deadline of ${state.deadlineAt} from a start at ${JSON.stringify(state.startedAt)}`);
  if (deadline - now.getTime() > MAX_DEADLINE_MS) return implausible(`has a deadline ${state.deadlineAt} that lies ${Math.round((deadline - now.getTime()) / 1000)}s ahead of this node's clock`);
  if (now.getTime() > deadline) return { kind: "expired", message: `the failover of generation ${state.generation} by ${writer} passed its deadline ${state.deadlineAt}` };
  return undefined;
}

export function isStale(state: PairState, now: Date): boolean {
  return staleReason(state, now) !== undefined;
}
