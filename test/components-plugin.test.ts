// PulumiPlugin.yaml: the component provider host can analyze the components' source and produce
// the package schema other languages' SDKs are generated from.
import { execFile } from "node:child_process";
import { readFileSync } from "node:fs";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";
import { PLUGIN_OPTIONS } from "../components/plugin.js";

/**
 * The host's analysis builds a TypeScript program of the components (a minute of synchronous
 * work with @pulumi/aws's types): run it in a child process so the test worker stays responsive.
 * The host needs the component classes only for their names; it reads everything else from source.
 */
async function generatedSchema(): Promise<any> {
  const script = `
    import * as pulumi from "@pulumi/pulumi";
    import { ComponentProvider } from "@pulumi/pulumi/provider/experimental/index.js";
    class AwsHaPair extends pulumi.ComponentResource {}
    const schema = await new ComponentProvider({ name: ${JSON.stringify(PLUGIN_OPTIONS.name)}, dirname: ${JSON.stringify(PLUGIN_OPTIONS.dirname)}, components: [AwsHaPair] }).getSchema();
    process.stdout.write(schema);`;
  const { stdout } = await promisify(execFile)(process.execPath, ["--input-type=module", "-e", script], { cwd: new URL("..", import.meta.url).pathname, maxBuffer: 64 * 1024 * 1024 });
  return JSON.parse(stdout);
}

describe("the ha-pair component plugin", () => {
  it("is declared at the repository root and serves components/provider.ts", () => {
    const manifest = readFileSync(new URL("../PulumiPlugin.yaml", import.meta.url), "utf8");
    expect(manifest).toMatch(/^runtime: nodejs$/m);
    expect(manifest).toMatch(/^main: components\/provider\.ts$/m);
  });

  it("generates a schema with AwsHaPair as ha-pair:index:AwsHaPair, its inputs and outputs", async () => {
    expect(PLUGIN_OPTIONS.components.map((c) => c.name)).toEqual(["AwsHaPair"]);
    const schema = await generatedSchema();
    expect(schema.name).toBe("ha-pair");
    const pair = schema.resources["ha-pair:index:AwsHaPair"];
    expect(pair.isComponent).toBe(true);
    expect(pair.requiredInputs).toEqual(expect.arrayContaining(["label", "nodes", "network"]));
    expect(Object.keys(pair.inputProperties)).toEqual(expect.arrayContaining(["vpc", "vpcId", "secondaryIps", "elasticIps", "routes", "stateBucket", "endpoints"]));
    expect(Object.keys(pair.properties)).toEqual(expect.arrayContaining(["agentConfig", "cfeDeclaration", "roleArn", "instanceProfileName", "bucketName", "policyDocument", "s3EndpointId", "ec2EndpointId"]));
    // Resources of the same program are passed as references to the aws package's resources.
    expect(schema.types["ha-pair:index:AwsHaPairInterfaceArgs"].properties.networkInterface.$ref).toMatch(/\/aws\/v7\.\d+\.\d+\/schema\.json#\/resources\/aws:ec2%2FnetworkInterface:NetworkInterface$/);
  }, 240_000);
});
