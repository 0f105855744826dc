import type { AwsAgentConfig as AgentConfig, NodeId } from "../../runtime/config/types.js";
import { createAwsProvider } from "../../runtime/aws/index.js";
import { inspectPair } from "../../runtime/core/desired.js";
import type { CloudProvider } from "../../runtime/core/provider.js";
import { CallRecorder } from "../../runtime/core/recorder.js";
import { startAwsSim } from "../../sim/index.js";
import { exampleTopology } from "../../sim/topologies.js";
import { useSimEnvironment } from "../../tools/sim-env.js";

export type AwsSim = Awaited<ReturnType<typeof startAwsSim>>;

/** The example pair on an ephemeral 127.0.0.1 port, throttling on, no latency unless asked. */
export async function startExampleSim(options: Parameters<typeof startAwsSim>[0] = {}): Promise<AwsSim> {
  return startAwsSim({ topology: exampleTopology(), port: 0, seed: 7, ...options });
}

/** A provider as node `node`'s agent would build it (its IMDS, its instance-role credentials). */
export function agentOn(sim: AwsSim, node: NodeId, config: AgentConfig = sim.agentConfig()): { provider: CloudProvider; recorder: CallRecorder; config: AgentConfig } {
  useSimEnvironment(sim, node);
  const recorder = new CallRecorder();
  return { provider: createAwsProvider(config, { onCall: recorder.record }), recorder, config };
}

/** Which node holds the pair according to the simulated cloud's own (non-stale) state. */
export async function holderInCloud(sim: AwsSim, config: AgentConfig = sim.agentConfig()): Promise<string> {
  const { provider } = agentOn(sim, "a", config);
  return inspectPair(config, await provider.observe(AbortSignal.timeout(10_000))).activeNode;
}
