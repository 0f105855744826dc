// `npm run bench [-- --json]`: the failover of a small same-AZ pair against the simulated
// cloud at 100 ms latency per call, and the bundled agent's cold start.
import { spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdtempSync, readdirSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import type { NodeId } from "../runtime/config/types.js";
import { createAwsProvider } from "../runtime/aws/index.js";
import { prepareFailover, runFailover, type FailoverReport } from "../runtime/core/executor.js";
import { CallRecorder } from "../runtime/core/recorder.js";
import { startAwsSim } from "../sim/index.js";
import { pairTopology } from "../sim/topologies.js";
import { useSimEnvironment } from "../tools/sim-env.js";
import { azureBench } from "./azure.js";

// As the CLI does: the SDK's notice that future releases need Node 22 is not a bench result.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= "true";

const LATENCY_MS = 100;
const FAILOVERS = 6;
const COLD_STARTS = 15;
const SMALL_PAIR = { secondaryIps: 10, elasticIps: 1, routeTables: 3, routesPerTable: 2 };

const { values } = parseArgs({ options: { json: { type: "boolean" } } });
const log = (text: string) => {
  if (!values.json) process.stdout.write(`${text}\n`);
};

function stats(samples: number[]): { median: number; min: number; max: number } {
  const sorted = [...samples].sort((x, y) => x - y);
  const mid = Math.floor(sorted.length / 2);
  const median = sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
  return { median: round(median), min: round(sorted[0]!), max: round(sorted.at(-1)!) };
}
const round = (n: number) => Math.round(n * 10) / 10;

async function failoverScenario() {
  const sim = await startAwsSim({ topology: pairTopology(SMALL_PAIR), port: 0, seed: 1, faults: { latencyMs: LATENCY_MS } });
  try {
    const config = sim.agentConfig();
    const reports: FailoverReport[] = [];
    for (let i = 0; i < FAILOVERS; i += 1) {
      const node: NodeId = i % 2 === 0 ? "b" : "a";
      useSimEnvironment(sim, node);
      const recorder = new CallRecorder();
      const provider = createAwsProvider(config, { onCall: recorder.record });
      // Before the trigger: credentials warmed and the state read, as a running daemon has them.
      await provider.identity();
      const prepared = await prepareFailover(config, node, provider);
      const mark = recorder.calls.length;
      const report = await runFailover(prepared, provider, { recorder, callMark: mark });
      if (!report.converged) throw new Error(`bench failover to ${node} did not converge: ${report.error?.message}`);
      reports.push(report);
    }
    const last = reports.at(-1)!;
    const roundTrips = last.criticalPathRoundTrips;
    const duration = stats(reports.map((r) => r.durationMs));
    const bound = roundTrips * LATENCY_MS;
    return {
      scenario: `small same-AZ pair: 2 interfaces per node, ${SMALL_PAIR.secondaryIps} secondary IPs, ${SMALL_PAIR.elasticIps} EIP, ${SMALL_PAIR.routeTables} route tables × ${SMALL_PAIR.routesPerTable} routes`,
      latencyMsPerCall: LATENCY_MS,
      failovers: reports.length,
      triggerToConvergedMs: duration,
      totalWithStateReadAndRecordMs: stats(reports.map((r) => r.totalMs)),
      apiCallsByAction: last.apiCallsByAction,
      apiCalls: last.apiCalls,
      sequentialRoundTrips: roundTrips,
      phases: last.phases.map((p) => ({ phase: p.phase, ms: round(p.ms), roundTrips: p.roundTrips })),
      boundMs: bound,
      ratioToBound: round(duration.median / bound),
    };
  } finally {
    await sim.stop();
  }
}

/** Start to exit of `node -e 0`: the floor under any cold start on this machine. */
async function bareNodeStarts(runs: number): Promise<number[]> {
  const samples: number[] = [];
  for (let i = 0; i < runs; i += 1) {
    const started = performance.now();
    const child = spawn(process.execPath, ["-e", "0"], { stdio: "ignore" });
    await new Promise((resolve) => child.on("exit", resolve));
    samples.push(performance.now() - started);
  }
  return samples;
}

/**
 * Process start → the first request the simulated cloud receives, for the bundled agent.
 * `uncached`: every run gets a new, empty code-cache directory (a node's first start after an
 * install or upgrade: full compile, and the cache written at exit). `cached`: every run after one
 * warm-up in the same directory (every later start on that node).
 */
async function coldStart() {
  const sim = await startAwsSim({ topology: pairTopology(SMALL_PAIR), port: 0, seed: 1, faults: { latencyMs: 0 } });
  try {
    const dir = mkdtempSync(join(tmpdir(), "ha-pair-bench-"));
    const configFile = join(dir, "c.json");
    writeFileSync(configFile, JSON.stringify(sim.agentConfig()));
    const agent = join(process.cwd(), "dist", "ha-pair-agent.cjs");
    let run = 0;
    const startOnce = async (cacheDir: string): Promise<{ ms: number; cache: string }> => {
      const before = sim.calls.length;
      const activate = run++ % 2 ? "a" : "b";
      const started = performance.timeOrigin + performance.now();
      const child = spawn(process.execPath, [agent, "failover", "--config", configFile, "--activate", activate, "--json"], {
        env: {
          PATH: process.env.PATH,
          AWS_CONFIG_FILE: "/nonexistent",
          AWS_SHARED_CREDENTIALS_FILE: "/nonexistent",
          AWS_EC2_METADATA_SERVICE_ENDPOINT: sim.imds.a,
          HA_PAIR_CACHE_DIR: cacheDir,
          HA_PAIR_CODE_CACHE_REPORT: "1",
        },
        stdio: ["ignore", "ignore", "pipe"],
      });
      let stderr = "";
      child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
      const code = await new Promise<number>((resolve) => child.on("exit", (c) => resolve(c ?? 1)));
      if (code !== 0) throw new Error(`cold-start run ${run} exited ${code}: ${stderr}`);
      const first = sim.calls[before];
      if (!first) throw new Error("the agent made no call");
      return { ms: first.time - started, cache: /ha-pair code cache: (\w+)/.exec(stderr)?.[1] ?? "unknown" };
    };
    const expectCache = (result: { cache: string }, expected: string) => {
      if (result.cache !== expected) throw new Error(`cold start: code cache ${result.cache}, expected ${expected}`);
    };
    const uncached: number[] = [];
    for (let i = 0; i < COLD_STARTS; i += 1) {
      const result = await startOnce(mkdtempSync(join(dir, "cache-")));
      expectCache(result, "missing");
      uncached.push(result.ms);
    }
    const warm = mkdtempSync(join(dir, "cache-"));
    expectCache(await startOnce(warm), "missing");
    const cached: number[] = [];
    for (let i = 0; i < COLD_STARTS; i += 1) {
      const result = await startOnce(warm);
      expectCache(result, "hit");
      cached.push(result.ms);
    }
    const cacheFiles = readdirSync(warm).map((name) => statSync(join(warm, name)).size);
    return {
      command: "node dist/ha-pair-agent.cjs failover …",
      bundleBytes: statSync(agent).size,
      codeCacheBytes: cacheFiles.reduce((sum, size) => sum + size, 0),
      runs: cached.length,
      processStartToFirstApiCallMs: stats(cached),
      uncachedProcessStartToFirstApiCallMs: stats(uncached),
      // What any Node program costs on this machine, for scale: the agent's own share is the difference.
      bareNodeStartMs: stats(await bareNodeStarts(COLD_STARTS)),
    };
  } finally {
    await sim.stop();
  }
}

const TRIGGERS = 6;
const MUTATING = new Set(["AssignPrivateIpAddresses", "AssociateAddress", "ReplaceRoute", "ReplaceRouteTableAssociation"]);

/**
 * The daemon (`ha-pair agent run`, bundled) against the sim at LATENCY_MS per call: POST /trigger,
 * then the time from the request to the first mutating call the cloud receives. Everything in that
 * interval is the fencing write's round trip plus the agent's own work; the latter is reported.
 */
async function daemonTrigger() {
  const sim = await startAwsSim({ topology: pairTopology(SMALL_PAIR), port: 0, seed: 1, faults: { latencyMs: LATENCY_MS } });
  const dir = mkdtempSync(join(tmpdir(), "ha-pair-bench-daemon-"));
  const configFile = join(dir, "c.json");
  writeFileSync(configFile, JSON.stringify(sim.agentConfig()));
  const token = randomBytes(24).toString("hex");
  writeFileSync(join(dir, "token"), token, { mode: 0o600 });
  const child = spawn(process.execPath, [join(process.cwd(), "dist", "ha-pair-agent.cjs"), "agent", "run", "--config", configFile, "--port", "0", "--token-file", join(dir, "token")], {
    env: { PATH: process.env.PATH, AWS_CONFIG_FILE: "/nonexistent", AWS_SHARED_CREDENTIALS_FILE: "/nonexistent", AWS_EC2_METADATA_SERVICE_ENDPOINT: sim.imds.a, HA_PAIR_CACHE_DIR: join(dir, "cache") },
    stdio: ["ignore", "pipe", "inherit"],
  });
  const agentLogged: { beforeFence: number; fenceToMutation?: number }[] = [];
  let pending = "";
  child.stdout.on("data", (chunk: Buffer) => {
    pending += chunk.toString();
    const lines = pending.split("\n");
    pending = lines.pop() ?? "";
    for (const line of lines) {
      try {
        const event = JSON.parse(line) as { event?: string; agentMs?: { beforeFence: number; fenceToMutation?: number } };
        if (event.event === "failover-finished" && event.agentMs) agentLogged.push(event.agentMs);
      } catch {
        // not a log line
      }
    }
  });
  try {
    const port = await new Promise<number>((resolve, reject) => {
      let buffered = "";
      child.stdout.on("data", (chunk: Buffer) => {
        buffered += chunk.toString();
        const started = buffered.split("\n").map((line) => { try { return JSON.parse(line) as { event?: string; port?: number }; } catch { return {}; } }).find((line) => line.event === "started");
        if (started?.port) resolve(started.port);
      });
      child.on("exit", (code) => reject(new Error(`the daemon exited ${code} before it started`)));
    });
    const api = (method: string, path: string, body?: unknown) =>
      fetch(`http://127.0.0.1:${port}${path}`, { method, headers: { authorization: `Bearer ${token}`, "content-type": "application/json" }, ...(body ? { body: JSON.stringify(body) } : {}) });
    const settle = async () => {
      for (;;) {
        const { task } = (await (await api("GET", "/trigger")).json()) as { task: { state: string } | null };
        if (!task || task.state !== "RUNNING") return task;
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
    };
    // Let the daemon's start-up reads (identity, state, placement) finish, as on a node that has been up.
    await new Promise((resolve) => setTimeout(resolve, 1500));
    const toMutation: number[] = [];
    const agentOwn: number[] = [];
    const fencingWrites: number[] = [];
    for (let i = 0; i < TRIGGERS; i += 1) {
      const before = sim.calls.length;
      const sent = Date.now();
      const answer = await api("POST", "/trigger", { activate: i % 2 === 0 ? "b" : "a" });
      if (answer.status !== 202) throw new Error(`POST /trigger answered ${answer.status}: ${await answer.text()}`);
      const task = await settle();
      if (task?.state !== "SUCCEEDED") throw new Error(`daemon failover ${i} ended ${task?.state}`);
      const calls = sim.calls.slice(before);
      // The log is in order of completion; the first mutation is the first to arrive.
      const mutation = calls.filter((c) => MUTATING.has(c.action)).sort((x, y) => x.time - y.time)[0];
      const fence = calls.find((c) => c.action === "PutObject");
      if (!mutation || !fence) throw new Error("the daemon's failover made no fencing write or no mutation");
      toMutation.push(mutation.time - sent);
      agentOwn.push(mutation.time - sent - fence.ms);
      fencingWrites.push(calls.filter((c) => c.action === "PutObject" && c.time < mutation.time).length);
      await new Promise((resolve) => setTimeout(resolve, 300));
    }
    return {
      command: "node dist/ha-pair-agent.cjs agent run …; POST /trigger",
      latencyMsPerCall: LATENCY_MS,
      triggers: TRIGGERS,
      requestToFirstMutationMs: stats(toMutation),
      // Request → first mutation, less the fencing write's round trip: the agent's own share, as
      // seen from the cloud (includes the HTTP request to the daemon and loopback transit).
      agentTimeBeyondFencingMs: stats(agentOwn),
      // As the daemon measures itself (its log's agentMs): trigger → fencing write sent, and
      // fencing answer → first mutation sent.
      agentReportedMs: {
        beforeFence: stats(agentLogged.map((a) => a.beforeFence)),
        fenceToMutation: stats(agentLogged.map((a) => a.fenceToMutation ?? 0)),
      },
      fencingWritesPerTrigger: stats(fencingWrites),
    };
  } finally {
    child.kill("SIGTERM");
    await new Promise((resolve) => child.once("exit", resolve));
    await sim.stop();
  }
}

async function main(): Promise<void> {
  const failoverResult = await failoverScenario();
  const coldStartResult = await coldStart();
  const daemonResult = await daemonTrigger();
  const azure = await azureBench(log);
  const targets = {
    roundTripsAtMost3: failoverResult.sequentialRoundTrips <= 3,
    coldStartUnder150ms: coldStartResult.processStartToFirstApiCallMs.median < 150,
  };
  if (values.json) {
    process.stdout.write(`${JSON.stringify({ failover: failoverResult, coldStart: coldStartResult, daemon: daemonResult, azure, targets }, null, 2)}\n`);
  } else {
    const f = failoverResult;
    log(`failover — ${f.scenario}, ${f.latencyMsPerCall} ms per call, ${f.failovers} runs`);
    log(`  trigger→converged      median ${f.triggerToConvergedMs.median} ms (min ${f.triggerToConvergedMs.min}, max ${f.triggerToConvergedMs.max})`);
    log(`  sequential round trips ${f.sequentialRoundTrips} (${f.phases.filter((p) => p.phase !== "record").map((p) => `${p.phase} ${p.roundTrips}`).join(", ")}); bound ${f.boundMs} ms; ratio ${f.ratioToBound}`);
    log(`  with state read and record: median ${f.totalWithStateReadAndRecordMs.median} ms`);
    log(`  API calls ${f.apiCalls}: ${Object.entries(f.apiCallsByAction).map(([a, n]) => `${a} ${n}`).join(", ")}`);
    const c = coldStartResult;
    const range = (s: { median: number; min: number; max: number }) => `median ${s.median} ms (min ${s.min}, max ${s.max}, ${c.runs} runs)`;
    log(`cold start — ${c.command}, bundle ${(c.bundleBytes / 1024).toFixed(0)} KB, process start → first API call:`);
    log(`  code cache warm        ${range(c.processStartToFirstApiCallMs)}`);
    log(`  first start (no cache) ${range(c.uncachedProcessStartToFirstApiCallMs)}; writes a ${(c.codeCacheBytes / 1024).toFixed(0)} KB cache at exit`);
    log(`  bare \`node -e 0\` start→exit median ${c.bareNodeStartMs.median} ms on this machine`);
    const d = daemonResult;
    log(`daemon — ${d.command}, ${d.latencyMsPerCall} ms per call, ${d.triggers} triggers`);
    log(`  request → first mutating call median ${d.requestToFirstMutationMs.median} ms (min ${d.requestToFirstMutationMs.min}, max ${d.requestToFirstMutationMs.max}); agent's own time beyond the fencing round trip median ${d.agentTimeBeyondFencingMs.median} ms (max ${d.agentTimeBeyondFencingMs.max}), fencing writes before the first mutation: median ${d.fencingWritesPerTrigger.median}`);
    log(`  as the daemon measures itself: trigger → fencing write median ${d.agentReportedMs.beforeFence.median} ms, fencing answer → first mutation median ${d.agentReportedMs.fenceToMutation.median} ms`);
    log(`targets: ≤3 round trips ${targets.roundTripsAtMost3 ? "met" : "MISSED"}; cold start < 150 ms ${targets.coldStartUnder150ms ? "met" : "MISSED"} (code cache warm)`);
  }
}

main().catch((err: unknown) => {
  process.stderr.write(`bench failed: ${err instanceof Error ? err.stack : String(err)}\n`);
  process.exitCode = 1;
});
