/**
 * The reconcile loop: the role command decides; only an active node repairs drift toward itself,
 * and not within the hold-down after the other node took the pair over.
 */
import { EC2Client, ReplaceRouteCommand } from "@aws-sdk/client-ec2";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { failover } from "../runtime/core/executor.js";
import { takeOver } from "../runtime/core/fencing.js";
import { runRoleCommand } from "../runtime/server/role-command.js";
import { agentOn, holderInCloud, startExampleSim, type AwsSim } from "./helpers/aws-sim.js";
import { mutations, startTestDaemon, type TestDaemon } from "./helpers/agent-daemon.js";

const ACTIVE = [process.execPath, "-e", "process.exit(0)"];
const STANDBY = [process.execPath, "-e", "process.exit(1)"];
const HANGS = [process.execPath, "-e", "setTimeout(() => {}, 60000)"];

let sim: AwsSim;
let d: TestDaemon | undefined;
beforeEach(async () => {
  sim = await startExampleSim();
});
afterEach(async () => {
  await d?.daemon.stop("test");
  d = undefined;
  await sim.stop();
});

function reconcileSettings(roleCommand: string[], extra: { holdDownMs?: number; timeoutMs?: number } = {}) {
  return { reconcile: { roleCommand, intervalMs: 150, holdDownMs: extra.holdDownMs ?? 0, timeoutMs: extra.timeoutMs ?? 5_000 } };
}

/** Drift: point the pair's first route at node b's interface, behind the agent's back, with the EC2 SDK. */
async function moveOneRouteToB(): Promise<string> {
  const config = sim.agentConfig();
  const route = config.routes![0]!;
  const destination = route.destinations.find((x) => !x.startsWith("pl-") && !x.includes(":"))!;
  const ec2 = new EC2Client({ endpoint: sim.endpoint, region: sim.region, credentials: sim.credentials, maxAttempts: 1 });
  try {
    await ec2.send(new ReplaceRouteCommand({ RouteTableId: route.routeTableId, DestinationCidrBlock: destination, NetworkInterfaceId: config.nodes.b.interfaces[route.nextHop.role]!.id }));
  } finally {
    ec2.destroy();
  }
  return `${route.routeTableId} ${destination}`;
}

const rounds = (d: TestDaemon) => d.logs.filter((l) => l.event === "reconcile");
async function waitRounds(d: TestDaemon, n: number): Promise<Record<string, unknown>[]> {
  const until = Date.now() + 15_000;
  while (rounds(d).length < n) {
    if (Date.now() > until) throw new Error(`fewer than ${n} reconcile rounds`);
    await new Promise((r) => setTimeout(r, 25));
  }
  return rounds(d);
}

describe("role command", () => {
  it("exit 0 = active, other exits = standby, a program that cannot run or a signal = unknown; no shell", async () => {
    expect(await runRoleCommand(ACTIVE, 5_000)).toMatchObject({ role: "active", detail: "exit 0" });
    expect(await runRoleCommand([process.execPath, "-e", "console.log('BACKUP'); process.exit(3)"], 5_000)).toMatchObject({ role: "standby", detail: "exit 3 (BACKUP)" });
    expect((await runRoleCommand(["/nonexistent/ha-pair/is-active"], 5_000)).role).toBe("unknown");
    expect((await runRoleCommand([process.execPath, "-e", "process.kill(process.pid, 'SIGKILL')"], 5_000)).role).toBe("unknown");
    // Arguments are passed as they are: "$(...)" is not expanded by any shell.
    expect(await runRoleCommand([process.execPath, "-e", "process.exit(process.argv[1] === '$(exit 1)' ? 0 : 1)", "$(exit 1)"], 5_000)).toMatchObject({ role: "active" });
  });
});

describe("reconcile loop", () => {
  it("active: repairs injected drift through a fenced failover to this node", async () => {
    d = await startTestDaemon(sim, { node: "a", settings: reconcileSettings(ACTIVE) });
    expect(await holderInCloud(sim)).toBe("a");
    await waitRounds(d, 1);
    expect(rounds(d)[0]).toMatchObject({ decision: "in-place", role: "active" });
    // (No look at the cloud in between: the next round may already be repairing it.)
    const moved = await moveOneRouteToB();
    const repair = await d.waitForLog((l) => l.event === "reconcile" && l.decision === "repair");
    expect(repair).toMatchObject({ role: "active", outcome: "converged", differences: 1 });
    expect(repair.drift).toEqual([expect.stringContaining(moved)]);
    expect(await holderInCloud(sim)).toBe("a");
    expect((await d.provider.stateStore.read())?.state).toMatchObject({ activeNode: "a", generation: 1, taskState: "SUCCEEDED" });
    expect(d.logs.find((l) => l.event === "failover-started")).toMatchObject({ source: "reconcile", activate: "a" });
    expect((await d.request("GET", "/info")).json.reconcile).toMatchObject({ enabled: true, lastRound: { role: "active" } });
  });

  it("active, but a failover is RUNNING in the state object inside its deadline: what it sees is mid-flight, not drift", async () => {
    d = await startTestDaemon(sim, { node: "a", settings: reconcileSettings(ACTIVE) });
    const store = d.provider.stateStore;
    // A one-shot failover on this node that has fenced and not finished yet.
    await takeOver(store, { label: sim.agentConfig().label, activate: "a", taskId: "one-shot", owner: { node: "a" }, now: new Date(), deadlineMs: 30_000 }, await store.read());
    await moveOneRouteToB();
    const waiting = await d.waitForLog((l) => l.event === "reconcile" && l.decision === "failover-running");
    expect(String(waiting.detail)).toContain("task RUNNING");
    expect(mutations(d.recorder.calls)).toEqual([]);
  });

  it("standby: never moves anything toward this node", async () => {
    d = await startTestDaemon(sim, { node: "a", settings: reconcileSettings(STANDBY) });
    await moveOneRouteToB();
    const seen = await waitRounds(d, 4);
    expect(seen.every((l) => l.decision === "standby" && l.role === "standby")).toBe(true);
    expect(mutations(d.recorder.calls)).toEqual([]);
    expect(await holderInCloud(sim)).toBe("mixed");
  });

  it("unknown (the role command hangs and is killed): does nothing", async () => {
    d = await startTestDaemon(sim, { node: "a", settings: reconcileSettings(HANGS, { timeoutMs: 200 }) });
    await moveOneRouteToB();
    const seen = await waitRounds(d, 2);
    expect(seen[0]).toMatchObject({ decision: "role-unknown", role: "unknown", level: "warn" });
    expect(String(seen[0]!.roleDetail)).toContain("timed out after 200 ms");
    expect(mutations(d.recorder.calls)).toEqual([]);
    expect(await holderInCloud(sim)).toBe("mixed");
  });

  it("hold-down: after the other node took the pair over, an active node waits out the window, then the generation decides", async () => {
    d = await startTestDaemon(sim, { node: "a", settings: reconcileSettings(ACTIVE, { holdDownMs: 3_000 }) });
    // Node b is triggered by its own HA machinery while a still claims active.
    const b = agentOn(sim, "b");
    const taken = await failover(b.config, "b", b.provider, { recorder: b.recorder });
    agentOn(sim, "a");
    expect(taken).toMatchObject({ converged: true, generation: 1 });
    const takenAt = Date.parse((await d.provider.stateStore.read())!.state.startedAt);
    const held = await d.waitForLog((l) => l.event === "reconcile" && l.decision === "hold-down");
    expect(String(held.detail)).toContain("node b");
    // Still active past the hold-down: a later round takes the pair back, with the next generation.
    await d.waitForLog((l) => l.event === "reconcile" && l.decision === "repair");
    const decisions = rounds(d).map((l) => l.decision);
    expect(decisions.indexOf("hold-down")).toBeLessThan(decisions.indexOf("repair"));
    // Nothing moved toward this node inside the window.
    const repairStarted = d.logs.find((l) => l.event === "failover-started" && l.source === "reconcile")!;
    expect(Date.parse(String(repairStarted.time)) - takenAt).toBeGreaterThanOrEqual(3_000);
    expect(d.logs.filter((l) => l.event === "failover-started")).toHaveLength(1);
    expect(await holderInCloud(sim)).toBe("a");
    expect((await d.provider.stateStore.read())?.state).toMatchObject({ activeNode: "a", generation: 2 });
  });
});
