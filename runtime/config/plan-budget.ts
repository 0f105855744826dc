/**
 * What a failover of this config needs from EC2's request buckets: how many calls of each
 * mutating action a full failover makes, and how long the buckets make them take. The default
 * deadline is derived from it, so a pair with 500 routes is not given up on at a fixed 30 s
 * while its calls are still (correctly) waiting for tokens: giving up leaves the pair split.
 */
import type { AwsAgentConfig as AgentConfig, ThrottlingConfig, TokenBucketSettings } from "./types.js";

/** Mutating calls per action when every item moves (the most a failover sends). */
export function mutatingCallsPerAction(config: AgentConfig): Record<string, number> {
  const calls: Record<string, number> = {};
  const roles = new Set((config.addresses?.secondaryIps ?? []).filter((g) => g.ips.length > 0).map((g) => g.role));
  if (roles.size > 0) calls.AssignPrivateIpAddresses = roles.size;
  const eips = config.addresses?.elasticIps?.length ?? 0;
  if (eips > 0) calls.AssociateAddress = eips;
  const routes = (config.routes ?? []).reduce((n, route) => n + route.destinations.length, 0);
  if (routes > 0) calls.ReplaceRoute = routes;
  const subnets = config.routeTableAssociations?.length ?? 0;
  if (subnets > 0) calls.ReplaceRouteTableAssociation = subnets;
  return calls;
}

/** Time (ms) a bucket needs to let `calls` through when it starts full: nothing within the burst, then 1/refill per call. */
export function bucketFloorMs(calls: number, bucket: TokenBucketSettings): number {
  return Math.max(0, calls - bucket.burst) * (1000 / bucket.refillPerSecond);
}

/** The longest any action's calls must wait for tokens in a full failover (actions have separate buckets, so they overlap). */
export function planThrottleFloorMs(config: AgentConfig, throttling: Required<ThrottlingConfig>): number {
  return Math.max(0, ...Object.values(mutatingCallsPerAction(config)).map((calls) => bucketFloorMs(calls, throttling.mutating)));
}

/** Room for the round trips themselves, stale reads and the odd retry, on top of the bucket floor. */
export const DEADLINE_MARGIN_MS = 30_000;
