/**
 * The Azure figures of `npm run bench`: failovers against the simulated ARM (LROs at Azure's
 * orders of magnitude, scaled) and Azurite — routes only, and routes with an ipConfiguration and
 * its public IP moving — and the agent bundle's cold start with an Azure config.
 *
 * The bound: one route-table LRO for routes (all tables go in parallel), and one NIC LRO pair
 * when IPs move (the giving NIC must finish before the receiving NIC may take the IP). The
 * ratio to the bound says how much the agent adds on top of what Azure itself takes.
 */
import { spawn } from "node:child_process";
import { mkdtempSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { AzureAgentConfig, NodeId } from "../runtime/config/types.js";
import { createAzureProvider } from "../runtime/azure/index.js";
import { prepareFailover, runFailover, type FailoverReport } from "../runtime/core/executor.js";
import { deadlineSignal } from "../runtime/core/deadline.js";
import { CallRecorder } from "../runtime/core/recorder.js";
import { exampleAzureTopology, REALISTIC_LRO, startAzureSim, type AzureSim } from "../sim/azure/index.js";

/** F5 Cloud Failover Extension's published Azure failover times. */
export const CFE_AZURE_SECONDS = { min: 40, max: 85 };

export interface AzureScenarioResult {
  scenario: string;
  lroMs: { routeTable: number; networkInterface: number };
  runs: number;
  triggerToConvergedMs: { median: number; min: number; max: number };
  /** Sequential operations from trigger to converged: fencing write, the slowest branch's LROs, verification read. */
  criticalPath: string[];
  boundMs: number;
  ratioToBound: number;
  /** The same ratio at Azure's own durations (route table 4 s, NIC 60 s), in seconds. */
  projectedAtAzureDurationsSeconds: number;
  apiCallsByAction: Record<string, number>;
}

export interface AzureBenchResult {
  lroScale: number;
  routesOnly: AzureScenarioResult;
  withIpConfigurations: AzureScenarioResult;
  coldStart: { bundleBytes: number; azureSdkBytes: number; processStartToFirstRequestMs: { median: number; min: number; max: number }; runs: number };
  cfeSeconds: typeof CFE_AZURE_SECONDS;
}

function stats(samples: number[]): { median: number; min: number; max: number } {
  const sorted = [...samples].sort((x, y) => x - y);
  const mid = Math.floor(sorted.length / 2);
  const median = sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
  const round = (n: number) => Math.round(n * 10) / 10;
  return { median: round(median), min: round(sorted[0]!), max: round(sorted.at(-1)!) };
}

/** Provider as node `node` (its IMDS and managed identity), token fetched before the trigger as a daemon has it. */
async function agentOn(sim: AzureSim, node: NodeId, config: AzureAgentConfig) {
  process.env.AZURE_POD_IDENTITY_AUTHORITY_HOST = sim.imds[node];
  process.env.AZURE_CLIENT_ID = sim.clientIds[node];
  const recorder = new CallRecorder();
  const provider = createAzureProvider(config, { onCall: recorder.record });
  await provider.observe(deadlineSignal(30_000));
  return { recorder, provider };
}

async function scenario(name: string, ipConfigurations: boolean, lroScale: number, runs: number): Promise<AzureScenarioResult> {
  const sim = await startAzureSim({ topology: exampleAzureTopology({ ipConfigurations }), lroScale, agentTimeouts: { pollIntervalMs: 100, verifyIntervalMs: 100 } });
  try {
    const config = sim.agentConfig();
    const reports: FailoverReport[] = [];
    for (let i = 0; i < runs; i += 1) {
      const node: NodeId = i % 2 === 0 ? "b" : "a";
      const { recorder, provider } = await agentOn(sim, node, config);
      const prepared = await prepareFailover(config, node, provider);
      const report = await runFailover(prepared, provider, { recorder, callMark: recorder.calls.length });
      if (!report.converged) throw new Error(`Azure bench failover to ${node} did not converge: ${report.error?.message}`);
      reports.push(report);
    }
    const { routeTableMs, networkInterfaceMs } = sim.world.durations;
    const boundMs = ipConfigurations ? Math.max(routeTableMs, 2 * networkInterfaceMs) : routeTableMs;
    const duration = stats(reports.map((r) => r.durationMs));
    const ratio = Math.round((duration.median / boundMs) * 100) / 100;
    const realBound = ipConfigurations ? Math.max(REALISTIC_LRO.routeTableMs, 2 * REALISTIC_LRO.networkInterfaceMs) : REALISTIC_LRO.routeTableMs;
    return {
      scenario: name,
      lroMs: { routeTable: routeTableMs, networkInterface: networkInterfaceMs },
      runs,
      triggerToConvergedMs: duration,
      criticalPath: ipConfigurations
        ? ["fencing write (blob, If-Match)", "GET giving NIC", "PUT giving NIC → NIC LRO", "GET receiving NIC", "PUT receiving NIC → NIC LRO", "verification read (parallel GETs)"]
        : ["fencing write (blob, If-Match)", "GET route table", "PUT route table → route table LRO (all tables in parallel)", "verification read (parallel GETs)"],
      boundMs,
      ratioToBound: ratio,
      projectedAtAzureDurationsSeconds: Math.round((ratio * realBound) / 100) / 10,
      apiCallsByAction: reports.at(-1)!.apiCallsByAction,
    };
  } finally {
    await sim.stop();
  }
}

async function coldStart(runs: number): Promise<AzureBenchResult["coldStart"]> {
  const sim = await startAzureSim({ lroScale: 0.01, agentTimeouts: { pollIntervalMs: 20, verifyIntervalMs: 20 } });
  try {
    const dir = mkdtempSync(join(tmpdir(), "ha-pair-bench-azure-"));
    const configFile = join(dir, "c.json");
    writeFileSync(configFile, JSON.stringify(sim.agentConfig()));
    const agent = join(process.cwd(), "dist", "ha-pair-agent.cjs");
    const samples: number[] = [];
    for (let i = 0; i < runs; i += 1) {
      const before = sim.calls.length;
      const started = Date.now();
      // `inspect`: a token from IMDS, then the route table GETs — the path every trigger starts with.
      const child = spawn(process.execPath, [agent, "inspect", "--config", configFile, "--json"], {
        env: { PATH: process.env.PATH, HA_PAIR_CACHE_DIR: join(dir, "cache") },
        stdio: ["ignore", "ignore", "pipe"],
      });
      let stderr = "";
      child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
      const code = await new Promise<number>((resolve) => child.on("exit", (c) => resolve(c ?? 1)));
      if (code !== 0) throw new Error(`Azure cold start exited ${code}: ${stderr}`);
      const first = sim.calls[before];
      if (!first) throw new Error("the agent made no ARM call");
      samples.push(first.at - first.ms - started);
    }
    const meta = JSON.parse(readFileSync(join(process.cwd(), "dist", "meta", "ha-pair-agent.json"), "utf8")) as { outputs: Record<string, { inputs: Record<string, { bytesInOutput: number }> }> };
    const azureSdkBytes = Object.values(meta.outputs)
      .flatMap((o) => Object.entries(o.inputs))
      .filter(([path]) => /node_modules\/(@azure|@typespec)\//.test(path))
      .reduce((n, [, input]) => n + input.bytesInOutput, 0);
    return { bundleBytes: statSync(agent).size, azureSdkBytes, processStartToFirstRequestMs: stats(samples.slice(1)), runs: runs - 1 };
  } finally {
    await sim.stop();
  }
}

/** Measure the Azure figures; `log` gets the human-readable lines. */
export async function azureBench(log: (line: string) => void, options: { lroScale?: number; runs?: number; coldStarts?: number } = {}): Promise<AzureBenchResult> {
  const lroScale = options.lroScale ?? Number(process.env.HA_PAIR_BENCH_AZURE_LRO_SCALE ?? 0.1);
  const runs = options.runs ?? 4;
  const routesOnly = await scenario("routes only: 2 route tables × 2 routes", false, lroScale, runs);
  const withIpConfigurations = await scenario("routes + 1 ipConfiguration with its public IP", true, lroScale, 2);
  const cold = await coldStart(options.coldStarts ?? 6);
  for (const s of [routesOnly, withIpConfigurations]) {
    log(`azure failover — ${s.scenario}; LROs route table ${s.lroMs.routeTable} ms, NIC ${s.lroMs.networkInterface} ms (Azure's ×${lroScale}), ${s.runs} runs`);
    log(`  trigger→converged      median ${s.triggerToConvergedMs.median} ms (min ${s.triggerToConvergedMs.min}, max ${s.triggerToConvergedMs.max}); bound ${s.boundMs} ms; ratio ${s.ratioToBound}`);
    log(`  critical path          ${s.criticalPath.join(" → ")}`);
    log(`  at Azure's durations   ≈ ${s.projectedAtAzureDurationsSeconds} s   vs F5 CFE's published ${CFE_AZURE_SECONDS.min}–${CFE_AZURE_SECONDS.max} s`);
    log(`  API calls              ${Object.entries(s.apiCallsByAction).map(([a, n]) => `${a} ${n}`).join(", ")}`);
  }
  log(`azure cold start — agent bundle ${(cold.bundleBytes / 1024).toFixed(0)} KB (Azure SDKs ${(cold.azureSdkBytes / 1024).toFixed(0)} KB of it); process start → first ARM request median ${cold.processStartToFirstRequestMs.median} ms (min ${cold.processStartToFirstRequestMs.min}, max ${cold.processStartToFirstRequestMs.max}, ${cold.runs} runs, IMDS token included)`);
  return { lroScale, routesOnly, withIpConfigurations, coldStart: cold, cfeSeconds: CFE_AZURE_SECONDS };
}
