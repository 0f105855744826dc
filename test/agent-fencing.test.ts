/**
 * The daemon's fast trigger path fences with a cached read of the state object. An outdated
 * cache must not be mistaken for a lost race; a real race must still be lost cleanly.
 */
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { failover } from "../runtime/core/executor.js";
import { takeOver } from "../runtime/core/fencing.js";
import type { CloudProvider } from "../runtime/core/provider.js";
import type { StateStore } from "../runtime/core/state.js";
import { agentOn, holderInCloud, startExampleSim, type AwsSim } from "./helpers/aws-sim.js";
import { finishedTask, mutations, startTestDaemon, type TestDaemon } from "./helpers/agent-daemon.js";

let sim: AwsSim;
let d: TestDaemon | undefined;
beforeEach(async () => {
  sim = await startExampleSim();
});
afterEach(async () => {
  await d?.daemon.stop("test");
  d = undefined;
  await sim.stop();
});

/** The provider with its state store's write wrapped: `before` runs before the daemon's first write goes out. */
function beforeFirstWrite(before: (store: StateStore) => Promise<void>): (p: CloudProvider) => CloudProvider {
  return (provider) => {
    const store = provider.stateStore;
    let armed = true;
    const wrapped = Object.create(store) as StateStore;
    wrapped.write = async (state, condition, signal) => {
      if (armed && state.taskState === "RUNNING") {
        armed = false;
        await before(store);
      }
      return store.write(state, condition, signal);
    };
    return Object.assign(Object.create(provider) as CloudProvider, { stateStore: wrapped });
  };
}

describe("permission precheck off the trigger path", () => {
  it("a denial found at start is logged and counted; a trigger then re-checks and refuses before fencing; once granted it converges", async () => {
    sim.setFaults({ deny: [{ action: "ReplaceRoute" }] });
    d = await startTestDaemon(sim, { node: "b" });
    expect(d.logs.find((l) => l.event === "permission-denied")).toMatchObject({ level: "error" });
    expect((await d.request("GET", "/metrics")).text).toMatch(/^ha_pair_permission_checks_denied [1-9]/m);
    const mark = d.recorder.calls.length;
    await d.request("POST", "/trigger");
    const refused = await finishedTask(d);
    expect(refused.report).toMatchObject({ outcome: "failed", error: { code: "MissingPermission" } });
    expect([...mutations(d.recorder.since(mark)), ...d.recorder.since(mark).filter((c) => c.action === "PutObject" && c.ok)]).toEqual([]);
    expect(await holderInCloud(sim)).toBe("a");

    sim.setFaults({ deny: [] });
    // The cached denial is not trusted: the next trigger checks afresh, and goes ahead.
    await d.request("POST", "/trigger");
    expect((await finishedTask(d)).report).toMatchObject({ outcome: "converged", activeNode: "b" });
    expect(await holderInCloud(sim)).toBe("b");
  });
});

describe("fast trigger path with a cached read", () => {
  it("an outdated cache (the other node wrote the state since) re-reads once and converges", async () => {
    // The cache is the read made at start (no state yet) and is not refreshed during the test.
    d = await startTestDaemon(sim, { node: "a" });
    const b = agentOn(sim, "b");
    expect(await failover(b.config, "b", b.provider, { recorder: b.recorder })).toMatchObject({ converged: true, generation: 1 });
    agentOn(sim, "a"); // this process speaks as node a again
    expect(await holderInCloud(sim)).toBe("b");

    const mark = d.recorder.calls.length;
    const accepted = await d.request("POST", "/trigger");
    const task = await finishedTask(d);
    expect(task).toMatchObject({ id: accepted.json.taskId, state: "SUCCEEDED", report: { outcome: "converged", activeNode: "a", generation: 2 } });
    expect(await holderInCloud(sim)).toBe("a");
    // The 412 on the outdated ETag, one re-read, the write that wins, the result.
    const stateCalls = d.recorder.since(mark).filter((c) => c.service === "s3").map((c) => `${c.action}${c.ok ? "" : ` ${c.errorCode}`}`);
    expect(stateCalls.slice(0, 3)).toEqual(["PutObject PreconditionFailed", "GetObject", "PutObject"]);
    expect(task.report.phases.find((p: { phase: string }) => p.phase === "fence").roundTrips).toBe(3);
  });

  it("a real race — the other node's takeover lands between our trigger and our write — is lost cleanly", async () => {
    d = await startTestDaemon(sim, {
      node: "a",
      // Node b takes the pair over after our trigger, before our conditional write arrives.
      wrapProvider: beforeFirstWrite(async (store) => {
        const current = await store.read();
        const won = await takeOver(store, { label: sim.agentConfig().label, activate: "b", taskId: "b-task", owner: { node: "b" }, now: new Date(), deadlineMs: 30_000 }, current);
        expect(won.acquired).toBe(true);
      }),
    });
    const mark = d.recorder.calls.length;
    await d.request("POST", "/trigger");
    const task = await finishedTask(d);
    expect(task.state).toBe("FAILED");
    expect(task.report).toMatchObject({ outcome: "lost-race", converged: false, activeNode: "b", generation: 1 });
    expect(task.report.owner).toContain("node b");
    expect(task.report.error.code).toBe("LostFencingRace");
    // It did not fight: no mutation, no second write.
    expect(mutations(d.recorder.since(mark))).toEqual([]);
    expect((await d.provider.stateStore.read())?.state).toMatchObject({ generation: 1, activeNode: "b", taskId: "b-task", taskState: "RUNNING" });
  });

  it("the other node's failover, RUNNING inside its deadline when re-read, is not overrun (busy)", async () => {
    d = await startTestDaemon(sim, { node: "a" });
    // Written after the daemon's cache was read, before the trigger.
    const store = d.provider.stateStore;
    await takeOver(store, { label: sim.agentConfig().label, activate: "b", taskId: "b-running", owner: { node: "b" }, now: new Date(), deadlineMs: 30_000 }, await store.read());
    const mark = d.recorder.calls.length;
    await d.request("POST", "/trigger");
    const task = await finishedTask(d);
    expect(task.report).toMatchObject({ outcome: "busy", activeNode: "b" });
    expect(mutations(d.recorder.since(mark))).toEqual([]);
  });

  it("both nodes triggered at once, the daemon on a with its cache and b's one-shot failover: exactly one wins, the cloud ends on it", async () => {
    d = await startTestDaemon(sim, { node: "a" });
    // Start from b, so that a's failover has something to move.
    const b = agentOn(sim, "b");
    await failover(b.config, "b", b.provider, { recorder: b.recorder });
    await d.daemon.coordinator.idle();
    sim.setFaults({ latencyMs: 30 });
    const [, oneShot] = await Promise.all([d.request("POST", "/trigger"), failover(b.config, "b", b.provider, { recorder: b.recorder })]);
    const daemonReport = (await finishedTask(d)).report;
    sim.setFaults({ latencyMs: 0 });
    const outcomes = [daemonReport.outcome, oneShot.outcome];
    expect(outcomes.filter((o) => o === "converged")).toHaveLength(1);
    expect(outcomes.filter((o) => o === "lost-race" || o === "busy")).toHaveLength(1);
    const winner = daemonReport.converged ? "a" : "b";
    expect(await holderInCloud(sim)).toBe(winner);
    expect((await d.provider.stateStore.read())?.state.activeNode).toBe(winner);
  });
});
