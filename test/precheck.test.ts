import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { failover, prepareFailover, runFailover } from "../runtime/core/executor.js";
import { planOperations } from "../runtime/core/operations.js";
import { planFailover } from "../runtime/core/planner.js";
import { exampleTopology } from "../sim/topologies.js";
import { agentOn, holderInCloud, startExampleSim, type AwsSim } from "./helpers/aws-sim.js";
import { cleanEnv, runCli, tempFile } from "./helpers/cli.js";
import { pairPolicy, pairResourceArns } from "./helpers/sim-iam-policy.js";

const ROLE = "ha-pair-demo-node";
const topology = exampleTopology();
const arns = pairResourceArns(topology);
/** The second route table: the role may move the first one's routes, not this one's. */
const deniedTable = arns.routeTables[1] as string;
const MUTATING = new Set(["AssignPrivateIpAddresses", "AssociateAddress", "ReplaceRoute"]);

let sim: AwsSim;
beforeEach(async () => {
  sim = await startExampleSim({ identityPolicies: { [ROLE]: [pairPolicy(topology, { withoutResource: deniedTable })] } });
});
afterEach(async () => {
  await sim.stop();
});

const worldOf = (s: AwsSim) => JSON.stringify(s.world.state);

describe("permission precheck before the trigger", () => {
  it("a missing ec2:ReplaceRoute on one route table: failover refuses, names it, fences nothing, moves nothing", async () => {
    const { provider, recorder, config } = agentOn(sim, "b");
    const before = worldOf(sim);
    sim.clearCalls();

    const report = await failover(config, "b", provider, { recorder });

    expect(report).toMatchObject({ outcome: "failed", converged: false, activeNode: null, generation: null, operations: [] });
    expect(report.error?.code).toBe("MissingPermission");
    expect(report.error?.message).toContain(`ec2:ReplaceRoute on ${deniedTable}`);
    expect(report.error?.message).not.toContain(arns.routeTables[0]);
    expect(report.error?.fix).toContain(`Grant ec2:ReplaceRoute on ${deniedTable}`);
    // One check per route table (IAM decides ReplaceRoute on the table), not one per route.
    expect(report.missingPermissions?.map((m) => [m.permission, m.resource])).toEqual([["ec2:ReplaceRoute", deniedTable]]);
    // The cloud is exactly as it was; no real mutation and no state write was sent.
    expect(worldOf(sim)).toBe(before);
    expect(recorder.calls.filter((c) => MUTATING.has(c.action) && !c.check)).toEqual([]);
    expect(sim.calls.filter((c) => c.service === "s3" && c.action === "PutObject")).toEqual([]);
    // EC2 answered every AssociateAddress/ReplaceRoute it saw with DryRunOperation or a refusal
    // (the no-op AssignPrivateIpAddresses checks are covered by the unchanged world).
    const answered = sim.calls.filter((c) => c.service === "ec2" && (c.action === "AssociateAddress" || c.action === "ReplaceRoute"));
    expect(answered.length).toBeGreaterThan(0);
    expect(answered.every((c) => c.errorCode === "DryRunOperation" || c.errorCode === "UnauthorizedOperation")).toBe(true);
    expect(s3StateOf(sim)).toBeUndefined();
    expect(await holderInCloud(sim)).toBe("a");
  });

  it.each(["ec2:DescribeAddresses", "ec2:DescribeRouteTables"])("a missing %s (a read only the verification needs): refused before the trigger, nothing moved", async (action) => {
    sim.setIdentityPolicies(ROLE, [pairPolicy(topology, { withoutAction: action })]);
    const { provider, recorder, config } = agentOn(sim, "b");
    const before = worldOf(sim);
    const report = await failover(config, "b", provider, { recorder });
    expect(report.error?.code).toBe("MissingPermission");
    expect(report.missingPermissions?.map((m) => [m.permission, m.resource])).toEqual([[action, "*"]]);
    expect(worldOf(sim)).toBe(before);
    sim.setIdentityPolicies(ROLE, null);
    expect(await holderInCloud(sim)).toBe("a");
  });

  it("without the precheck the same gap splits the pair (what the precheck prevents)", async () => {
    const { provider, recorder, config } = agentOn(sim, "b");
    const report = await failover(config, "b", provider, { recorder, checkPermissions: false });
    expect(report.outcome).toBe("not-converged");
    const failed = report.operations.filter((o) => !o.ok);
    expect(failed.length).toBeGreaterThan(0);
    expect(failed.every((o) => o.action === "ReplaceRoute")).toBe(true);
    expect(report.operations.some((o) => o.ok && o.action === "AssignPrivateIpAddresses")).toBe(true);
    expect(await holderInCloud(sim)).toBe("mixed");
  });

  it("the check runs in parallel with the state read, before the trigger; recorded as checks, not operations", async () => {
    sim.setIdentityPolicies(ROLE, [pairPolicy(topology)]);
    const { provider, recorder, config } = agentOn(sim, "b");
    // The config check (its own test: pre-fence.test.ts) is off here, to count the permission checks alone.
    const report = await failover(config, "b", provider, { recorder, checkConfig: false });
    expect(report.outcome).toBe("converged");
    const plan = planOperations(planFailover(config, "b"));
    const checks = recorder.calls.filter((c) => c.check);
    // One per planned operation and resource (ReplaceRoute once per route table), the one
    // batched read of the interfaces' primary IPs, and a DryRun of each other read the
    // verification wave will make (addresses, route tables).
    const tables = new Set(plan.flatMap((op) => (op.action === "ReplaceRoute" ? [op.routeTableId] : [])));
    expect(checks).toHaveLength(plan.filter((op) => op.action !== "ReplaceRoute").length + tables.size + 3);
    expect(checks.filter((c) => c.action.startsWith("Describe")).map((c) => c.action).sort()).toEqual(["DescribeAddresses", "DescribeNetworkInterfaces", "DescribeRouteTables"]);
    expect(recorder.calls.filter((c) => MUTATING.has(c.action) && !c.check)).toHaveLength(plan.length);
    const stateRead = recorder.calls.find((c) => c.action === "GetObject");
    const firstCheck = Math.min(...checks.map((c) => c.startedAt));
    const fence = recorder.calls.find((c) => c.action === "PutObject");
    // Started together (not one after the other), and all of it done before the fencing write.
    expect(stateRead).toBeDefined();
    expect(Math.abs(firstCheck - (stateRead?.startedAt ?? 0))).toBeLessThanOrEqual((stateRead?.ms ?? 0) + 1);
    for (const check of checks) expect(check.startedAt + check.ms).toBeLessThanOrEqual((fence?.startedAt ?? 0) + 1);
    expect(report.criticalPathRoundTrips).toBe(3);
  });

  it("a daemon's cached read carries its cached check: a cached denial refuses at once, with no call", async () => {
    const { provider, recorder, config } = agentOn(sim, "b");
    const fresh = await prepareFailover(config, "b", provider);
    expect(fresh.permissions?.some((p) => p.denied)).toBe(true);
    const mark = recorder.calls.length;
    const cached = await prepareFailover(config, "b", provider, undefined, { stored: fresh.stored, permissions: fresh.permissions ?? [] });
    const report = await runFailover(cached, provider, { recorder });
    expect(report.outcome).toBe("failed");
    expect(report.error?.code).toBe("MissingPermission");
    expect(recorder.calls.length).toBe(mark);
    // A cached read without a cached check waits on nothing.
    const bare = await prepareFailover(config, "b", provider, undefined, { stored: fresh.stored });
    expect(bare.permissions).toBeUndefined();
    expect(recorder.calls.length).toBe(mark);
  });

  it("a check that cannot be made (throttled, timed out) does not block the failover", async () => {
    sim.setIdentityPolicies(ROLE, [pairPolicy(topology)]);
    const { provider, recorder, config } = agentOn(sim, "b");
    const flaky = { ...provider, checkPermissions: () => Promise.reject(new Error("checks unavailable")) } as typeof provider;
    const report = await failover(config, "b", flaky, { recorder });
    expect(report.outcome).toBe("converged");
  });

  it("ha-pair preflight names exactly the missing permission and resource", async () => {
    const configFile = tempFile("c.json", sim.agentConfig());
    const result = await runCli(["preflight", "--config", configFile, "--json"], cleanEnv({ AWS_ENDPOINT_URL: sim.endpoint }));
    expect(result.code).toBe(1);
    const failing = result.json<{ checks: { name: string; status: string; detail: string }[] }>().checks.filter((c) => c.status === "fail");
    // Both nodes' plans replace the routes of the denied table: IAM decides on the table, so
    // one check covers both nodes' routes in it (it was one per route and node).
    expect(failing.map((c) => c.name)).toEqual(["permission ReplaceRoute"]);
    for (const check of failing) expect(check.detail).toContain(`ec2:ReplaceRoute is not allowed on ${deniedTable}:`);
  });
});

function s3StateOf(s: AwsSim) {
  return s.s3.getObject(topology.pair.stateStore.bucket, topology.pair.stateStore.key);
}
