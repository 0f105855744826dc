/**
 * The greenfield stack passes the policy pack clean: stacks/aws-greenfield runs under Pulumi
 * mocks (no engine, no cloud), the recorded resources are handed to every rule as the engine
 * hands them to stack policies, and no rule reports anything, in both modes. One change per
 * rule to the same resources must then be caught, so "clean" cannot mean "saw nothing".
 */
import { describe, expect, it } from "vitest";
import { createGreenfield, type GreenfieldMode } from "../stacks/aws-greenfield/program.js";
import { policies } from "../policies/policies.js";
import { fromRegisteredResources, runPolicies } from "../policies/testing/harness.js";
import { PulumiMockHarness, resolve, type RegisteredResource } from "./helpers/pulumi-mocks.js";

async function greenfield(mode: GreenfieldMode, preview: boolean): Promise<RegisteredResource[]> {
  const harness = new PulumiMockHarness({ preview });
  const stack = await harness.run(() => createGreenfield({ label: "edge", mode }));
  // Everything the program builds hangs off the agent config and the instances.
  await resolve(stack.pair.agentConfig);
  await resolve(stack.instances.b.id);
  await harness.settle();
  return harness.resources;
}

/** A copy of the records with one resource changed (its inputs and its state alike), or removed. */
function mutate(records: RegisteredResource[], pick: (r: RegisteredResource) => boolean, change: (props: Record<string, any>) => Record<string, any> | undefined): RegisteredResource[] {
  const target = records.filter(pick);
  if (target.length !== 1) throw new Error(`expected one resource to change, found ${target.length}`);
  return records.flatMap((r) => {
    if (r !== target[0]) return [r];
    const state = change(structuredClone(r.state));
    const inputs = change(structuredClone(r.inputs));
    return state === undefined || inputs === undefined ? [] : [{ ...r, state, inputs }];
  });
}

const byName = (suffix: string, type: string) => (r: RegisteredResource) => r.type === type && r.name.endsWith(suffix);

describe("policy pack on the greenfield stack", () => {
  for (const mode of ["same-az", "across-az"] as const) {
    it(`${mode}, as after pulumi up: every rule reports nothing`, async () => {
      const records = await greenfield(mode, false);
      // The pack's subjects are all there.
      expect(records.filter((r) => r.type === "aws:ec2/networkInterface:NetworkInterface")).toHaveLength(6);
      expect(records.filter((r) => r.type === "ha-pair:index:AwsHaPair")).toHaveLength(1);
      const result = await runPolicies(policies, fromRegisteredResources(records));
      expect(result.violations).toEqual([]);
      expect(result.unchecked).toEqual([]);
    });
  }

  it("same-az, as in pulumi preview: nothing reported", async () => {
    const result = await runPolicies(policies, fromRegisteredResources(await greenfield("same-az", true)));
    expect(result.violations).toEqual([]);
  });

  it("one change per rule to the greenfield resources is caught, by the rule's resource part when it needs no other resource", async () => {
    const records = await greenfield("same-az", false);
    const cases: { policy: string; records: RegisteredResource[]; resource: string; kind: "resource" | "stack" }[] = [
      {
        policy: "pair-tagging",
        records: mutate(records, byName("-ec2", "aws:ec2/vpcEndpoint:VpcEndpoint"), (s) => ({ ...s, tags: { Name: "untagged" } })),
        resource: "ha-edge-ec2",
        kind: "resource",
      },
      {
        policy: "aws-least-privilege",
        records: mutate(records, (r) => r.type === "aws:iam/rolePolicy:RolePolicy", (s) => {
          const doc = JSON.parse(s.policy);
          doc.Statement.push({ Effect: "Allow", Action: "ec2:*", Resource: "*" });
          return { ...s, policy: JSON.stringify(doc) };
        }),
        resource: "ha-edge-agent",
        kind: "resource",
      },
      { policy: "state-storage", records: mutate(records, (r) => r.type === "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock", () => undefined), resource: "ha-edge-state", kind: "stack" },
      {
        policy: "state-storage",
        records: mutate(records, (r) => r.type === "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock", (s) => ({ ...s, blockPublicPolicy: false })),
        resource: "ha-edge-state",
        kind: "resource",
      },
      { policy: "endpoints", records: mutate(records, byName("-ec2", "aws:ec2/vpcEndpoint:VpcEndpoint"), (s) => ({ ...s, privateDnsEnabled: false })), resource: "ha-edge-ec2", kind: "resource" },
      { policy: "routing-nics", records: mutate(records, byName("-b-internal", "aws:ec2/networkInterface:NetworkInterface"), (s) => ({ ...s, sourceDestCheck: true })), resource: "ha-edge-b-internal", kind: "stack" },
      {
        policy: "pair-tagging",
        records: [
          ...records,
          // An aws.ec2.Tag on an interface that sets the same key in its own tags.
          { ...records.find(byName("-a-external", "aws:ec2/networkInterface:NetworkInterface"))!, type: "aws:ec2/tag:Tag", name: "ha-edge-a-external-label", urn: "urn:pulumi:test::ha-pair-test::aws:ec2/tag:Tag::ha-edge-a-external-label", inputs: {}, state: { resourceId: records.find(byName("-a-external", "aws:ec2/networkInterface:NetworkInterface"))!.id, key: "f5_cloud_failover_label", value: "edge" }, parent: undefined, dependencies: [], propertyDependencies: {} },
        ],
        resource: "ha-edge-a-external",
        kind: "stack",
      },
    ];
    for (const c of cases) {
      const result = await runPolicies(policies, fromRegisteredResources(c.records));
      expect(result.violations.map((v) => `${v.policy} @ ${v.name} (${v.kind})`), c.policy).toEqual([`${c.policy} @ ${c.resource} (${c.kind})`]);
    }
  });

  it("in pulumi preview (IDs unknown), a resource that breaks a resource rule is stopped before it is created", async () => {
    const records = await greenfield("same-az", true);
    expect(records.find(byName("-ec2", "aws:ec2/vpcEndpoint:VpcEndpoint"))!.id).toBeUndefined();
    const planted = mutate(
      mutate(records, byName("-ec2", "aws:ec2/vpcEndpoint:VpcEndpoint"), (s) => ({ ...s, privateDnsEnabled: false })),
      (r) => r.type === "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock",
      (s) => ({ ...s, restrictPublicBuckets: false }),
    );
    const result = await runPolicies(policies, fromRegisteredResources(planted));
    expect(result.violations.map((v) => `${v.policy} @ ${v.name} (${v.kind}, ${v.level})`).sort()).toEqual([
      "endpoints @ ha-edge-ec2 (resource, advisory)",
      "state-storage @ ha-edge-state (resource, mandatory)",
    ]);
  });
});
