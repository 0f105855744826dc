import type { AwsAgentConfig as AgentConfig, NodeId } from "../runtime/config/types.js";
import { createAwsProvider } from "../runtime/aws/index.js";
import type { Command } from "../runtime/cli/commands/types.js";
import { stringFlag } from "../runtime/cli/commands/types.js";
import { EXIT_FAILED, EXIT_OK, UsageError } from "../runtime/cli/errors.js";
import { bold, dim, ms } from "../runtime/cli/output.js";
import { renderCall, renderFailoverSummary, renderPicture } from "../runtime/cli/render.js";
import { inspectPair } from "../runtime/core/desired.js";
import { failover, type FailoverReport } from "../runtime/core/executor.js";
import { CallRecorder } from "../runtime/core/recorder.js";
import { startAwsSim } from "../sim/index.js";
import { exampleTopology } from "../sim/topologies.js";
import { useSimEnvironment } from "./sim-env.js";

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
  summary: "rehearse a failover locally: simulated AWS in-process, fail over a→b and back, show every call",
  usage: "ha-pair demo [--latency-ms N]",
  options: { "latency-ms": { type: "string" } },
  async run({ values, out }) {
    const latencyRaw = stringFlag(values, "latency-ms") ?? "25";
    const latencyMs = Number(latencyRaw);
    if (!Number.isInteger(latencyMs) || latencyMs < 0 || latencyMs > 5000) throw new UsageError(`--latency-ms must be an integer from 0 to 5000, got "${latencyRaw}"`);

    const sim = await startAwsSim({ topology: exampleTopology(), port: 0, seed: 1, faults: { latencyMs } });
    try {
      const config = sim.agentConfig();
      out.line(bold(`ha-pair demo — a failover rehearsal against a simulated AWS cloud at ${sim.endpoint} (${latencyMs} ms per call)`));
      out.line(`  ${summarizePair(config)}`);

      const show = async (title: string, node: NodeId) => {
        useSimEnvironment(sim, node);
        const recorder = new CallRecorder();
        const provider = createAwsProvider(config, { onCall: recorder.record });
        const observed = await provider.observe(AbortSignal.timeout(10_000));
        out.line("");
        out.line(bold(`── ${title} ──`));
        for (const line of renderPicture(config, inspectPair(config, observed))) out.line(line);
      };
      const run = async (from: NodeId, to: NodeId): Promise<FailoverReport> => {
        // The node becoming active runs its agent, with its own instance identity and role.
        useSimEnvironment(sim, to);
        const recorder = new CallRecorder();
        const provider = createAwsProvider(config, { onCall: recorder.record });
        const identity = await provider.identity();
        out.line("");
        out.line(bold(`── failover ${from} → ${to}: node ${to} (${identity.instanceId}) becomes active ──`));
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
      out.line(bold(`demo ${ok ? "done" : "FAILED"}: a→b ${ms(there.durationMs)}, b→a ${ms(back.durationMs)} trigger→converged, ${there.criticalPathRoundTrips} sequential round trips each at ${latencyMs} ms per call`));
      return ok ? EXIT_OK : EXIT_FAILED;
    } finally {
      await sim.stop();
    }
  },
};
