/**
 * The component's generated least-privilege policy (components/aws/policy.ts, pairIamPolicy),
 * given to the simulated cloud as the nodes' role policy: the agent fails over both ways with
 * it, and with any one statement — or any one action of a statement — removed, the permission
 * check names exactly what is missing and the failover changes nothing.
 */
import { afterEach, describe, expect, it } from "vitest";
import { pairIamPolicy } from "../components/aws/policy.js";
import { failover } from "../runtime/core/executor.js";
import { planOperations } from "../runtime/core/operations.js";
import { planFailover } from "../runtime/core/planner.js";
import type { PolicyDocument } from "../sim/index.js";
import { exampleTopology } from "../sim/topologies.js";
import { agentOn, holderInCloud, startExampleSim, type AwsSim } from "./helpers/aws-sim.js";

const ROLE = "ha-pair-demo-node";
const topology = exampleTopology();
const LABEL_KEY = "f5_cloud_failover_label";

function generatedPolicy(): PolicyDocument {
  const config = topology.pair;
  return pairIamPolicy({
    region: topology.region,
    accountId: topology.accountId,
    label: config.label,
    labelKey: LABEL_KEY,
    nicMapKey: "f5_cloud_failover_nic_map",
    networkInterfaceIds: topology.instances.flatMap((instance) => instance.interfaces.map((nic) => nic.id)),
    allocationIds: config.elasticIps.map((eip) => eip.allocationId),
    routeTableIds: config.routes.map((route) => route.routeTableId),
    bucket: config.stateStore.bucket,
    stateKey: config.stateStore.key,
  }) as PolicyDocument;
}

let sim: AwsSim | undefined;
afterEach(async () => {
  await sim?.stop();
  sim = undefined;
});

describe("the generated IAM policy against the simulated cloud", () => {
  it("the first failover of a new pair (no state object yet) and the way back converge", async () => {
    sim = await startExampleSim({ identityPolicies: { [ROLE]: [generatedPolicy()] } });
    const b = agentOn(sim, "b");
    expect(await b.provider.stateStore.read()).toBeNull();
    const there = await failover(b.config, "b", b.provider, { recorder: b.recorder });
    expect(there.outcome).toBe("converged");
    expect(await holderInCloud(sim)).toBe("b");
    const a = agentOn(sim, "a");
    const back = await failover(a.config, "a", a.provider, { recorder: a.recorder });
    expect(back.outcome).toBe("converged");
    expect(await holderInCloud(sim)).toBe("a");
  });

  // Every Allow statement, and each action of it, removed in turn.
  const allows = [generatedPolicy().Statement].flat().filter((statement) => statement.Effect === "Allow");
  const cases: { sid: string; action: string }[] = allows.flatMap((statement) =>
    ([statement.Action].flat() as string[]).map((action) => ({ sid: statement.Sid ?? "", action })),
  );
  const MUTATIONS = ["ec2:AssignPrivateIpAddresses", "ec2:AssociateAddress", "ec2:ReplaceRoute"];

  it.each(cases)("without $action (statement $sid)", async ({ sid, action }: { sid: string; action: string }) => {
    const full = generatedPolicy();
    const reduced: PolicyDocument = {
      ...full,
      Statement: [full.Statement].flat().flatMap((statement) => {
        if (statement.Sid !== sid) return [statement];
        const rest = ([statement.Action].flat() as string[]).filter((a) => a !== action);
        return rest.length > 0 ? [{ ...statement, Action: rest }] : [];
      }),
    };
    sim = await startExampleSim();
    // The pair already has state (a failover ran before), so reads of it answer 200.
    const seed = agentOn(sim, "a");
    expect((await failover(seed.config, "a", seed.provider, { recorder: seed.recorder })).outcome).toBe("converged");
    sim.setIdentityPolicies(ROLE, [reduced]);
    const before = JSON.stringify(sim.world.state);
    const b = agentOn(sim, "b");
    const report = await failover(b.config, "b", b.provider, { recorder: b.recorder });
    const moved = JSON.stringify(sim.world.state) !== before;
    sim.setIdentityPolicies(ROLE, null);
    const holder = await holderInCloud(sim);

    if (MUTATIONS.includes(action) || action.startsWith("ec2:Describe")) {
      // The precheck covers the mutations and the verification wave's reads (DryRun, or the
      // no-op AssignPrivateIpAddresses check's own read of the interfaces): it names exactly
      // the missing permission; nothing is fenced or moved.
      expect(report.error?.code).toBe("MissingPermission");
      expect(report.missingPermissions?.every((c) => c.permission === action)).toBe(true);
      expect(moved).toBe(false);
      expect(holder).toBe("a");
    } else if (action === "s3:GetObject" || action === "s3:PutObject") {
      // The state read or the fencing write is refused: nothing moves.
      expect(report.outcome).toBe("failed");
      expect(report.error?.message).toContain(action);
      expect(moved).toBe(false);
    } else {
      // s3:DeleteObject (only `ha-pair reset` needs it) and s3:ListBucket (only a missing
      // state object needs it): a failover of a pair with state does not.
      expect(report.outcome).toBe("converged");
    }
  });
});
