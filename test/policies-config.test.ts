/**
 * The policy pack's configuration, enforcement levels, values unknown during preview, and the
 * pack itself as the Pulumi runner loads it (index.ts registering every rule; the manifest).
 */
import { readFileSync } from "node:fs";
import { describe, expect, it, vi } from "vitest";
import type { PolicyPackArgs } from "@pulumi/policy";
import { policies } from "../policies/policies.js";
import { runPolicies, unknown, type ResourceSpec } from "../policies/testing/harness.js";
import { LABEL_KEY, NIC_MAP_KEY, awsPair, azurePair, change, withStatements } from "./helpers/policy-harness.js";

const captured = vi.hoisted(() => ({ packs: [] as { name: string; args: unknown }[] }));
vi.mock("@pulumi/policy", () => ({
  // The real PolicyPack starts a gRPC server for the engine; record what the pack registers instead.
  PolicyPack: class {
    constructor(name: string, args: unknown) {
      captured.packs.push({ name, args });
    }
  },
}));

/** The AWS pair with every label and nic-map tag under other keys. */
function retagged(labelKey: string, nicMapKey: string): ResourceSpec[] {
  return awsPair().map((s) => {
    const tags = s.props?.tags as Record<string, string> | undefined;
    if (!tags) return s;
    const { [LABEL_KEY]: label, [NIC_MAP_KEY]: role, ...rest } = tags;
    return { ...s, props: { ...s.props, tags: { ...rest, ...(label ? { [labelKey]: label } : {}), ...(role ? { [nicMapKey]: role } : {}) } } };
  });
}

describe("policy pack: the pack", () => {
  it("index.ts registers every rule with a name, description and enforcement level", async () => {
    await import("../policies/index.js");
    expect(captured.packs).toHaveLength(1);
    const { name, args } = captured.packs[0]!;
    expect(name).toBe("ha-pair");
    const registered = (args as PolicyPackArgs).policies;
    expect(registered.map((p) => p.name).sort()).toEqual(["aws-least-privilege", "azure-least-privilege", "endpoints", "pair-tagging", "routing-nics", "state-storage"]);
    for (const policy of registered) {
      expect(policy.description.length).toBeGreaterThan(40);
      expect(["advisory", "mandatory", "remediate", "disabled"]).toContain(policy.enforcementLevel);
      expect(policy.remediationSteps).toBeTruthy();
      expect("validateStack" in policy).toBe(true);
      // The engine refuses a schema that redefines enforcementLevel; every default must satisfy its own schema.
      expect(Object.keys(policy.configSchema?.properties ?? {})).not.toContain("enforcementLevel");
    }
  });

  it("the manifest and package are what `pulumi preview --policy-pack policies` loads", () => {
    const manifest = readFileSync(new URL("../policies/PulumiPolicy.yaml", import.meta.url), "utf8");
    expect(manifest).toMatch(/^runtime: nodejs$/m);
    expect(manifest).toMatch(/^description: .+/m);
    const pkg = JSON.parse(readFileSync(new URL("../policies/package.json", import.meta.url), "utf8")) as Record<string, any>;
    expect(pkg.name).toBe("@ha-pair/policies");
    // PolicyPack refuses to start without a version in package.json.
    expect(pkg.version).toMatch(/^\d+\.\d+\.\d+$/);
    // Not index.js: vitest and tsc resolve "policies/index.js" to index.ts only when no such file exists.
    expect(pkg.main).toBe("main.cjs");
    expect(pkg.dependencies["@pulumi/policy"]).toBe("1.21.0");
    expect(pkg.dependencies["@pulumi/pulumi"]).toBe("3.248.0");
    const root = JSON.parse(readFileSync(new URL("../package.json", import.meta.url), "utf8")) as Record<string, any>;
    expect(root.devDependencies["@pulumi/policy"]).toMatch(/1\.21/);
  });
});

describe("policy pack: configuration", () => {
  it("other tag keys: clean when configured, violations when not", async () => {
    const specs = retagged("ha:label", "ha:role");
    const keys = { labelKey: "ha:label", nicMapKey: "ha:role" };
    const configured = await runPolicies(policies, specs, {
      config: { "pair-tagging": keys, "aws-least-privilege": { labelKey: "ha:label" }, "routing-nics": keys, "state-storage": { labelKey: "ha:label" }, endpoints: keys },
    });
    expect(configured.violations).toEqual([]);
    const unconfigured = await runPolicies(policies, specs, {});
    expect(unconfigured.violations.filter((v) => v.policy === "pair-tagging").length).toBeGreaterThan(0);
  });

  it("organisation tags from the provider's default tags count", async () => {
    const provider = { type: "pulumi:providers:aws", name: "default", urn: "urn:pulumi:stack::project::pulumi:providers:aws::default", props: { defaultTags: JSON.stringify({ tags: { owner: "netops" } }) } };
    const specs = awsPair().map((s) => ({ ...s, provider }));
    const config = { "pair-tagging": { requiredTags: ["owner", "cost-centre"] } };
    const result = await runPolicies(policies, specs, { config });
    // The pair's 6 interfaces, Elastic IP, app route table, state bucket and 2 endpoints.
    expect(result.violations.length).toBe(11);
    expect(result.violations.every((v) => v.message.includes("lacks the organisation tag cost-centre") && !v.message.includes("owner"))).toBe(true);
  });

  it("enforcement levels: default, overridden, disabled", async () => {
    const specs = change(awsPair(), "edge-ec2", { privateDnsEnabled: false, tags: {} });
    const byDefault = await runPolicies(policies, specs, {});
    expect(byDefault.violations.map((v) => [v.policy, v.level])).toEqual([
      ["pair-tagging", "mandatory"],
      ["endpoints", "advisory"],
    ]);
    const changed = await runPolicies(policies, specs, { config: { "pair-tagging": "advisory", endpoints: { enforcementLevel: "mandatory" } } });
    expect(changed.violations.map((v) => [v.policy, v.level])).toEqual([
      ["pair-tagging", "advisory"],
      ["endpoints", "mandatory"],
    ]);
    const disabled = await runPolicies(policies, specs, { config: { "pair-tagging": "disabled", endpoints: { enforcementLevel: "disabled" } } });
    expect(disabled.violations).toEqual([]);
  });

  it("allow-lists: managed policies, extra actions, shared-key auth, routing roles", async () => {
    const admin = [...awsPair(), { type: "aws:iam/rolePolicyAttachment:RolePolicyAttachment", name: "ssm", props: { role: "edge-agent", policyArn: "arn:aws:iam::aws:policy/AmazonSSMManagedInstanceCore" } }];
    expect((await runPolicies(policies, admin, {})).violations).toHaveLength(1);
    expect((await runPolicies(policies, admin, { config: { "aws-least-privilege": { allowedManagedPolicyArns: ["arn:aws:iam::aws:policy/AmazonSSMManagedInstanceCore"] } } })).violations).toEqual([]);

    const extra = change(awsPair(), "edge-agent-policy", { policy: withStatements({ Effect: "Allow", Action: ["ssm:UpdateInstanceInformation"], Resource: "*" }) });
    expect((await runPolicies(policies, extra, {})).violations).toHaveLength(1);
    expect((await runPolicies(policies, extra, { config: { "aws-least-privilege": { allowedExtraActions: ["ssm:*"] } } })).violations).toEqual([]);

    const sharedKey = change(azurePair(), "hubstate", { allowSharedKeyAccess: true });
    expect((await runPolicies(policies, sharedKey, {})).violations).toHaveLength(1);
    expect((await runPolicies(policies, sharedKey, { config: { "state-storage": { azureAuth: "sharedKey" } } })).violations).toEqual([]);

    const mgmtRouting = await runPolicies(policies, awsPair(), { config: { "routing-nics": { routingRoles: ["mgmt"] } } });
    expect(mgmtRouting.violations.map((v) => `${v.policy}:${v.name}`)).toEqual(["routing-nics:a-mgmt", "routing-nics:b-mgmt"]);
    expect(mgmtRouting.violations[0]!.message).toContain("listed in routing-nics' routingRoles");
  });

  it("config the schema does not know is refused, as the CLI does", async () => {
    await expect(runPolicies(policies, awsPair(), { config: { "pair-tagging": { labelkey: "x" } } })).rejects.toThrow(/unknown config property labelkey/);
    await expect(runPolicies(policies, awsPair(), { config: { "pair-tagging": { requiredTags: "owner" } } })).rejects.toThrow(/must be array/);
    await expect(runPolicies(policies, awsPair(), { config: { "state-storage": { azureAuth: "password" } } })).rejects.toThrow(/must be one of entra, sharedKey/);
  });
});

describe("policy pack: values unknown during preview", () => {
  it("an unknown policy document is reported as not checked, without a crash or a guess", async () => {
    const specs = change(awsPair(), "edge-agent-policy", { policy: unknown.string });
    const result = await runPolicies(policies, specs, {});
    expect(result.violations).toEqual([]);
    // Once when the role policy is previewed (its resource part), once at the end (the stack part).
    expect(result.unchecked.map((u) => [u.policy, u.kind])).toEqual([
      ["aws-least-privilege", "resource"],
      ["aws-least-privilege", "stack"],
    ]);
    for (const note of result.unchecked) {
      expect(note.message).toContain("can't run policy 'aws-least-privilege' during preview");
      expect(note.message).toContain("edge-agent-policy.policy");
    }
  });

  it("known problems are still reported when other values are unknown", async () => {
    let specs = change(awsPair(), "a-ext", { tags: unknown.object });
    specs = change(specs, "edge-ec2", { privateDnsEnabled: false });
    specs = change(specs, "edge-state", { bucket: unknown.string });
    specs = change(specs, "edge-s3", { serviceName: unknown.string, routeTableIds: unknown.array });
    specs = change(specs, "edge-state-pab", { blockPublicAcls: unknown.boolean });
    const result = await runPolicies(policies, specs, {});
    expect(result.violations.map((v) => `${v.policy}:${v.name}`)).toEqual(["endpoints:edge-ec2"]);
    const unchecked = Object.fromEntries(result.unchecked.map((u) => [u.policy, u.message]));
    expect(Object.keys(unchecked).sort()).toEqual(["aws-least-privilege", "endpoints", "pair-tagging", "state-storage"]);
    expect(unchecked["pair-tagging"]).toContain("a-ext.tags");
    expect(unchecked["state-storage"]).toContain("edge-state-pab.blockPublicAcls");
    // The block's unknown flag is noted by the resource part, while the block is previewed.
    expect(result.unchecked.find((u) => u.policy === "state-storage")?.kind).toBe("resource");
    expect(unchecked["endpoints"]).toContain("edge-s3.serviceName");
  });

  it("unknown Azure permissions and scopes are not checked, not crashed on", async () => {
    let specs = change(azurePair(), "hub-role", { permissions: unknown.array, assignableScopes: [unknown.string] });
    specs = change(specs, "hubstate", { minimumTlsVersion: unknown.string });
    const result = await runPolicies(policies, specs, {});
    expect(result.violations).toEqual([]);
    expect(result.unchecked.map((u) => u.policy).sort()).toEqual(["azure-least-privilege", "state-storage"]);
  });
});
