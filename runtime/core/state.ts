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

export function isStale(state: PairState, now: Date): boolean {
  return state.taskState === "RUNNING" && now.getTime() > Date.parse(state.deadlineAt);
}
