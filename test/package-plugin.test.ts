// The component plugin as the engine meets it (`pulumi package add`, then a program in another
// language constructing AwsHaPair): the installed @ha-pair/pulumi launched through @pulumi/pulumi's
// own plugin launcher (cmd/run-plugin, as the Node.js language host runs it), then GetSchema and
// Construct over its gRPC interface against a fake engine.
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { validateConfig } from "../runtime/config/index.js";
import { startFakeEngine, type FakeEngine } from "./helpers/fake-engine.js";
import { packedInstall } from "./helpers/packed.js";
import { existingPairArgs, RecordingMocks } from "./helpers/packed-pair-mocks.js";
import { launchPlugin, type LaunchedPlugin } from "./helpers/pulumi-plugin-launcher.js";

let engine: FakeEngine;
let plugin: LaunchedPlugin;
let pluginDir: string;
const mocks = new RecordingMocks();

beforeAll(async () => {
  pluginDir = (await packedInstall()).installed("@ha-pair/pulumi");
  engine = await startFakeEngine(mocks);
  plugin = await launchPlugin(pluginDir, engine.address);
}, 480_000);

afterAll(async () => {
  await plugin?.stop();
  await engine?.stop();
});

describe("the installed @ha-pair/pulumi as a source-based plugin", () => {
  it("declares itself with PulumiPlugin.yaml (runtime nodejs) and a CommonJS main the launcher can require", () => {
    expect(readFileSync(join(pluginDir, "PulumiPlugin.yaml"), "utf8")).toMatch(/^runtime: nodejs$/m);
    expect(JSON.parse(readFileSync(join(pluginDir, "package.json"), "utf8")).main).toBe("plugin.cjs");
    // It started (beforeAll) with ts-node installed beside it, which the launcher registers.
    expect(existsSync(join(pluginDir, "..", "..", "ts-node", "package.json"))).toBe(true);
  });

  it("GetSchema: AwsHaPair as ha-pair:index:AwsHaPair, its inputs and outputs", async () => {
    const schema = await plugin.getSchema();
    expect(schema.name).toBe("ha-pair");
    expect(schema.version).toBe(JSON.parse(readFileSync(join(pluginDir, "package.json"), "utf8")).version);
    const pair = schema.resources["ha-pair:index:AwsHaPair"];
    expect(pair.isComponent).toBe(true);
    expect(pair.requiredInputs).toEqual(expect.arrayContaining(["label", "nodes", "network"]));
    expect(Object.keys(pair.inputProperties)).toEqual(expect.arrayContaining(["vpc", "vpcId", "secondaryIps", "elasticIps", "routes", "stateBucket", "endpoints"]));
    expect(Object.keys(pair.properties)).toEqual(expect.arrayContaining(["agentConfig", "cfeDeclaration", "roleArn", "instanceProfileName", "bucketName", "policyDocument", "s3EndpointId", "ec2EndpointId"]));
    // Resources of the same program are passed as references to the aws package's resources.
    expect(schema.types["ha-pair:index:AwsHaPairInterfaceArgs"].properties.networkInterface.$ref).toMatch(/\/aws\/v7\.\d+\.\d+\/schema\.json#\/resources\/aws:ec2%2FnetworkInterface:NetworkInterface$/);
  }, 240_000);

  it("GetSchema: AzureHaPair as ha-pair:index:AzureHaPair, its inputs and outputs, same-program resources as azure-native references", async () => {
    const schema = await plugin.getSchema();
    const pair = schema.resources["ha-pair:index:AzureHaPair"];
    expect(pair.isComponent).toBe(true);
    expect(pair.requiredInputs).toEqual(expect.arrayContaining(["label", "nodes", "network", "resourceGroupName", "location"]));
    expect(Object.keys(pair.inputProperties)).toEqual(expect.arrayContaining(["routes", "ipConfigurations", "identity", "storage", "deployerPrincipalId"]));
    expect(Object.keys(pair.properties)).toEqual(expect.arrayContaining(["agentConfig", "cfeDeclaration", "roleDefinitionId", "identityId", "storageAccountName", "containerName", "privateEndpointId"]));
    expect(schema.types["ha-pair:index:AzureHaPairInterfaceArgs"].properties.networkInterface.$ref).toMatch(/\/azure-native\/v3\.\d+\.\d+\/schema\.json#\/resources\/azure-native:network:NetworkInterface$/);
  }, 240_000);

  it("Construct: AwsHaPair registers its children with the engine and its outputs come back", async () => {
    const result = await plugin.construct({ type: "ha-pair:index:AwsHaPair", name: "edge", inputs: existingPairArgs(), monitorEndpoint: engine.address });
    expect(result.urn).toBe("urn:pulumi:stack::project::ha-pair:index:AwsHaPair::edge");
    const config = JSON.parse(result.state.agentConfig);
    const validation = validateConfig(config);
    expect(validation.ok, JSON.stringify(validation)).toBe(true);
    expect(JSON.stringify(config.nodes)).toContain("eni-0b0000000000000e2");
    expect(result.state.roleArn).toMatch(/^arn:aws:iam::123456789012:role\//);
    expect(typeof result.state.bucketName).toBe("string");
    // The children were registered over the wire, under the component.
    const types = mocks.registrations.map((r) => r.type);
    expect(types).toEqual(expect.arrayContaining(["ha-pair:index:AwsHaPair", "aws:s3/bucket:Bucket", "aws:iam/role:Role", "aws:ec2/vpcEndpoint:VpcEndpoint", "aws:s3/bucketObjectv2:BucketObjectv2"]));
    expect([...engine.registered().keys()].filter((urn) => urn.includes("ha-pair:index:AwsHaPair$aws:s3/bucket:Bucket")).length).toBeGreaterThan(0);
    expect(engine.logs.filter((log) => log.severity >= 3)).toEqual([]);
  }, 120_000);
});
