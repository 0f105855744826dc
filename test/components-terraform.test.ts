import { describe, expect, it } from "vitest";
import { AwsHaPair, awsHaPairArgsFromTerraform } from "../components/index.js";
import { PulumiMockHarness, resolve } from "./helpers/pulumi-mocks.js";

const VPC = "vpc-0f500000000000001";
const nic = (n: string) => `eni-0f5000000000000${n}`;
const haPairOutput = {
  label: "f5-prod",
  region: "us-west-2",
  vpc_id: VPC,
  nodes: {
    a: { instance_id: "i-0f5000000000000a1", interfaces: { external: { id: nic("a2"), private_ip: "10.1.1.11" }, internal: { id: nic("a3"), private_ip: "10.1.2.11" } } },
    b: { instance_id: "i-0f5000000000000b1", interfaces: { external: { id: nic("b2"), private_ip: "10.1.1.12" }, internal: { id: nic("b3"), private_ip: "10.1.2.12" } } },
  },
  secondary_ips: [{ role: "external", ips: ["10.1.1.100"] }],
  elastic_ips: [],
  routes: [{ route_table_id: "rtb-0f500000000000001", destinations: ["0.0.0.0/0"], next_hop_role: "internal" }],
  node_route_table_ids: ["rtb-0f500000000000002"],
  endpoint_subnet_ids: ["subnet-0f500000000000002"],
  node_subnet_cidrs: ["10.1.1.0/24", "10.1.2.0/24"],
  state_bucket: "f5-prod-cfe-state",
  role_name: "f5-prod-bigip-cfe",
};

function harness(outputs: Record<string, unknown>) {
  return new PulumiMockHarness({
    region: "us-west-2",
    existing: { vpcs: { [VPC]: { enableDnsSupport: true, enableDnsHostnames: true } } },
    calls: {
      "terraform:state:getLocalReference": () => ({ outputs }),
      "terraform:state:getS3Reference": () => ({ outputs }),
      "aws:cloudcontrol/getResource:getResource": ({ identifier }) => ({ properties: JSON.stringify({ SourceDestCheck: false, Tags: [{ Key: "f5_cloud_failover_label", Value: "f5-prod" }, { Key: "f5_cloud_failover_nic_map", Value: identifier.endsWith("2") ? "external" : "internal" }] }) }),
      "aws:ec2/getRouteTable:getRouteTable": ({ routeTableId }) => ({ id: routeTableId, tags: { f5_cloud_failover_label: "f5-prod" } }),
      "aws:iam/getRole:getRole": ({ name }) => ({ id: name, name, arn: `arn:aws:iam::123456789012:role/${name}` }),
    },
  });
}

describe("awsHaPairArgsFromTerraform: the component's args from a Terraform state's ha_pair output", () => {
  it("reads the output through the state reference and adopts without writing what Terraform owns", async () => {
    const h = harness({ ha_pair: haPairOutput, other: "x" });
    const config = await h.run(async () => {
      const args = await awsHaPairArgsFromTerraform({ backend: "local", path: "../bigip/terraform.tfstate" });
      expect(args).toMatchObject({ vpcId: VPC, existingRoleName: "f5-prod-bigip-cfe", stateBucket: { existingBucketName: "f5-prod-cfe-state" }, manage: { tags: "verify", sourceDestCheck: "verify" } });
      return JSON.parse(await resolve(new AwsHaPair("edge", args).agentConfig));
    });
    await h.finish();
    expect(h.invokes.find((i) => i.token === "terraform:state:getLocalReference")?.inputs).toEqual({ path: "../bigip/terraform.tfstate" });
    expect(config).toMatchObject({
      label: "f5-prod",
      nodes: { a: { instanceId: "i-0f5000000000000a1", interfaces: { external: { id: nic("a2") } } } },
      addresses: { secondaryIps: [{ role: "external", ips: ["10.1.1.100"] }] },
      stateStore: { bucket: "f5-prod-cfe-state" },
    });
    expect(h.ofType("aws:ec2/tag:Tag")).toEqual([]);
    expect(h.ofType("aws:iam/role:Role")).toEqual([]);
  });

  it("a state without the output, or with an incomplete one, names the state and the snippet to add", async () => {
    const h = harness({ vpc_id: VPC });
    await h.run(async () => {
      await expect(awsHaPairArgsFromTerraform({ backend: "s3", bucket: "tfstate", key: "bigip/terraform.tfstate", region: "us-west-2" })).rejects.toThrow(
        'S3 state s3://tfstate/bigip/terraform.tfstate has no output "ha_pair" (it has: vpc_id); add docs/terraform/f5-bigip-ha-pair-outputs.tf',
      );
    });
    const partial = harness({ ha_pair: { ...haPairOutput, nodes: { a: haPairOutput.nodes.a }, node_subnet_cidrs: undefined } });
    await partial.run(async () => {
      await expect(awsHaPairArgsFromTerraform({ backend: "local" })).rejects.toThrow('local state terraform.tfstate: output "ha_pair" lacks node_subnet_cidrs, nodes.b.instance_id, nodes.b.interfaces');
    });
    await h.finish();
    await partial.finish();
  });
});
