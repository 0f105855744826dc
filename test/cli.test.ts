import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { cleanEnv, runCli, tempFile } from "./helpers/cli.js";
import { startExampleSim, type AwsSim } from "./helpers/aws-sim.js";

let sim: AwsSim;
let configFile: string;
let env: NodeJS.ProcessEnv;

beforeAll(async () => {
  sim = await startExampleSim();
  configFile = tempFile("c.json", sim.agentConfig());
  // As in the README: only the endpoint is set; credentials come from node a's instance role via the config's IMDS.
  env = cleanEnv({ AWS_ENDPOINT_URL: sim.endpoint });
});
afterAll(async () => {
  await sim.stop();
});

interface FailoverJson {
  converged: boolean;
  activeNode: string;
  durationMs: number;
  apiCalls: number;
  operations: { action: string; target: string; ok: boolean; ms: number }[];
}

describe("ha-pair failover / inspect (judged flow)", () => {
  beforeEach(async () => {
    await runCli(["reset", "--config", configFile, "--force"], env);
  });

  it("failover --activate b --json converges and prints exactly one JSON document; inspect then shows every item on b", async () => {
    const result = await runCli(["failover", "--config", configFile, "--activate", "b", "--json"], env);
    expect(result.stderr).toBe("");
    expect(result.code).toBe(0);
    const report = result.json<FailoverJson>();
    expect(report).toMatchObject({ converged: true, activeNode: "b" });
    expect(report.durationMs).toBeGreaterThan(0);
    expect(report.apiCalls).toBeGreaterThan(0);
    expect(report.operations.length).toBeGreaterThan(0);
    for (const op of report.operations) {
      expect(op).toEqual(expect.objectContaining({ action: expect.any(String), target: expect.any(String), ok: true, ms: expect.any(Number) }));
    }

    const inspect = await runCli(["inspect", "--config", configFile, "--json"], env);
    expect(inspect.code).toBe(0);
    const picture = inspect.json<{ activeNode: string; items: { node: string }[] }>();
    expect(picture.activeNode).toBe("b");
    expect(picture.items.length).toBeGreaterThan(0);
    expect(picture.items.every((i) => i.node === "b")).toBe(true);
  });

  it("without --activate, activates the node it runs on (from IMDS)", async () => {
    const asNodeB = { ...env, AWS_EC2_METADATA_SERVICE_ENDPOINT: sim.imds.b };
    const result = await runCli(["failover", "--config", configFile, "--json"], asNodeB);
    expect(result.code).toBe(0);
    expect(result.json()).toMatchObject({ converged: true, activeNode: "b" });
  });

  it("human output shows the timeline and the result", async () => {
    const result = await runCli(["failover", "--config", configFile, "--activate", "a"], env);
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/AssignPrivateIpAddresses\s+eni-/);
    expect(result.stdout).toMatch(/ReplaceRoute\s+rtb-/);
    expect(result.stdout).toContain("converged: node a is active");
  });

  it("exits 1 with the failing operation when one operation fails", async () => {
    sim.setFaults({ failures: [{ action: "ReplaceRoute", code: "InvalidParameterValue", message: "injected", times: 1 }] });
    const result = await runCli(["failover", "--config", configFile, "--activate", "b", "--json"], env);
    sim.setFaults({ failures: [] });
    expect(result.code).toBe(1);
    const report = result.json<FailoverJson>();
    expect(report.converged).toBe(false);
    expect(report.operations.filter((o) => !o.ok).map((o) => o.action)).toEqual(["ReplaceRoute"]);
  });
});

describe("plan, preflight, reset", () => {
  it("plan lists the operations and changes nothing", async () => {
    const before = sim.calls.filter((c) => c.service === "ec2" && !c.action.startsWith("Describe")).length;
    const result = await runCli(["plan", "--config", configFile, "--activate", "b", "--json"], env);
    expect(result.code).toBe(0);
    const plan = result.json<{ activate: string; waves: { action: string }[][] }>();
    expect(plan.activate).toBe("b");
    expect(plan.waves.flat().map((op) => op.action)).toContain("AssignPrivateIpAddresses");
    expect(sim.calls.filter((c) => c.service === "ec2" && !c.action.startsWith("Describe")).length).toBe(before);
  });

  it("preflight passes with every permission, and names the missing one when denied", async () => {
    const ok = await runCli(["preflight", "--config", configFile, "--json"], env);
    expect(ok.code).toBe(0);
    const checks = ok.json<{ ok: boolean; checks: { name: string; status: string }[] }>();
    expect(checks.ok).toBe(true);
    expect(checks.checks.map((c) => c.name)).toEqual(expect.arrayContaining(["instance metadata", "state read", "state write", "permission ReplaceRoute"]));

    sim.setFaults({ deny: [{ action: "ReplaceRoute" }] });
    const denied = await runCli(["preflight", "--config", configFile, "--json"], env);
    sim.setFaults({ deny: [] });
    expect(denied.code).toBe(1);
    const failing = denied.json<{ checks: { name: string; status: string; detail: string }[] }>().checks.filter((c) => c.status === "fail");
    expect(failing.length).toBeGreaterThan(0);
    expect(failing.every((c) => c.name === "permission ReplaceRoute")).toBe(true);
    expect(failing[0]!.detail).toContain("ec2:ReplaceRoute");
  });

  it("reset removes the state; the next failover starts at generation 1", async () => {
    await runCli(["failover", "--config", configFile, "--activate", "b", "--json"], env);
    const reset = await runCli(["reset", "--config", configFile, "--json"], env);
    expect(reset.code).toBe(0);
    expect(reset.json()).toMatchObject({ reset: true });
    const next = await runCli(["failover", "--config", configFile, "--activate", "a", "--json"], env);
    expect(next.json()).toMatchObject({ converged: true, generation: 1 });
  });
});

describe("bad input: exit 2, and an invalid config makes no API call from any command", () => {
  const invalid = { version: 1, cloud: "aws", label: "x", nodes: { a: { instanceId: "i-123", interfaces: {} } }, stateStore: { type: "s3", bucket: "b", key: "k" } };

  it.each(["failover", "plan", "inspect", "preflight", "reset"])("%s --config INVALID", async (command) => {
    const file = tempFile("bad.json", { ...invalid, endpoints: { ec2: sim.endpoint, s3: sim.endpoint, imds: sim.imds.a } });
    const callsBefore = sim.calls.length;
    const activate = command === "failover" || command === "plan" ? ["--activate", "b"] : [];
    const result = await runCli([command, "--config", file, ...activate, "--json"], env);
    expect(result.code).toBe(2);
    expect(result.json<{ error: { errors: { path: string }[] } }>().error.errors.map((e) => e.path)).toEqual(
      expect.arrayContaining(["/nodes/b", "/nodes/a/instanceId"]),
    );
    expect(sim.calls.length).toBe(callsBefore);
  });

  it("validate prints every error with its JSON path", async () => {
    const file = tempFile("bad.json", invalid);
    const result = await runCli(["validate", file], env);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain("/nodes/b");
    expect(result.stderr).toContain("/nodes/a/instanceId");
    const ok = await runCli(["validate", configFile], env);
    expect(ok.code).toBe(0);
  });

  it("unknown commands, flags and values are usage errors", async () => {
    expect((await runCli(["frobnicate"], env)).code).toBe(2);
    expect((await runCli(["failover", "--config", configFile, "--bogus"], env)).code).toBe(2);
    expect((await runCli(["failover", "--config", configFile, "--activate", "c"], env)).code).toBe(2);
    expect((await runCli(["failover"], env)).code).toBe(2);
  });
});
