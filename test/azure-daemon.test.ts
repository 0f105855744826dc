/** The agent daemon, unchanged, on an Azure pair: a trigger fails over through the Azure provider. */
import { afterEach, describe, expect, it } from "vitest";
import { startAgentDaemon, type AgentDaemon } from "../runtime/server/daemon.js";
import { azureAgentOn, azureHolder, startFastAzureSim, type AzureSim } from "./helpers/azure-sim.js";
import { tokenFile } from "./helpers/agent-daemon.js";

let sim: AzureSim | undefined;
let daemon: AgentDaemon | undefined;
afterEach(async () => {
  await daemon?.stop();
  await sim?.stop();
  daemon = undefined;
  sim = undefined;
});

describe("the daemon on an Azure pair", () => {
  it("POST /trigger on node b fails the pair over to b; no ARM token reaches the log", async () => {
    sim = await startFastAzureSim();
    const b = await azureAgentOn(sim, "b");
    const token = `tok-${Date.now()}`;
    const lines: string[] = [];
    daemon = await startAgentDaemon({
      configFile: "azure.json",
      config: b.config,
      settings: { address: "127.0.0.1", port: 0, tokenFile: tokenFile(token), stateRefreshMs: 60 * 60_000 },
      provider: b.provider,
      recorder: b.recorder,
      version: "0.0.0-test",
      logLevel: "debug",
      logDestination: { write: (line: string) => void lines.push(line) },
    });
    const headers = { authorization: `Bearer ${token}` };
    const accepted = await fetch(`${daemon.url}/trigger`, { method: "POST", headers });
    expect(accepted.status).toBe(202);
    let task: { state: string; report?: { outcome: string; activeNode: string } } | undefined;
    for (let i = 0; i < 300 && (!task || task.state === "RUNNING"); i++) {
      await new Promise((r) => setTimeout(r, 50));
      task = ((await (await fetch(`${daemon.url}/trigger`, { headers })).json()) as { task: typeof task }).task;
    }
    expect(task).toMatchObject({ state: "SUCCEEDED", report: { outcome: "converged", activeNode: "b" } });
    expect(await azureHolder(sim)).toBe("b");
    const text = lines.join("");
    expect(text).toContain("UpdateRouteTable");
    expect(text).not.toMatch(/sim\.[A-Za-z0-9_-]{20,}/);
    expect(text).not.toMatch(/Bearer /);
  });
});
