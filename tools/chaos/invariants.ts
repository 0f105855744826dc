/**
 * The invariant checker: reads the simulated cloud directly (its own state, not through the
 * agent, not through stale reads or injected faults) and the state object as stored.
 */
import type { AwsAgentConfig as AgentConfig } from "../../runtime/config/types.js";
import { inspectPair, type PairHolder } from "../../runtime/core/desired.js";
import { routeKey, type ObservedState } from "../../runtime/core/observed.js";
import type { PairState } from "../../runtime/core/state.js";
import type { AwsSim } from "../../sim/index.js";

export interface Violation {
  seed: number;
  invariant: string;
  detail: string;
}

/** Where every item of the pair points, read from the cloud's own state. */
export function observeDirectly(sim: AwsSim, config: AgentConfig): ObservedState {
  const observed: ObservedState = { privateIps: {}, elasticIps: {}, routes: {} };
  for (const group of config.addresses?.secondaryIps ?? []) for (const ip of group.ips) observed.privateIps[ip] = sim.world.whereIsPrivateIp(ip);
  for (const eip of config.addresses?.elasticIps ?? []) {
    const association = sim.world.eipAssociation(eip.allocationId);
    observed.elasticIps[eip.allocationId] = association ? { networkInterfaceId: association.networkInterfaceId, privateIp: association.privateIp } : null;
  }
  for (const route of config.routes ?? []) {
    for (const destination of route.destinations) {
      const target = sim.world.routeTarget(route.routeTableId, destination);
      observed.routes[routeKey(route.routeTableId, destination)] = target
        ? { networkInterfaceId: target.networkInterfaceId ?? null, target: target.networkInterfaceId ?? target.gatewayId ?? "?", state: target.state }
        : null;
    }
  }
  return observed;
}

export function holderNow(sim: AwsSim, config: AgentConfig): PairHolder {
  return inspectPair(config, observeDirectly(sim, config)).activeNode;
}

/** The state object as stored: a state, "unreadable" (garbage or a newer agent's), or null (none). */
export function storedState(sim: AwsSim, config: AgentConfig): PairState | "unreadable" | null {
  const text = sim.s3.getObjectText(config.stateStore.bucket, config.stateStore.key);
  if (text === undefined) return null;
  try {
    const state = JSON.parse(text) as PairState;
    return state.schemaVersion === 1 && typeof state.generation === "number" ? state : "unreadable";
  } catch {
    return "unreadable";
  }
}

/**
 * What must not change on the pair's interfaces whatever the agent does: attachment, subnet,
 * source/dest check, description, tags, the primary IP and every address that is not the pair's.
 */
export function interfaceProperties(sim: AwsSim, config: AgentConfig): Record<string, string> {
  const moving = new Set((config.addresses?.secondaryIps ?? []).flatMap((g) => g.ips));
  const result: Record<string, string> = {};
  for (const node of ["a", "b"] as const) {
    for (const nic of Object.values(config.nodes[node].interfaces)) {
      const record = sim.world.state.networkInterfaces[nic.id];
      result[nic.id] = record
        ? JSON.stringify({
            attachment: record.attachment ? { instanceId: record.attachment.instanceId, deviceIndex: record.attachment.deviceIndex } : null,
            subnetId: record.subnetId,
            sourceDestCheck: record.sourceDestCheck,
            description: record.description,
            tags: record.tags,
            ips: record.privateIps.filter((ip) => ip.primary || !moving.has(ip.address)).map((ip) => `${ip.address}${ip.primary ? "*" : ""}`).sort(),
          })
        : "missing";
    }
  }
  return result;
}

/**
 * Once quiet: every item on exactly one node, the node the state names when it says SUCCEEDED;
 * a pair left split only under a record that says the failover did not finish (FAILED, or the
 * RUNNING a dead node leaves).
 */
export function checkQuiet(seed: number, sim: AwsSim, config: AgentConfig, phase: string): Violation[] {
  const holder = holderNow(sim, config);
  const state = storedState(sim, config);
  const violations: Violation[] = [];
  if (state === "unreadable" || state === null) return violations;
  if (state.taskState === "SUCCEEDED" && holder !== state.activeNode) {
    violations.push({ seed, invariant: "cloud-matches-state", detail: `${phase}: the state says node ${state.activeNode} SUCCEEDED (generation ${state.generation}) but the cloud holds ${holder}` });
  }
  if ((holder === "mixed" || holder === "none") && state.taskState === "SUCCEEDED") {
    violations.push({ seed, invariant: "no-silent-split", detail: `${phase}: the pair is split (${holder}) under a SUCCEEDED state` });
  }
  return violations;
}
