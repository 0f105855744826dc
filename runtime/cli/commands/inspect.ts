import { inspectPair } from "../../core/desired.js";
import { timeBudgets } from "../../config/types.js";
import { openContext, requireConfigFlag } from "../context.js";
import { EXIT_OK } from "../errors.js";
import { renderPicture } from "../render.js";
import { CONFIG_FLAGS, stringFlag, type Command } from "./types.js";
import { deadlineSignal } from "../../core/deadline.js";

export const inspectCommand: Command = {
  name: "inspect",
  summary: "where every address and route points now, and which node holds the pair (a, b or mixed)",
  usage: "ha-pair inspect --config FILE [--json]",
  options: CONFIG_FLAGS,
  async run({ values, out }) {
    const context = openContext(requireConfigFlag(stringFlag(values, "config")));
    const signal = deadlineSignal(timeBudgets(context.config).deadlineMs);
    const [observed, stored] = await Promise.all([context.provider.observe(signal), context.provider.stateStore.read(signal)]);
    const report = inspectPair(context.config, observed);
    if (out.json) {
      out.document({ label: context.config.label, ...report, state: stored?.state ?? null });
      return EXIT_OK;
    }
    for (const line of renderPicture(context.config, report)) out.line(line);
    const s = stored?.state;
    out.line(s ? `  state: generation ${s.generation}, node ${s.activeNode}, ${s.taskState} (${s.finishedAt ?? s.startedAt})${s.error ? ` — ${s.error}` : ""}` : "  state: no failover recorded yet");
    return EXIT_OK;
  },
};
