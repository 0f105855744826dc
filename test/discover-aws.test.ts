import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { AwsAgentConfig as AgentConfig, NodeId } from "../runtime/config/types.js";
import { validateConfig } from "../runtime/config/validate.js";
import { failover } from "../runtime/core/executor.js";
import { discoverAws } from "../runtime/discovery/aws/discover-aws.js";
import type { OwnershipDocument } from "../runtime/discovery/aws/ownership.js";
import { checkImportFile, type ImportFile } from "../runtime/discovery/import-file.js";
import type { DiscoveryOptions, DiscoveryResult } from "../runtime/discovery/types.js";
import { agentOn, holderInCloud } from "./helpers/aws-sim.js";
import { F5, F5_LABEL, f5ExpectedConfig, f5Fixture, type F5Fixture } from "./helpers/f5-terraform-pair.js";

let fixture: F5Fixture;
let sim: F5Fixture["sim"];
let files: F5Fixture["files"];
beforeAll(async () => {
  fixture = await f5Fixture();
  ({ sim, files } = fixture);
});
afterAll(() => fixture.stop());

const discover = (options: Omit<DiscoveryOptions, "componentName">): Promise<DiscoveryResult> => discoverAws({ componentName: "edge", ...options }, fixture.clients);
const configOf = (result: DiscoveryResult) => result.documents["agent-config.json"] as AgentConfig;

describe("discover aws: a BIG-IP pair as F5's Terraform module leaves it", () => {
  it("finds the same pair from the tags alone, from the CFE declaration and from the Terraform state (both formats)", async () => {
    const byTags = await discover({ label: F5_LABEL });
    const byCfe = await discover({ cfeFile: files.cfe });
    const byState = await discover({ terraformStateFile: files.tfstate });
    const byShowJson = await discover({ terraformStateFile: files.showJson });
    const expected = f5ExpectedConfig();
    // The management interfaces carry no CFE tags, the route at the VPN appliance is left alone.
    expect(configOf(byTags)).toEqual(expected);
    expect(configOf(byCfe)).toEqual(expected);
    expect(configOf(byState)).toEqual(expected);
    expect(configOf(byShowJson)).toEqual(expected);
    expect(validateConfig(expected).ok).toBe(true);
  });

  it("a failover with the discovered config converges both ways", async () => {
    const discovered = configOf(await discover({ cfeFile: files.cfe }));
    // A shell points the SDK at the sim with AWS_ENDPOINT_URL; in-process the config says it.
    const config: AgentConfig = { ...discovered, endpoints: { ec2: sim.endpoint, s3: sim.endpoint } };
    const run = async (to: NodeId) => {
      const { provider, recorder } = agentOn(sim, to, config);
      return failover(config, to, provider, { recorder });
    };
    expect(await holderInCloud(sim, config)).toBe("a");
    expect(await run("b")).toMatchObject({ converged: true, activeNode: "b" });
    expect(await holderInCloud(sim, config)).toBe("b");
    for (const ip of F5.floating) expect(sim.world.whereIsPrivateIp(ip)).toBe(F5.nic("b", "external"));
    // Discovery after the failover finds the same pair (node a stays a: Name tag order, not who is active).
    expect(configOf(await discover({ label: F5_LABEL }))).toEqual(discovered);
    expect(await run("a")).toMatchObject({ converged: true, activeNode: "a" });
    expect(await holderInCloud(sim, config)).toBe("a");
    expect(sim.world.whereIsPrivateIp(F5.ownVip.b)).toBe(F5.nic("b", "external"));
  });

  it("import.json passes the `pulumi import --file` check and parents the adopted resources to the component", async () => {
    const result = await discover({ terraformStateFile: files.tfstate });
    const importFile = result.documents["import.json"] as ImportFile;
    expect(checkImportFile(importFile)).toEqual([]);
    expect(importFile.resources[0]).toEqual({ type: "ha-pair:index:AwsHaPair", name: "edge", component: true });
    // Terraform owns the bucket: it is used as is, never imported into a second owner; the S3
    // endpoint made in the console (found by its label tag) is adopted under the component's name for it.
    expect(importFile.resources.slice(1)).toEqual([{ type: "aws:ec2/vpcEndpoint:VpcEndpoint", name: "edge-s3", id: F5.s3Endpoint, parent: "edge" }]);
    const byTags = (await discover({ label: F5_LABEL })).documents["import.json"] as ImportFile;
    expect(checkImportFile(byTags)).toEqual([]);
    expect(byTags.resources).toContainEqual({ type: "aws:s3/bucket:Bucket", name: "edge-state", id: F5.bucket, parent: "edge" });
  });

  it("pair-args.json names every resource by ID, verifies what Terraform owns and adds only a policy to the existing role", async () => {
    const args = (await discover({ terraformStateFile: files.tfstate })).documents["pair-args.json"] as Record<string, unknown>;
    expect(args).toMatchObject({
      label: F5_LABEL,
      region: "us-west-2",
      vpcId: F5.vpc,
      nodes: { a: { instanceId: F5.instances.a, interfaces: { external: { networkInterfaceId: F5.nic("a", "external"), privateIp: "10.1.1.11" } } } },
      stateBucket: { existingBucketName: F5.bucket },
      manage: { tags: "verify", sourceDestCheck: "verify" },
      existingRoleName: F5.role,
      network: { nodeRouteTableIds: [F5.subnetsRouteTable], endpointSubnetIds: [F5.subnets.external], nodeSubnetCidrs: ["10.1.1.0/24", "10.1.2.0/24"] },
    });
  });

  it("ownership.json says Terraform sets the tags, source/dest check and floating IPs, and which ignore_changes keep the two tools apart", async () => {
    const ownership = (await discover({ terraformStateFile: files.tfstate })).documents["ownership.json"] as OwnershipDocument;
    const of = (resource: string, attribute: string) => ownership.attributes.find((a) => a.resource === resource && a.attribute === attribute);
    expect(of(F5.nic("a", "external"), "tags.f5_cloud_failover_label")).toMatchObject({ owner: "terraform", terraformAddress: "module.bigip[0].aws_network_interface.public[0]" });
    expect(of(F5.nic("b", "internal"), "sourceDestCheck")).toMatchObject({ owner: "terraform", haPair: "verifies at preview" });
    expect(of(F5.routeTable, "route 0.0.0.0/0")).toMatchObject({ owner: "terraform", terraformAddress: "aws_route.default", haPair: "moves at failover" });
    const lifecycle = Object.fromEntries(ownership.terraform.lifecycle.map((l) => [l.address, l.ignoreChanges]));
    expect(lifecycle).toEqual({
      "module.bigip[0].aws_network_interface.public[0]": ["private_ips", "private_ips_count"],
      "module.bigip[1].aws_network_interface.public[0]": ["private_ips", "private_ips_count"],
      "aws_eip.vip": ["network_interface", "associate_with_private_ip"],
      "aws_route.default": ["network_interface_id"],
      "aws_route.onprem": ["network_interface_id"],
      // The role declares its inline policies: it would delete the agent's.
      "aws_iam_role.cfe": ["inline_policy"],
    });
    expect(ownership.terraform.lifecycle.find((l) => l.address === "aws_route.default")?.hcl).toBe("lifecycle {\n  ignore_changes = [network_interface_id]\n}");
    // With the declaration, CFE is who moves the floating attributes today.
    const withCfe = (await discover({ cfeFile: files.cfe, terraformStateFile: files.tfstate })).documents["ownership.json"] as OwnershipDocument;
    expect(withCfe.attributes.find((a) => a.resource === F5.eip && a.attribute === "association")?.owner).toBe("cfe");
  });
});
