/**
 * Issue 9 through the command, as operators run it: preflight refuses a config whose interfaces
 * are not its nodes' (defect 2), failover never reports converged on it, and one deadline covers
 * the whole one-shot run, with a metadata service slower than a second (defect 8).
 */
import { afterEach, describe, expect, it } from "vitest";
import type { AgentConfig } from "../runtime/config/types.js";
import { cleanEnv, runCli, tempFile } from "./helpers/cli.js";
import { holderInCloud, startExampleSim, type AwsSim } from "./helpers/aws-sim.js";

let sim: AwsSim | undefined;
afterEach(async () => {
  await sim?.stop();
  sim = undefined;
});

function swappedInternal(config: AgentConfig): AgentConfig {
  const copy = structuredClone(config);
  copy.nodes.a.interfaces.internal = config.nodes.b.interfaces.internal!;
  copy.nodes.b.interfaces.internal = config.nodes.a.interfaces.internal!;
  return copy;
}

interface PreflightJson {
  ok: boolean;
  checks: { name: string; status: string; detail: string }[];
}

describe("defect 2 through the command", () => {
  it("swapped internal interfaces: preflight exits 1 naming both JSON paths; failover --activate b exits 1 and moves nothing", async () => {
    sim = await startExampleSim();
    const file = tempFile("swapped.json", swappedInternal(sim.agentConfig()));
    const env = cleanEnv({ AWS_ENDPOINT_URL: sim.endpoint });
    const preflight = await runCli(["preflight", "--config", file, "--json"], env);
    expect(preflight.code).toBe(1);
    const failing = preflight.json<PreflightJson>().checks.filter((c) => c.status === "fail");
    expect(failing.map((c) => c.name).sort()).toEqual(["config /nodes/a/interfaces/internal/id", "config /nodes/b/interfaces/internal/id"]);
    expect(failing[0]!.detail).toMatch(/Fix: /);

    const run = await runCli(["failover", "--config", file, "--activate", "b", "--json"], env);
    expect(run.code).toBe(1);
    expect(run.json()).toMatchObject({ converged: false, outcome: "failed", error: { code: "ConfigDoesNotMatchCloud" } });
    expect(await holderInCloud(sim)).toBe("a");
  });

  it("a node whose instance does not exist: preflight exits 1 at /nodes/b/instanceId", async () => {
    sim = await startExampleSim();
    const config = structuredClone(sim.agentConfig());
    config.nodes.b.instanceId = "i-0b0000000000dead0";
    const preflight = await runCli(["preflight", "--config", tempFile("c.json", config), "--json"], cleanEnv({ AWS_ENDPOINT_URL: sim.endpoint }));
    expect(preflight.code).toBe(1);
    expect(preflight.json<PreflightJson>().checks.filter((c) => c.status === "fail").map((c) => c.name)).toContain("config /nodes/b/instanceId");
  });
});

describe("defect 8: the deadline bounds the whole one-shot run", () => {
  it("a metadata service answering in 1.3 s does not fail a one-shot whose deadline allows it", async () => {
    sim = await startExampleSim({ faults: { imdsLatencyMs: 1_300 } });
    // No --activate: the node comes from the identity document; credentials from the instance role, both through the slow IMDS.
    const env = cleanEnv({ AWS_ENDPOINT_URL: sim.endpoint, AWS_EC2_METADATA_SERVICE_ENDPOINT: sim.imds.b });
    const run = await runCli(["failover", "--config", tempFile("c.json", sim.agentConfig()), "--json"], env);
    expect(run.stderr).toBe("");
    expect(run.json()).toMatchObject({ converged: true, activeNode: "b" });
    expect(run.code).toBe(0);
  }, 60_000);

  it("identity, checks and state read count against the deadline: a slow cloud ends the run near its deadline, not a deadline later", async () => {
    sim = await startExampleSim({ faults: { latencyMs: 800 } });
    const config: AgentConfig = { ...sim.agentConfig(), timeouts: { deadlineMs: 2_000, requestMs: 1_000, connectMs: 500 } };
    const env = cleanEnv({ AWS_ENDPOINT_URL: sim.endpoint, AWS_EC2_METADATA_SERVICE_ENDPOINT: sim.imds.b });
    const started = Date.now();
    const run = await runCli(["failover", "--config", tempFile("c.json", config), "--json"], env);
    const wallMs = Date.now() - started;
    expect(run.code).toBe(1);
    // The deadline, plus the final state write's own budget (2 × requestMs), plus process start-up.
    expect(wallMs).toBeLessThan(2_000 + 2 * 1_000 + 2_000);
  }, 60_000);
});
