/**
 * Issue 9, defects 2 and 3: the config is checked against the cloud before fencing, and every
 * permanent error found before fencing stops the failover before anything moves.
 */
import { afterEach, describe, expect, it } from "vitest";
import type { AwsAgentConfig as AgentConfig } from "../runtime/config/types.js";
import { failover, type FailoverReport } from "../runtime/core/executor.js";
import type { CallRecorder } from "../runtime/core/recorder.js";
import { startAgentDaemon } from "../runtime/server/daemon.js";
import { AgentStartError } from "../runtime/server/token.js";
import { tokenFile } from "./helpers/agent-daemon.js";
import { agentOn, holderInCloud, startExampleSim, type AwsSim } from "./helpers/aws-sim.js";

let sim: AwsSim | undefined;
afterEach(async () => {
  await sim?.stop();
  sim = undefined;
});

const MUTATIONS = new Set(["AssignPrivateIpAddresses", "AssociateAddress", "ReplaceRoute"]);

/** Nothing moved and nothing was fenced: no real mutation, no state write. */
function nothingMoved(recorder: CallRecorder): void {
  expect(recorder.calls.filter((c) => !c.check && (MUTATIONS.has(c.action) || c.action === "PutObject"))).toEqual([]);
}

function edit(config: AgentConfig, change: (c: AgentConfig) => void): AgentConfig {
  const copy = structuredClone(config);
  change(copy);
  return copy;
}

function swapInternal(config: AgentConfig): AgentConfig {
  return edit(config, (c) => {
    const a = c.nodes.a.interfaces.internal!;
    c.nodes.a.interfaces.internal = c.nodes.b.interfaces.internal!;
    c.nodes.b.interfaces.internal = a;
  });
}

async function refused(config: AgentConfig, options: { checkConfig?: boolean } = {}): Promise<{ report: FailoverReport; recorder: CallRecorder }> {
  const { provider, recorder } = agentOn(sim!, "b", config);
  const report = await failover(config, "b", provider, { recorder, ...options });
  expect(report.outcome).toBe("failed");
  expect(report.converged).toBe(false);
  nothingMoved(recorder);
  expect(await holderInCloud(sim!)).toBe("a");
  expect(await provider.stateStore.read()).toBeNull();
  return { report, recorder };
}

describe("defect 2: every interface belongs to its node, every instance exists", () => {
  it("the two nodes' internal interfaces swapped: refused before fencing, naming both JSON paths and the fix", async () => {
    sim = await startExampleSim();
    const { report } = await refused(swapInternal(sim.agentConfig()));
    expect(report.error?.code).toBe("ConfigDoesNotMatchCloud");
    expect(report.configProblems?.map((p) => p.path).sort()).toEqual(["/nodes/a/interfaces/internal/id", "/nodes/b/interfaces/internal/id"]);
    expect(report.error?.message).toContain("node a's instance");
    expect(report.error?.fix).toMatch(/mixed up/);
  });

  it("a node's instance that does not exist: refused, naming /nodes/b/instanceId", async () => {
    sim = await startExampleSim();
    const { report } = await refused(edit(sim.agentConfig(), (c) => (c.nodes.b.instanceId = "i-0b0000000000dead0")));
    expect(report.configProblems?.map((p) => p.path)).toContain("/nodes/b/instanceId");
    expect(report.error?.message).toContain("i-0b0000000000dead0");
  });
});

describe("defect 3: a permanent error found before fencing stops the failover", () => {
  it("an interface that does not exist (the DryRun answers NotFound), even with the config check off", async () => {
    sim = await startExampleSim();
    const config = edit(sim.agentConfig(), (c) => (c.nodes.b.interfaces.external = { id: "eni-0b00000000000dead" }));
    const { report } = await refused(config, { checkConfig: false });
    expect(report.error?.code).toMatch(/NotFound/);
    expect(report.error?.message).toContain("eni-0b00000000000dead");
    // With the config check on, the same config is refused by it, with the path.
    sim.clearCalls();
    const checked = await refused(config);
    expect(checked.report.configProblems?.map((p) => p.path)).toContain("/nodes/b/interfaces/external/id");
  });

  it("a route that does not exist (a DryRun ReplaceRoute need not say so): refused by the config check, naming its path", async () => {
    sim = await startExampleSim();
    const config = edit(sim.agentConfig(), (c) => c.routes![0]!.destinations.push("172.31.0.0/16"));
    const checked = await refused(config);
    expect(checked.report.error?.message).toContain("172.31.0.0/16");
    expect(checked.report.configProblems?.map((p) => p.path)).toEqual(["/routes/0/destinations/2"]);
  });

  it("a secondary IP outside the interface's subnet: refused, naming the IP's path and the subnet", async () => {
    sim = await startExampleSim();
    const config = edit(sim.agentConfig(), (c) => c.addresses!.secondaryIps![0]!.ips.push("10.9.9.9"));
    const { report } = await refused(config);
    expect(report.configProblems?.map((p) => p.path)).toContain("/addresses/secondaryIps/0/ips/3");
    expect(report.error?.message).toMatch(/outside subnet subnet-/);
  });

  it("an Elastic IP allocation that does not exist: refused, naming its path", async () => {
    sim = await startExampleSim();
    const config = edit(sim.agentConfig(), (c) => (c.addresses!.elasticIps![0]!.allocationId = "eipalloc-0000000000000dead"));
    const { report } = await refused(config);
    expect(report.configProblems?.map((p) => p.path)).toEqual(["/addresses/elasticIps/0/allocationId"]);
  });
});

describe("defect 2 at the daemon's start", () => {
  it("a daemon whose config has the nodes' internal interfaces swapped refuses to start, naming the paths, before binding or moving anything", async () => {
    sim = await startExampleSim();
    const config = swapInternal(sim.agentConfig());
    const { provider, recorder } = agentOn(sim, "b", config);
    const started = startAgentDaemon({
      configFile: "swapped.json",
      config,
      settings: { address: "127.0.0.1", port: 0, tokenFile: tokenFile("a-token-for-the-test"), stateRefreshMs: 60_000 },
      provider,
      recorder,
      version: "0.0.0-test",
      logDestination: { write: () => undefined },
    });
    const err = (await started.catch((e: unknown) => e)) as AgentStartError;
    expect(err).toBeInstanceOf(AgentStartError);
    expect(err.message).toContain("/nodes/a/interfaces/internal/id");
    expect(err.message).toContain("/nodes/b/interfaces/internal/id");
    expect(err.fix).toMatch(/mixed up/);
    nothingMoved(recorder);
  });
});
