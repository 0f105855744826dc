import { timeBudgets } from "../../config/types.js";
import { describeOwner } from "../../core/fencing.js";
import { isStale } from "../../core/state.js";
import { openContext, requireConfigFlag } from "../context.js";
import { EXIT_FAILED, EXIT_OK } from "../errors.js";
import { CONFIG_FLAGS, stringFlag, type Command } from "./types.js";
import { deadlineSignal } from "../../core/deadline.js";

/**
 * For operators only: no state ever needs a reset for the next failover to work (a FAILED or
 * stale RUNNING state never blocks). It removes the state object, so the next failover starts
 * the generation count afresh.
 */
export const resetCommand: Command = {
  name: "reset",
  summary: "remove the pair's state object (operators only; never needed for the next failover to work)",
  usage: "ha-pair reset --config FILE [--force] [--json]",
  options: { ...CONFIG_FLAGS, force: { type: "boolean" } },
  async run({ values, out }) {
    const context = openContext(requireConfigFlag(stringFlag(values, "config")));
    const store = context.provider.stateStore;
    const signal = deadlineSignal(timeBudgets(context.config).deadlineMs);
    const stored = await store.read(signal);
    const now = new Date();
    if (stored && stored.state.taskState === "RUNNING" && !isStale(stored.state, now) && values.force !== true) {
      const message = `a failover is running (${describeOwner(stored.state, now)}); resetting now could let both nodes act at once. Wait for it, or pass --force.`;
      if (out.json) out.document({ reset: false, previous: stored.state, error: message });
      else out.warn(`ha-pair reset: ${message}`);
      return EXIT_FAILED;
    }
    if (stored) await store.remove(signal);
    if (out.json) out.document({ reset: stored !== null, previous: stored?.state ?? null, location: store.location });
    else out.line(stored ? `removed ${store.location} (was generation ${stored.state.generation}, node ${stored.state.activeNode}, ${stored.state.taskState})` : `nothing to reset: ${store.location} does not exist`);
    return EXIT_OK;
  },
};
