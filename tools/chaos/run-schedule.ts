/**
 * Runs one chaos schedule against a fresh simulated cloud, in process, and checks the invariants:
 * during the steps (no run that did not own the pair moved anything; at most one winner of a
 * race; no run reported converged while the cloud disagreed; generations never go back), once
 * quiet (checkQuiet), and after a final recovery trigger with the faults gone (the pair must end
 * on one node, the one the state names, with nothing but the HA machinery's trigger).
 */
import { setTimeout as sleep } from "node:timers/promises";
import { createAwsProvider } from "../../runtime/aws/index.js";
import type { AwsAgentConfig as AgentConfig, NodeId } from "../../runtime/config/types.js";
import { failover, prepareFailover, runFailover, type FailoverReport } from "../../runtime/core/executor.js";
import type { CloudProvider } from "../../runtime/core/provider.js";
import { CallRecorder } from "../../runtime/core/recorder.js";
import type { PairState } from "../../runtime/core/state.js";
import { startAwsSim, type AwsSim } from "../../sim/index.js";
import { SeededRandom } from "../../sim/faults.js";
import { exampleTopology } from "../../sim/topologies.js";
import { useSimEnvironment } from "../sim-env.js";
import { crashAfter } from "./crash.js";
import { checkQuiet, holderNow, interfaceProperties, storedState, type Violation } from "./invariants.js";
import { describeStep, scheduleFor, type Schedule, type Step } from "./schedule.js";

export interface ScheduleResult {
  seed: number;
  background: string[];
  steps: string[];
  violations: Violation[];
  outcomes: string[];
  lateWritesLanded: number;
  ms: number;
}

/** Short budgets keep a schedule to a few seconds; the late-write window is then 2 × 200 + 1000 ms. */
export const CHAOS_TIMEOUTS = { deadlineMs: 1_500, requestMs: 200, connectMs: 150, verifyIntervalMs: 40 } as const;
const MUTATING = new Set(["AssignPrivateIpAddresses", "AssociateAddress", "ReplaceRoute"]);
const OWNERLESS = new Set(["lost-race", "busy", "failed"]);

export async function runSchedule(schedule: Schedule = scheduleFor(0)): Promise<ScheduleResult> {
  const started = performance.now();
  const sim = await startAwsSim({ topology: exampleTopology(), port: 0, seed: schedule.seed, faults: schedule.background });
  const run = new ScheduleRun(sim, schedule);
  try {
    await run.all();
  } catch (err) {
    run.violation("no-crash-of-the-harness", err instanceof Error ? (err.stack ?? err.message) : String(err));
  } finally {
    run.close();
    await sim.stop();
  }
  return {
    seed: schedule.seed,
    background: schedule.backgroundNames,
    steps: schedule.steps.map(describeStep),
    violations: run.violations,
    outcomes: run.outcomes,
    lateWritesLanded: sim.lateWrites().landed,
    ms: Math.round(performance.now() - started),
  };
}

class ScheduleRun {
  readonly violations: Violation[] = [];
  readonly outcomes: string[] = [];
  private readonly config: AgentConfig;
  private readonly random: SeededRandom;
  private readonly providers: CloudProvider[] = [];
  private generations: number[] = [];
  private corruptHolder: string | undefined;

  constructor(
    private readonly sim: AwsSim,
    private readonly schedule: Schedule,
  ) {
    this.config = { ...sim.agentConfig(), timeouts: { ...CHAOS_TIMEOUTS } };
    this.random = new SeededRandom(schedule.seed ^ 0x5bd1e995);
  }

  violation(invariant: string, detail: string): void {
    this.violations.push({ seed: this.schedule.seed, invariant, detail });
  }

  async all(): Promise<void> {
    const before = interfaceProperties(this.sim, this.config);
    for (const step of this.schedule.steps) {
      await this.step(step);
      await this.quiet();
      this.noteGeneration();
      this.violations.push(...checkQuiet(this.schedule.seed, this.sim, this.config, `after "${describeStep(step)}"`));
    }
    await this.recover();
    const after = interfaceProperties(this.sim, this.config);
    for (const [id, props] of Object.entries(before)) {
      if (after[id] !== props) this.violation("no-interface-property-lost", `${id}: ${props} became ${after[id]}`);
    }
  }

  close(): void {
    for (const provider of this.providers) (provider as { close?(): void }).close?.();
  }

  private agent(node: NodeId, config = this.config): { provider: CloudProvider; recorder: CallRecorder } {
    useSimEnvironment(this.sim, node);
    const recorder = new CallRecorder();
    const provider = createAwsProvider(config, { onCall: recorder.record });
    this.providers.push(provider);
    return { provider, recorder };
  }

  /** A one-shot run: its report checked for what a run that did not own the pair may never do. */
  private async oneShot(node: NodeId, options: { config?: AgentConfig; alone?: boolean; label?: string } = {}): Promise<FailoverReport> {
    const { provider, recorder } = this.agent(node, options.config);
    const report = await failover(options.config ?? this.config, node, provider, { recorder, owner: { host: `chaos-${node}` } });
    this.judge(node, report, recorder, options.alone !== false, options.label);
    return report;
  }

  private judge(node: NodeId, report: FailoverReport, recorder: CallRecorder, alone: boolean, label = "failover"): void {
    this.outcomes.push(`${label} ${node}: ${report.outcome}${report.error ? ` (${report.error.code})` : ""}`);
    const moved = recorder.calls.filter((c) => MUTATING.has(c.action) && !c.check);
    if (OWNERLESS.has(report.outcome) && moved.length > 0) {
      this.violation("no-move-without-owning", `${label} of node ${node} ended ${report.outcome} but sent ${moved.map((c) => `${c.action} ${c.target}`).join(", ")}`);
    }
    if (report.converged && alone) {
      const holder = holderNow(this.sim, this.config);
      if (holder !== node) this.violation("converged-means-converged", `${label} of node ${node} reported converged while the cloud holds ${holder}`);
    }
  }

  private async step(step: Step): Promise<void> {
    switch (step.kind) {
      case "failover":
        await this.oneShot(step.node);
        return;
      case "race":
        return this.race();
      case "late-writes": {
        this.sim.setFaults({ lateWrites: { actions: ["*"], delayMs: step.delayMs } });
        await this.oneShot(step.node, { label: "late-writing failover" });
        this.sim.setFaults({ lateWrites: undefined });
        await this.oneShot(other(step.node), { label: "takeover during late writes" });
        return;
      }
      case "crash": {
        const { provider, recorder } = this.agent(step.node);
        const crashing = crashAfter(provider, step.afterCalls);
        // Abandoned, never awaited: a killed process reports nothing.
        void failover(this.config, step.node, crashing.provider, { recorder, owner: { host: `chaos-${step.node}` } }).then((report) => {
          if (!crashing.dead) this.judge(step.node, report, recorder, false, "run that outlived its crash point");
        });
        await sleep(CHAOS_TIMEOUTS.requestMs);
        await this.oneShot(step.rerunBy, { label: "re-run after kill -9" });
        return;
      }
      case "late-waker":
        return this.lateWaker(step.node);
      case "corrupt-state":
        this.corrupt(step.variant, step.node);
        this.corruptHolder = holderNow(this.sim, this.config);
        await this.oneShot(step.node, { label: `failover over a ${step.variant} state` });
        return;
      case "swapped-config": {
        const swapped = structuredClone(this.config);
        swapped.nodes.a.interfaces.internal = this.config.nodes.b.interfaces.internal!;
        swapped.nodes.b.interfaces.internal = this.config.nodes.a.interfaces.internal!;
        const holder = holderNow(this.sim, this.config);
        const report = await this.oneShot(step.node, { config: swapped, label: "swapped-config failover" });
        if (report.converged) this.violation("swapped-config-refused", `a failover with swapped internal interfaces reported converged (node ${step.node})`);
        if (holderNow(this.sim, this.config) !== holder && report.outcome !== "failed") {
          this.violation("swapped-config-refused", `a failover with swapped internal interfaces moved the pair (${holder} → ${holderNow(this.sim, this.config)})`);
        }
        return;
      }
    }
  }

  private async race(): Promise<void> {
    const a = this.agent("a");
    const b = this.agent("b");
    let prepared;
    try {
      prepared = await Promise.all([prepareFailover(this.config, "a", a.provider), prepareFailover(this.config, "b", b.provider)]);
    } catch {
      return; // a read failed under the faults: no race this time
    }
    const [ra, rb] = await Promise.all([runFailover(prepared[0], a.provider, { recorder: a.recorder }), runFailover(prepared[1], b.provider, { recorder: b.recorder })]);
    this.judge("a", ra, a.recorder, false, "race");
    this.judge("b", rb, b.recorder, false, "race");
    const winners = [ra, rb].filter((r) => r.generation !== null && !OWNERLESS.has(r.outcome));
    if (winners.length > 1 && winners[0]!.generation === winners[1]!.generation) {
      this.violation("one-winner", `both nodes took generation ${winners[0]!.generation}`);
    }
  }

  private async lateWaker(node: NodeId): Promise<void> {
    const waker = this.agent(node);
    let prepared;
    try {
      prepared = await prepareFailover(this.config, node, waker.provider);
    } catch {
      return;
    }
    await this.oneShot(other(node), { label: "failover while the other node sleeps" });
    const report = await runFailover(prepared, waker.provider, { recorder: waker.recorder });
    this.judge(node, report, waker.recorder, true, "late waker");
  }

  private corrupt(variant: string, node: NodeId): void {
    const { bucket, key } = this.config.stateStore;
    const now = Date.now();
    const otherNode = other(node);
    const running = (fields: Partial<PairState>): string =>
      JSON.stringify({ schemaVersion: 1, label: this.config.label, generation: (this.generations.at(-1) ?? 0) + 1, activeNode: otherNode, taskId: "chaos", taskState: "RUNNING", owner: { node: otherNode, host: "chaos-clock-ahead" }, startedAt: new Date(now).toISOString(), deadlineAt: new Date(now + 1_500).toISOString(), operations: [], ...fields });
    const text = {
      garbage: "{\"schemaVersion\":1,\"generat",
      "far-future-running": running({ startedAt: new Date(now + 86_400_000).toISOString(), deadlineAt: new Date(now + 86_401_500).toISOString() }),
      "unreadable-deadline": running({ deadlineAt: "whenever" }),
      "newer-schema": JSON.stringify({ schemaVersion: 2, label: this.config.label, generation: 99 }),
    }[variant]!;
    this.sim.s3.putObject(bucket, key, text, { contentType: "application/json" });
  }

  /** Until no late write is pending and nothing a crashed run sent is still on its way. */
  private async quiet(): Promise<void> {
    const until = Date.now() + 5_000;
    while (this.sim.lateWrites().pending > 0 && Date.now() < until) await sleep(20);
    await sleep(CHAOS_TIMEOUTS.requestMs);
  }

  private noteGeneration(): void {
    const state = storedState(this.sim, this.config);
    if (state === null || state === "unreadable") return;
    const last = this.generations.at(-1);
    if (last !== undefined && state.generation < last && state.taskId !== "chaos") {
      this.violation("generations-monotonic", `generation went from ${last} back to ${state.generation}`);
    }
    this.generations.push(state.generation);
  }

  /**
   * The HA machinery's trigger, with the faults gone: asked again while the other node's
   * failover still runs (as the trigger snippets do on 409). A state object no agent of this
   * version can read (garbage, a newer agent's) is the one case that needs an operator: reset.
   */
  private async recover(): Promise<void> {
    this.sim.setFaults({ throttle: false, serverErrorRate: 0, timeoutRate: 0, staleReadMs: 0, latencyMs: 0, lateWrites: undefined });
    await this.quiet();
    if (storedState(this.sim, this.config) === "unreadable") {
      const holder = holderNow(this.sim, this.config);
      if (this.corruptHolder !== undefined && holder !== this.corruptHolder) this.violation("nothing-moves-under-unreadable-state", `the pair moved from ${this.corruptHolder} to ${holder} under an unreadable state object`);
      this.outcomes.push("operator reset of an unreadable state object");
      this.sim.s3.deleteObject(this.config.stateStore.bucket, this.config.stateStore.key);
      this.generations = [];
    }
    const node: NodeId = this.random.next() < 0.5 ? "a" : "b";
    const until = Date.now() + 10_000;
    let report: FailoverReport | undefined;
    while (Date.now() < until) {
      report = await this.oneShot(node, { label: "recovery trigger" });
      if (report.converged) break;
      await sleep(report.outcome === "busy" ? 200 : 50);
    }
    await this.quiet();
    this.noteGeneration();
    if (!report?.converged) this.violation("recovers-without-human-action", `the recovery trigger on node ${node} did not converge within 10 s: ${report?.outcome} ${report?.error?.message ?? ""}`);
    const state = storedState(this.sim, this.config);
    const holder = holderNow(this.sim, this.config);
    if (state === null || state === "unreadable" || state.activeNode !== node || state.taskState !== "SUCCEEDED" || holder !== node) {
      this.violation("consistent-after-recovery", `after recovery to ${node}: the cloud holds ${holder}, the state says ${state === null || state === "unreadable" ? state : `${state.activeNode}/${state.taskState}`}`);
    }
    this.violations.push(...checkQuiet(this.schedule.seed, this.sim, this.config, "after recovery"));
  }
}

function other(node: NodeId): NodeId {
  return node === "a" ? "b" : "a";
}
