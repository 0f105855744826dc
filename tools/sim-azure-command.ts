import { readFileSync, writeFileSync } from "node:fs";
import { once } from "node:events";
import { stringFlag } from "../runtime/cli/commands/types.js";
import { EXIT_OK, UsageError } from "../runtime/cli/errors.js";
import type { Output } from "../runtime/cli/output.js";
import { bold, dim } from "../runtime/cli/output.js";
import { validateConfig } from "../runtime/config/validate.js";
import { exampleAzureTopology, startAzureSim, type AzureTopology } from "../sim/azure/index.js";

function numberFlag(values: Record<string, unknown>, name: string, min: number, max: number, integer: boolean): number | undefined {
  const raw = stringFlag(values, name);
  if (raw === undefined) return undefined;
  const value = Number(raw);
  if (!Number.isFinite(value) || (integer && !Number.isInteger(value)) || value < min || value > max) {
    throw new UsageError(`--${name} must be ${integer ? "an integer" : "a number"} from ${min} to ${max}, got "${raw}"`);
  }
  return value;
}

function topologyFrom(flag: string): AzureTopology {
  if (flag === "example") return exampleAzureTopology();
  if (flag === "example-ipconfigs") return exampleAzureTopology({ ipConfigurations: true });
  try {
    const topology = JSON.parse(readFileSync(flag, "utf8")) as AzureTopology;
    if (!topology.subscriptionId || !topology.nodes?.a || !topology.nodes?.b) throw new Error("expected subscriptionId and nodes a and b (see sim/azure/topology.ts)");
    return topology;
  } catch (err) {
    throw new UsageError(`--topology ${flag}: ${(err as Error).message}`);
  }
}

/**
 * `ha-pair sim azure`: the simulated ARM network API, an Azure IMDS per VM and Azurite, on
 * 127.0.0.1, until interrupted. LROs take Azure's orders of magnitude (route table 4 s, NIC
 * 60 s) times --lro-scale.
 */
export async function runAzureSim(values: Record<string, unknown>, out: Output): Promise<number> {
  const topology = topologyFrom(stringFlag(values, "topology") ?? "example");
  const port = numberFlag(values, "port", 0, 65_535, true) ?? 0;
  const lroScale = numberFlag(values, "lro-scale", 0, 10, false) ?? 1;
  const latencyMs = numberFlag(values, "latency-ms", 0, 60_000, true);
  const seed = numberFlag(values, "seed", 0, 2 ** 31 - 1, true);
  const sim = await startAzureSim({
    topology,
    port,
    lroScale,
    faults: { ...(latencyMs !== undefined ? { latencyMs } : {}), ...(seed !== undefined ? { seed } : {}) },
  });
  const configFile = stringFlag(values, "write-config");
  const config = sim.agentConfig();
  const checked = validateConfig(config);
  if (!checked.ok) throw new Error(`the simulator's own agent config is invalid: ${JSON.stringify(checked.errors)}`);
  if (configFile) writeFileSync(configFile, `${JSON.stringify(config, null, 2)}\n`);
  // What an operator's shell exports to run `ha-pair discover azure` here (as node a's identity).
  const discoverEnv = {
    AZURE_SUBSCRIPTION_ID: topology.subscriptionId,
    AZURE_RESOURCE_GROUP: topology.resourceGroup,
    HA_PAIR_ARM_ENDPOINT: sim.arm,
    AZURE_POD_IDENTITY_AUTHORITY_HOST: sim.imds.a,
  };
  if (out.json) {
    out.document({ arm: sim.arm, imds: sim.imds, blob: sim.blobEndpoint, subscriptionId: topology.subscriptionId, configFile: configFile ?? null, discoverEnv });
  } else {
    out.line(bold(`simulated Azure (${topology.location}) — ARM ${sim.arm}`) + dim("  Microsoft.Network REST with LROs"));
    out.line(`  Azure IMDS of node a: ${sim.imds.a}   node b: ${sim.imds.b}`);
    out.line(`  Blob (Azurite): ${sim.blobEndpoint}`);
    out.line(`  LROs: route table ${Math.round(sim.world.durations.routeTableMs)} ms, NIC ${Math.round(sim.world.durations.networkInterfaceMs)} ms`);
    if (configFile) out.line(`  wrote ${configFile} (speaks as node a: its endpoints.imds is node a's IMDS)`);
    out.line("");
    out.line("  in another terminal:");
    out.line(`    ha-pair failover --config ${configFile ?? "c.json"} --activate b --json`);
    out.line(`    ha-pair inspect --config ${configFile ?? "c.json"} --json`);
    out.line(dim(`  as node b: AZURE_POD_IDENTITY_AUTHORITY_HOST=${sim.imds.b} ha-pair failover --config …`));
    out.line("  discover the pair (brownfield):");
    out.line(`    export ${Object.entries(discoverEnv).map(([k, v]) => `${k}=${v}`).join(" ")}`);
    out.line(`    ha-pair discover azure --label ${topology.label} --out d && ha-pair failover --config d/agent-config.json --activate b`);
    out.line(dim("  Ctrl-C stops the simulator."));
  }
  await Promise.race([once(process, "SIGINT"), once(process, "SIGTERM")]);
  await sim.stop();
  return EXIT_OK;
}
