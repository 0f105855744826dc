import { timeBudgets } from "../../config/types.js";
import { deadlineSignal } from "../../core/deadline.js";
import { failover } from "../../core/executor.js";
import { openContext, ownerOf, requireConfigFlag, resolveActivate } from "../context.js";
import { EXIT_FAILED, EXIT_OK } from "../errors.js";
import { renderCall, renderFailoverSummary } from "../render.js";
import { CONFIG_FLAGS, stringFlag, type Command } from "./types.js";

export const failoverCommand: Command = {
  name: "failover",
  summary: "make a node active: move the pair's addresses and routes to it (default: this node)",
  usage: "ha-pair failover --config FILE [--activate a|b] [--json]",
  options: { ...CONFIG_FLAGS, activate: { type: "string" } },
  async run({ values, out }) {
    const context = openContext(requireConfigFlag(stringFlag(values, "config")));
    // One deadline for the whole run: identity, the permission and config checks, the state read,
    // the failover itself. The final state write keeps its own short budget (executor).
    const signal = deadlineSignal(timeBudgets(context.config).deadlineMs);
    const { node, identity } = await resolveActivate(context, stringFlag(values, "activate"), signal);
    const origin = performance.now() + performance.timeOrigin;
    out.line(`failover of pair "${context.config.label}" to node ${node} (${context.config.nodes[node].instanceId})`);
    context.recorder.subscribe((call) => out.line(renderCall(call, origin)));
    const report = await failover(context.config, node, context.provider, { recorder: context.recorder, owner: ownerOf(identity), signal });
    if (out.json) out.document(report);
    for (const line of renderFailoverSummary(report)) out.line(line);
    return report.converged ? EXIT_OK : EXIT_FAILED;
  },
};
