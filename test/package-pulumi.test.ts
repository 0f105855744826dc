// @ha-pair/pulumi as a Pulumi TypeScript program meets it: `npm pack`ed, installed from the tarball
// into a fresh project outside the repository, a program compiled against it with tsc and run
// under Pulumi's mocks.
import { copyFileSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { validateConfig } from "../runtime/config/index.js";
import { packedInstall, ROOT, run, type PackedInstall } from "./helpers/packed.js";
import type { Registration } from "./helpers/packed-pair-mocks.js";

let packed: PackedInstall;
beforeAll(async () => {
  packed = await packedInstall();
}, 420_000);

describe("npm pack of @ha-pair/pulumi", () => {
  it("declares ESM entry points with types, and the Pulumi packages as caret dependencies", () => {
    const pkg = JSON.parse(readFileSync(join(packed.installed("@ha-pair/pulumi"), "package.json"), "utf8"));
    expect(pkg.type).toBe("module");
    expect(pkg.exports["."]).toEqual({ types: "./lib/components/index.d.ts", import: "./lib/components/index.js" });
    expect(pkg.types).toBe("./lib/components/index.d.ts");
    expect(pkg.dependencies["@pulumi/pulumi"]).toMatch(/^\^3\./);
    expect(pkg.dependencies["@pulumi/aws"]).toMatch(/^\^7\./);
  });

  it("holds the compiled components, the contract they import, the agent bundle and the packaging files — no sources, tests or sim", () => {
    const { files } = packed.packages["@ha-pair/pulumi"];
    expect(files).toEqual(
      expect.arrayContaining([
        "PulumiPlugin.yaml",
        "plugin.cjs",
        "package.json",
        "lib/components/index.js",
        "lib/components/index.d.ts",
        "lib/components/aws/ha-pair.js",
        "lib/components/aws/ha-pair.d.ts",
        "lib/runtime/config/index.js",
        "lib/runtime/config/agent-config.schema.json",
        "lib/dist/ha-pair-agent.cjs",
        "lib/packaging/systemd/ha-pair-agent.service",
        "lib/packaging/triggers/keepalived-notify-master",
        "lib/schema/index.ts",
        "lib/schema/tsconfig.json",
      ]),
    );
    // TypeScript only as declarations (and the schema entry the plugin's host analyzes).
    expect(files.filter((path) => /\.ts$/.test(path) && !/\.d\.ts$/.test(path))).toEqual(["lib/schema/index.ts"]);
    expect(files.filter((path) => /(^|\/)(test|sim|tools|bench|stacks|policies)\//.test(path) || /^lib\/runtime\/(cli|server|core\/(?!operations))/.test(path))).toEqual([]);
    // The bundle delivery uploads is the one this checkout built.
    expect(readFileSync(join(packed.installed("@ha-pair/pulumi"), "lib/dist/ha-pair-agent.cjs"))).toEqual(readFileSync(join(ROOT, "dist/ha-pair-agent.cjs")));
  });
});

/** What the compiled program prints: the component's outputs and every registration the mocks saw. */
interface ProgramResult {
  agentConfig: string;
  bundlePath: string;
  tags: Record<string, string>;
  registrations: Registration[];
}

const PROGRAM = `
import * as pulumi from "@pulumi/pulumi";
import type { AwsHaPairArgs } from "@ha-pair/pulumi";
import { RecordingMocks, existingPairArgs } from "./mocks.js";

declare const console: { log(text: string): void };
declare function setTimeout(callback: () => void, ms: number): unknown;

const mocks = new RecordingMocks();
pulumi.runtime.setMocks(mocks, "project", "stack", false);
// After setMocks: the component's resources register with the mock monitor.
const { AwsHaPair, pairTags } = await import("@ha-pair/pulumi");

const args: AwsHaPairArgs = existingPairArgs();
const pair = new AwsHaPair("edge", args);
const agentConfig = await new Promise<string>((resolve) => pair.agentConfig.apply(resolve));
// Let the registrations still in flight land.
await new Promise((resolve) => setTimeout(() => resolve(undefined), 500));
const bundle = mocks.registrations.find((r) => r.type === "aws:s3/bucketObjectv2:BucketObjectv2" && String(r.inputs.key).endsWith("/ha-pair-agent.cjs"));
const bundlePath: string = bundle ? await (bundle.inputs.source as pulumi.asset.FileAsset).path : "";
const registrations = mocks.registrations.map(({ type, name, id, inputs }) => ({ type, name, id, inputs: type.includes("bucketObject") ? { key: inputs.key, content: inputs.content } : inputs }));
console.log(JSON.stringify({ agentConfig, bundlePath, tags: pairTags("edge", { role: "external" }), registrations }));
`;

describe("a TypeScript program against the installed @ha-pair/pulumi", () => {
  let result: ProgramResult;
  beforeAll(async () => {
    const app = packed.app;
    writeFileSync(join(app, "program.ts"), PROGRAM);
    copyFileSync(join(ROOT, "test/helpers/packed-pair-mocks.ts"), join(app, "mocks.ts"));
    writeFileSync(
      join(app, "tsconfig.json"),
      JSON.stringify({ compilerOptions: { target: "ES2022", module: "NodeNext", moduleResolution: "NodeNext", strict: true, skipLibCheck: true, types: [], outDir: "out" }, files: ["program.ts"] }),
    );
    const tsc = await run(process.execPath, [join(app, "node_modules/typescript/bin/tsc"), "-p", app], app);
    expect(tsc.code, `tsc against the installed package failed:\n${tsc.stdout}${tsc.stderr}`).toBe(0);
    const program = await run(process.execPath, [join(app, "out/program.js")], app);
    expect(program.code, program.stderr).toBe(0);
    result = JSON.parse(program.stdout.trim().split("\n").pop()!);
  }, 240_000);

  it("AwsHaPair registers its children: endpoints, state bucket, role, source/dest check, the agent's objects", () => {
    const types = new Set(result.registrations.map((r) => r.type));
    for (const type of [
      "ha-pair:index:AwsHaPair",
      "aws:ec2/vpcEndpoint:VpcEndpoint",
      "aws:s3/bucket:Bucket",
      "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock",
      "aws:iam/role:Role",
      "aws:iam/instanceProfile:InstanceProfile",
      "pulumi-nodejs:dynamic/ha-pair:SourceDestCheckOff",
      "aws:s3/bucketObjectv2:BucketObjectv2",
    ]) {
      expect(types, type).toContain(type);
    }
    // The routing interfaces (internal, on both nodes) are among those whose check is turned off.
    const sdc = result.registrations.filter((r) => r.type === "pulumi-nodejs:dynamic/ha-pair:SourceDestCheckOff").map((r) => r.inputs.networkInterfaceId);
    expect(sdc).toEqual(expect.arrayContaining(["eni-0a0000000000000e2", "eni-0b0000000000000e2"]));
  });

  it("outputs a valid agent config naming the pair's own resources", () => {
    const validation = validateConfig(JSON.parse(result.agentConfig));
    expect(validation.ok, JSON.stringify(validation)).toBe(true);
    const config = JSON.parse(result.agentConfig);
    expect(config.label).toBe("edge");
    for (const id of ["i-0a000000000000001", "i-0b000000000000001", "eni-0a0000000000000e1", "eni-0b0000000000000e2"]) expect(JSON.stringify(config.nodes)).toContain(id);
    expect(JSON.stringify(config)).toContain("rtb-0000000000000000a");
  });

  it("uploads the bundle and the systemd unit shipped in the package, not the fallback", () => {
    expect(result.bundlePath).toBe(join(packed.installed("@ha-pair/pulumi"), "lib/dist/ha-pair-agent.cjs"));
    const unit = result.registrations.find((r) => r.type === "aws:s3/bucketObjectv2:BucketObjectv2" && String(r.inputs.key).endsWith("/ha-pair-agent.service"));
    expect(unit?.inputs.content).toBe(readFileSync(join(ROOT, "packaging/systemd/ha-pair-agent.service"), "utf8"));
  });

  it("exports the helpers with their types", () => {
    expect(result.tags).toMatchObject({ f5_cloud_failover_label: "edge", f5_cloud_failover_nic_map: "external" });
  });
});
