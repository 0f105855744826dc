/**
 * Deliverable 3 of issue 10: AssignPrivateIpAddresses with AllowReassignment moves the EIP
 * associated with the IP along with it (EC2 API reference), so an EIP on a moving secondary IP
 * is expected to follow: verified, and re-associated only if verification finds it did not.
 */
import { afterEach, describe, expect, it } from "vitest";
import type { AgentConfig } from "../runtime/config/types.js";
import { failover } from "../runtime/core/executor.js";
import { startAwsSim } from "../sim/index.js";
import { exampleTopology } from "../sim/topologies.js";
import type { Topology } from "../sim/topology.js";
import { agentOn, holderInCloud, type AwsSim } from "./helpers/aws-sim.js";

const MOVING = "10.0.1.100";
let sim: AwsSim | undefined;
afterEach(async () => {
  await sim?.stop();
  sim = undefined;
});

/** The example pair with its EIP on the moving IP 10.0.1.100 (held by node a), or on a's own IP. */
function topology(eipOn: "moving" | "own"): Topology {
  const t = exampleTopology();
  const eip = t.elasticIps[0]!;
  if (eipOn === "moving") eip.association = { networkInterfaceId: eip.association!.networkInterfaceId, privateIp: MOVING };
  t.pair.elasticIps = [{ allocationId: eip.allocationId, role: t.pair.elasticIps[0]!.role, privateIp: { a: MOVING, b: MOVING } }];
  return t;
}

describe("an EIP on a moving secondary IP follows it", () => {
  it("is not re-associated: the EIP moved with the IP, verification saw it, 3 round trips", async () => {
    sim = await startAwsSim({ topology: topology("moving"), port: 0, seed: 1, faults: { latencyMs: 20 } });
    const config: AgentConfig = sim.agentConfig();
    const { provider, recorder } = agentOn(sim, "b", config);
    const report = await failover(config, "b", provider, { recorder, checkPermissions: false });
    expect(report.outcome).toBe("converged");
    expect(report.apiCallsByAction.AssociateAddress ?? 0).toBe(0);
    expect(sim.calls.filter((c) => c.action === "AssociateAddress")).toEqual([]);
    expect(report.criticalPathRoundTrips).toBe(3);
    expect(report.phases.filter((p) => p.phase === "mutate")).toHaveLength(1);
    expect(await holderInCloud(sim, config)).toBe("b");
  });

  it("is re-associated when verification finds it did not follow (it was on another IP)", async () => {
    // The EIP is on node a's own address, not on the moving IP: moving the IP leaves it behind.
    sim = await startAwsSim({ topology: topology("own"), port: 0, seed: 1 });
    const config: AgentConfig = sim.agentConfig();
    const { provider, recorder } = agentOn(sim, "b", config);
    const report = await failover(config, "b", provider, { recorder, checkPermissions: false });
    expect(report.outcome).toBe("converged");
    const associates = sim.calls.filter((c) => c.action === "AssociateAddress");
    expect(associates).toHaveLength(1);
    // Sent after the first verification read found the EIP behind, not in the mutation wave.
    const firstRead = sim.calls.filter((c) => c.action.startsWith("Describe")).sort((x, y) => x.time - y.time)[0]!;
    expect(associates[0]!.time).toBeGreaterThan(firstRead.time);
    expect(report.operations.map((o) => o.action)).toContain("AssociateAddress");
    expect(await holderInCloud(sim, config)).toBe("b");
  });
});
