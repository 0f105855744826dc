import type { AgentConfig, NodeId } from "../runtime/config/types.js";
import type { Output } from "../runtime/cli/output.js";
import { bold, dim } from "../runtime/cli/output.js";
import { renderCall, renderFailoverSummary, renderPicture } from "../runtime/cli/render.js";
import { inspectPair } from "../runtime/core/desired.js";
import { failover, type FailoverReport } from "../runtime/core/executor.js";
import type { CloudProvider } from "../runtime/core/provider.js";
import { deadlineSignal } from "../runtime/core/deadline.js";
import { CallRecorder } from "../runtime/core/recorder.js";

/**
 * The demo's rehearsal, for either cloud: the picture, a→b with every call, the picture, b→a,
 * the picture. `providerOn` builds the agent as the given node runs it (its metadata service,
 * its identity).
 */
export async function rehearse(
  out: Output,
  config: AgentConfig,
  providerOn: (node: NodeId, recorder: CallRecorder) => CloudProvider,
  describeNode: (instanceId: string) => string = (id) => id,
): Promise<{ there: FailoverReport; back: FailoverReport }> {
  const show = async (title: string, node: NodeId) => {
    const provider = providerOn(node, new CallRecorder());
    const observed = await provider.observe(deadlineSignal(30_000));
    out.line("");
    out.line(bold(`── ${title} ──`));
    for (const line of renderPicture(config, inspectPair(config, observed))) out.line(line);
  };
  const run = async (from: NodeId, to: NodeId): Promise<FailoverReport> => {
    // The node becoming active runs its agent, with its own identity and role.
    const recorder = new CallRecorder();
    const provider = providerOn(to, recorder);
    const identity = await provider.identity();
    out.line("");
    out.line(bold(`── failover ${from} → ${to}: node ${to} (${describeNode(identity.instanceId)}) becomes active ──`));
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
  return { there, back };
}
