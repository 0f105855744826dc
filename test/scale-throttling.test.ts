/**
 * Hundreds of routes under EC2's request buckets: the failover must converge, in about the
 * bucket's floor (N − burst)/refill, never leaving the pair split. EC2's 50-burst / 5-per-s
 * bucket would make 500 routes take 90 s, so the buckets here refill ten times as fast
 * (burst 50, 50/s: a tenth of the wait; faster would measure this machine's CPU, not the
 * pacing); `npm run bench` runs EC2's real buckets.
 */
import { afterEach, describe, expect, it } from "vitest";
import type { AgentConfig } from "../runtime/config/types.js";
import { bucketFloorMs } from "../runtime/config/plan-budget.js";
import { timeBudgets } from "../runtime/config/types.js";
import { failover } from "../runtime/core/executor.js";
import { startAwsSim } from "../sim/index.js";
import { pairTopology } from "../sim/topologies.js";
import { agentOn, type AwsSim } from "./helpers/aws-sim.js";

const BUCKETS = { mutating: { burst: 50, refillPerSecond: 50 }, nonMutating: { burst: 100, refillPerSecond: 200 } };

let sim: AwsSim | undefined;
afterEach(async () => {
  await sim?.stop();
  sim = undefined;
});

async function pairWithRoutes(routes: number, throttle: typeof BUCKETS = BUCKETS): Promise<AwsSim> {
  sim = await startAwsSim({ topology: pairTopology({ secondaryIps: 5, elasticIps: 1, routeTables: 1, routesPerTable: routes }), port: 0, seed: 3, faults: { throttle } });
  return sim;
}

describe("per-route failover under request throttling (buckets refilled 10× faster)", () => {
  for (const routes of [100, 200, 500]) {
    it(`${routes} routes converge inside the plan-derived deadline, paced to the bucket, hardly a call refused`, async () => {
      const s = await pairWithRoutes(routes);
      const config: AgentConfig = { ...s.agentConfig(), throttling: { ...BUCKETS } };
      const { provider, recorder } = agentOn(s, "b", config);
      const report = await failover(config, "b", provider, { recorder, checkPermissions: false });
      expect(report.outcome).toBe("converged");
      // The default deadline leaves the bucket the time it needs (how close to it the run comes is
      // for `npm run bench` to measure, not for a test to assert).
      const floor = bucketFloorMs(routes, BUCKETS.mutating);
      expect(timeBudgets(config).deadlineMs).toBeGreaterThan(floor);
      // Paced to the bucket: at most the odd call that network jitter lands a hair early.
      const throttled = s.calls.filter((c) => c.action === "ReplaceRoute" && c.errorCode === "RequestLimitExceeded");
      expect(throttled.length).toBeLessThanOrEqual(Math.ceil(routes * 0.05));
    }, 30_000);
  }

  it("without pacing, hundreds of throttled retries still end converged: no client-wide retry quota gives up", async () => {
    const s = await pairWithRoutes(200, { ...BUCKETS, mutating: { burst: 10, refillPerSecond: 100 } });
    const config: AgentConfig = { ...s.agentConfig(), throttling: { pace: false } };
    const { provider, recorder } = agentOn(s, "b", config);
    const report = await failover(config, "b", provider, { recorder, checkPermissions: false });
    const throttled = s.calls.filter((c) => c.errorCode === "RequestLimitExceeded").length;
    // Far past the SDK's client-wide quota (500 tokens / 5 per throttled retry = 100 retries).
    expect(throttled).toBeGreaterThan(100);
    expect(report.outcome).toBe("converged");
  }, 30_000);

  it("when the deadline does run out, the report says which items are on which node", async () => {
    const slow = { mutating: { burst: 10, refillPerSecond: 10 }, nonMutating: { burst: 100, refillPerSecond: 200 } };
    const s = await pairWithRoutes(100, slow);
    const config: AgentConfig = { ...s.agentConfig(), throttling: slow, timeouts: { deadlineMs: 2_000, requestMs: 1_000 } };
    const { provider, recorder } = agentOn(s, "b", config);
    const report = await failover(config, "b", provider, { recorder, checkPermissions: false });
    expect(report.outcome).toBe("not-converged");
    const onA = report.differences.length;
    expect(onA).toBeGreaterThan(40);
    const total = 100 + 5 + 1;
    expect(report.error?.message).toMatch(new RegExp(`^${total - onA} of ${total} items are on node b; ${onA} still on node a: route rtb-\\S+ 172\\.16\\.\\d+\\.0/24, `));
    expect(report.error?.message).toContain(`and ${onA - 10} more`);
  }, 30_000);

  it("derives the default deadline from the plan: (routes − burst)/refill plus the margin", () => {
    const base = pairTopology({ secondaryIps: 0, elasticIps: 0, routeTables: 1, routesPerTable: 500 });
    const config = { version: 1, cloud: "aws", label: "x", nodes: { a: { instanceId: "i-0aaaaaaaaaaaaaaa1", interfaces: { internal: { id: "eni-0aaaaaaaaaaaaaaa1" } } }, b: { instanceId: "i-0bbbbbbbbbbbbbbb1", interfaces: { internal: { id: "eni-0bbbbbbbbbbbbbbb1" } } } },
      routes: [{ routeTableId: "rtb-0aaaaaaaaaaaaaaa1", destinations: base.pair.routes[0]!.destinations, nextHop: { role: "internal" } }],
      stateStore: { type: "s3", bucket: "b-b-b", key: "k" } } satisfies AgentConfig;
    expect(timeBudgets(config).deadlineMs).toBe(30_000 + 90_000);
    expect(timeBudgets({ ...config, routes: [{ ...config.routes[0]!, destinations: config.routes[0]!.destinations.slice(0, 40) }] }).deadlineMs).toBe(30_000);
    expect(timeBudgets({ ...config, timeouts: { deadlineMs: 5_000 } }).deadlineMs).toBe(5_000);
    expect(timeBudgets({ ...config, throttling: { mutating: { burst: 100, refillPerSecond: 10 } } }).deadlineMs).toBe(30_000 + 40_000);
  });
});
