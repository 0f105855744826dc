/**
 * Issue 9, defect 1: late-landing writes. Node b gives up (its calls time out and it records
 * FAILED) while the cloud still has its calls; node a takes over at once. b's calls then land.
 * The pair must end consistent with the state object, with no human action, within the bound
 * the FAILED record states.
 */
import { afterEach, describe, expect, it } from "vitest";
import type { AgentConfig } from "../runtime/config/types.js";
import { failover } from "../runtime/core/executor.js";
import { agentOn, holderInCloud, startExampleSim, type AwsSim } from "./helpers/aws-sim.js";

let sim: AwsSim | undefined;
afterEach(async () => {
  await sim?.stop();
  sim = undefined;
});

const fast = (config: AgentConfig): AgentConfig => ({ ...config, timeouts: { deadlineMs: 1_500, requestMs: 300, connectMs: 200, verifyIntervalMs: 50 } });

describe("late-landing writes", () => {
  it("the sim applies a held mutating call after its client gave up", async () => {
    sim = await startExampleSim({ faults: { lateWrites: { actions: ["ReplaceRoute"], delayMs: 400 } } });
    const { provider, recorder, config } = agentOn(sim, "b", fast(sim.agentConfig()));
    const report = await failover(config, "b", provider, { recorder });
    expect(report.converged).toBe(false);
    expect(report.operations.filter((o) => o.action === "ReplaceRoute").every((o) => !o.ok)).toBe(true);
    expect(sim.lateWrites().pending + sim.lateWrites().landed).toBeGreaterThan(0);
    // Nothing told the client, but the routes move once the held calls land.
    await new Promise((resolve) => setTimeout(resolve, 600));
    expect(sim.lateWrites()).toMatchObject({ pending: 0 });
    expect(await holderInCloud(sim)).toBe("b");
  });

  it("b gives up, a takes over at once, b's calls land afterwards: the pair ends on a, as the state says, with no human action", async () => {
    sim = await startExampleSim({ faults: { lateWrites: { actions: ["*"], delayMs: { min: 700, max: 1_100 } } } });
    const b = agentOn(sim, "b", fast(sim.agentConfig()));
    const failed = await failover(b.config, "b", b.provider, { recorder: b.recorder });
    expect(failed.converged).toBe(false);
    const record = (await b.provider.stateStore.read())!.state;
    expect(record).toMatchObject({ activeNode: "b", taskState: "FAILED" });
    // The FAILED record says until when b's calls may still land.
    expect(Date.parse(record.lateUntil!.b!)).toBeGreaterThan(Date.now());

    sim.setFaults({ lateWrites: undefined });
    const a = agentOn(sim, "a", fast(sim.agentConfig()));
    const takeover = await failover(a.config, "a", a.provider, { recorder: a.recorder });
    const late = sim.lateWrites();
    expect(late.landed).toBeGreaterThan(0);
    // Every late write landed while a waited; a repaired what they moved before recording SUCCEEDED.
    expect(late.pending).toBe(0);
    expect(takeover).toMatchObject({ outcome: "converged", activeNode: "a" });
    expect(takeover.phases.map((p) => p.phase)).toContain("settle");
    expect(await holderInCloud(sim)).toBe("a");
    expect((await a.provider.stateStore.read())!.state).toMatchObject({ activeNode: "a", taskState: "SUCCEEDED" });
  }, 30_000);

  it("no earlier failover can still land: no wait (a clean a→b→a adds no settle phase)", async () => {
    sim = await startExampleSim();
    const b = agentOn(sim, "b");
    expect((await failover(b.config, "b", b.provider, { recorder: b.recorder })).phases.map((p) => p.phase)).not.toContain("settle");
    const a = agentOn(sim, "a");
    expect((await failover(a.config, "a", a.provider, { recorder: a.recorder })).phases.map((p) => p.phase)).not.toContain("settle");
  });
});
