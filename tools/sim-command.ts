import { readFileSync, writeFileSync } from "node:fs";
import { once } from "node:events";
import type { Command } from "../runtime/cli/commands/types.js";
import { stringFlag } from "../runtime/cli/commands/types.js";
import { EXIT_OK, UsageError } from "../runtime/cli/errors.js";
import { bold, dim } from "../runtime/cli/output.js";
import { startAwsSim } from "../sim/index.js";
import type { FaultConfig } from "../sim/faults.js";
import { loadTopologyFile } from "../sim/topology-file.js";
import { exampleTopology } from "../sim/topologies.js";
import { runAzureSim } from "./sim-azure-command.js";

function integerFlag(values: Record<string, unknown>, name: string, min: number, max: number): number | undefined {
  const raw = stringFlag(values, name);
  if (raw === undefined) return undefined;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < min || value > max) throw new UsageError(`--${name} must be an integer from ${min} to ${max}, got "${raw}"`);
  return value;
}

function faultsFrom(values: Record<string, unknown>): FaultConfig {
  const file = stringFlag(values, "faults");
  let faults: FaultConfig = {};
  if (file) {
    try {
      faults = JSON.parse(readFileSync(file, "utf8")) as FaultConfig;
    } catch (err) {
      throw new UsageError(`--faults ${file}: ${(err as Error).message}; expected a JSON fault config (see sim/faults.ts)`);
    }
  }
  const latency = integerFlag(values, "latency-ms", 0, 60_000);
  const seed = integerFlag(values, "seed", 0, 2 ** 31 - 1);
  const throttle = stringFlag(values, "throttle");
  if (throttle !== undefined && throttle !== "on" && throttle !== "off") throw new UsageError(`--throttle must be on or off, got "${throttle}"`);
  return {
    ...faults,
    ...(latency !== undefined ? { latencyMs: latency } : {}),
    ...(seed !== undefined ? { seed } : {}),
    ...(throttle === "off" ? { throttle: false as const } : {}),
  };
}

export const simCommand: Command = {
  name: "sim",
  summary: "run the simulated AWS cloud (EC2, S3, IMDSv2) on 127.0.0.1 until interrupted",
  usage: "ha-pair sim aws|azure [--port N] [--topology FILE|example] [--write-config FILE] [--seed N] [--latency-ms N] [--throttle on|off] [--faults FILE] [--lro-scale X] [--json]",
  positionals: true,
  options: {
    port: { type: "string" },
    topology: { type: "string" },
    "write-config": { type: "string" },
    seed: { type: "string" },
    "latency-ms": { type: "string" },
    throttle: { type: "string" },
    faults: { type: "string" },
    "lro-scale": { type: "string" },
    json: { type: "boolean" },
  },
  async run(context) {
    const { values, positionals, out } = context;
    if (positionals.length !== 1 || (positionals[0] !== "aws" && positionals[0] !== "azure")) throw new UsageError("usage: ha-pair sim aws|azure [flags]");
    if (positionals[0] === "azure") return runAzureSim(values, out);
    const topologyFlag = stringFlag(values, "topology") ?? "example";
    const topology = topologyFlag === "example" ? exampleTopology() : loadTopologyFile(topologyFlag);
    const port = integerFlag(values, "port", 0, 65_535) ?? 4566;
    const sim = await startAwsSim({ topology, port, faults: faultsFrom(values) });
    const configFile = stringFlag(values, "write-config");
    if (configFile) writeFileSync(configFile, `${JSON.stringify(sim.agentConfig(), null, 2)}\n`);
    if (out.json) {
      out.document({ endpoint: sim.endpoint, imds: sim.imds, region: sim.region, configFile: configFile ?? null });
    } else {
      out.line(bold(`simulated AWS (${sim.region}) listening on ${sim.endpoint}`) + dim("  — EC2 Query and S3 REST"));
      out.line(`  IMDSv2 of node a: ${sim.imds.a}   node b: ${sim.imds.b}`);
      if (configFile) out.line(`  wrote ${configFile} (speaks as node a: its endpoints.imds is node a's IMDS)`);
      out.line("");
      out.line("  in another terminal:");
      out.line(`    AWS_ENDPOINT_URL=${sim.endpoint} ha-pair failover --config ${configFile ?? "c.json"} --activate b --json`);
      out.line(`    AWS_ENDPOINT_URL=${sim.endpoint} ha-pair inspect --config ${configFile ?? "c.json"}`);
      out.line(dim("  as node b: AWS_EC2_METADATA_SERVICE_ENDPOINT=" + sim.imds.b + " ha-pair failover --config …"));
      out.line(dim("  Ctrl-C stops the simulator."));
    }
    await Promise.race([once(process, "SIGINT"), once(process, "SIGTERM")]);
    await sim.stop();
    return EXIT_OK;
  },
};
