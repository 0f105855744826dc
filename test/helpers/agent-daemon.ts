import { chmodSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { NodeId } from "../../runtime/config/types.js";
import type { ApiCallRecord, CloudProvider } from "../../runtime/core/provider.js";
import type { CallRecorder } from "../../runtime/core/recorder.js";
import { startAgentDaemon, type AgentDaemon } from "../../runtime/server/daemon.js";
import type { AgentSettings } from "../../runtime/server/settings.js";
import { agentOn, type AwsSim } from "./aws-sim.js";

const MUTATING = new Set(["AssignPrivateIpAddresses", "AssociateAddress", "ReplaceRoute"]);

/** The calls that changed (or could change) the cloud: mutating actions, not permission checks (DryRun). */
export function mutations(calls: readonly ApiCallRecord[]): ApiCallRecord[] {
  return calls.filter((c) => MUTATING.has(c.action) && !c.check);
}

/** A token file as an operator makes it: one random line, mode 600 (or the mode asked for). */
export function tokenFile(content: string, mode = 0o600): string {
  const file = join(mkdtempSync(join(tmpdir(), "ha-pair-agent-")), "token");
  writeFileSync(file, content);
  chmodSync(file, mode);
  return file;
}

export interface TestDaemon {
  daemon: AgentDaemon;
  url: string;
  token: string;
  provider: CloudProvider;
  recorder: CallRecorder;
  /** Every log line, parsed. */
  logs: Record<string, unknown>[];
  /** The raw log text (to check that no secret ever reaches it). */
  logText(): string;
  request(method: string, path: string, options?: { body?: unknown; token?: string | null }): Promise<{ status: number; headers: Headers; text: string; json: any }>;
  /** Resolves with the first log line matching, polling. */
  waitForLog(match: (line: Record<string, unknown>) => boolean, timeoutMs?: number): Promise<Record<string, unknown>>;
}

/** The daemon in this process, as node `node` of the sim's pair, on an ephemeral 127.0.0.1 port. */
export async function startTestDaemon(
  sim: AwsSim,
  options: { node?: NodeId; settings?: Partial<AgentSettings>; wrapProvider?: (p: CloudProvider) => CloudProvider } = {},
): Promise<TestDaemon> {
  const token = `tok-${Math.random().toString(36).slice(2)}-${Date.now()}`;
  const { provider: base, recorder, config } = agentOn(sim, options.node ?? "a");
  const provider = options.wrapProvider ? options.wrapProvider(base) : base;
  const lines: string[] = [];
  const daemon = await startAgentDaemon({
    configFile: "test-config.json",
    config,
    settings: { address: "127.0.0.1", port: 0, tokenFile: tokenFile(token), stateRefreshMs: 60 * 60_000, ...options.settings },
    provider,
    recorder,
    version: "0.0.0-test",
    // Everything, so tests see the quiet repeats too.
    logLevel: "debug",
    logDestination: { write: (line: string) => void lines.push(line) },
  });
  const logs = () => lines.map((l) => JSON.parse(l) as Record<string, unknown>);
  return {
    daemon,
    url: daemon.url,
    token,
    provider,
    recorder,
    get logs() {
      return logs();
    },
    logText: () => lines.join(""),
    async request(method, path, { body, token: given } = {}) {
      const headers: Record<string, string> = {};
      const bearer = given === undefined ? token : given;
      if (bearer !== null) headers.authorization = `Bearer ${bearer}`;
      if (body !== undefined) headers["content-type"] = "application/json";
      const response = await fetch(`${daemon.url}${path}`, { method, headers, ...(body !== undefined ? { body: typeof body === "string" ? body : JSON.stringify(body) } : {}) });
      const text = await response.text();
      let json: unknown;
      try {
        json = JSON.parse(text);
      } catch {
        json = undefined;
      }
      return { status: response.status, headers: response.headers, text, json };
    },
    async waitForLog(match, timeoutMs = 15_000) {
      const until = Date.now() + timeoutMs;
      for (;;) {
        const found = logs().find(match);
        if (found) return found;
        if (Date.now() > until) throw new Error(`no matching log line within ${timeoutMs} ms; got:\n${lines.slice(-20).join("")}`);
        await new Promise((r) => setTimeout(r, 25));
      }
    },
  };
}

/** Poll GET /trigger until the task has finished. */
export async function finishedTask(d: TestDaemon, timeoutMs = 15_000): Promise<any> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const { json } = await d.request("GET", "/trigger");
    if (json?.task && json.task.state !== "RUNNING") return json.task;
    if (Date.now() > until) throw new Error(`task still running after ${timeoutMs} ms: ${JSON.stringify(json)}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}
