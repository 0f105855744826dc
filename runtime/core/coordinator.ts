import { randomUUID } from "node:crypto";
import type { NodeId } from "../config/types.js";
import type { FailoverReport } from "./executor.js";
import type { TaskState } from "./state.js";

/** Who asked for a failover: the HTTP API (the node's HA machinery) or the reconcile loop. */
export type TriggerSource = "api" | "reconcile";

export interface FailoverTask {
  id: string;
  activate: NodeId;
  state: TaskState;
  /** The trigger that started it. */
  source: TriggerSource;
  /** How many triggers this task answered: 1 plus those that joined it while it ran. */
  triggers: number;
  startedAt: string;
  finishedAt?: string;
  /** Set once the task has finished. */
  report?: FailoverReport;
  /** Only if the run itself threw (a bug): what it threw. */
  error?: string;
}

export type TriggerResult =
  | { accepted: true; task: FailoverTask; joined: boolean }
  /** A failover to the other node is running on this agent; it is not joined and not overrun. */
  | { accepted: false; running: FailoverTask };

/** Runs one failover; never throws (a failure is a report with outcome "failed"). */
export type FailoverRun = (activate: NodeId, taskId: string, source: TriggerSource) => Promise<FailoverReport>;

/**
 * One failover at a time per agent. Triggers come in bursts (keepalived runs its notify script
 * for every VRRP instance, an operator retries, the reconcile loop fires while the HA machinery
 * does): a trigger while a failover to the same node runs joins it — same task id, no second
 * fencing write — instead of starting another that would only bump the generation and repeat
 * every call. Cloud-neutral; the caller supplies the run.
 */
export class FailoverCoordinator {
  private running: { task: FailoverTask; done: Promise<FailoverTask> } | undefined;
  private latest: FailoverTask | undefined;

  constructor(
    private readonly run: FailoverRun,
    private readonly hooks: { onStart?: (task: FailoverTask) => void; onFinish?: (task: FailoverTask) => void } = {},
  ) {}

  /** Start a failover to `activate`, or join the one running. Starts the run synchronously: nothing is awaited before it. */
  trigger(activate: NodeId, source: TriggerSource): TriggerResult {
    if (this.running) {
      if (this.running.task.activate !== activate) return { accepted: false, running: this.running.task };
      this.running.task.triggers += 1;
      return { accepted: true, task: this.running.task, joined: true };
    }
    const task: FailoverTask = { id: randomUUID(), activate, state: "RUNNING", source, triggers: 1, startedAt: new Date().toISOString() };
    this.latest = task;
    this.hooks.onStart?.(task);
    const done = this.run(activate, task.id, source).then(
      (report) => this.finish(task, report.converged ? "SUCCEEDED" : "FAILED", report),
      // A run is not supposed to throw; if it does, the task still ends and the next trigger starts afresh.
      (err: unknown) => this.finish(task, "FAILED", undefined, err),
    );
    this.running = { task, done };
    return { accepted: true, task, joined: false };
  }

  private finish(task: FailoverTask, state: TaskState, report: FailoverReport | undefined, err?: unknown): FailoverTask {
    task.state = state;
    task.finishedAt = new Date().toISOString();
    if (report) task.report = report;
    else if (err !== undefined) task.error = err instanceof Error ? err.message : String(err);
    if (this.running?.task === task) this.running = undefined;
    this.hooks.onFinish?.(task);
    return task;
  }

  /** The running task, if any. */
  get current(): FailoverTask | undefined {
    return this.running?.task;
  }

  /** The most recent task, running or finished. */
  get last(): FailoverTask | undefined {
    return this.latest;
  }

  /** Resolves with the task once it has finished. */
  wait(task: FailoverTask): Promise<FailoverTask> {
    if (this.running?.task === task) return this.running.done;
    return Promise.resolve(task);
  }

  /** Resolves when no failover runs (at once if none does). */
  async idle(): Promise<void> {
    while (this.running) await this.running.done;
  }
}
