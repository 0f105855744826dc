// @ha-pair/policies as `pulumi policy publish` uploads it and the engine runs it: `npm pack`ed,
// installed outside the repository, started through @pulumi/pulumi's own policy-pack launcher
// (cmd/run-policy-pack) and called over its Analyzer gRPC interface.
import { existsSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runPolicies } from "../policies/testing/harness.js";
import { POLICY_PACK_NAME, policies } from "../policies/policies.js";
import { awsPair, change } from "./helpers/policy-harness.js";
import { packedInstall, type PackedInstall } from "./helpers/packed.js";
import { launchPolicyPack, type LaunchedPolicyPack } from "./helpers/policy-launcher.js";

let packed: PackedInstall;
let pack: LaunchedPolicyPack;

beforeAll(async () => {
  packed = await packedInstall();
  pack = await launchPolicyPack(packed.installed("@ha-pair/policies"));
}, 480_000);

afterAll(async () => {
  await pack?.stop();
});

describe("npm pack of @ha-pair/policies", () => {
  it("is self-contained: the built pack, its entry point and manifest, and nothing from the repository's sources", () => {
    const { files } = packed.packages["@ha-pair/policies"];
    expect(files).toEqual(["PulumiPolicy.yaml", "README.md", "dist/pack.cjs", "main.cjs", "package.json"]);
    // Installed: no path outside the package is reachable, and the in-repository branch of main.cjs is not taken.
    expect(existsSync(join(packed.installed("@ha-pair/policies"), "index.ts"))).toBe(false);
  });
});

describe("the installed pack under @pulumi/pulumi's run-policy-pack", () => {
  it("GetAnalyzerInfo lists the six rules at their levels", async () => {
    const info = await pack.info();
    expect(info.name).toBe(POLICY_PACK_NAME);
    expect(info.version).toBe("0.1.0");
    expect(info.policies.map((p) => p.name).sort()).toEqual(["aws-least-privilege", "azure-least-privilege", "endpoints", "pair-tagging", "routing-nics", "state-storage"]);
    expect(Object.fromEntries(info.policies.map((p) => [p.name, p.level]))).toEqual(Object.fromEntries(policies.map((p) => [p.name, p.enforcementLevel])));
  });

  it("AnalyzeStack: a clean pair passes; a planted violation comes back at its level", async () => {
    expect(await pack.analyzeStack(awsPair())).toEqual([]);
    // The standby's next-hop interface with source/dest check on: the pair's routes are dropped after a failover.
    const planted = await pack.analyzeStack(change(awsPair(), "b-int", { sourceDestCheck: true }));
    expect(planted.map((d) => ({ policy: d.policy, level: d.level, resource: d.urn.split("::").pop() }))).toEqual([{ policy: "routing-nics", level: "mandatory", resource: "b-int" }]);
    expect(planted[0]!.message).toContain("source/dest check on");
  });

  it("Analyze: a planted bad resource gets over the wire exactly what the pack's resource validations say in-process", async () => {
    // The EC2 endpoint without private DNS: the agent's calls would leave the VPC (or fail).
    const bad = change(awsPair(), "edge-ec2", { privateDnsEnabled: false }).find((spec) => spec.name === "edge-ec2")!;
    const resourcePolicies = policies.filter((policy) => "validateResource" in policy);
    const expected = (await runPolicies(resourcePolicies, [{ ...bad, parent: undefined }])).violations;
    const onTheWire = await pack.analyze(bad);
    expect(onTheWire.map((d) => ({ policy: d.policy, level: d.level, message: d.message }))).toEqual(expected.map((v) => ({ policy: v.policy, level: v.level, message: v.message })));
  });
});
