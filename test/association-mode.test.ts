/**
 * Association mode: each subnet's whole route table follows the active node by one
 * ReplaceRouteTableAssociation onto that node's twin table. 500 routes over 10 subnets move in
 * 10 calls, one wave, under EC2's real buckets; association IDs change on every swap and the
 * agent keeps them current, re-reading when someone else swapped in between.
 */
import { ReplaceRouteTableAssociationCommand } from "@aws-sdk/client-ec2";
import { EC2Client } from "@aws-sdk/client-ec2";
import { afterEach, describe, expect, it } from "vitest";
import { AWS_REQUIRED_ACTIONS } from "../runtime/aws/index.js";
import { failover } from "../runtime/core/executor.js";
import { planOperations } from "../runtime/core/operations.js";
import { planFailover } from "../runtime/core/planner.js";
import { startAwsSim } from "../sim/index.js";
import { pairTopology } from "../sim/topologies.js";
import { agentOn, holderInCloud, type AwsSim } from "./helpers/aws-sim.js";

let sim: AwsSim | undefined;
afterEach(async () => {
  await sim?.stop();
  sim = undefined;
});

async function associationPair(extra: Partial<Parameters<typeof pairTopology>[0]> = {}, latencyMs = 0): Promise<AwsSim> {
  sim = await startAwsSim({
    topology: pairTopology({ secondaryIps: 5, elasticIps: 1, routeTables: 0, routesPerTable: 0, association: { subnets: 10, routesPerSubnet: 50 }, ...extra }),
    port: 0,
    seed: 5,
    faults: { latencyMs },
  });
  return sim;
}

function tableOf(s: AwsSim, subnetId: string): string | undefined {
  return Object.values(s.world.state.routeTables).find((t) => t.associations.some((a) => a.subnetId === subnetId))?.id;
}

describe("association mode", () => {
  it("plans one association swap per subnet, in the same one wave as the other operations", async () => {
    const s = await associationPair({ routeTables: 1, routesPerTable: 3 });
    const config = s.agentConfig();
    const plan = planFailover(config, "b");
    expect(plan.waves).toHaveLength(1);
    const swaps = plan.waves[0]!.filter((op) => op.action === "ReplaceRouteTableAssociation");
    expect(swaps).toHaveLength(10);
    expect(swaps[0]).toMatchObject({ subnetId: config.routeTableAssociations![0]!.subnetId, routeTableId: config.routeTableAssociations![0]!.routeTableIds.b, fromRouteTableId: config.routeTableAssociations![0]!.routeTableIds.a });
    expect(plan.waves[0]!.filter((op) => op.action === "ReplaceRoute")).toHaveLength(3);
  });

  it("500 routes over 10 subnets under EC2's real buckets: 10 calls, 3 round trips, and back again with the new association IDs", async () => {
    const s = await associationPair({}, 20);
    const config = s.agentConfig();
    const subnets = config.routeTableAssociations!.map((e) => e.subnetId);
    const before = new Map(Object.values(s.world.state.routeTables).flatMap((t) => t.associations.map((a) => [a.subnetId, a.id] as const)));
    const b = agentOn(s, "b");
    const there = await failover(config, "b", b.provider, { recorder: b.recorder });
    expect(there.outcome).toBe("converged");
    expect(there.apiCallsByAction.ReplaceRouteTableAssociation).toBe(10);
    expect(there.apiCallsByAction.ReplaceRoute ?? 0).toBe(0);
    expect(AWS_REQUIRED_ACTIONS.ec2Mutating).toContain("ec2:ReplaceRouteTableAssociation");
    // The verification reads the tables the subnets are associated with (by filter), not all 20 twins whole.
    const verifyReads = b.recorder.calls.filter((c) => c.action === "DescribeRouteTables" && !c.check);
    expect(verifyReads.length).toBeGreaterThan(0);
    expect(verifyReads.every((c) => c.target === subnets.join(","))).toBe(true);
    expect(there.criticalPathRoundTrips).toBe(3);
    for (const [i, subnet] of subnets.entries()) expect(tableOf(s, subnet)).toBe(config.routeTableAssociations![i]!.routeTableIds.b);
    // Every swap issued a new association ID.
    const after = new Map(Object.values(s.world.state.routeTables).flatMap((t) => t.associations.map((a) => [a.subnetId, a.id] as const)));
    for (const subnet of subnets) expect(after.get(subnet)).not.toBe(before.get(subnet));
    expect(await holderInCloud(s)).toBe("b");

    // The same provider fails back with the IDs it learnt from its own swaps: no re-read, no NotFound.
    const back = await failover(config, "a", b.provider, { recorder: b.recorder });
    expect(back.outcome).toBe("converged");
    expect(s.calls.filter((c) => c.errorCode === "InvalidAssociationID.NotFound")).toEqual([]);
    expect(await holderInCloud(s)).toBe("a");
  });

  it("an association ID outdated by someone else's swap is re-read after InvalidAssociationID.NotFound, and the failover converges", async () => {
    const s = await associationPair();
    const config = s.agentConfig();
    const b = agentOn(s, "b");
    // The daemon's view: it observed the pair, learning the association IDs.
    await b.provider.observe(AbortSignal.timeout(10_000));
    // Then another node (or a person) swaps subnet 0 onto b's table and back: its ID changed twice.
    const subnet = config.routeTableAssociations![0]!;
    const ec2 = new EC2Client({ endpoint: s.endpoint, region: s.region, credentials: s.credentials, maxAttempts: 1 });
    const current = () => Object.values(s.world.state.routeTables).flatMap((t) => t.associations).find((a) => a.subnetId === subnet.subnetId)!.id;
    await ec2.send(new ReplaceRouteTableAssociationCommand({ AssociationId: current(), RouteTableId: subnet.routeTableIds.b }));
    await ec2.send(new ReplaceRouteTableAssociationCommand({ AssociationId: current(), RouteTableId: subnet.routeTableIds.a }));
    ec2.destroy();
    s.clearCalls();
    const report = await failover(config, "b", b.provider, { recorder: b.recorder, checkPermissions: false });
    expect(report.outcome).toBe("converged");
    const notFound = s.calls.filter((c) => c.errorCode === "InvalidAssociationID.NotFound");
    expect(notFound).toHaveLength(1);
    expect(s.calls.filter((c) => c.action === "DescribeRouteTables" && c.time > notFound[0]!.time).length).toBeGreaterThan(0);
    expect(tableOf(s, subnet.subnetId)).toBe(subnet.routeTableIds.b);
  });

  it("a subnet on its VPC's main table (no explicit association) fails permanently with the command that fixes it", async () => {
    const s = await associationPair({ association: { subnets: 1, routesPerSubnet: 2 } });
    const config = s.agentConfig();
    const subnet = config.routeTableAssociations![0]!;
    const table = s.world.state.routeTables[subnet.routeTableIds.a]!;
    table.associations = table.associations.filter((a) => a.subnetId !== subnet.subnetId);
    const b = agentOn(s, "b");
    const op = planOperations(planFailover(config, "b")).find((o) => o.action === "ReplaceRouteTableAssociation")!;
    const err = (await b.provider.execute(op, AbortSignal.timeout(10_000)).catch((e: unknown) => e)) as { code: string; fix: string; errorClass: string };
    expect(err).toMatchObject({ code: "SubnetNotAssociated", errorClass: "permanent" });
    expect(err.fix).toContain(`aws ec2 associate-route-table --subnet-id ${subnet.subnetId} --route-table-id ${subnet.routeTableIds.a}`);
  });
});
