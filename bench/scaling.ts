/**
 * The scaling curve of issue 10: a same-AZ pair (50 secondary IPs, 1 EIP) with 1 to 500 routes,
 * at 100 ms per call with EC2's documented request buckets on (mutating actions 50 burst,
 * 5/s; Describe* 100, 20/s), in per-route mode (one table, one ReplaceRoute per route) and in
 * association mode (the routes over up to 10 subnets, one ReplaceRouteTableAssociation per
 * subnet onto the active node's twin table). Each row is a fresh simulated cloud (full buckets,
 * as after a quiet period) and the bundled agent, by two paths:
 * - daemon: `ha-pair agent run` on node b, POST /trigger → the cloud's last verification read
 *   before the result is recorded;
 * - one-shot: `ha-pair failover --activate b` (the trigger snippet's fallback), process start →
 *   the same point.
 * Everything is measured from the simulated cloud's own call log: durations, HTTP attempts and
 * sequential round trips (bench/round-trips.ts). Floors: association mode 3 round trips
 * (fencing write, swap wave, verification read); per-route mode the bucket's (N − 50)/5 s plus
 * those 3 round trips. The incumbent (F5 CFE) publishes 5 s at 100 routes, 15 s at 200, 90 s at 500.
 *
 * AWS only for now; an Azure section can sit beside it (same row shape, its own floors).
 */
import { spawn, type ChildProcess } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { bucketFloorMs } from "../runtime/config/plan-budget.js";
import { DEFAULT_THROTTLING } from "../runtime/config/types.js";
import { startAwsSim, type CallRecord } from "../sim/index.js";
import { pairTopology } from "../sim/topologies.js";
import { sequentialRoundTrips, timed } from "./round-trips.js";

export type RouteMode = "per-route" | "association";
export type AgentPath = "daemon" | "one-shot";

export interface ScalingRow {
  routes: number;
  mode: RouteMode;
  path: AgentPath;
  latencyMs: number;
  throttling: boolean;
  converged: boolean;
  /** Trigger (POST /trigger, or process start for one-shot) → the last verification read before the result was recorded. */
  durationMs: number;
  /** Logical API calls of the failover (the agent's report). */
  apiCalls: number;
  /** HTTP requests the cloud received from trigger to converged (retries included). */
  attempts: number;
  /** Requests the cloud refused as throttled (RequestLimitExceeded). */
  throttled: number;
  /** Sequential round trips from trigger to converged, from the calls' own timestamps. */
  roundTrips: number;
  /** This mode's floor: 3 round trips, plus for per-route mode the bucket's (N − 50)/5 s. */
  floorMs: number;
  ratioToFloor: number;
  /** The incumbent's published time at this size (F5 CFE: 5 s at 100 routes, 15 s at 200, 90 s at 500). */
  incumbentMs?: number;
  ratioToIncumbent?: number;
  calls: Record<string, number>;
}

export const SCALING_ROUTES = [1, 10, 100, 200, 500];
export const INCUMBENT_MS: Record<number, number> = { 100: 5_000, 200: 15_000, 500: 90_000 };
const SECONDARY_IPS = 50;
const ASSOCIATION_SUBNETS = 10;
const MUTATING = new Set(["AssignPrivateIpAddresses", "AssociateAddress", "ReplaceRoute", "ReplaceRouteTableAssociation"]);

function topologyFor(routes: number, mode: RouteMode) {
  if (mode === "per-route") return pairTopology({ secondaryIps: SECONDARY_IPS, elasticIps: 1, routeTables: 1, routesPerTable: routes });
  const subnets = Math.min(ASSOCIATION_SUBNETS, routes);
  if (routes % subnets !== 0) throw new Error(`association rows need routes divisible by ${subnets}`);
  return pairTopology({ secondaryIps: SECONDARY_IPS, elasticIps: 1, routeTables: 0, routesPerTable: 0, association: { subnets, routesPerSubnet: routes / subnets } });
}

export function floorMs(routes: number, mode: RouteMode, latencyMs: number): number {
  const threeRoundTrips = 3 * latencyMs;
  return mode === "association" ? threeRoundTrips : threeRoundTrips + bucketFloorMs(routes, DEFAULT_THROTTLING.mutating);
}

const agentEnv = (imds: string, cacheDir: string) => ({
  PATH: process.env.PATH,
  AWS_CONFIG_FILE: "/nonexistent",
  AWS_SHARED_CREDENTIALS_FILE: "/nonexistent",
  AWS_EC2_METADATA_SERVICE_ENDPOINT: imds,
  AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: "true",
  HA_PAIR_CACHE_DIR: cacheDir,
});

/** The cloud's view of one failover: from `from` (epoch ms) to the last read before the final state write. */
export function measure(calls: readonly CallRecord[], from: number): { convergedAt: number; window: CallRecord[] } | undefined {
  const after = calls.filter((c) => c.time >= from && c.service !== "imds");
  const writes = after.filter((c) => c.action === "PutObject").sort((x, y) => x.time - y.time);
  const record = writes.at(-1);
  if (!record || writes.length < 2) return undefined;
  const reads = after.filter((c) => c.action.startsWith("Describe") && c.time + c.ms <= record.time).sort((x, y) => x.time + x.ms - (y.time + y.ms));
  const last = reads.at(-1);
  if (!last) return undefined;
  const convergedAt = last.time + last.ms;
  return { convergedAt, window: after.filter((c) => c.time + c.ms <= convergedAt) };
}

function row(routes: number, mode: RouteMode, path: AgentPath, latencyMs: number, started: number, calls: readonly CallRecord[], report: { converged: boolean; apiCalls: number } | undefined): ScalingRow {
  const m = measure(calls, started);
  if (process.env.HA_PAIR_BENCH_TIMELINE && m) {
    // Where the time went, from the cloud's log: each call's arrival and answer, relative to the trigger.
    for (const c of [...m.window].sort((x, y) => x.time - y.time)) process.stderr.write(`  ${routes} ${mode} ${path} +${c.time - started} ms ${c.action} ${c.ms} ms ${c.errorCode ?? ""}\n`);
  }
  const floor = floorMs(routes, mode, latencyMs);
  const durationMs = m ? m.convergedAt - started : Number.NaN;
  const byAction: Record<string, number> = {};
  for (const c of m?.window ?? []) if (c.service === "ec2" && MUTATING.has(c.action)) byAction[c.action] = (byAction[c.action] ?? 0) + 1;
  const incumbentMs = INCUMBENT_MS[routes];
  return {
    routes,
    mode,
    path,
    latencyMs,
    throttling: true,
    converged: Boolean(report?.converged && m),
    durationMs: Math.round(durationMs),
    apiCalls: report?.apiCalls ?? 0,
    attempts: m?.window.length ?? 0,
    throttled: (m?.window ?? []).filter((c) => c.errorCode === "RequestLimitExceeded").length,
    roundTrips: m ? sequentialRoundTrips(timed(m.window)) : 0,
    floorMs: floor,
    ratioToFloor: Math.round((durationMs / floor) * 100) / 100,
    ...(incumbentMs ? { incumbentMs, ratioToIncumbent: Math.round((durationMs / incumbentMs) * 1000) / 1000 } : {}),
    calls: byAction,
  };
}

async function daemonRow(routes: number, mode: RouteMode, latencyMs: number, agent: string): Promise<ScalingRow> {
  const sim = await startAwsSim({ topology: topologyFor(routes, mode), port: 0, seed: 1, faults: { latencyMs } });
  const dir = mkdtempSync(join(tmpdir(), "ha-pair-bench-scale-"));
  const configFile = join(dir, "c.json");
  writeFileSync(configFile, JSON.stringify(sim.agentConfig()));
  const token = randomBytes(24).toString("hex");
  writeFileSync(join(dir, "token"), token, { mode: 0o600 });
  const child = spawn(process.execPath, [agent, "agent", "run", "--config", configFile, "--port", "0", "--token-file", join(dir, "token")], {
    env: agentEnv(sim.imds.b, join(dir, "cache")),
    stdio: ["ignore", "pipe", "inherit"],
  });
  try {
    const port = await startedPort(child);
    const api = (method: string, path: string, body?: unknown) =>
      fetch(`http://127.0.0.1:${port}${path}`, { method, headers: { authorization: `Bearer ${token}`, "content-type": "application/json" }, ...(body ? { body: JSON.stringify(body) } : {}) });
    // Let the start-up reads (identity, state, placement, permission check) finish, as on a node that has been up.
    await new Promise((resolve) => setTimeout(resolve, 2_000));
    const started = Date.now();
    const answer = await api("POST", "/trigger", { activate: "b" });
    if (answer.status !== 202) throw new Error(`POST /trigger answered ${answer.status}: ${await answer.text()}`);
    type Task = { state: string; report?: { converged: boolean; apiCalls: number } };
    let task: Task | null = null;
    for (;;) {
      task = ((await (await api("GET", "/trigger")).json()) as { task: Task | null }).task;
      if (task && task.state !== "RUNNING") break;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    return row(routes, mode, "daemon", latencyMs, started, sim.calls, task.report);
  } finally {
    child.kill("SIGTERM");
    await new Promise((resolve) => child.once("exit", resolve));
    await sim.stop();
  }
}

async function oneShotRow(routes: number, mode: RouteMode, latencyMs: number, agent: string): Promise<ScalingRow> {
  const sim = await startAwsSim({ topology: topologyFor(routes, mode), port: 0, seed: 1, faults: { latencyMs } });
  const dir = mkdtempSync(join(tmpdir(), "ha-pair-bench-scale-"));
  const configFile = join(dir, "c.json");
  writeFileSync(configFile, JSON.stringify(sim.agentConfig()));
  try {
    const started = Date.now();
    const child = spawn(process.execPath, [agent, "failover", "--config", configFile, "--activate", "b", "--json"], { env: agentEnv(sim.imds.b, join(dir, "cache")), stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    child.stdout.on("data", (chunk: Buffer) => (stdout += chunk.toString()));
    await new Promise((resolve) => child.on("exit", resolve));
    let report: { converged: boolean; apiCalls: number } | undefined;
    try {
      report = JSON.parse(stdout) as { converged: boolean; apiCalls: number };
    } catch {
      report = undefined;
    }
    return row(routes, mode, "one-shot", latencyMs, started, sim.calls, report);
  } finally {
    await sim.stop();
  }
}

function startedPort(child: ChildProcess): Promise<number> {
  return new Promise<number>((resolve, reject) => {
    let buffered = "";
    child.stdout!.on("data", (chunk: Buffer) => {
      buffered += chunk.toString();
      for (const line of buffered.split("\n")) {
        try {
          const event = JSON.parse(line) as { event?: string; port?: number };
          if (event.event === "started" && event.port) resolve(event.port);
        } catch {
          // not a complete JSON line yet
        }
      }
    });
    child.on("exit", (code) => reject(new Error(`the daemon exited ${code} before it started`)));
  });
}

/** Every row of the AWS scaling curve, in order: per size, per-route then association, daemon then one-shot. */
export async function awsScaling(options: { latencyMs: number; agent: string; routes?: number[]; modes?: RouteMode[]; onRow?: (row: ScalingRow) => void }): Promise<ScalingRow[]> {
  const rows: ScalingRow[] = [];
  // One unreported run first: it warms the simulated cloud's own code (it runs in this process,
  // and its first requests are JIT-compiled), which is the measuring instrument, not the agent.
  await daemonRow(10, "association", options.latencyMs, options.agent);
  for (const routes of options.routes ?? SCALING_ROUTES) {
    for (const mode of options.modes ?? (["per-route", "association"] as const)) {
      for (const path of ["daemon", "one-shot"] as const) {
        const result = path === "daemon" ? await daemonRow(routes, mode, options.latencyMs, options.agent) : await oneShotRow(routes, mode, options.latencyMs, options.agent);
        options.onRow?.(result);
        rows.push(result);
      }
    }
  }
  return rows;
}
