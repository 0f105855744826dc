/**
 * The judged path from a plain shell: the built `ha-pair` command against the simulated Azure
 * (ARM + IMDS + Azurite) with nothing but the config file the simulator wrote.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { cleanEnv, runCli, tempFile } from "./helpers/cli.js";
import { startFastAzureSim, type AzureSim } from "./helpers/azure-sim.js";

let sim: AzureSim;
let configFile: string;
beforeAll(async () => {
  sim = await startFastAzureSim();
  configFile = tempFile("c.json", sim.agentConfig());
});
afterAll(async () => {
  await sim.stop();
});

describe("ha-pair on an Azure config, from a plain shell", () => {
  it("failover b converges, inspect shows b, failover a converges back", async () => {
    const there = await runCli(["failover", "--config", configFile, "--activate", "b", "--json"]);
    expect(there.stderr).toBe("");
    expect(there.code).toBe(0);
    expect(there.json()).toMatchObject({ outcome: "converged", converged: true, activeNode: "b", generation: 1 });

    const inspected = await runCli(["inspect", "--config", configFile, "--json"]);
    expect(inspected.code).toBe(0);
    expect(inspected.json()).toMatchObject({ activeNode: "b" });

    const back = await runCli(["failover", "--config", configFile, "--activate", "a", "--json"]);
    expect(back.code).toBe(0);
    expect(back.json()).toMatchObject({ outcome: "converged", activeNode: "a", generation: 2 });
    expect((await runCli(["inspect", "--config", configFile, "--json"])).json()).toMatchObject({ activeNode: "a" });
  });

  it("an invalid Azure config exits 2 naming the JSON path, and makes no API call", async () => {
    const config = sim.agentConfig() as unknown as { routes: { addressPrefixes: string[] }[]; nodes: { b: { interfaces: Record<string, { id: string }> } } };
    config.routes[0]!.addressPrefixes = ["0.0.0.0/33"];
    config.nodes.b.interfaces.internal!.id = "nva-b-int";
    const bad = tempFile("bad.json", config);
    const before = sim.calls.length;
    const result = await runCli(["failover", "--config", bad, "--activate", "b", "--json"], cleanEnv());
    expect(result.code).toBe(2);
    expect(result.stderr).toContain("/routes/0/addressPrefixes/0");
    expect(result.stderr).toContain("/nodes/b/interfaces/internal/id");
    expect(sim.calls.length).toBe(before);
  });
});
