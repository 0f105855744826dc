import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from "prom-client";
import type { FailoverReport } from "../core/executor.js";
import type { ApiCallRecord } from "../core/provider.js";
import type { ReconcileDecision } from "../core/reconcile.js";
import type { PairState } from "../core/state.js";

const OUTCOMES = ["converged", "not-converged", "lost-race", "busy", "superseded", "failed"] as const;

/**
 * The daemon's Prometheus metrics, in a registry of its own (never prom-client's global one, so
 * two daemons in one test process do not share counters). Label values are bounded: outcomes,
 * API actions and reconcile decisions are fixed sets; no resource IDs.
 */
export class AgentMetrics {
  readonly registry = new Registry();
  private readonly duration: Histogram<"outcome">;
  private readonly failovers: Counter<"outcome" | "source">;
  private readonly apiCalls: Counter<"service" | "action" | "outcome">;
  private readonly lastTime: Gauge;
  private readonly lastResult: Gauge<"outcome">;
  private readonly lastConverged: Gauge;
  private readonly generation: Gauge;
  private readonly ownerNode: Gauge<"node">;
  private readonly reconcile: Counter<"decision">;
  private readonly denied: Gauge;

  constructor(info: { version: string; node: string; label: string; configDigest: string }) {
    const registers = [this.registry];
    collectDefaultMetrics({ register: this.registry, prefix: "ha_pair_" });
    new Gauge({ name: "ha_pair_agent_info", help: "The agent: version, node, pair label, config digest (always 1)", labelNames: ["version", "node", "label", "config_digest"], registers })
      .set({ version: info.version, node: info.node, label: info.label, config_digest: info.configDigest }, 1);
    this.duration = new Histogram({
      name: "ha_pair_failover_duration_seconds",
      help: "Trigger (fencing write) to converged, per failover, by outcome",
      labelNames: ["outcome"],
      buckets: [0.1, 0.25, 0.5, 1, 2, 5, 10, 20, 30, 60, 120],
      registers,
    });
    this.failovers = new Counter({ name: "ha_pair_failovers_total", help: "Failovers run by this agent, by outcome and trigger source (api, reconcile)", labelNames: ["outcome", "source"], registers });
    this.apiCalls = new Counter({ name: "ha_pair_api_calls_total", help: "Cloud API calls made by this agent, by service, action and outcome (ok, error; check for a permission check such as DryRun)", labelNames: ["service", "action", "outcome"], registers });
    this.lastTime = new Gauge({ name: "ha_pair_last_failover_timestamp_seconds", help: "When the last failover of this agent finished (Unix time)", registers });
    this.lastResult = new Gauge({ name: "ha_pair_last_failover_result", help: "Outcome of the last failover of this agent: 1 for its outcome, 0 for the others", labelNames: ["outcome"], registers });
    this.lastConverged = new Gauge({ name: "ha_pair_last_failover_success", help: "1 if the last failover of this agent converged, 0 if not", registers });
    this.generation = new Gauge({ name: "ha_pair_owner_generation", help: "Generation of the pair's state object as last read (number of takeovers)", registers });
    this.ownerNode = new Gauge({ name: "ha_pair_owner_node", help: "The node the state object names as owner: 1 for it, 0 for the other", labelNames: ["node"], registers });
    this.denied = new Gauge({ name: "ha_pair_permission_checks_denied", help: "Operations of this node's failover plan its role may not perform, as last checked off the trigger path (0 = all permitted)", registers });
    this.reconcile = new Counter({ name: "ha_pair_reconcile_rounds_total", help: "Reconcile rounds by decision", labelNames: ["decision"], registers });
  }

  apiCall(call: ApiCallRecord): void {
    this.apiCalls.inc({ service: call.service, action: call.action, outcome: call.check ? "check" : call.ok ? "ok" : "error" });
  }

  failover(report: FailoverReport, source: string): void {
    this.failovers.inc({ outcome: report.outcome, source });
    // Only runs that reached the trigger have a duration worth a histogram sample.
    if (report.durationMs > 0) this.duration.observe({ outcome: report.outcome }, report.durationMs / 1000);
    this.lastTime.set(Date.now() / 1000);
    for (const outcome of OUTCOMES) this.lastResult.set({ outcome }, outcome === report.outcome ? 1 : 0);
    this.lastConverged.set(report.converged ? 1 : 0);
  }

  state(state: PairState | null): void {
    this.generation.set(state?.generation ?? 0);
    for (const node of ["a", "b"]) this.ownerNode.set({ node }, state?.activeNode === node ? 1 : 0);
  }

  permissions(denied: number): void {
    this.denied.set(denied);
  }

  reconcileRound(decision: ReconcileDecision): void {
    this.reconcile.inc({ decision });
  }

  text(): Promise<string> {
    return this.registry.metrics();
  }

  get contentType(): string {
    return this.registry.contentType;
  }
}
