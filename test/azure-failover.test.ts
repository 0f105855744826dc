import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { failover } from "../runtime/core/executor.js";
import { azureAgentOn, azureHolder, startFastAzureSim, type AzureSim } from "./helpers/azure-sim.js";

let sim: AzureSim;
beforeEach(async () => {
  sim = await startFastAzureSim();
});
afterEach(async () => {
  await sim.stop();
});

describe("Azure failover of routes against the simulated ARM and Azurite", () => {
  it("points every route at b, then back at a, fenced by the state blob", async () => {
    expect(await azureHolder(sim)).toBe("a");
    const b = await azureAgentOn(sim, "b");
    const there = await failover(b.config, "b", b.provider, { recorder: b.recorder });
    expect(there.error).toBeUndefined();
    expect(there).toMatchObject({ outcome: "converged", converged: true, activeNode: "b", generation: 1 });
    expect(await azureHolder(sim)).toBe("b");
    const stored = await b.provider.stateStore.read();
    expect(stored?.state).toMatchObject({ generation: 1, activeNode: "b", taskState: "SUCCEEDED" });

    const a = await azureAgentOn(sim, "a");
    const back = await failover(a.config, "a", a.provider, { recorder: a.recorder });
    expect(back).toMatchObject({ outcome: "converged", activeNode: "a", generation: 2 });
    expect(await azureHolder(sim)).toBe("a");
  });
});
