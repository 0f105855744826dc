import { parseArgs } from "node:util";
import { ConfigInvalidError } from "../config/validate.js";
import { HaPairError } from "../core/errors.js";
import { agentCommand } from "./commands/agent.js";
import { failoverCommand } from "./commands/failover.js";
import { inspectCommand } from "./commands/inspect.js";
import { planCommand } from "./commands/plan.js";
import { preflightCommand } from "./commands/preflight.js";
import { resetCommand } from "./commands/reset.js";
import type { Command } from "./commands/types.js";
import { validateCommand } from "./commands/validate.js";
import { EXIT_BAD_INPUT, EXIT_FAILED, UsageError } from "./errors.js";
import { consoleOutput } from "./output.js";
import { dropOutputToClosedPipes } from "./closed-pipe.js";
import { refuseRepeatedFlags } from "./flags.js";

// The AWS SDK warns on every process start under Node < 22 that *future* SDK releases will need
// Node 22. The agent's SDK is pinned by its lockfile/bundle, so the warning is noise in every
// failover log on appliances whose Node the operator cannot change; `preflight` reports it once
// instead. Setting the variable to anything else brings the SDK's warning back.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= "true";

declare const HA_PAIR_VERSION: string | undefined;
export const VERSION = typeof HA_PAIR_VERSION === "string" ? HA_PAIR_VERSION : "0.0.0-dev";

/** The agent's own commands; tools add `sim` and `demo` on top. */
export const AGENT_COMMANDS: Command[] = [failoverCommand, planCommand, inspectCommand, preflightCommand, resetCommand, validateCommand, agentCommand];

function help(commands: Command[]): string {
  const width = Math.max(...commands.map((c) => c.name.length));
  return [
    `ha-pair ${VERSION} — active/standby failover for network appliance pairs in the cloud`,
    "",
    "usage: ha-pair <command> [flags]",
    "",
    ...commands.map((c) => `  ${c.name.padEnd(width)}  ${c.summary}`),
    "",
    "Every command: --json prints one JSON document on stdout. Exit codes: 0 ok/converged, 1 failed, 2 bad input.",
    "`ha-pair <command> --help` shows a command's flags.",
  ].join("\n");
}

/** Parse argv, run the command, map every error to its exit code. Never throws. */
export async function runCli(argv: string[], commands: Command[] = AGENT_COMMANDS): Promise<number> {
  dropOutputToClosedPipes();
  const [name, ...rest] = argv;
  const wantsJson = rest.includes("--json");
  const out = consoleOutput(wantsJson);
  if (!name || name === "help" || name === "--help" || name === "-h") {
    out.line(help(commands));
    if (wantsJson) out.document({ version: VERSION, commands: commands.map((c) => ({ name: c.name, usage: c.usage })) });
    return name ? 0 : EXIT_BAD_INPUT;
  }
  if (name === "--version" || name === "version") {
    process.stdout.write(`${VERSION}\n`);
    return 0;
  }
  const command = commands.find((c) => c.name === name);
  try {
    if (!command) throw new UsageError(`unknown command "${name}"; commands: ${commands.map((c) => c.name).join(", ")}`);
    if (rest.includes("--help") || rest.includes("-h")) {
      process.stdout.write(`usage: ${command.usage}\n  ${command.summary}\n`);
      return 0;
    }
    let parsed;
    try {
      parsed = parseArgs({ args: rest, options: command.options, allowPositionals: command.positionals ?? false, strict: true, tokens: true });
      refuseRepeatedFlags(parsed.tokens, command.options);
    } catch (err) {
      throw new UsageError(`${(err as Error).message}\nusage: ${command.usage}`);
    }
    return await command.run({ values: parsed.values as Record<string, string | boolean | string[] | undefined>, positionals: parsed.positionals, out });
  } catch (err) {
    return reportError(err, out, name);
  }
}

function reportError(err: unknown, out: ReturnType<typeof consoleOutput>, command: string): number {
  if (err instanceof UsageError || err instanceof ConfigInvalidError) {
    if (out.json) {
      out.document({ ok: false, error: err instanceof ConfigInvalidError ? { code: "ConfigInvalid", message: err.message, file: err.file, errors: err.errors, ...(err.omitted > 0 ? { omittedErrors: err.omitted } : {}) } : { code: "Usage", message: err.message } });
    }
    out.warn(`ha-pair ${command}: ${err.message}`);
    return EXIT_BAD_INPUT;
  }
  const error = err instanceof HaPairError ? err : undefined;
  if (out.json) {
    out.document({ ok: false, error: error ? error.toJSON() : { code: "InternalError", message: err instanceof Error ? err.message : String(err) } });
  }
  out.warn(`ha-pair ${command}: ${error ? error.describe() : err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
  return EXIT_FAILED;
}
