import { execFile } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

const BIN = join(import.meta.dirname, "..", "..", "bin", "ha-pair.cjs");

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
  /** stdout parsed as the one JSON document a --json run prints. */
  json<T = Record<string, unknown>>(): T;
}

/** A shell with nothing of the developer's AWS settings: only what the test passes. */
export function cleanEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  return {
    PATH: process.env.PATH,
    HOME: process.env.HOME,
    NO_COLOR: "1",
    AWS_CONFIG_FILE: "/nonexistent/ha-pair-test/config",
    AWS_SHARED_CREDENTIALS_FILE: "/nonexistent/ha-pair-test/credentials",
    ...extra,
  };
}

/** Run the built `ha-pair` command as a child process. */
export function runCli(args: string[], env: NodeJS.ProcessEnv = cleanEnv()): Promise<CliResult> {
  return new Promise((resolve) => {
    execFile(process.execPath, [BIN, ...args], { env, timeout: 60_000 }, (error, stdout, stderr) => {
      const code = error ? (typeof error.code === "number" ? error.code : 1) : 0;
      resolve({ code, stdout, stderr, json: () => JSON.parse(stdout) });
    });
  });
}

export function tempFile(name: string, content: unknown): string {
  const dir = mkdtempSync(join(tmpdir(), "ha-pair-test-"));
  const file = join(dir, name);
  writeFileSync(file, typeof content === "string" ? content : JSON.stringify(content, null, 2));
  return file;
}
