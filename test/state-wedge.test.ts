/**
 * Issue 9, defect 5: the state object must not wedge the pair. A RUNNING record with an
 * unreadable or far-future deadline is stale (with a warning naming its writer); a newer agent's
 * state is "upgrade", never "corrupt: reset"; a state garbled mid-failover is reported as garbled.
 */
import { afterEach, describe, expect, it } from "vitest";
import type { HaPairError } from "../runtime/core/errors.js";
import { failover } from "../runtime/core/executor.js";
import { isStale, staleReason, type PairState, type StateStore } from "../runtime/core/state.js";
import type { CloudProvider } from "../runtime/core/provider.js";
import { agentOn, holderInCloud, startExampleSim, type AwsSim } from "./helpers/aws-sim.js";

let sim: AwsSim | undefined;
afterEach(async () => {
  await sim?.stop();
  sim = undefined;
});

function runningOf(node: "a" | "b", fields: Partial<PairState>): PairState {
  const now = Date.now();
  return {
    schemaVersion: 1,
    label: "",
    generation: 7,
    activeNode: node,
    taskId: "t",
    taskState: "RUNNING",
    owner: { node, instanceId: "i-0fastclock00000000", host: "node-a.example" },
    startedAt: new Date(now).toISOString(),
    deadlineAt: new Date(now + 30_000).toISOString(),
    operations: [],
    ...fields,
  };
}

describe("a RUNNING state cannot block for ever", () => {
  it("a live RUNNING inside its deadline is not stale; an unreadable or far-future deadline is, naming the writer", () => {
    const now = new Date();
    expect(isStale(runningOf("a", {}), now)).toBe(false);
    const garbled = staleReason(runningOf("a", { deadlineAt: "soon-ish" }), now);
    expect(garbled?.kind).toBe("implausible");
    expect(garbled?.message).toContain("i-0fastclock00000000");
    const future = runningOf("a", { startedAt: new Date(Date.now() + 86_400_000).toISOString(), deadlineAt: new Date(Date.now() + 86_430_000).toISOString() });
    expect(staleReason(future, now)?.kind).toBe("implausible");
    expect(staleReason(runningOf("a", { deadlineAt: new Date(Date.now() + 3_600_000).toISOString() }), now)?.kind).toBe("implausible");
  });

  it.each([
    ["an unreadable deadlineAt", { deadlineAt: "tomorrow" }],
    ["a deadline a year ahead (a writer whose clock runs ahead)", { startedAt: new Date(Date.now() + 365 * 86_400_000).toISOString(), deadlineAt: new Date(Date.now() + 365 * 86_400_000 + 30_000).toISOString() }],
  ])("the other node's RUNNING state with %s does not answer busy: the failover goes ahead and warns", async (_what, fields) => {
    sim = await startExampleSim();
    const { provider, recorder, config } = agentOn(sim, "b");
    await provider.stateStore.write(runningOf("a", { label: config.label, ...fields }), { ifNoneMatch: "*" });
    const report = await failover(config, "b", provider, { recorder });
    expect(report.outcome).toBe("converged");
    expect(report.warnings?.join(" ")).toContain("i-0fastclock00000000");
    expect(await holderInCloud(sim)).toBe("b");
  });
});

describe("state written by a newer agent, or garbled", () => {
  it("a newer schemaVersion says: upgrade, and never suggests a reset", async () => {
    sim = await startExampleSim();
    const { provider, recorder, config } = agentOn(sim, "b");
    sim.s3.putObject(config.stateStore.bucket, config.stateStore.key, JSON.stringify({ ...runningOf("a", { label: config.label }), schemaVersion: 2 }), { contentType: "application/json" });
    const err = (await provider.stateStore.read().catch((e: unknown) => e)) as HaPairError;
    expect(err.code).toBe("StateFromNewerAgent");
    expect(err.describe()).toMatch(/newer agent/);
    expect(err.describe()).toMatch(/Upgrade/);
    expect(err.describe()).not.toMatch(/ha-pair reset`? to remove/);
    const report = await failover(config, "b", provider, { recorder });
    expect(report.outcome).toBe("failed");
    expect(report.error?.code).toBe("StateFromNewerAgent");
    expect(await holderInCloud(sim)).toBe("a");
  });

  it("a state garbled while the failover runs is reported as garbled, not as another node's takeover", async () => {
    sim = await startExampleSim();
    const base = agentOn(sim, "b");
    const { bucket, key } = base.config.stateStore;
    const store = base.provider.stateStore;
    const wrapped = Object.create(store) as StateStore;
    wrapped.write = async (state, condition, signal) => {
      // Just before the final record: something overwrites the object with garbage.
      if (state.taskState !== "RUNNING") sim!.s3.putObject(bucket, key, "{\"schemaVersion\":1,\"gener", { contentType: "application/json" });
      return store.write(state, condition, signal);
    };
    const provider = Object.assign(Object.create(base.provider) as CloudProvider, { stateStore: wrapped });
    const report = await failover(base.config, "b", provider, { recorder: base.recorder });
    expect(report.outcome).not.toBe("superseded");
    expect(report.error?.code).toBe("StateCorrupt");
    expect(report.error?.message).toMatch(/cannot be read/);
    expect(report.owner).toBeUndefined();
  });
});
