/**
 * Drift between association mode's twin route tables is found and named with its fix, never
 * silently carried into effect by a swap: a route added to one twin only, a gateway endpoint
 * associated with one only, VGW propagation on one only, a pair route pointing at the wrong node.
 */
import { CreateRouteCommand, EC2Client } from "@aws-sdk/client-ec2";
import { afterEach, describe, expect, it } from "vitest";
import type { AgentConfig } from "../runtime/config/types.js";
import type { ObservedState } from "../runtime/core/observed.js";
import { twinTableDrift } from "../runtime/core/twin-drift.js";
import { startAwsSim } from "../sim/index.js";
import { pairTopology } from "../sim/topologies.js";
import { agentOn, type AwsSim } from "./helpers/aws-sim.js";

const config = {
  version: 1,
  cloud: "aws",
  label: "edge",
  nodes: {
    a: { instanceId: "i-0aaaaaaaaaaaaaaa1", interfaces: { internal: { id: "eni-0aaaaaaaaaaaaaaa2" } } },
    b: { instanceId: "i-0bbbbbbbbbbbbbbb1", interfaces: { internal: { id: "eni-0bbbbbbbbbbbbbbb2" } } },
  },
  routeTableAssociations: [
    { subnetId: "subnet-0aaaaaaaaaaaaaaa1", routeTableIds: { a: "rtb-0aaaaaaaaaaaaaaa1", b: "rtb-0bbbbbbbbbbbbbbb1" }, routes: [{ destinations: ["0.0.0.0/0"], nextHop: { role: "internal" } }] },
    { subnetId: "subnet-0aaaaaaaaaaaaaaa2", routeTableIds: { a: "rtb-0aaaaaaaaaaaaaaa1", b: "rtb-0bbbbbbbbbbbbbbb1" }, routes: [{ destinations: ["0.0.0.0/0"], nextHop: { role: "internal" } }] },
  ],
  stateStore: { type: "s3", bucket: "edge-state", key: "k" },
} satisfies AgentConfig;

const route = (destination: string, target: string, origin?: string) => ({ destination, target, state: "active", ...(origin ? { origin } : {}) });
function observed(a: ReturnType<typeof route>[], b: ReturnType<typeof route>[], vgws: { a?: string[]; b?: string[] } = {}): ObservedState {
  return {
    privateIps: {},
    elasticIps: {},
    routes: {},
    twinTables: {
      "rtb-0aaaaaaaaaaaaaaa1": { routes: [route("10.0.0.0/16", "local"), ...a], propagatingVgws: vgws.a ?? [] },
      "rtb-0bbbbbbbbbbbbbbb1": { routes: [route("10.0.0.0/16", "local"), ...b], propagatingVgws: vgws.b ?? [] },
    },
  };
}
const pairRoutes = { a: route("0.0.0.0/0", "eni-0aaaaaaaaaaaaaaa2"), b: route("0.0.0.0/0", "eni-0bbbbbbbbbbbbbbb2") };

describe("twin route table drift", () => {
  it("finds nothing when the twins differ only in the pair's next hops (local and propagated routes aside)", () => {
    expect(twinTableDrift(config, observed([pairRoutes.a, route("192.168.0.0/16", "vgw-01", "EnableVgwRoutePropagation")], [pairRoutes.b]))).toEqual([]);
  });

  it("a route in one twin only, named with the create-route that fixes it and the subnets it would break", () => {
    const drift = twinTableDrift(config, observed([pairRoutes.a, route("172.31.0.0/16", "pcx-0123")], [pairRoutes.b]));
    expect(drift).toHaveLength(1);
    expect(drift[0]!.message).toBe("route 172.31.0.0/16 → pcx-0123 is in node a's twin table rtb-0aaaaaaaaaaaaaaa1 but not in node b's rtb-0bbbbbbbbbbbbbbb1: a failover to node b would drop it for subnets subnet-0aaaaaaaaaaaaaaa1, subnet-0aaaaaaaaaaaaaaa2");
    expect(drift[0]!.fix).toBe("aws ec2 create-route --route-table-id rtb-0bbbbbbbbbbbbbbb1 --destination-cidr-block 172.31.0.0/16 --vpc-peering-connection-id pcx-0123");
  });

  it("a gateway endpoint associated with one twin only, and VGW propagation on one only", () => {
    const drift = twinTableDrift(config, observed([pairRoutes.a], [pairRoutes.b, route("pl-0123456789abcdef0", "vpce-0abc")], { a: ["vgw-0123"] }));
    expect(drift.map((d) => d.fix).sort()).toEqual([
      "aws ec2 enable-vgw-route-propagation --route-table-id rtb-0bbbbbbbbbbbbbbb1 --gateway-id vgw-0123",
      "aws ec2 modify-vpc-endpoint --vpc-endpoint-id vpce-0abc --add-route-table-ids rtb-0aaaaaaaaaaaaaaa1",
    ]);
  });

  it("a pair route pointing at the other node's interface, or missing", () => {
    const wrong = twinTableDrift(config, observed([pairRoutes.a], [pairRoutes.a]));
    expect(wrong).toHaveLength(1);
    expect(wrong[0]!.message).toContain("route 0.0.0.0/0 in node b's twin table rtb-0bbbbbbbbbbbbbbb1 points at eni-0aaaaaaaaaaaaaaa2, not at node b's internal interface eni-0bbbbbbbbbbbbbbb2");
    expect(wrong[0]!.fix).toBe("aws ec2 replace-route --route-table-id rtb-0bbbbbbbbbbbbbbb1 --destination-cidr-block 0.0.0.0/0 --network-interface-id eni-0bbbbbbbbbbbbbbb2");
    const missing = twinTableDrift(config, observed([pairRoutes.a], []));
    expect(missing[0]!.fix).toBe("aws ec2 create-route --route-table-id rtb-0bbbbbbbbbbbbbbb1 --destination-cidr-block 0.0.0.0/0 --network-interface-id eni-0bbbbbbbbbbbbbbb2");
  });
});

describe("twin route table drift, read from the simulated cloud", () => {
  let sim: AwsSim | undefined;
  afterEach(async () => {
    await sim?.stop();
    sim = undefined;
  });

  it("a route created in node a's twin only is found through the provider's observation", async () => {
    sim = await startAwsSim({ topology: pairTopology({ secondaryIps: 0, elasticIps: 0, routeTables: 0, routesPerTable: 0, association: { subnets: 2, routesPerSubnet: 3 } }), port: 0, seed: 2 });
    const simConfig = sim.agentConfig();
    const { provider } = agentOn(sim, "a", simConfig);
    expect(twinTableDrift(simConfig, await provider.observe(AbortSignal.timeout(10_000), { twinTables: true }))).toEqual([]);
    const ec2 = new EC2Client({ endpoint: sim.endpoint, region: sim.region, credentials: sim.credentials, maxAttempts: 1 });
    const tableA = simConfig.routeTableAssociations![1]!.routeTableIds.a;
    await ec2.send(new CreateRouteCommand({ RouteTableId: tableA, DestinationCidrBlock: "10.99.0.0/16", GatewayId: "igw-0200000000000001" }));
    ec2.destroy();
    const drift = twinTableDrift(simConfig, await provider.observe(AbortSignal.timeout(10_000), { twinTables: true }));
    expect(drift).toHaveLength(1);
    expect(drift[0]!.subnets).toEqual([simConfig.routeTableAssociations![1]!.subnetId]);
    expect(drift[0]!.fix).toContain(`--route-table-id ${simConfig.routeTableAssociations![1]!.routeTableIds.b} --destination-cidr-block 10.99.0.0/16 --gateway-id igw-0200000000000001`);
  });
});
