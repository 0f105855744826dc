import type { AzureAgentConfig, NodeId } from "../runtime/config/types.js";
import { createAzureProvider } from "../runtime/azure/index.js";
import { EXIT_FAILED, EXIT_OK } from "../runtime/cli/errors.js";
import type { Output } from "../runtime/cli/output.js";
import { bold, dim, ms } from "../runtime/cli/output.js";
import { renderCall, renderFailoverSummary, renderPicture } from "../runtime/cli/render.js";
import { inspectPair } from "../runtime/core/desired.js";
import { failover, type FailoverReport } from "../runtime/core/executor.js";
import { CallRecorder } from "../runtime/core/recorder.js";
import { exampleAzureTopology, startAzureSim, type AzureSim } from "../sim/azure/index.js";

function summarizePair(config: AzureAgentConfig): string {
  const ipConfigs = config.addresses?.ipConfigurations?.length ?? 0;
  const tables = new Set((config.routes ?? []).map((r) => r.routeTableId)).size;
  const routes = (config.routes ?? []).reduce((n, r) => n + r.addressPrefixes.length, 0);
  const roles = Object.keys(config.nodes.a.interfaces).join(", ");
  return `pair "${config.label}": 2 VMs × (${roles}), ${tables} route tables (${routes} routes), ${ipConfigs} moving ipConfiguration with its public IP`;
}

/** The agent as node `node` runs it: its IMDS and its managed identity. */
function providerOn(sim: AzureSim, node: NodeId, config: AzureAgentConfig, recorder: CallRecorder) {
  process.env.AZURE_POD_IDENTITY_AUTHORITY_HOST = sim.imds[node];
  process.env.AZURE_CLIENT_ID = sim.clientIds[node];
  return createAzureProvider(config, { onCall: recorder.record });
}

/** `ha-pair demo --cloud azure`: the simulated Azure in-process (LROs at Azure's durations × lroScale), a→b and back. */
export async function runAzureDemo(out: Output, latencyMs: number, lroScale: number): Promise<number> {
  const sim = await startAzureSim({ topology: exampleAzureTopology({ ipConfigurations: true }), lroScale, faults: { latencyMs }, agentTimeouts: { pollIntervalMs: 100, verifyIntervalMs: 100 } });
  try {
    const config = sim.agentConfig();
    out.line(bold(`ha-pair demo — a failover rehearsal against a simulated Azure at ${sim.arm} (${latencyMs} ms per call; LROs: route table ${Math.round(sim.world.durations.routeTableMs)} ms, NIC ${Math.round(sim.world.durations.networkInterfaceMs)} ms)`));
    out.line(`  ${summarizePair(config)}`);
    const show = async (title: string, node: NodeId) => {
      const provider = providerOn(sim, node, config, new CallRecorder());
      const observed = await provider.observe(AbortSignal.timeout(30_000));
      out.line("");
      out.line(bold(`── ${title} ──`));
      for (const line of renderPicture(config, inspectPair(config, observed))) out.line(line);
    };
    const run = async (from: NodeId, to: NodeId): Promise<FailoverReport> => {
      const recorder = new CallRecorder();
      const provider = providerOn(sim, to, config, recorder);
      const identity = await provider.identity();
      out.line("");
      out.line(bold(`── failover ${from} → ${to}: node ${to} (${identity.instanceId.split("/").pop()}) becomes active ──`));
      const origin = performance.timeOrigin + performance.now();
      recorder.subscribe((call) => out.line(renderCall(call, origin)));
      const report = await failover(config, to, provider, {
        recorder,
        owner: { instanceId: identity.instanceId, host: "demo" },
        onEvent: (event) => {
          if (event.type === "phase-start") out.line(dim(`  ${event.phase}`));
        },
      });
      for (const line of renderFailoverSummary(report)) out.line(line);
      return report;
    };
    await show("where the pair stands at the start", "a");
    const there = await run("a", "b");
    await show("where the pair stands now", "b");
    const back = await run("b", "a");
    await show("where the pair stands now", "a");
    out.line("");
    const ok = there.converged && back.converged;
    out.line(bold(`demo ${ok ? "done" : "FAILED"}: a→b ${ms(there.durationMs)}, b→a ${ms(back.durationMs)} trigger→converged; the NIC pair (giving NIC, then receiving NIC) is the critical path`));
    return ok ? EXIT_OK : EXIT_FAILED;
  } finally {
    await sim.stop();
  }
}
