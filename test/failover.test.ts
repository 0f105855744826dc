import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { failover, prepareFailover, runFailover } from "../runtime/core/executor.js";
import { takeOver } from "../runtime/core/fencing.js";
import { planFailover } from "../runtime/core/planner.js";
import { planOperations } from "../runtime/core/operations.js";
import { agentOn, holderInCloud, startExampleSim, type AwsSim } from "./helpers/aws-sim.js";

let sim: AwsSim;
beforeEach(async () => {
  sim = await startExampleSim();
});
afterEach(async () => {
  await sim.stop();
});

const mutating = new Set(["AssignPrivateIpAddresses", "AssociateAddress", "ReplaceRoute"]);

describe("failover against the simulated cloud", () => {
  it("moves every address and route a→b and back, and records the state", async () => {
    const { provider, recorder, config } = agentOn(sim, "b");
    expect(await holderInCloud(sim)).toBe("a");

    const there = await failover(config, "b", provider, { recorder });
    expect(there).toMatchObject({ outcome: "converged", converged: true, activeNode: "b", generation: 1 });
    expect(await holderInCloud(sim)).toBe("b");
    for (const group of config.addresses?.secondaryIps ?? []) {
      for (const ip of group.ips) expect(sim.world.whereIsPrivateIp(ip)).toBe(config.nodes.b.interfaces[group.role]!.id);
    }
    const stored = await provider.stateStore.read();
    expect(stored?.state).toMatchObject({ generation: 1, activeNode: "b", taskState: "SUCCEEDED" });
    expect(stored?.state.operations.every((o) => o.ok)).toBe(true);

    const back = await failover(config, "a", agentOn(sim, "a").provider, { recorder: agentOn(sim, "a").recorder });
    expect(back).toMatchObject({ converged: true, activeNode: "a", generation: 2 });
    expect(await holderInCloud(sim)).toBe("a");
  });

  it("makes the fewest calls: one per interface, EIP and route, in one wave, three round trips to converge", async () => {
    const { provider, recorder, config } = agentOn(sim, "b");
    const report = await failover(config, "b", provider, { recorder });
    const plan = planOperations(planFailover(config, "b"));
    const mutations = recorder.calls.filter((c) => mutating.has(c.action) && !c.check);
    expect(mutations).toHaveLength(plan.length);
    const assigns = mutations.filter((c) => c.action === "AssignPrivateIpAddresses");
    expect(new Set(assigns.map((c) => c.target)).size).toBe(assigns.length);
    expect(report.criticalPathRoundTrips).toBe(3);
    expect(report.phases.map((p) => p.phase)).toEqual(["prepare", "fence", "mutate", "verify", "record"]);
    expect(report.operations).toHaveLength(plan.length);
    for (const op of report.operations) expect(op).toMatchObject({ ok: true, attempts: 1 });
  });

  it("is idempotent: failing over to the node that already holds the pair converges again", async () => {
    const { provider, recorder, config } = agentOn(sim, "b");
    await failover(config, "b", provider, { recorder });
    const again = await failover(config, "b", provider, { recorder });
    expect(again).toMatchObject({ converged: true, generation: 2 });
    expect(await holderInCloud(sim)).toBe("b");
  });

  it("a FAILED state never blocks the next failover", async () => {
    const { provider, recorder, config } = agentOn(sim, "b");
    sim.setFaults({ failures: [{ action: "ReplaceRoute", code: "InternalError", status: 500 }] , throttle: false });
    const failed = await failover(config, "b", provider, { recorder });
    expect(failed.converged).toBe(false);
    expect((await provider.stateStore.read())?.state.taskState).toBe("FAILED");
    sim.setFaults({ failures: [] });
    const retried = await failover(config, "b", provider, { recorder });
    expect(retried).toMatchObject({ converged: true, generation: 2 });
  });
});

describe("fencing", () => {
  it("both nodes triggering at once: exactly one wins, the loser changes nothing and names the owner, the cloud ends consistent", async () => {
    const a = agentOn(sim, "a");
    const b = agentOn(sim, "b");
    // Both read the same version of the state before either writes: a true race on the conditional write.
    const [prepA, prepB] = await Promise.all([prepareFailover(a.config, "a", a.provider), prepareFailover(b.config, "b", b.provider)]);
    const [ra, rb] = await Promise.all([
      runFailover(prepA, a.provider, { recorder: a.recorder }),
      runFailover(prepB, b.provider, { recorder: b.recorder }),
    ]);
    const winner = [ra, rb].filter((r) => r.converged);
    const loser = [ra, rb].filter((r) => !r.converged);
    expect(winner).toHaveLength(1);
    expect(loser).toHaveLength(1);
    expect(loser[0]!.outcome).toBe("lost-race");
    expect(loser[0]!.owner).toContain(`node ${winner[0]!.activeNode}`);
    const loserRecorder = loser[0] === ra ? a.recorder : b.recorder;
    expect(loserRecorder.calls.filter((c) => mutating.has(c.action) && !c.check)).toEqual([]);
    expect(await holderInCloud(sim)).toBe(winner[0]!.activeNode);
  });

  it("a crash between the fencing write and the mutations: a rerun on the same node converges", async () => {
    const { provider, recorder, config } = agentOn(sim, "b");
    const stored = await provider.stateStore.read();
    // The fencing write of a run that then died: RUNNING, nothing moved.
    const crashed = await takeOver(provider.stateStore, { label: config.label, activate: "b", taskId: "crashed", owner: { node: "b" }, now: new Date(), deadlineMs: 30_000 }, stored);
    expect(crashed.acquired).toBe(true);
    expect(await holderInCloud(sim)).toBe("a");
    const rerun = await failover(config, "b", provider, { recorder });
    expect(rerun).toMatchObject({ converged: true, generation: 2 });
    expect(await holderInCloud(sim)).toBe("b");
  });

  it("the other node's failover still inside its deadline is not overrun; once stale it never blocks", async () => {
    const b = agentOn(sim, "b");
    const stored = await b.provider.stateStore.read();
    const startedAt = new Date();
    await takeOver(b.provider.stateStore, { label: b.config.label, activate: "b", taskId: "dead", owner: { node: "b" }, now: startedAt, deadlineMs: 30_000 }, stored);

    const a = agentOn(sim, "a");
    const busy = await failover(a.config, "a", a.provider, { recorder: a.recorder });
    expect(busy).toMatchObject({ outcome: "busy", converged: false, activeNode: "b" });
    expect(busy.error?.message).toContain("node b");
    expect(a.recorder.calls.filter((c) => mutating.has(c.action) && !c.check)).toEqual([]);

    const later = await failover(a.config, "a", a.provider, { recorder: a.recorder, now: () => new Date(startedAt.getTime() + 31_000) });
    expect(later).toMatchObject({ converged: true, activeNode: "a", generation: 2 });
  });

  it("a run superseded before it records its result says so", async () => {
    const { provider, recorder, config } = agentOn(sim, "b");
    const store = provider.stateStore;
    let writes = 0;
    // Another node takes over between our verification and our final write.
    const racingStore = Object.create(store) as typeof store;
    racingStore.write = async (state, condition, signal) => {
      writes += 1;
      if (writes === 2) {
        const current = await store.read();
        await store.write({ ...current!.state, generation: current!.state.generation + 1, activeNode: "a", owner: { node: "a" }, taskId: "other" }, { ifMatch: current!.etag });
      }
      return store.write(state, condition, signal);
    };
    const wrapped = Object.assign(Object.create(provider) as typeof provider, { stateStore: racingStore });
    const report = await failover(config, "b", wrapped, { recorder });
    expect(report.outcome).toBe("superseded");
    expect(report.owner).toContain("node a");
  });
});
