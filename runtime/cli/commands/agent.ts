import { openContext, requireConfigFlag } from "../context.js";
import { EXIT_BAD_INPUT, EXIT_OK, UsageError } from "../errors.js";
import { stringFlag, type Command } from "./types.js";

// As in main.ts (which this module must not import, even lazily: a dynamic import of a module
// in the static graph makes esbuild keep every export of that graph, the whole EC2 client included).
declare const HA_PAIR_VERSION: string | undefined;
const VERSION = typeof HA_PAIR_VERSION === "string" ? HA_PAIR_VERSION : "0.0.0-dev";

/**
 * `ha-pair agent run`: the long-running agent (systemd starts it; the node's HA machinery
 * triggers it over its loopback API). The daemon's modules (HTTP server, pino, prom-client) are
 * loaded only here, so the one-shot commands — `ha-pair failover` from a keepalived notify
 * script — do not pay for them at start.
 */
export const agentCommand: Command = {
  name: "agent",
  summary: "run the agent daemon: loopback HTTP API (trigger, inspect, info, reset, metrics), JSON logs, optional reconcile loop",
  usage: "ha-pair agent run --config FILE [--port N] [--token-file FILE]",
  options: { config: { type: "string", short: "c" }, port: { type: "string" }, "token-file": { type: "string" } },
  positionals: true,
  async run({ values, positionals, out }) {
    if (positionals.length !== 1 || positionals[0] !== "run") throw new UsageError(`expected "agent run", got "agent ${positionals.join(" ")}"\nusage: ha-pair agent run --config FILE [--port N] [--token-file FILE]`);
    const configFile = requireConfigFlag(stringFlag(values, "config"));
    const { AgentStartError, agentSettings, startAgentDaemon } = await import("../../server/index.js");
    const port = stringFlag(values, "port");
    const tokenFile = stringFlag(values, "token-file");
    let daemon;
    try {
      const context = openContext(configFile);
      const settings = agentSettings(context.config, { ...(port !== undefined ? { port } : {}), ...(tokenFile !== undefined ? { tokenFile } : {}) });
      daemon = await startAgentDaemon({ configFile, config: context.config, settings, provider: context.provider, recorder: context.recorder, version: VERSION });
    } catch (err) {
      if (!(err instanceof AgentStartError)) throw err;
      out.warn(`ha-pair agent run: ${err.message}\n  fix: ${err.fix}`);
      return EXIT_BAD_INPUT;
    }
    const running = daemon;
    await new Promise<void>((resolve) => {
      const onSignal = (signal: NodeJS.Signals) => {
        process.off("SIGTERM", onSignal);
        process.off("SIGINT", onSignal);
        running.stop(signal).then(resolve, resolve);
      };
      process.on("SIGTERM", onSignal);
      process.on("SIGINT", onSignal);
    });
    return EXIT_OK;
  },
};
