/**
 * The Azure failover's safety claims, each against an adversary: a concurrent writer (412 mid-
 * failover), 429/409 storms, a lost fencing race, a crash mid-failover, a missing role action.
 */
import { afterEach, describe, expect, it } from "vitest";
import { AZURE_REQUIRED_ACTIONS } from "../runtime/azure/index.js";
import { failover, prepareFailover, runFailover } from "../runtime/core/executor.js";
import { takeOver } from "../runtime/core/fencing.js";
import { exampleAzureTopology, type AzureSim } from "../sim/azure/index.js";
import type { Json } from "../sim/azure/world.js";
import { azureAgentOn, azureHolder, startFastAzureSim } from "./helpers/azure-sim.js";

let sim: AzureSim | undefined;
afterEach(async () => {
  await sim?.stop();
  sim = undefined;
});

const puts = (s: AzureSim) => s.calls.filter((c) => c.method === "PUT");

describe("Azure failover under adversaries", () => {
  it("a 412 mid-failover (another writer between our GET and PUT) re-reads, recomputes and keeps the other writer's change", async () => {
    sim = await startFastAzureSim();
    const s = sim;
    const table = s.agentConfig().routes![0]!.routeTableId;
    let raced = false;
    s.onAnswered((call) => {
      if (!raced && call.method === "GET" && call.path === table && call.status === 200) {
        raced = true;
        s.world.touch(table, (resource) => {
          resource.tags = { ...(resource.tags as Json), owner: "network-team" };
        });
      }
    });
    const b = await azureAgentOn(s, "b");
    s.calls.length = 0;
    raced = false;
    const report = await failover(b.config, "b", b.provider, { recorder: b.recorder });
    expect(report).toMatchObject({ outcome: "converged", activeNode: "b" });
    expect(s.calls.some((c) => c.method === "PUT" && c.path === table && c.status === 412)).toBe(true);
    expect(report.operations.find((o) => o.target === table)?.attempts).toBeGreaterThanOrEqual(2);
    expect(s.world.get(table).tags).toMatchObject({ owner: "network-team" });
    expect(await azureHolder(s)).toBe("b");
  });

  it("converges through 429 and 409 storms, honouring Retry-After", async () => {
    sim = await startFastAzureSim({ faults: { seed: 3, throttleRate: 0.4, conflictRate: 0.4, retryAfterSeconds: 0, methods: ["PUT"] } });
    const b = await azureAgentOn(sim, "b");
    const report = await failover(b.config, "b", b.provider, { recorder: b.recorder });
    expect(report.error).toBeUndefined();
    expect(report.converged).toBe(true);
    const codes = new Set(puts(sim).map((c) => c.code).filter(Boolean));
    expect([...codes].some((c) => c === "SubscriptionRequestsThrottled" || c === "RetryableErrorDueToAnotherOperation")).toBe(true);
    expect(report.attempts).toBeGreaterThan(report.apiCalls);
  });

  it("two nodes racing: exactly one wins the state blob, the loser moves nothing, the cloud follows the winner", async () => {
    sim = await startFastAzureSim();
    const a = await azureAgentOn(sim, "a");
    const b = await azureAgentOn(sim, "b");
    const [prepA, prepB] = await Promise.all([prepareFailover(a.config, "a", a.provider), prepareFailover(b.config, "b", b.provider)]);
    sim.calls.length = 0;
    const [ra, rb] = await Promise.all([runFailover(prepA, a.provider, { recorder: a.recorder }), runFailover(prepB, b.provider, { recorder: b.recorder })]);
    const winners = [ra, rb].filter((r) => r.converged);
    const losers = [ra, rb].filter((r) => !r.converged);
    expect(winners).toHaveLength(1);
    expect(losers[0]!.outcome).toBe("lost-race");
    const loserPrincipal = losers[0] === ra ? sim.principals.a : sim.principals.b;
    expect(puts(sim).filter((c) => c.principalId === loserPrincipal)).toEqual([]);
    expect(await azureHolder(sim)).toBe(winners[0]!.activeNode);
  });

  it("a crash mid-failover (giving NIC emptied, receiving NIC not yet written) recovers by re-planning once the task is stale", async () => {
    sim = await startFastAzureSim({ topology: exampleAzureTopology({ ipConfigurations: true }) });
    const b = await azureAgentOn(sim, "b");
    const startedAt = new Date();
    await takeOver(b.provider.stateStore, { label: b.config.label, activate: "b", taskId: "crashed", owner: { node: "b" }, now: startedAt, deadlineMs: 5_000 }, await b.provider.stateStore.read());
    // What the crashed run had done: the VIP taken off node a's NIC, nothing else.
    const giving = b.config.nodes.a.interfaces.external!.id;
    const nic = sim.world.get(giving);
    (nic.properties as Json).ipConfigurations = ((nic.properties as Json).ipConfigurations as Json[]).filter((c) => c.name !== "vip1");
    sim.world.put(giving, nic, String(nic.etag));
    expect(await azureHolder(sim)).toBe("mixed");

    const a = await azureAgentOn(sim, "a");
    const busy = await failover(a.config, "a", a.provider, { recorder: a.recorder, now: () => new Date(startedAt.getTime() + 1_000) });
    expect(busy.outcome).toBe("busy");
    const recovered = await failover(b.config, "b", b.provider, { recorder: b.recorder, now: () => new Date(startedAt.getTime() + 6_000) });
    expect(recovered.error).toBeUndefined();
    expect(recovered).toMatchObject({ outcome: "converged", activeNode: "b", generation: 2 });
    expect(await azureHolder(sim)).toBe("b");
  });

  it("a missing role action is named, with its scope, before fencing: nothing is written or moved", async () => {
    sim = await startFastAzureSim();
    sim.setRole("b", { name: "ha-pair (no route table write)", actions: AZURE_REQUIRED_ACTIONS.filter((a) => a !== "Microsoft.Network/routeTables/write") });
    const b = await azureAgentOn(sim, "b");
    sim.calls.length = 0;
    const report = await failover(b.config, "b", b.provider, { recorder: b.recorder });
    expect(report.outcome).toBe("failed");
    expect(report.error?.code).toBe("MissingPermission");
    expect(report.error?.message).toContain("Microsoft.Network/routeTables/write");
    expect(report.error?.message).toContain(b.config.routes![0]!.routeTableId);
    expect(report.missingPermissions?.length).toBe(b.config.routes!.length);
    expect(puts(sim)).toEqual([]);
    expect(await b.provider.stateStore.read()).toBeNull();
    expect(await azureHolder(sim)).toBe("a");
  });

  it("the required-action list is exactly what the agent needs: with it, a failover of routes and ipConfigurations converges", async () => {
    sim = await startFastAzureSim({ topology: exampleAzureTopology({ ipConfigurations: true }) });
    sim.setRole("b", { name: "ha-pair", actions: [...AZURE_REQUIRED_ACTIONS] });
    const b = await azureAgentOn(sim, "b");
    const report = await failover(b.config, "b", b.provider, { recorder: b.recorder });
    expect(report.error).toBeUndefined();
    expect(report.converged).toBe(true);
  });
});

describe("Azure failover when another writer cancels our route-table update", () => {
  it("a later PUT of the same table cancels ours (Canceled): the agent re-reads and converges", async () => {
    sim = await startFastAzureSim({ lro: { routeTableMs: 1_000, networkInterfaceMs: 60_000 }, lroScale: 1 });
    const s = sim;
    const table = s.agentConfig().routes![0]!.routeTableId;
    let cancelled = false;
    s.onAnswered((call) => {
      if (!cancelled && call.method === "PUT" && call.path === table && call.status === 200) {
        cancelled = true;
        // Another tool writes the table back as it now reads: our operation ends Canceled.
        setTimeout(() => {
          const current = s.world.get(table);
          s.world.put(table, current, undefined);
        }, 30);
      }
    });
    const b = await azureAgentOn(s, "b");
    const report = await failover(b.config, "b", b.provider, { recorder: b.recorder });
    expect(cancelled).toBe(true);
    expect(report.error).toBeUndefined();
    expect(report).toMatchObject({ outcome: "converged", activeNode: "b" });
    expect(report.operations.find((o) => o.target === table)?.attempts).toBeGreaterThanOrEqual(2);
    expect(await azureHolder(s)).toBe("b");
  });
});
