import type { AwsAgentConfig as AgentConfig } from "../runtime/config/types.js";
import { createAwsProvider } from "../runtime/aws/index.js";
import type { Command } from "../runtime/cli/commands/types.js";
import { stringFlag } from "../runtime/cli/commands/types.js";
import { EXIT_FAILED, EXIT_OK, UsageError } from "../runtime/cli/errors.js";
import { bold, ms } from "../runtime/cli/output.js";
import { startAwsSim } from "../sim/index.js";
import { exampleTopology } from "../sim/topologies.js";
import { useSimEnvironment } from "./sim-env.js";
import { runAzureDemo } from "./demo-azure.js";
import { rehearse } from "./rehearsal.js";

function summarizePair(config: AgentConfig): string {
  const ips = (config.addresses?.secondaryIps ?? []).reduce((n, g) => n + g.ips.length, 0);
  const eips = config.addresses?.elasticIps?.length ?? 0;
  const tables = new Set((config.routes ?? []).map((r) => r.routeTableId)).size;
  const routes = (config.routes ?? []).reduce((n, r) => n + r.destinations.length, 0);
  const roles = Object.keys(config.nodes.a.interfaces).join(", ");
  return `pair "${config.label}": 2 nodes × (${roles}), ${ips} secondary IPs, ${eips} Elastic IP, ${tables} route tables (${routes} routes)`;
}

export const demoCommand: Command = {
  name: "demo",
  summary: "rehearse a failover locally: simulated AWS (or Azure) in-process, fail over a→b and back, show every call",
  usage: "ha-pair demo [--cloud aws|azure] [--latency-ms N] [--lro-scale X]",
  options: { "latency-ms": { type: "string" }, cloud: { type: "string" }, "lro-scale": { type: "string" } },
  async run({ values, out }) {
    const latencyRaw = stringFlag(values, "latency-ms") ?? "25";
    const latencyMs = Number(latencyRaw);
    if (!Number.isInteger(latencyMs) || latencyMs < 0 || latencyMs > 5000) throw new UsageError(`--latency-ms must be an integer from 0 to 5000, got "${latencyRaw}"`);
    const cloud = stringFlag(values, "cloud") ?? "aws";
    if (cloud !== "aws" && cloud !== "azure") throw new UsageError(`--cloud must be aws or azure, got "${cloud}"`);
    if (cloud === "azure") {
      const scaleRaw = stringFlag(values, "lro-scale") ?? "0.02";
      const lroScale = Number(scaleRaw);
      if (!Number.isFinite(lroScale) || lroScale < 0 || lroScale > 1) throw new UsageError(`--lro-scale must be a number from 0 to 1, got "${scaleRaw}"`);
      return runAzureDemo(out, latencyMs, lroScale);
    }

    const sim = await startAwsSim({ topology: exampleTopology(), port: 0, seed: 1, faults: { latencyMs } });
    try {
      const config = sim.agentConfig();
      out.line(bold(`ha-pair demo — a failover rehearsal against a simulated AWS cloud at ${sim.endpoint} (${latencyMs} ms per call)`));
      out.line(`  ${summarizePair(config)}`);

      const { there, back } = await rehearse(out, config, (node, recorder) => {
        useSimEnvironment(sim, node);
        return createAwsProvider(config, { onCall: recorder.record });
      });
      const ok = there.converged && back.converged;
      out.line(bold(`demo ${ok ? "done" : "FAILED"}: a→b ${ms(there.durationMs)}, b→a ${ms(back.durationMs)} trigger→converged, ${there.criticalPathRoundTrips} sequential round trips each at ${latencyMs} ms per call`));
      return ok ? EXIT_OK : EXIT_FAILED;
    } finally {
      await sim.stop();
    }
  },
};
