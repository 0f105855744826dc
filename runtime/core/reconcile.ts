import { describeTwinDrift, twinTableDrift } from "./twin-drift.js";
import type { AgentConfig, NodeId } from "../config/types.js";
import { timeBudgets } from "../config/types.js";
import type { FailoverCoordinator } from "./coordinator.js";
import { describeDifference, differences } from "./desired.js";
import { asHaPairError } from "./errors.js";
import { describeOwner } from "./fencing.js";
import type { CloudProvider } from "./provider.js";
import { isStale, type StoredState } from "./state.js";
import { deadlineSignal } from "./deadline.js";

/** What the node's own HA machinery says this node is. */
export type Role = "active" | "standby" | "unknown";

export interface RoleReading {
  role: Role;
  /** How it was decided: "exit 0", "exit 1", "timed out after 5000 ms", "spawn ENOENT", ... */
  detail: string;
}

export type ReconcileDecision =
  /** The role command says standby: never move anything toward this node. */
  | "standby"
  /** The role command failed or timed out: do nothing. */
  | "role-unknown"
  /** A failover runs (on this agent, or a RUNNING one in the state object inside its deadline); the next round looks again. */
  | "failover-running"
  /** Active, and the cloud already points every item at this node. */
  | "in-place"
  /** Active and drifted, but the other node took the pair over within the hold-down window. */
  | "hold-down"
  /** Active and drifted: a failover to this node ran through the coordinator (fenced as usual). */
  | "repair"
  /** The cloud or the state object could not be read: do nothing. */
  | "read-failed";

export interface ReconcileRound {
  decision: ReconcileDecision;
  role: RoleReading;
  /** Items that did not point at this node (when observed). */
  differences?: string[];
  /** The repair's task and how it ended. */
  taskId?: string;
  outcome?: string;
  detail?: string;
  /** Association mode: drift between the twin route tables, each with its fix (when observed). */
  twinDrift?: string[];
}

export interface ReconcileDeps {
  config: AgentConfig;
  /** This node. */
  node: NodeId;
  provider: CloudProvider;
  coordinator: FailoverCoordinator;
  /** A fresh read of the state object (for the hold-down). */
  readState: () => Promise<StoredState | null>;
  role: () => Promise<RoleReading>;
  holdDownMs: number;
  now?: () => Date;
}

/**
 * One level-triggered round: ask the HA machinery which role this node has; only when it says
 * active, observe the cloud, and if anything points elsewhere, fail over to this node through
 * the coordinator (joining any trigger in flight, fenced like any failover). This closes the
 * hole where both nodes restart, the HA machinery settles without a transition, and no trigger
 * ever fires. It never moves anything toward this node on standby or unknown.
 *
 * Hold-down: when both nodes briefly claim active (a VRRP split during a network blip), each
 * would repair toward itself every round. If the state object shows the other node took the
 * pair over within the hold-down window, this round does not repair: that takeover was a
 * deliberate trigger, and if both keep claiming active, the fencing generation orders them.
 */
export async function reconcileOnce(deps: ReconcileDeps): Promise<ReconcileRound> {
  const now = deps.now ?? (() => new Date());
  const role = await deps.role();
  if (role.role === "standby") return { decision: "standby", role };
  if (role.role === "unknown") return { decision: "role-unknown", role };
  if (deps.coordinator.current) return { decision: "failover-running", role, taskId: deps.coordinator.current.id };

  const signal = deadlineSignal(timeBudgets(deps.config).deadlineMs);
  let drift: string[];
  let twins: { twinDrift?: string[] } = {};
  try {
    const observed = await deps.provider.observe(signal, { twinTables: true });
    drift = differences(deps.config, deps.node, observed).map(describeDifference);
    const twinDrift = deps.config.cloud === "aws" ? twinTableDrift(deps.config, observed).map(describeTwinDrift) : [];
    if (twinDrift.length > 0) twins = { twinDrift };
  } catch (err) {
    return { decision: "read-failed", role, detail: `observing the cloud failed: ${asHaPairError(err).describe()}` };
  }
  if (drift.length === 0) return { decision: "in-place", role, differences: [], ...twins };

  let stored: StoredState | null;
  try {
    stored = await deps.readState();
  } catch (err) {
    // Without the state the hold-down cannot be checked; repairing blind could fight a fresh takeover.
    return { decision: "read-failed", role, differences: drift, detail: `reading the state object failed: ${asHaPairError(err).describe()}` };
  }
  const state = stored?.state;
  if (state && state.taskState === "RUNNING" && !isStale(state, now())) {
    // Some failover (the other node's, or a one-shot command's on this node) is moving things
    // right now: what was observed is a picture mid-flight, not drift. Its deadline bounds the wait.
    return { decision: "failover-running", role, differences: drift, detail: describeOwner(state, now()) };
  }
  if (state && state.activeNode !== deps.node) {
    const age = now().getTime() - Date.parse(state.startedAt);
    if (age < deps.holdDownMs) {
      return { decision: "hold-down", role, differences: drift, detail: `${describeOwner(state, now())}; within the hold-down of ${deps.holdDownMs / 1000}s` };
    }
  }

  const triggered = deps.coordinator.trigger(deps.node, "reconcile");
  if (!triggered.accepted) return { decision: "failover-running", role, differences: drift, taskId: triggered.running.id };
  const task = await deps.coordinator.wait(triggered.task);
  return {
    ...twins,
    decision: "repair",
    role,
    differences: drift,
    taskId: task.id,
    outcome: task.report?.outcome ?? "failed",
    ...(task.report?.error ? { detail: task.report.error.message } : task.error ? { detail: task.error } : {}),
  };
}

/** Runs reconcileOnce every intervalMs (rounds never overlap) until stop(). */
export class ReconcileLoop {
  private timer: NodeJS.Timeout | undefined;
  private round: Promise<void> | undefined;
  private stopped = false;

  constructor(
    private readonly deps: ReconcileDeps,
    private readonly intervalMs: number,
    private readonly onRound: (round: ReconcileRound) => void,
    private readonly onError: (err: unknown) => void = () => undefined,
  ) {}

  start(): void {
    this.schedule();
  }

  private schedule(): void {
    if (this.stopped) return;
    this.timer = setTimeout(() => {
      this.round = reconcileOnce(this.deps)
        .then(this.onRound, this.onError)
        .finally(() => {
          this.round = undefined;
          this.schedule();
        });
    }, this.intervalMs);
  }

  /** No new round starts; resolves when the one under way (if any) has ended. */
  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    await this.round;
  }
}

/**
 * The role when no role command is configured (the default): the state object decides. This
 * node is active only while the latest record names it with SUCCEEDED; any other record
 * (the other node's, a RUNNING or FAILED one, none) makes it standby. The loop then only ever
 * restores what the state already says — drift, or a late write that landed after its bound —
 * and never moves the pair away from the node the state names.
 */
export function stateRole(node: NodeId, readState: () => Promise<StoredState | null>): () => Promise<RoleReading> {
  return async () => {
    let stored: StoredState | null;
    try {
      stored = await readState();
    } catch (err) {
      return { role: "unknown", detail: `state object unreadable: ${asHaPairError(err).code}` };
    }
    const state = stored?.state;
    if (!state) return { role: "standby", detail: "state object: no record yet" };
    const detail = `state object: node ${state.activeNode}, generation ${state.generation}, ${state.taskState}`;
    return { role: state.activeNode === node && state.taskState === "SUCCEEDED" ? "active" : "standby", detail };
  };
}
