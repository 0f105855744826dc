import type { Output } from "../output.js";

/** A subcommand: its flags (util.parseArgs options) and what it does; resolves to an exit code. */
export interface Command {
  name: string;
  summary: string;
  usage: string;
  options: Record<string, { type: "string" | "boolean"; short?: string; multiple?: boolean }>;
  /** Whether positional arguments are accepted. */
  positionals?: boolean;
  run(args: { values: Record<string, string | boolean | string[] | undefined>; positionals: string[]; out: Output }): Promise<number>;
}

export const JSON_FLAG = { json: { type: "boolean" as const } };
export const CONFIG_FLAGS = { config: { type: "string" as const, short: "c" }, ...JSON_FLAG };

export function stringFlag(values: Record<string, unknown>, name: string): string | undefined {
  const value = values[name];
  return typeof value === "string" ? value : undefined;
}
