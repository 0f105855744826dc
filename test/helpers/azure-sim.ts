import type { AzureAgentConfig, NodeId } from "../../runtime/config/types.js";
import { createAzureProvider, type AzureProvider } from "../../runtime/azure/index.js";
import { inspectPair } from "../../runtime/core/desired.js";
import { deadlineSignal } from "../../runtime/core/deadline.js";
import { CallRecorder } from "../../runtime/core/recorder.js";
import { startAzureSim, type AzureSim, type AzureSimOptions } from "../../sim/azure/index.js";

export type { AzureSim } from "../../sim/azure/index.js";

/** The example pair, LROs 100× faster than Azure's (route table 40 ms, NIC 600 ms), polled every 20 ms. */
export function startFastAzureSim(options: AzureSimOptions = {}): Promise<AzureSim> {
  return startAzureSim({ lroScale: 0.01, agentTimeouts: { pollIntervalMs: 20, verifyIntervalMs: 20, deadlineMs: 30_000 }, ...options });
}

/**
 * A provider as node `node`'s agent builds it: its own IMDS (AZURE_POD_IDENTITY_AUTHORITY_HOST)
 * and its own managed identity (AZURE_CLIENT_ID). @azure/identity reads the IMDS variable from
 * process.env when it fetches a token, and MSAL caches managed identity tokens process-wide by
 * client ID, so the token is fetched here, at once, while the variables name this node.
 */
export async function azureAgentOn(sim: AzureSim, node: NodeId, config: AzureAgentConfig = sim.agentConfig()): Promise<{ provider: AzureProvider; recorder: CallRecorder; config: AzureAgentConfig }> {
  process.env.AZURE_POD_IDENTITY_AUTHORITY_HOST = sim.imds[node];
  process.env.AZURE_CLIENT_ID = sim.clientIds[node];
  const recorder = new CallRecorder();
  const provider = createAzureProvider(config, { onCall: recorder.record });
  await provider.observe(deadlineSignal(10_000));
  recorder.calls.length = 0;
  return { provider, recorder, config };
}

/** Which node holds the pair according to the simulator's own state (read as node a). */
export async function azureHolder(sim: AzureSim, config: AzureAgentConfig = sim.agentConfig()): Promise<string> {
  const { provider } = await azureAgentOn(sim, "a", config);
  return inspectPair(config, await provider.observe(deadlineSignal(10_000))).activeNode;
}
