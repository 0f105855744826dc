import { existsSync, mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { AgentConfig } from "../runtime/config/types.js";
import { checkImportFile } from "../runtime/discovery/import-file.js";
import { startExampleSim, type AwsSim } from "./helpers/aws-sim.js";
import { cleanEnv, runCli, tempFile } from "./helpers/cli.js";

let sim: AwsSim;
let env: NodeJS.ProcessEnv;
beforeAll(async () => {
  sim = await startExampleSim();
  // A plain shell with what `ha-pair sim aws` prints to export: the standard SDK variables,
  // credentials from node a's metadata service (its instance role).
  env = cleanEnv({ AWS_ENDPOINT_URL: sim.endpoint, AWS_REGION: sim.region, AWS_EC2_METADATA_SERVICE_ENDPOINT: sim.imds.a });
});
afterAll(async () => {
  await sim.stop();
});

const read = <T>(file: string) => JSON.parse(readFileSync(file, "utf8")) as T;

describe("ha-pair discover aws against `ha-pair sim aws --topology example`, from a plain shell", () => {
  it("writes the four files; the config validates, names exactly the pair's resources, and fails over to b", async () => {
    const out = join(mkdtempSync(join(tmpdir(), "ha-pair-discover-")), "d");
    const discovered = await runCli(["discover", "aws", "--label", "demo", "--out", out], env);
    expect(discovered.stderr).toBe("");
    expect(discovered.code).toBe(0);
    for (const name of ["agent-config.json", "pair-args.json", "import.json", "ownership.json"]) expect(existsSync(join(out, name))).toBe(true);

    const configFile = join(out, "agent-config.json");
    const validated = await runCli(["validate", configFile, "--json"], env);
    expect(validated.code).toBe(0);
    expect(validated.json()).toMatchObject({ valid: true, label: "demo" });

    const { endpoints: _simOnly, ...pairAsTheSimSeesIt } = sim.agentConfig();
    expect(read<AgentConfig>(configFile)).toEqual(pairAsTheSimSeesIt);
    expect(checkImportFile(read(join(out, "import.json")))).toEqual([]);

    const moved = await runCli(["failover", "--config", configFile, "--activate", "b", "--json"], env);
    expect(moved.code).toBe(0);
    expect(moved.json()).toMatchObject({ converged: true, activeNode: "b" });
  });

  it("--json prints one document; a label that tags nothing is bad input (exit 2) naming the fix", async () => {
    const out = mkdtempSync(join(tmpdir(), "ha-pair-discover-"));
    const result = await runCli(["discover", "aws", "--label", "nothing-here", "--out", out, "--json"], env);
    expect(result.code).toBe(2);
    const document = result.json<{ ok: boolean; error: { code: string; problems: { problem: string; fix: string }[] } }>();
    expect(document.ok).toBe(false);
    expect(document.error.code).toBe("AmbiguousPair");
    expect(document.error.problems[0]!.fix).toMatch(/tag both nodes' interfaces f5_cloud_failover_label=nothing-here/);
    expect(existsSync(join(out, "agent-config.json"))).toBe(false);
  });

  it("bad input exits 2: no --out, no pair named, a cloud without a discoverer, an unreadable declaration", async () => {
    expect((await runCli(["discover", "aws", "--label", "demo"], env)).code).toBe(2);
    expect((await runCli(["discover", "aws", "--out", "x"], env)).code).toBe(2);
    expect((await runCli(["discover", "gcp", "--label", "demo", "--out", "x"], env)).code).toBe(2);
    const notJson = await runCli(["discover", "aws", "--cfe", tempFile("decl.json", "{ nope"), "--out", "x", "--json"], env);
    expect(notJson.code).toBe(2);
    expect(notJson.json()).toMatchObject({ ok: false, error: { code: "DiscoveryInput" } });
    // No Region anywhere: not in the environment, and no metadata service to ask (the SDK would).
    const { AWS_REGION: _region, AWS_EC2_METADATA_SERVICE_ENDPOINT: _imds, ...noRegion } = env;
    const regionless = await runCli(["discover", "aws", "--label", "demo", "--out", mkdtempSync(join(tmpdir(), "ha-pair-discover-")), "--json"], { ...noRegion, AWS_EC2_METADATA_DISABLED: "true" });
    expect(regionless.code).toBe(2);
    expect(regionless.json()).toMatchObject({ ok: false, error: { code: "DiscoveryInput", message: expect.stringContaining("pass --region REGION or set AWS_REGION") } });
  });
});
