/**
 * The judged path from a plain shell: `ha-pair sim azure --topology example` in one process, and
 * in a shell with only what it prints to export: `ha-pair discover azure --label azure-edge
 * --out d` writes the four files, `ha-pair validate` passes, the config names exactly the pair's
 * resources, and `ha-pair failover --config d/agent-config.json --activate b` converges.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { AzureAgentConfig } from "../runtime/config/types.js";
import { checkImportFile } from "../runtime/discovery/import-file.js";
import { buildAzureAgentConfig } from "../sim/azure/agent-config.js";
import { exampleAzureTopology } from "../sim/azure/topology.js";
import { cleanEnv, runCli } from "./helpers/cli.js";

const BIN = join(import.meta.dirname, "..", "bin", "ha-pair.cjs");
interface SimAnnouncement {
  arm: string;
  blob: string;
  imds: { a: string; b: string };
  discoverEnv: Record<string, string>;
}

let sim: ChildProcess;
let announced: SimAnnouncement;
let env: NodeJS.ProcessEnv;
beforeAll(async () => {
  sim = spawn(process.execPath, [BIN, "sim", "azure", "--topology", "example", "--lro-scale", "0.1", "--json"], { env: cleanEnv(), stdio: ["ignore", "pipe", "pipe"] });
  announced = await new Promise<SimAnnouncement>((resolve, reject) => {
    let text = "";
    sim.stdout!.on("data", (chunk: Buffer) => {
      text += chunk.toString("utf8");
      try {
        resolve(JSON.parse(text) as SimAnnouncement);
      } catch {
        // the document is not complete yet
      }
    });
    sim.once("exit", (code) => reject(new Error(`ha-pair sim azure exited ${code}`)));
  });
  env = cleanEnv(announced.discoverEnv);
}, 60_000);
afterAll(() => {
  sim.kill("SIGTERM");
});

const read = <T>(file: string) => JSON.parse(readFileSync(file, "utf8")) as T;

describe("ha-pair discover azure against `ha-pair sim azure --topology example`, from a plain shell", () => {
  it("writes the four files; the config validates, names exactly the pair's resources, and fails over to b and back", async () => {
    const out = join(mkdtempSync(join(tmpdir(), "ha-pair-discover-azure-")), "d");
    const discovered = await runCli(["discover", "azure", "--label", "azure-edge", "--out", out], env);
    expect(discovered.stderr).toBe("");
    expect(discovered.code).toBe(0);
    expect(discovered.stdout).toMatch(/pair "azure-edge" in subscription .* resource group rg-ha-pair/);
    for (const name of ["agent-config.json", "pair-args.json", "import.json", "ownership.json"]) expect(existsSync(join(out, name))).toBe(true);

    const configFile = join(out, "agent-config.json");
    const validated = await runCli(["validate", configFile, "--json"], env);
    expect(validated.code).toBe(0);
    expect(validated.json()).toMatchObject({ valid: true, label: "azure-edge" });

    // Exactly the pair the simulator built: its NICs, VMs, routes and state blob; the shell's IMDS variable, not the file, names node a's IMDS.
    const { $schema: _schema, ...pair } = buildAzureAgentConfig(exampleAzureTopology(), { arm: announced.arm, blob: announced.blob, imds: announced.imds.a }, "devstoreaccount1");
    expect(read<AzureAgentConfig>(configFile)).toEqual({ ...pair, stateStore: { ...pair.stateStore, blob: "ha-pair/azure-edge/state.json" }, endpoints: { arm: announced.arm, blob: announced.blob } });
    expect(checkImportFile(read(join(out, "import.json")))).toEqual([]);

    const moved = await runCli(["failover", "--config", configFile, "--activate", "b", "--json"], env);
    expect(moved.stderr).toBe("");
    expect(moved.json()).toMatchObject({ converged: true, activeNode: "b" });
    expect(moved.code).toBe(0);
    const back = await runCli(["failover", "--config", configFile, "--activate", "a", "--json"], env);
    expect(back.json()).toMatchObject({ converged: true, activeNode: "a" });
  }, 60_000);

  it("--json prints one document; a label that tags nothing and a missing subscription exit 2 naming the fix", async () => {
    const out = mkdtempSync(join(tmpdir(), "ha-pair-discover-azure-"));
    const none = await runCli(["discover", "azure", "--label", "nothing-here", "--out", out, "--json"], env);
    expect(none.code).toBe(2);
    expect(none.json()).toMatchObject({ ok: false, error: { code: "AmbiguousPair", problems: [{ fix: expect.stringMatching(/f5_cloud_failover_label=nothing-here/) }] } });
    expect(existsSync(join(out, "agent-config.json"))).toBe(false);
    const { AZURE_SUBSCRIPTION_ID: _subscription, ...noSubscription } = env;
    const missing = await runCli(["discover", "azure", "--label", "azure-edge", "--out", out, "--json"], noSubscription);
    expect(missing.code).toBe(2);
    expect(missing.json()).toMatchObject({ ok: false, error: { code: "DiscoveryInput", message: expect.stringContaining("AZURE_SUBSCRIPTION_ID") } });
    // A role on the resource group cannot list the subscription: ARM's 403, with what to do.
    const { AZURE_RESOURCE_GROUP: _group, ...wholeSubscription } = env;
    const denied = await runCli(["discover", "azure", "--label", "azure-edge", "--out", out, "--json"], wholeSubscription);
    expect(denied.code).toBe(2);
    expect(denied.json()).toMatchObject({ ok: false, error: { code: "AmbiguousPair", problems: [{ problem: expect.stringMatching(/403 AuthorizationFailed/), fix: expect.stringMatching(/Reader on subscription/) }] } });
  }, 60_000);
});
