// stacks/aws-greenfield under Pulumi mocks, in both modes: the whole pair as declared, wired to AwsHaPair.
import { describe, expect, it } from "vitest";
import { validateConfig } from "../runtime/config/index.js";
import { createGreenfield, type GreenfieldMode } from "../stacks/aws-greenfield/program.js";
import { PulumiMockHarness, resolve } from "./helpers/pulumi-mocks.js";

// One program run per mode, shared by the tests of that mode (each run takes seconds on a busy machine).
const runs = new Map<GreenfieldMode, ReturnType<typeof build>>();
function greenfield(mode: GreenfieldMode) {
  if (!runs.has(mode)) runs.set(mode, build(mode));
  return runs.get(mode)!;
}

async function build(mode: GreenfieldMode) {
  const h = new PulumiMockHarness();
  const stack = await h.run(() => createGreenfield({ label: "gf", mode }));
  const config = JSON.parse(await resolve(stack.pair.agentConfig));
  const policy = JSON.parse(await resolve(stack.pair.policyDocument));
  await h.finish();
  return { h, stack, config, policy };
}

const ENI = "aws:ec2/networkInterface:NetworkInterface";
const byName = (h: PulumiMockHarness, type: string, name: string) => h.get(type, name);

describe.each(["same-az", "across-az"] as const)("aws-greenfield (%s)", (mode) => {
  it("builds a VPC with DNS on, the node subnets in the right AZs, no NAT and no public IP on launch", async () => {
    const { h } = await greenfield(mode);
    expect(byName(h, "aws:ec2/vpc:Vpc", "ha-gf-vpc").inputs).toMatchObject({ cidrBlock: "10.0.0.0/16", enableDnsSupport: true, enableDnsHostnames: true });
    const subnets = h.ofType("aws:ec2/subnet:Subnet");
    expect(subnets).toHaveLength(mode === "same-az" ? 4 : 8);
    expect(subnets.every((s) => s.inputs.mapPublicIpOnLaunch === false)).toBe(true);
    expect(new Set(subnets.map((s) => s.inputs.availabilityZone))).toEqual(new Set(mode === "same-az" ? ["us-east-1a"] : ["us-east-1a", "us-east-1b"]));
    expect(h.ofType("aws:ec2/natGateway:NatGateway")).toHaveLength(0);
    expect(h.ofType("aws:ec2/instance:Instance").every((i) => i.inputs.associatePublicIpAddress === undefined)).toBe(true);
  });

  it("gives each node mgmt/external/internal interfaces: pair tags in their own args, source/dest check off on the data ones, no public IP on the data path", async () => {
    const { h } = await greenfield(mode);
    const enis = h.ofType(ENI);
    expect(enis).toHaveLength(6);
    for (const eni of enis) {
      const [, , node, role] = eni.name.split("-");
      expect(eni.inputs.tags).toMatchObject({ f5_cloud_failover_label: "gf", f5_cloud_failover_nic_map: role });
      expect(eni.inputs.sourceDestCheck).toBe(role === "mgmt");
      expect(eni.ignoreChanges).toEqual(expect.arrayContaining(["privateIpLists", "privateIps"]));
      expect(eni.state.privateIp).toBe(`10.0.${(node === "b" && mode === "across-az" ? 16 : 0) + ["mgmt", "external", "internal"].indexOf(role!)}.${node === "a" ? 11 : 12}`);
    }
    // Owned resources are never tagged a second time by aws.ec2.Tag (a perpetual diff).
    expect(h.ofType("aws:ec2/tag:Tag")).toHaveLength(0);
    expect(h.ofType("pulumi-nodejs:dynamic/ha-pair:SourceDestCheckOff")).toHaveLength(0);
    // The only EIPs: the pair's failover EIP on the external side, and one per management interface.
    const dataEnis = new Set(enis.filter((e) => !e.name.endsWith("-mgmt")).map((e) => e.id));
    const eips = h.ofType("aws:ec2/eip:Eip");
    expect(eips.filter((e) => dataEnis.has(e.inputs.networkInterface)).map((e) => e.name)).toEqual([mode === "same-az" ? "ha-gf-vip" : "ha-gf-service"]);
    expect(eips.filter((e) => !dataEnis.has(e.inputs.networkInterface)).map((e) => e.name).sort()).toEqual(["ha-gf-a-mgmt", "ha-gf-b-mgmt"]);
  });

  it("starts the pair on node a: the moving addresses and the app route, with ignoreChanges so `up` never undoes a failover", async () => {
    const { h } = await greenfield(mode);
    const aExt = byName(h, ENI, "ha-gf-a-external");
    const aInt = byName(h, ENI, "ha-gf-a-internal");
    expect(aExt.inputs.privateIpLists).toEqual(mode === "same-az" ? ["10.0.1.11", "10.0.1.100"] : ["10.0.1.11"]);
    expect(byName(h, ENI, "ha-gf-b-external").inputs.privateIpLists).toEqual([mode === "same-az" ? "10.0.1.12" : "10.0.17.12"]);
    const eip = h.ofType("aws:ec2/eip:Eip").find((e) => e.inputs.networkInterface === aExt.id)!;
    expect(eip.inputs.associateWithPrivateIp).toBe(mode === "same-az" ? "10.0.1.100" : "10.0.1.11");
    expect(eip.inputs.tags.f5_cloud_failover_label).toBe("gf");
    expect(eip.ignoreChanges).toEqual(expect.arrayContaining(["networkInterface", "associateWithPrivateIp"]));
    const route = byName(h, "aws:ec2/route:Route", "ha-gf-app-default");
    expect(route.inputs).toMatchObject({ destinationCidrBlock: "0.0.0.0/0", networkInterfaceId: aInt.id, routeTableId: byName(h, "aws:ec2/routeTable:RouteTable", "ha-gf-app").id });
    expect(route.ignoreChanges).toEqual(["networkInterfaceId"]);
    expect(byName(h, "aws:ec2/routeTable:RouteTable", "ha-gf-app").inputs.tags.f5_cloud_failover_label).toBe("gf");
  });

  it("launches the nodes with the pair's instance profile, IMDSv2 only, and user data that installs keepalived and the agent", async () => {
    const { h, stack } = await greenfield(mode);
    const profile = byName(h, "aws:iam/instanceProfile:InstanceProfile", "ha-gf-agent").state.name;
    for (const node of ["a", "b"] as const) {
      const instance = byName(h, "aws:ec2/instance:Instance", `ha-gf-${node}`);
      expect(instance.inputs.iamInstanceProfile).toBe(profile);
      expect(instance.inputs.primaryNetworkInterface).toEqual({ networkInterfaceId: byName(h, ENI, `ha-gf-${node}-mgmt`).id });
      expect(instance.inputs.metadataOptions).toMatchObject({ httpTokens: "required", httpPutResponseHopLimit: 1 });
      expect(instance.inputs.ami).toMatch(/^ami-0[0-9a-f]{16}$/);
      const userData: string = instance.inputs.userData;
      expect(userData).toContain("apt-get install -yq keepalived nodejs curl");
      expect(userData).toContain(`HA_PAIR_BUCKET='${await resolve(stack.pair.bucketName)}'`);
      expect(userData).toContain('notify_master "/opt/ha-pair/triggers/keepalived-notify-master"');
      expect(userData).toContain(`unicast_peer {\n        10.0.${node === "a" && mode === "across-az" ? 16 : 0}.${node === "a" ? 12 : 11}`);
      expect(userData.includes("virtual_ipaddress")).toBe(mode === "same-az");
      const attachments = h.ofType("aws:ec2/networkInterfaceAttachment:NetworkInterfaceAttachment").filter((a) => a.inputs.instanceId === instance.id);
      expect(attachments.map((a) => [a.inputs.deviceIndex, a.inputs.networkInterfaceId])).toEqual([
        [1, byName(h, ENI, `ha-gf-${node}-external`).id],
        [2, byName(h, ENI, `ha-gf-${node}-internal`).id],
      ]);
    }
  });

  it("generates an agent config naming the mocked resources' exact IDs, which validates", async () => {
    const { h, config } = await greenfield(mode);
    expect(validateConfig(config).ok).toBe(true);
    const id = (type: string, name: string) => byName(h, type, name).id;
    for (const node of ["a", "b"] as const) {
      expect(config.nodes[node]).toEqual({
        instanceId: id("aws:ec2/instance:Instance", `ha-gf-${node}`),
        interfaces: Object.fromEntries(["mgmt", "external", "internal"].map((role) => [role, { id: id(ENI, `ha-gf-${node}-${role}`) }])),
      });
    }
    const eip = h.ofType("aws:ec2/eip:Eip").find((e) => e.name === "ha-gf-vip" || e.name === "ha-gf-service")!;
    expect(config.addresses).toEqual({
      ...(mode === "same-az" ? { secondaryIps: [{ role: "external", ips: ["10.0.1.100"] }] } : {}),
      elasticIps: [
        {
          allocationId: eip.id,
          publicIp: eip.state.publicIp,
          role: "external",
          privateIp: mode === "same-az" ? { a: "10.0.1.100", b: "10.0.1.100" } : { a: "10.0.1.11", b: "10.0.17.12" },
        },
      ],
    });
    expect(config.routes).toEqual([{ routeTableId: id("aws:ec2/routeTable:RouteTable", "ha-gf-app"), destinations: ["0.0.0.0/0"], nextHop: { role: "internal" } }]);
    expect(config.stateStore).toEqual({ type: "s3", bucket: h.ofType("aws:s3/bucket:Bucket")[0]!.state.bucket, key: "ha-pair/gf/state.json" });
    expect(config.agent.reconcile.roleCommand).toEqual(["/usr/bin/systemctl", "is-active", "--quiet", "keepalived"]);
    expect(config.nodes.a.instanceId).toMatch(/^i-0[0-9a-f]{16}$/);
  });

  it("puts the S3 gateway endpoint on the management route table and the EC2 endpoint in the management subnets", async () => {
    const { h } = await greenfield(mode);
    const mgmtRt = byName(h, "aws:ec2/routeTable:RouteTable", "ha-gf-mgmt");
    expect(byName(h, "aws:ec2/vpcEndpoint:VpcEndpoint", "ha-gf-s3").inputs.routeTableIds).toEqual([mgmtRt.id]);
    const mgmtSubnets = h.ofType("aws:ec2/subnet:Subnet").filter((s) => s.name.includes("-mgmt-"));
    expect(byName(h, "aws:ec2/vpcEndpoint:VpcEndpoint", "ha-gf-ec2").inputs.subnetIds).toEqual(mgmtSubnets.map((s) => s.id));
    expect(byName(h, "aws:ec2/securityGroup:SecurityGroup", "ha-gf-endpoints").inputs.ingress[0].cidrBlocks).toEqual(mgmtSubnets.map((s) => s.inputs.cidrBlock));
  });
});

describe("aws-greenfield policy (same-az)", () => {
  it("is exactly the pair's external interfaces (where the VIP and the EIP move), one EIP and the app route table, in us-east-1 of account 123456789012", async () => {
    const { h, policy } = await greenfield("same-az");
    const arn = (type: string, id: string) => `arn:aws:ec2:us-east-1:123456789012:${type}/${id}`;
    // The internal interfaces are route next hops only: ReplaceRoute is authorized on the route table.
    const enis = h.ofType(ENI).filter((e) => e.name.endsWith("-external")).map((e) => arn("network-interface", e.id!)).sort();
    expect(enis).toHaveLength(2);
    const eip = h.ofType("aws:ec2/eip:Eip").find((e) => e.name === "ha-gf-vip")!;
    const bucket = h.ofType("aws:s3/bucket:Bucket")[0]!.state.bucket;
    const condition = { StringEquals: { "aws:ResourceTag/f5_cloud_failover_label": "gf" } };
    expect(policy.Statement.slice(0, 3)).toEqual([
      { Sid: "PairOnlyAssignPrivateIpAddresses", Effect: "Allow", Action: ["ec2:AssignPrivateIpAddresses"], Resource: enis, Condition: condition },
      { Sid: "PairOnlyAssociateAddress", Effect: "Allow", Action: ["ec2:AssociateAddress"], Resource: [arn("elastic-ip", eip.id!), ...enis], Condition: condition },
      { Sid: "PairOnlyReplaceRoute", Effect: "Allow", Action: ["ec2:ReplaceRoute"], Resource: [arn("route-table", byName(h, "aws:ec2/routeTable:RouteTable", "ha-gf-app").id!)], Condition: condition },
    ]);
    expect(policy.Statement.find((s: { Sid: string }) => s.Sid === "StateObject").Resource).toBe(`arn:aws:s3:::${bucket}/ha-pair/gf/state.json`);
    if (process.env.PRINT_POLICY) console.log(JSON.stringify(policy, null, 2));
  });
});
