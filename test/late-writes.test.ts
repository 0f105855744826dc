/**
 * Issue 9, defect 1: late-landing writes. Node b gives up (its calls time out and it records
 * FAILED) while the cloud still has its calls; node a takes over at once. b's calls then land.
 * The pair must end consistent with the state object, with no human action, within the bound
 * the FAILED record states.
 */
import { EC2Client, ReplaceRouteCommand } from "@aws-sdk/client-ec2";
import { afterEach, describe, expect, it } from "vitest";
import { agentSettings } from "../runtime/server/settings.js";
import { mutations, startTestDaemon, type TestDaemon } from "./helpers/agent-daemon.js";
import { sampleConfig } from "./helpers/sample-config.js";
import type { AwsAgentConfig as AgentConfig } from "../runtime/config/types.js";
import { failover } from "../runtime/core/executor.js";
import { agentOn, holderInCloud, startExampleSim, type AwsSim } from "./helpers/aws-sim.js";

let sim: AwsSim | undefined;
afterEach(async () => {
  await sim?.stop();
  sim = undefined;
});

const fast = (config: AgentConfig): AgentConfig => ({ ...config, timeouts: { deadlineMs: 1_500, requestMs: 300, connectMs: 200, verifyIntervalMs: 50 } });

describe("late-landing writes", () => {
  it("the sim applies a held mutating call after its client gave up", async () => {
    sim = await startExampleSim({ faults: { lateWrites: { actions: ["ReplaceRoute"], delayMs: 400 } } });
    const { provider, recorder, config } = agentOn(sim, "b", fast(sim.agentConfig()));
    const report = await failover(config, "b", provider, { recorder });
    expect(report.converged).toBe(false);
    expect(report.operations.filter((o) => o.action === "ReplaceRoute").every((o) => !o.ok)).toBe(true);
    expect(sim.lateWrites().pending + sim.lateWrites().landed).toBeGreaterThan(0);
    // Nothing told the client, but the routes move once the held calls land.
    await new Promise((resolve) => setTimeout(resolve, 600));
    expect(sim.lateWrites()).toMatchObject({ pending: 0 });
    expect(await holderInCloud(sim)).toBe("b");
  });

  it("b gives up, a takes over at once, b's calls land afterwards: the pair ends on a, as the state says, with no human action", async () => {
    sim = await startExampleSim({ faults: { lateWrites: { actions: ["*"], delayMs: { min: 700, max: 1_100 } } } });
    const b = agentOn(sim, "b", fast(sim.agentConfig()));
    const failed = await failover(b.config, "b", b.provider, { recorder: b.recorder });
    expect(failed.converged).toBe(false);
    const record = (await b.provider.stateStore.read())!.state;
    expect(record).toMatchObject({ activeNode: "b", taskState: "FAILED" });
    // The FAILED record says until when b's calls may still land.
    expect(Date.parse(record.lateUntil!.b!)).toBeGreaterThan(Date.now());

    sim.setFaults({ lateWrites: undefined });
    const a = agentOn(sim, "a", fast(sim.agentConfig()));
    const takeover = await failover(a.config, "a", a.provider, { recorder: a.recorder });
    const late = sim.lateWrites();
    expect(late.landed).toBeGreaterThan(0);
    // Every late write landed while a waited; a repaired what they moved before recording SUCCEEDED.
    expect(late.pending).toBe(0);
    expect(takeover).toMatchObject({ outcome: "converged", activeNode: "a" });
    expect(takeover.phases.map((p) => p.phase)).toContain("settle");
    expect(await holderInCloud(sim)).toBe("a");
    expect((await a.provider.stateStore.read())!.state).toMatchObject({ activeNode: "a", taskState: "SUCCEEDED" });
  }, 30_000);

  it("no earlier failover can still land: no wait (a clean a→b→a adds no settle phase)", async () => {
    sim = await startExampleSim();
    const b = agentOn(sim, "b");
    expect((await failover(b.config, "b", b.provider, { recorder: b.recorder })).phases.map((p) => p.phase)).not.toContain("settle");
    const a = agentOn(sim, "a");
    expect((await failover(a.config, "a", a.provider, { recorder: a.recorder })).phases.map((p) => p.phase)).not.toContain("settle");
  });
});

describe("the active node's reconcile loop, on by default", () => {
  let daemons: TestDaemon[] = [];
  afterEach(async () => {
    await Promise.all(daemons.map((d) => d.daemon.stop("test")));
    daemons = [];
  });

  it("is on without any reconcile section in the config: no role command means the state object decides", () => {
    const config = sampleConfig();
    delete config.agent;
    expect(agentSettings(config).reconcile).toMatchObject({ roleCommand: [], intervalMs: 10_000 });
  });

  it("a write that lands after every bound is repaired by the node the state names; the other node's loop moves nothing", async () => {
    sim = await startExampleSim();
    const a = agentOn(sim, "a");
    expect((await failover(a.config, "a", a.provider, { recorder: a.recorder })).outcome).toBe("converged");
    const settings = { reconcile: { roleCommand: [], intervalMs: 150, holdDownMs: 30_000, timeoutMs: 5_000 } };
    const onA = await startTestDaemon(sim, { node: "a", settings });
    const onB = await startTestDaemon(sim, { node: "b", settings });
    daemons.push(onA, onB);
    const markB = onB.recorder.calls.length;

    // A late write of some earlier failover to b lands now, long after every bound.
    const drifted = await moveOneRouteBehindTheBack(sim, "b");

    const repaired = await onA.waitForLog((l) => l.event === "reconcile" && l.decision === "repair", 10_000);
    expect(repaired).toMatchObject({ outcome: "converged" });
    expect(await holderInCloud(sim)).toBe("a");
    expect(JSON.stringify(repaired.drift)).toContain(drifted);
    // The other node's loop has had its say (it may come after a's repair on a loaded machine), and moved nothing.
    await onB.waitForLog((l) => l.event === "reconcile" && l.decision === "standby", 10_000);
    expect(mutations(onB.recorder.since(markB))).toEqual([]);
  }, 30_000);
});

/** Point one route of the pair at `node`'s interface behind the agents' back (as a late write would). */
async function moveOneRouteBehindTheBack(sim: AwsSim, node: "a" | "b"): Promise<string> {
  const config = sim.agentConfig();
  const route = config.routes![0]!;
  const destination = route.destinations[0]!;
  const ec2 = new EC2Client({ endpoint: sim.endpoint, region: sim.region, credentials: sim.credentials, maxAttempts: 1 });
  try {
    await ec2.send(new ReplaceRouteCommand({ RouteTableId: route.routeTableId, DestinationCidrBlock: destination, NetworkInterfaceId: config.nodes[node].interfaces[route.nextHop.role]!.id }));
  } finally {
    ec2.destroy();
  }
  return `${route.routeTableId} ${destination}`;
}
