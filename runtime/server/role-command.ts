import { execFile } from "node:child_process";
import type { RoleReading } from "../core/reconcile.js";

/**
 * Ask the node's HA machinery for this node's role by running the configured command: an argv
 * array, no shell (nothing in it is interpreted), with a timeout after which the command is
 * killed. Exit 0 = active; any other exit code = standby; a timeout, a signal or a failure to
 * start = unknown, on which the reconcile loop does nothing. Its output is not used (only the
 * first line is kept, for the log) and is capped so a chatty command cannot grow the daemon.
 */
export function runRoleCommand(argv: readonly string[], timeoutMs: number): Promise<RoleReading> {
  const [program, ...args] = argv;
  if (!program) return Promise.resolve({ role: "unknown", detail: "no role command configured" });
  return new Promise((resolve) => {
    execFile(program, args, { timeout: timeoutMs, killSignal: "SIGKILL", maxBuffer: 64 * 1024, windowsHide: true, shell: false }, (error, stdout) => {
      const said = firstLine(stdout);
      if (!error) return resolve({ role: "active", detail: `exit 0${said}` });
      const failure = error as NodeJS.ErrnoException & { killed?: boolean; signal?: NodeJS.Signals | null; code?: number | string | null };
      if (failure.killed && failure.signal) return resolve({ role: "unknown", detail: `timed out after ${timeoutMs} ms (killed)` });
      if (typeof failure.code === "number") return resolve({ role: "standby", detail: `exit ${failure.code}${said}` });
      if (failure.signal) return resolve({ role: "unknown", detail: `ended by signal ${failure.signal}` });
      resolve({ role: "unknown", detail: `could not run ${program}: ${typeof failure.code === "string" ? failure.code : failure.message}` });
    });
  });
}

function firstLine(output: string | Buffer): string {
  const line = String(output).split("\n", 1)[0]?.trim().slice(0, 200) ?? "";
  return line ? ` (${line})` : "";
}
