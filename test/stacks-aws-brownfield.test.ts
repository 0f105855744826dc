// stacks/aws-brownfield under Pulumi mocks, fed by `discover` of a BIG-IP pair as F5's Terraform
// module leaves it; the mock cloud answers the preview reads from the simulated cloud's state.
import { CreateTagsCommand } from "@aws-sdk/client-ec2";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { AwsAgentConfig as AgentConfig } from "../runtime/config/types.js";
import { discoverAws } from "../runtime/discovery/aws/discover-aws.js";
import { createBrownfield, type PairArgsDocument } from "../stacks/aws-brownfield/program.js";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { vpcEndpointDnsNames } from "../sim/ec2/vpc-endpoints.js";
import { F5, f5Fixture, f5TerraformState, type F5Fixture } from "./helpers/f5-terraform-pair.js";
import { PulumiMockHarness, resolve } from "./helpers/pulumi-mocks.js";

let fixture: F5Fixture;
let sim: F5Fixture["sim"];
let clients: F5Fixture["clients"];
beforeAll(async () => {
  fixture = await f5Fixture();
  ({ sim, clients } = fixture);
});
afterAll(() => fixture.stop());

async function discovered() {
  const result = await discoverAws({ componentName: "edge", terraformStateFile: fixture.files.tfstate }, clients);
  return { args: result.documents["pair-args.json"] as PairArgsDocument, config: result.documents["agent-config.json"] as AgentConfig };
}

/** The preview's reads of existing resources, answered from the simulated cloud as it is now. */
function harness(options: { captureProgramErrors?: boolean } = {}) {
  const state = () => sim.world.state;
  const tagList = (tags: Record<string, string>) => Object.entries(tags).map(([Key, Value]) => ({ Key, Value }));
  return new PulumiMockHarness({
    region: "us-west-2",
    existing: { vpcs: { [F5.vpc]: { cidrBlock: "10.1.0.0/16", enableDnsSupport: true, enableDnsHostnames: true } } },
    ...options,
    calls: {
      "aws:cloudcontrol/getResource:getResource": ({ typeName, identifier }) => {
        const eni = state().networkInterfaces[identifier];
        if (typeName !== "AWS::EC2::NetworkInterface" || !eni) throw new Error(`no ${typeName} ${identifier}`);
        return { id: identifier, typeName, identifier, properties: JSON.stringify({ Id: identifier, SourceDestCheck: eni.sourceDestCheck, Tags: tagList(eni.tags) }) };
      },
      "aws:ec2/getElasticIp:getElasticIp": ({ id }) => ({ id, tags: state().addresses[id]!.tags, publicIp: state().addresses[id]!.publicIp }),
      "aws:ec2/getRouteTable:getRouteTable": ({ routeTableId }) => ({ id: routeTableId, routeTableId, tags: state().routeTables[routeTableId]!.tags }),
      "aws:iam/getRole:getRole": ({ name }) => ({ id: name, name, arn: `arn:aws:iam::210987654321:role/${name}` }),
      "aws:ec2/getVpcEndpoint:getVpcEndpoint": ({ id }) => ({ id, dnsEntries: vpcEndpointDnsNames(sim.region, state().vpcEndpoints![id]!).map((dnsName) => ({ dnsName, hostedZoneId: "Z7HUB22UULQXV" })) }),
    },
  });
}

const T = {
  tag: "aws:ec2/tag:Tag",
  sourceDestCheck: "pulumi-nodejs:dynamic/ha-pair:SourceDestCheckOff",
  role: "aws:iam/role:Role",
  profile: "aws:iam/instanceProfile:InstanceProfile",
  rolePolicy: "aws:iam/rolePolicy:RolePolicy",
  bucket: "aws:s3/bucket:Bucket",
};

describe("stacks/aws-brownfield adopting a Terraform-built BIG-IP pair (manage: verify)", () => {
  it("creates nothing Terraform owns: no tag, no source/dest check, no role, no bucket; the agent policy goes on the existing role", async () => {
    const { args, config } = await discovered();
    expect(args.manage).toEqual({ tags: "verify", sourceDestCheck: "verify" });
    const h = harness();
    const { pair } = await h.run(() => createBrownfield({ name: "edge", pairArgs: args }));
    const generated = JSON.parse(await resolve(pair.agentConfig)) as AgentConfig;
    await h.finish();
    // The component generates, from the same IDs, the very config discovery wrote.
    expect(generated).toEqual(config);
    for (const type of [T.tag, T.sourceDestCheck, T.role, T.profile, T.bucket]) expect(h.ofType(type)).toEqual([]);
    expect(h.ofType(T.rolePolicy).map((p) => p.inputs.role)).toEqual([F5.role]);
    expect(await resolve(pair.roleName)).toBe(F5.role);
    // Nothing registered points at a resource the Terraform state holds, but the role's new inline policy and the agent's objects in the bucket.
    const terraformIds = new Set([...Object.values(F5.instances), F5.eip, F5.routeTable, F5.vpc, ...(["a", "b"] as const).flatMap((n) => (["mgmt", "external", "internal"] as const).map((r) => F5.nic(n, r)))]);
    for (const r of h.resources.filter((x) => x.custom)) {
      expect(terraformIds.has(r.id ?? "")).toBe(false);
      expect(terraformIds.has(r.inputs.resourceId ?? r.inputs.networkInterfaceId ?? "")).toBe(false);
    }
    // The preview read every existing interface (tags and source/dest check) instead of writing them.
    const reads = h.invokes.filter((i) => i.token === "aws:cloudcontrol/getResource:getResource").map((i) => i.inputs.identifier);
    expect(new Set(reads)).toEqual(new Set((["a", "b"] as const).flatMap((n) => [F5.nic(n, "external"), F5.nic(n, "internal")])));
  });

  it("a drifted tag fails the preview naming the resource and the fix, before anything is built on it", async () => {
    const { args } = await discovered();
    await clients.ec2.send(new CreateTagsCommand({ Resources: [F5.nic("b", "internal")], Tags: [{ Key: "f5_cloud_failover_nic_map", Value: "inside" }] }));
    try {
      const h = harness({ captureProgramErrors: true });
      const { pair } = await h.run(() => createBrownfield({ name: "edge", pairArgs: args }));
      const error = await resolve(pair.vpcId).then(() => undefined, (e: Error) => e);
      await h.finish();
      expect(error?.message).toContain(`nodes.b.interfaces.internal (${F5.nic("b", "internal")}): tag f5_cloud_failover_nic_map is "inside", expected "internal"`);
      expect(error?.message).toContain(`manage: { tags: "apply" }`);
      expect(h.ofType("aws:ec2/vpcEndpoint:VpcEndpoint")).toEqual([]);
    } finally {
      await clients.ec2.send(new CreateTagsCommand({ Resources: [F5.nic("b", "internal")], Tags: [{ Key: "f5_cloud_failover_nic_map", Value: "internal" }] }));
    }
  });

  it("adopts what no tool owns with the import option and protect: the bucket found by its tag when no Terraform state owns it", async () => {
    const result = await discoverAws({ componentName: "edge", label: "f5-prod" }, clients);
    const args = result.documents["pair-args.json"] as PairArgsDocument;
    expect(args.adopt).toEqual({ s3EndpointId: F5.s3Endpoint, stateBucketName: F5.bucket });
    expect(args.stateBucket).toBeUndefined();
    const h = harness();
    await h.run(() => createBrownfield({ name: "edge", pairArgs: args }));
    await h.finish();
    const bucket = h.get(T.bucket, "edge-state");
    expect(bucket).toMatchObject({ importId: F5.bucket, protect: true, inputs: { bucket: F5.bucket } });
    // Its tags stay its owner's: a differing Name tag would make the import fail.
    expect(bucket.ignoreChanges).toEqual(expect.arrayContaining(["tags", "tagsAll"]));
    // import.json names the same resource, so `pulumi import --file` and the program agree.
    expect(result.documents["import.json"]).toMatchObject({ resources: [{ component: true, name: "edge" }, { name: "edge-s3", id: F5.s3Endpoint, parent: "edge" }, { type: T.bucket, name: "edge-state", id: F5.bucket, parent: "edge" }] });
    // And the console-made S3 endpoint, with the route tables it has; the EC2 endpoint is the stack's own, new one.
    expect(h.get("aws:ec2/vpcEndpoint:VpcEndpoint", "edge-s3")).toMatchObject({ importId: F5.s3Endpoint, protect: true, inputs: { vpcEndpointType: "Gateway", routeTableIds: [F5.subnetsRouteTable] } });
    expect(h.resources.filter((r) => r.importId !== undefined).map((r) => r.name).sort()).toEqual(["edge-s3", "edge-state"]);
  });

  it("reuses Terraform's EC2 endpoint by ID (no tag written) and names it in the config exactly as the component does", async () => {
    const file = join(fixture.files.tfstate, "..", "with-endpoint.tfstate");
    writeFileSync(file, JSON.stringify(f5TerraformState({ withEc2Endpoint: true })));
    const result = await discoverAws({ componentName: "edge", terraformStateFile: file }, clients);
    const args = result.documents["pair-args.json"] as PairArgsDocument;
    const config = result.documents["agent-config.json"] as AgentConfig;
    expect(args.endpoints).toEqual({ ec2EndpointId: F5.ec2Endpoint });
    expect(config.endpoints?.ec2).toMatch(new RegExp(`^https://${F5.ec2Endpoint}-[0-9a-f]{8}\\.ec2\\.us-west-2\\.vpce\\.amazonaws\\.com$`));
    const h = harness();
    const { pair } = await h.run(() => createBrownfield({ name: "edge", pairArgs: args }));
    const generated = JSON.parse(await resolve(pair.agentConfig)) as AgentConfig;
    await h.finish();
    expect(generated).toEqual(config);
    expect(h.ofType("aws:ec2/vpcEndpoint:VpcEndpoint").map((e) => e.name)).toEqual(["edge-s3"]);
    expect(h.ofType(T.tag)).toEqual([]);
  });

  it("with manage: apply the same args write the tags and turn source/dest check off (the greenfield default)", async () => {
    const { args } = await discovered();
    const h = harness();
    await h.run(() => createBrownfield({ name: "edge", pairArgs: { ...args, manage: { tags: "apply", sourceDestCheck: "apply" } } }));
    await h.finish();
    expect(h.ofType(T.tag).length).toBeGreaterThan(0);
    expect(h.ofType(T.sourceDestCheck).map((r) => r.inputs.networkInterfaceId).sort()).toEqual((["a", "b"] as const).flatMap((n) => [F5.nic(n, "external"), F5.nic(n, "internal")]).sort());
  });
});
