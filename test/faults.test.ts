import { afterEach, describe, expect, it } from "vitest";
import type { AwsAgentConfig as AgentConfig } from "../runtime/config/types.js";
import { failover } from "../runtime/core/executor.js";
import { planOperations } from "../runtime/core/operations.js";
import { planFailover } from "../runtime/core/planner.js";
import { pairTopology } from "../sim/topologies.js";
import { agentOn, holderInCloud, startExampleSim, type AwsSim } from "./helpers/aws-sim.js";

let sim: AwsSim | undefined;
afterEach(async () => {
  await sim?.stop();
  sim = undefined;
});

/** The sim's config with tighter time budgets, so fault tests stay short. */
function withTimeouts(config: AgentConfig, timeouts: AgentConfig["timeouts"]): AgentConfig {
  return { ...config, timeouts: { ...config.timeouts, ...timeouts } };
}

describe("failover under faults", () => {
  it("a throttle storm: RequestLimitExceeded is retried with backoff until every call lands", async () => {
    // 60 routes against a bucket of 20 mutating calls refilled at 40/s: most calls are throttled at first.
    sim = await startExampleSim({
      topology: pairTopology({ secondaryIps: 4, elasticIps: 1, routeTables: 6, routesPerTable: 10 }),
      faults: { throttle: { mutating: { burst: 20, refillPerSecond: 40 }, nonMutating: { burst: 100, refillPerSecond: 20 } } },
    });
    const { provider, recorder, config } = agentOn(sim, "b");
    const report = await failover(config, "b", provider, { recorder });
    expect(report.converged).toBe(true);
    expect(sim.calls.some((c) => c.status === 503)).toBe(true);
    expect(report.attempts).toBeGreaterThan(report.apiCalls);
    expect(report.operations.filter((o) => o.attempts > 1).length).toBeGreaterThan(0);
    expect(await holderInCloud(sim)).toBe("b");
  });

  it("server errors (5xx) are retried and the failover converges", async () => {
    sim = await startExampleSim({ faults: { seed: 3, serverErrorRate: 0.4 } });
    const { provider, recorder, config } = agentOn(sim, "b");
    const report = await failover(config, "b", provider, { recorder });
    expect(report.converged).toBe(true);
    expect(sim.calls.some((c) => c.status >= 500)).toBe(true);
    expect(report.attempts).toBeGreaterThan(report.apiCalls);
  });

  it("requests that never answer time out on their own timeout and are retried", async () => {
    sim = await startExampleSim({ faults: { seed: 11, timeoutRate: 0.3, actions: ["AssignPrivateIpAddresses", "AssociateAddress", "ReplaceRoute"] } });
    const config = withTimeouts(sim.agentConfig(), { requestMs: 300, connectMs: 200, deadlineMs: 15_000 });
    const { provider, recorder } = agentOn(sim, "b", config);
    const report = await failover(config, "b", provider, { recorder });
    expect(report.converged).toBe(true);
    expect(report.attempts).toBeGreaterThan(report.apiCalls);
  });

  it("one failing operation among many: the others land, the report and the state name exactly what failed", async () => {
    sim = await startExampleSim();
    const config = sim.agentConfig();
    const route = config.routes![0]!;
    const target = `${route.routeTableId} ${route.destinations[0]}`;
    sim.setFaults({ failures: [{ action: "ReplaceRoute", target: route.routeTableId, code: "InvalidParameterValue", message: "injected", times: 1 }] });
    const { provider, recorder } = agentOn(sim, "b", config);
    const report = await failover(config, "b", provider, { recorder });
    expect(report).toMatchObject({ outcome: "not-converged", converged: false });
    const failed = report.operations.filter((o) => !o.ok);
    expect(failed).toHaveLength(1);
    expect(failed[0]).toMatchObject({ action: "ReplaceRoute", target, attempts: 1, error: { code: "InvalidParameterValue" } });
    expect(report.operations.filter((o) => o.ok)).toHaveLength(planOperations(planFailover(config, "b")).length - 1);
    expect(report.differences.map((d) => d.id)).toEqual([target]);
    const state = (await provider.stateStore.read())!.state;
    expect(state.taskState).toBe("FAILED");
    expect(state.error).toContain(route.routeTableId);
  });

  it("a permanent error is not retried and says what to do", async () => {
    sim = await startExampleSim({ faults: { deny: [{ action: "AssociateAddress" }] } });
    const { provider, recorder, config } = agentOn(sim, "b");
    // Without the precheck (which would refuse before the wave): the in-wave path still fails fast.
    const report = await failover(config, "b", provider, { recorder, checkPermissions: false });
    const denied = report.operations.find((o) => o.action === "AssociateAddress")!;
    expect(denied).toMatchObject({ ok: false, attempts: 1, error: { code: "UnauthorizedOperation" } });
    expect(denied.error!.message).toContain("ec2:AssociateAddress");
    expect(recorder.calls.filter((c) => c.action === "AssociateAddress")).toHaveLength(1);
  });

  it("stale reads after the writes: verification reads again until the cloud shows the result", async () => {
    sim = await startExampleSim({ faults: { staleReadMs: 400 } });
    const { provider, recorder, config } = agentOn(sim, "b");
    const report = await failover(withTimeouts(config, { verifyIntervalMs: 100 }), "b", provider, { recorder });
    expect(report.converged).toBe(true);
    const verify = report.phases.find((p) => p.phase === "verify")!;
    expect(verify.roundTrips).toBeGreaterThan(1);
    expect(report.criticalPathRoundTrips).toBe(2 + verify.roundTrips);
  });

  it("the deadline bounds the whole failover; the result is still recorded as FAILED", async () => {
    sim = await startExampleSim({ faults: { latencyMs: { min: 0, max: 0 } } });
    const config = withTimeouts(sim.agentConfig(), { deadlineMs: 1_000, requestMs: 900 });
    sim.setFaults({ failures: [{ action: "ReplaceRoute", code: "RequestLimitExceeded", status: 503 }] });
    const { provider, recorder } = agentOn(sim, "b", config);
    const started = Date.now();
    const report = await failover(config, "b", provider, { recorder });
    expect(Date.now() - started).toBeLessThan(5_000);
    expect(report.converged).toBe(false);
    expect(report.operations.find((o) => o.action === "ReplaceRoute")!.ok).toBe(false);
    expect((await provider.stateStore.read())!.state.taskState).toBe("FAILED");
  });
});
