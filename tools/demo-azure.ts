import type { AzureAgentConfig, NodeId } from "../runtime/config/types.js";
import { createAzureProvider } from "../runtime/azure/index.js";
import { EXIT_FAILED, EXIT_OK } from "../runtime/cli/errors.js";
import type { Output } from "../runtime/cli/output.js";
import { bold, ms } from "../runtime/cli/output.js";
import type { CallRecorder } from "../runtime/core/recorder.js";
import { exampleAzureTopology, startAzureSim, type AzureSim } from "../sim/azure/index.js";
import { rehearse } from "./rehearsal.js";

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
    const { there, back } = await rehearse(out, config, (node, recorder) => providerOn(sim, node, config, recorder), (id) => id.split("/").pop() ?? id);
    const ok = there.converged && back.converged;
    out.line(bold(`demo ${ok ? "done" : "FAILED"}: a→b ${ms(there.durationMs)}, b→a ${ms(back.durationMs)} trigger→converged; the NIC pair (giving NIC, then receiving NIC) is the critical path`));
    return ok ? EXIT_OK : EXIT_FAILED;
  } finally {
    await sim.stop();
  }
}
