/**
 * The judged path from a plain shell: the built `ha-pair` command against the simulated Azure
 * (ARM + IMDS + Azurite) with nothing but the config file the simulator wrote.
 */
import { execFile } from "node:child_process";
import { join } from "node:path";
import { promisify } from "node:util";
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

  it("preflight passes (IMDS, endpoints, RBAC permissions, state read/write) and reset removes the state blob", async () => {
    const preflight = await runCli(["preflight", "--config", configFile, "--json"]);
    expect(preflight.code, preflight.stdout).toBe(0);
    const checks = (preflight.json() as { checks: { name: string; status: string }[] }).checks;
    expect(checks.some((c) => c.name.startsWith("permission UpdateRouteTable") && c.status === "ok")).toBe(true);
    expect(checks.filter((c) => c.status === "fail")).toEqual([]);
    const reset = await runCli(["reset", "--config", configFile, "--force", "--json"]);
    expect(reset.code, reset.stderr).toBe(0);
    const after = await runCli(["failover", "--config", configFile, "--activate", "a", "--json"]);
    expect(after.json()).toMatchObject({ converged: true, generation: 1 });
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

describe("the agent bundle on Node 18 (HA_PAIR_TEST_NODE18), Azure pair", () => {
  // Node 18 has no global Web Crypto by default and @azure/storage-blob calls it: without the
  // agent's shim the Blob state store fails with "crypto is not defined". Point
  // HA_PAIR_TEST_NODE18 at a Node 18 binary to run this.
  it.skipIf(!process.env.HA_PAIR_TEST_NODE18)("fails over b and back, state in Azurite", async () => {
    const agent = join(import.meta.dirname, "..", "dist", "ha-pair-agent.cjs");
    const run = async (node: string) => {
      const { stdout } = await promisify(execFile)(process.env.HA_PAIR_TEST_NODE18!, [agent, "failover", "--config", configFile, "--activate", node, "--json"], { env: { ...cleanEnv(), HA_PAIR_CODE_CACHE: "off" } }).catch((err: { stdout: string }) => err);
      return JSON.parse(stdout) as { converged: boolean; activeNode: string; error?: unknown };
    };
    for (const node of ["b", "a"]) expect(await run(node)).toMatchObject({ converged: true, activeNode: node });
  });
});
