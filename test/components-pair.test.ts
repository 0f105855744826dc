// AwsHaPair under Pulumi mocks: what it creates, how, with which tags, and how it refuses bad input.
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { describe, expect, it } from "vitest";
import { AwsHaPair, pairTags, type AwsHaPairArgs } from "../components/index.js";
import { validateConfig } from "../runtime/config/index.js";
import { PulumiMockHarness, resolve, type MockCloudOptions } from "./helpers/pulumi-mocks.js";

const VPC = "vpc-0123456789abcdef0";
const ENI = { a: { external: "eni-0a0000000000000e1", internal: "eni-0a0000000000000e2", mgmt: "eni-0a0000000000000e0" }, b: { external: "eni-0b0000000000000e1", internal: "eni-0b0000000000000e2", mgmt: "eni-0b0000000000000e0" } };
const INSTANCE = { a: "i-0a000000000000001", b: "i-0b000000000000001" };
const EIP = "eipalloc-0000000000000000e";
const RTB = "rtb-0000000000000000a";
const NODE_RTB = "rtb-0000000000000000b";

const existing: NonNullable<MockCloudOptions["existing"]> = {
  vpcs: { [VPC]: { cidrBlock: "10.0.0.0/16", enableDnsSupport: true, enableDnsHostnames: true } },
  networkInterfaces: {
    [ENI.a.external]: { privateIp: "10.0.1.11" },
    [ENI.b.external]: { privateIp: "10.0.1.12" },
    [ENI.a.internal]: { privateIp: "10.0.2.11" },
    [ENI.b.internal]: { privateIp: "10.0.2.12" },
  },
};

/** A brownfield pair: everything exists already and is given by ID. */
function existingPairArgs(overrides: Partial<AwsHaPairArgs> = {}): AwsHaPairArgs {
  const node = (n: "a" | "b") => ({
    instanceId: INSTANCE[n],
    interfaces: { mgmt: { networkInterfaceId: ENI[n].mgmt }, external: { networkInterfaceId: ENI[n].external }, internal: { networkInterfaceId: ENI[n].internal } },
  });
  return {
    label: "edge",
    vpcId: VPC,
    nodes: { a: node("a"), b: node("b") },
    secondaryIps: [{ role: "external", ips: ["10.0.1.100", "10.0.1.101"] }],
    elasticIps: [{ allocationId: EIP, publicIp: "203.0.113.7", role: "external", privateIps: { a: "10.0.1.100", b: "10.0.1.100" } }],
    routes: [{ routeTableId: RTB, destinations: ["0.0.0.0/0", "10.100.0.0/16"], nextHopRole: "internal" }],
    network: { nodeRouteTableIds: [NODE_RTB], endpointSubnetIds: ["subnet-0000000000000000a"], nodeSubnetCidrs: ["10.0.0.0/24"] },
    ...overrides,
  };
}

async function build(args: AwsHaPairArgs, options: MockCloudOptions = {}) {
  const h = new PulumiMockHarness({ existing, ...options });
  const pair = await h.run(() => new AwsHaPair("edge", args));
  const config = JSON.parse(await resolve(pair.agentConfig));
  await h.finish();
  return { h, pair, config };
}

const T = {
  tag: "aws:ec2/tag:Tag",
  endpoint: "aws:ec2/vpcEndpoint:VpcEndpoint",
  sg: "aws:ec2/securityGroup:SecurityGroup",
  bucket: "aws:s3/bucket:Bucket",
  sdc: "pulumi-nodejs:dynamic/ha-pair:SourceDestCheckOff",
  object: "aws:s3/bucketObjectv2:BucketObjectv2",
};

describe("AwsHaPair around an existing pair (everything by ID)", () => {
  it("generates an agent config that validates and names exactly the given IDs", async () => {
    const { config, h } = await build(existingPairArgs());
    expect(validateConfig(config).ok).toBe(true);
    const bucket = h.ofType(T.bucket)[0]!.state.bucket;
    expect(config).toEqual({
      version: 1,
      cloud: "aws",
      label: "edge",
      region: "us-east-1",
      nodes: {
        a: { instanceId: INSTANCE.a, interfaces: { mgmt: { id: ENI.a.mgmt }, external: { id: ENI.a.external }, internal: { id: ENI.a.internal } } },
        b: { instanceId: INSTANCE.b, interfaces: { mgmt: { id: ENI.b.mgmt }, external: { id: ENI.b.external }, internal: { id: ENI.b.internal } } },
      },
      addresses: {
        secondaryIps: [{ role: "external", ips: ["10.0.1.100", "10.0.1.101"] }],
        elasticIps: [{ allocationId: EIP, publicIp: "203.0.113.7", role: "external", privateIp: { a: "10.0.1.100", b: "10.0.1.100" } }],
      },
      routes: [{ routeTableId: RTB, destinations: ["0.0.0.0/0", "10.100.0.0/16"], nextHop: { role: "internal" } }],
      stateStore: { type: "s3", bucket, key: "ha-pair/edge/state.json" },
    });
  });

  it("tags every interface (label + nic map by role), the EIP and the route table with aws.ec2.Tag, since the stack does not own them", async () => {
    const { h } = await build(existingPairArgs());
    const tags = h.ofType(T.tag).map((t) => `${t.inputs.resourceId} ${t.inputs.key}=${t.inputs.value}`);
    for (const n of ["a", "b"] as const) {
      for (const role of ["mgmt", "external", "internal"] as const) {
        expect(tags).toContain(`${ENI[n][role]} f5_cloud_failover_label=edge`);
        expect(tags).toContain(`${ENI[n][role]} f5_cloud_failover_nic_map=${role}`);
      }
    }
    expect(tags).toContain(`${EIP} f5_cloud_failover_label=edge`);
    expect(tags).toContain(`${RTB} f5_cloud_failover_label=edge`);
    // The endpoints and the bucket are created here, so they carry the label in their own tags.
    for (const r of [...h.ofType(T.endpoint), ...h.ofType(T.bucket), ...h.ofType(T.sg)]) expect(r.inputs.tags.f5_cloud_failover_label).toBe("edge");
    expect(h.ofType(T.tag)).toHaveLength(14);
  });

  it("turns source/dest check off on the routing interfaces only, without owning them", async () => {
    const { h } = await build(existingPairArgs());
    const checks = h.ofType(T.sdc).map((r) => r.inputs.networkInterfaceId).sort();
    expect(checks).toEqual([ENI.a.external, ENI.a.internal, ENI.b.external, ENI.b.internal].sort());
    expect(h.ofType(T.sdc)[0]!.inputs.region).toBe("us-east-1");
    expect(h.ofType("aws:ec2/networkInterface:NetworkInterface")).toHaveLength(0);
    // A role can be declared routing (or not) explicitly.
    const args = existingPairArgs();
    args.nodes.a.interfaces.mgmt!.routing = true;
    args.nodes.b.interfaces.mgmt!.routing = true;
    const { h: h2 } = await build(args);
    expect(h2.ofType(T.sdc)).toHaveLength(6);
  });

  it("leaves source/dest check alone when a SourceDestCheckOff is deleted, unless restoring is asked for", async () => {
    const { h } = await build(existingPairArgs());
    expect(h.ofType(T.sdc).map((r) => r.inputs.restoreOnDelete)).toEqual([false, false, false, false]);
    const { h: optIn } = await build(existingPairArgs({ restoreSourceDestCheckOnDelete: true }));
    expect(optIn.ofType(T.sdc).map((r) => r.inputs.restoreOnDelete)).toEqual([true, true, true, true]);
  });

  it("gives SourceDestCheckOff the profile, role and endpoints of the component's explicit aws.Provider, and no credential", async () => {
    // As in `pulumi up`: a provider setting left unset is unknown during preview.
    const h = new PulumiMockHarness({ existing, preview: false });
    const roleArn = "arn:aws:iam::210987654321:role/pair-admin";
    await h.run(() => {
      const corp = new aws.Provider("corp", {
        region: "us-east-1",
        profile: "corp-admin",
        assumeRoles: [{ roleArn, sessionName: "pulumi-edge", externalId: "corp-ext-1" }],
        endpoints: [{ ec2: "https://ec2.vpce.example", sts: "https://sts.vpce.example" }],
      });
      return new AwsHaPair("edge", existingPairArgs(), { providers: [corp] });
    });
    await h.finish();
    const checks = h.ofType(T.sdc);
    expect(checks).toHaveLength(4);
    for (const check of checks) {
      expect(check.inputs).toMatchObject({ profile: "corp-admin", assumeRole: { roleArn, sessionName: "pulumi-edge", externalId: "corp-ext-1" }, endpoint: "https://ec2.vpce.example", stsEndpoint: "https://sts.vpce.example" });
      expect(Object.keys(check.inputs)).not.toEqual(expect.arrayContaining(["accessKey"]));
    }
    // The Region comes from the same provider: the component looks it up through it.
    const provider = h.get("pulumi:providers:aws", "corp");
    expect(h.invokes.find((i) => i.token === "aws:index/getRegion:getRegion")?.provider).toBe(`${provider.urn}::${provider.id}`);
  });

  it("refuses an explicit aws.Provider with static keys for SourceDestCheckOff rather than store them or use other credentials", async () => {
    const h = new PulumiMockHarness({ existing, preview: false, captureProgramErrors: true });
    await h.run(() => {
      const keyed = new aws.Provider("keyed", { region: "us-east-1", accessKey: "AKIAEXAMPLEKEY000001", secretKey: pulumi.secret("example-secret") });
      return new AwsHaPair("edge", existingPairArgs(), { provider: keyed });
    });
    const errors = await h.finish();
    expect(errors.map((e) => e.message).join("\n")).toContain('AwsHaPair "edge": aws.Provider authenticates with a static accessKey');
    expect(h.ofType(T.sdc)).toHaveLength(0);
    expect(JSON.stringify(h.resources.filter((r) => r.type !== "pulumi:providers:aws").map((r) => r.inputs))).not.toContain("example-secret");
  });

  it("refuses an aws.Provider that chains roles for SourceDestCheckOff (it assumes one role), naming the fix", async () => {
    const h = new PulumiMockHarness({ existing, preview: false, captureProgramErrors: true });
    await h.run(() => {
      const chained = new aws.Provider("chained", { region: "us-east-1", assumeRoles: [{ roleArn: "arn:aws:iam::111111111111:role/hop" }, { roleArn: "arn:aws:iam::222222222222:role/pair-admin" }] });
      return new AwsHaPair("edge", existingPairArgs(), { provider: chained });
    });
    const errors = await h.finish();
    expect(errors.map((e) => e.message).join("\n")).toContain('AwsHaPair "edge": aws.Provider assumeRoles chains 2 roles');
    expect(h.ofType(T.sdc)).toHaveLength(0);
  });

  it("creates the S3 gateway endpoint on the nodes' route tables and the EC2 interface endpoint with private DNS behind a 443-only security group", async () => {
    const { h, pair } = await build(existingPairArgs());
    const s3 = h.get(T.endpoint, "edge-s3");
    expect(s3.inputs).toMatchObject({ vpcId: VPC, serviceName: "com.amazonaws.us-east-1.s3", vpcEndpointType: "Gateway", routeTableIds: [NODE_RTB] });
    const ec2 = h.get(T.endpoint, "edge-ec2");
    const sg = h.get(T.sg, "edge-endpoints");
    expect(ec2.inputs).toMatchObject({ vpcId: VPC, serviceName: "com.amazonaws.us-east-1.ec2", vpcEndpointType: "Interface", privateDnsEnabled: true, subnetIds: ["subnet-0000000000000000a"], securityGroupIds: [sg.id] });
    expect(sg.inputs.ingress).toEqual([{ protocol: "tcp", fromPort: 443, toPort: 443, cidrBlocks: ["10.0.0.0/24"], description: "nodes' subnets" }]);
    expect(sg.inputs.egress).toEqual([]);
    expect(h.ofType(T.endpoint).map((e) => e.name).sort()).toEqual(["edge-ec2", "edge-s3"]);
    expect(await resolve(pair.s3EndpointId)).toBe(s3.id);
    expect(await resolve(pair.ec2EndpointDnsNames)).toEqual(ec2.state.dnsEntries.map((e: { dnsName: string }) => e.dnsName));
    // Private DNS makes the default hostname private: the config needs no endpoint override.
    expect(JSON.parse(await resolve(pair.agentConfig)).endpoints).toBeUndefined();
  });

  it("creates an STS endpoint only when asked", async () => {
    const { h } = await build(existingPairArgs({ endpoints: { sts: true } }));
    expect(h.get(T.endpoint, "edge-sts").inputs).toMatchObject({ serviceName: "com.amazonaws.us-east-1.sts", vpcEndpointType: "Interface", privateDnsEnabled: true });
  });

  it("reuses existing endpoints instead of duplicating them, tags them, and points the agent at the EC2 endpoint's DNS name", async () => {
    const dnsName = "vpce-0e0e0e0e0e0e0e0e0-abcd1234.ec2.us-east-1.vpce.amazonaws.com";
    const { h, pair, config } = await build(existingPairArgs({ endpoints: { s3EndpointId: "vpce-05050505050505050", ec2EndpointId: "vpce-0e0e0e0e0e0e0e0e0" } }), {
      existing: { ...existing, vpcEndpoints: { "vpce-0e0e0e0e0e0e0e0e0": { dnsEntries: [{ dnsName, hostedZoneId: "Z1" }] } } },
    });
    expect(h.ofType(T.endpoint)).toHaveLength(0);
    expect(h.ofType(T.sg)).toHaveLength(0);
    const tagged = h.ofType(T.tag).map((t) => t.inputs.resourceId);
    expect(tagged).toContain("vpce-05050505050505050");
    expect(tagged).toContain("vpce-0e0e0e0e0e0e0e0e0");
    expect(config.endpoints).toEqual({ ec2: `https://${dnsName}` });
    expect(await resolve(pair.s3EndpointId)).toBe("vpce-05050505050505050");
    expect(JSON.parse(await resolve(pair.bucketPolicyDocument)).Statement[1].Condition).toEqual({ StringEquals: { "aws:sourceVpce": "vpce-05050505050505050" } });
  });

  it("creates a fully blocked, encrypted, versioned bucket whose policy requires TLS and the pair's endpoint", async () => {
    const { h, pair } = await build(existingPairArgs());
    const bucket = h.ofType(T.bucket)[0]!;
    expect(bucket.inputs.forceDestroy).toBe(false);
    expect(h.get("aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock", "edge-state").inputs).toEqual({
      bucket: bucket.id,
      blockPublicAcls: true,
      blockPublicPolicy: true,
      ignorePublicAcls: true,
      restrictPublicBuckets: true,
    });
    expect(h.get("aws:s3/bucketOwnershipControls:BucketOwnershipControls", "edge-state").inputs.rule).toEqual({ objectOwnership: "BucketOwnerEnforced" });
    expect(h.get("aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration", "edge-state").inputs.rules).toEqual([
      { applyServerSideEncryptionByDefault: { sseAlgorithm: "AES256" } },
    ]);
    expect(h.get("aws:s3/bucketVersioning:BucketVersioning", "edge-state").inputs.versioningConfiguration).toEqual({ status: "Enabled" });
    const policy = JSON.parse(h.get("aws:s3/bucketPolicy:BucketPolicy", "edge-state").inputs.policy);
    const roleArn = h.get("aws:iam/role:Role", "edge-agent").state.arn;
    const s3Endpoint = h.get(T.endpoint, "edge-s3").id;
    expect(policy.Statement.map((s: { Sid: string }) => s.Sid)).toEqual(["DenyInsecureTransport", "AllowPairRoleThroughEndpoint", "DenyPairRoleOutsideEndpoint"]);
    expect(policy.Statement[2].Condition).toEqual({ StringNotEquals: { "aws:sourceVpce": s3Endpoint }, ArnEquals: { "aws:PrincipalArn": roleArn } });
    expect(await resolve(pair.bucketName)).toBe(bucket.state.bucket);
  });

  it("keeps the state bucket and its locks in AWS when Pulumi deletes them, unless forceDestroy or retainOnDelete: false says otherwise", async () => {
    const bucketParts = (h: PulumiMockHarness) => h.resources.filter((r) => r.type.startsWith("aws:s3/bucket") && r.type !== T.object);
    const { h } = await build(existingPairArgs());
    expect(bucketParts(h).map((r) => r.type.split(":").pop()).sort()).toEqual(["Bucket", "BucketOwnershipControls", "BucketPolicy", "BucketPublicAccessBlock", "BucketServerSideEncryptionConfiguration", "BucketVersioning"]);
    for (const r of bucketParts(h)) expect(r.retainOnDelete, r.type).toBe(true);
    // The uploads are the component's to replace; they go with the stack.
    for (const r of h.ofType(T.object)) expect(r.retainOnDelete, r.name).toBeFalsy();
    const { h: forced } = await build(existingPairArgs({ stateBucket: { forceDestroy: true } }));
    for (const r of bucketParts(forced)) expect(r.retainOnDelete, r.type).toBeFalsy();
    const { h: optedOut } = await build(existingPairArgs({ stateBucket: { retainOnDelete: false } }));
    for (const r of bucketParts(optedOut)) expect(r.retainOnDelete, r.type).toBeFalsy();
  });

  it("renamed with an alias to its old name, finds every child (state bucket included) where it was", async () => {
    const urnsOf = (h: PulumiMockHarness) => new Set(h.resources.map((r) => r.urn));
    const { h: before } = await build(existingPairArgs());
    const h = new PulumiMockHarness({ existing, aliasSpecs: false });
    const renamed = await h.run(() => new AwsHaPair("edge-renamed", existingPairArgs(), { aliases: [{ name: "edge" }] }));
    await resolve(renamed.agentConfig);
    await h.finish();
    const old = urnsOf(before);
    const children = h.resources.filter((r) => r.type !== "ha-pair:index:AwsHaPair");
    expect(children.length).toBe(before.resources.length - 1);
    for (const child of children) {
      expect(child.name.startsWith("edge-renamed-"), child.name).toBe(true);
      expect(child.aliasUrns.filter((u) => old.has(u)), `${child.type} ${child.name}`).toHaveLength(1);
    }
  });

  it("uses SSE-KMS with the given key and grants the role only that key", async () => {
    const key = "arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab";
    const { h, pair } = await build(existingPairArgs({ stateBucket: { kmsKeyArn: key } }));
    expect(h.get("aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration", "edge-state").inputs.rules).toEqual([
      { applyServerSideEncryptionByDefault: { sseAlgorithm: "aws:kms", kmsMasterKeyId: key }, bucketKeyEnabled: true },
    ]);
    const statements = JSON.parse(await resolve(pair.policyDocument)).Statement;
    expect(statements.filter((s: { Action: string[] }) => s.Action.some((a) => a.startsWith("kms:")))).toEqual([
      { Sid: "StateKmsKey", Effect: "Allow", Action: ["kms:GenerateDataKey", "kms:Decrypt"], Resource: key },
    ]);
    expect(JSON.parse(await resolve(pair.cfeDeclaration)).externalStorage.encryption).toEqual({ serverSide: { enabled: true, algorithm: "aws:kms", keyId: key } });
  });

  it("uses an existing bucket as is: nothing created on it, the policy to merge is an output", async () => {
    const { h, config, pair } = await build(existingPairArgs({ stateBucket: { existingBucketName: "corp-ha-state" } }));
    expect(h.ofType(T.bucket)).toHaveLength(0);
    expect(h.ofType("aws:s3/bucketPolicy:BucketPolicy")).toHaveLength(0);
    expect(config.stateStore).toEqual({ type: "s3", bucket: "corp-ha-state", key: "ha-pair/edge/state.json" });
    expect(JSON.parse(await resolve(pair.bucketPolicyDocument)).Statement[0].Resource).toEqual(["arn:aws:s3:::corp-ha-state", "arn:aws:s3:::corp-ha-state/*"]);
    expect(h.ofType(T.object).every((o) => o.inputs.bucket === "corp-ha-state")).toBe(true);
  });

  it("generates the role, instance profile and inline policy from the exact resources", async () => {
    const { h, pair } = await build(existingPairArgs());
    const role = h.get("aws:iam/role:Role", "edge-agent");
    expect(JSON.parse(role.inputs.assumeRolePolicy).Statement[0].Principal).toEqual({ Service: "ec2.amazonaws.com" });
    expect(role.inputs.managedPolicyArns).toBeUndefined();
    const inline = h.get("aws:iam/rolePolicy:RolePolicy", "edge-agent");
    expect(inline.inputs.role).toBe(role.id);
    expect(inline.inputs.policy).toBe(await resolve(pair.policyDocument));
    const policy = JSON.parse(inline.inputs.policy);
    const eniArns = policy.Statement.find((s: { Sid: string }) => s.Sid === "PairOnlyAssignPrivateIpAddresses").Resource;
    // Only the interfaces addresses move to (external); route next hops (internal) and
    // management interfaces get nothing: ReplaceRoute is authorized on the route table.
    expect(eniArns).toEqual([ENI.a.external, ENI.b.external].map((id) => `arn:aws:ec2:us-east-1:123456789012:network-interface/${id}`).sort());
    expect(h.get("aws:iam/instanceProfile:InstanceProfile", "edge-agent").inputs.role).toBe(role.state.name);
    expect(await resolve(pair.roleArn)).toBe(role.state.arn);
    expect(await resolve(pair.instanceProfileName)).toBe(h.get("aws:iam/instanceProfile:InstanceProfile", "edge-agent").state.name);
  });

  it("uploads the agent bundle, the validated config and the systemd unit under the pair's prefix, after the bucket is locked down", async () => {
    const { h, pair } = await build(existingPairArgs());
    const objects = Object.fromEntries(h.ofType(T.object).map((o) => [o.inputs.key, o]));
    expect(Object.keys(objects).sort()).toEqual([
      "ha-pair/edge/agent/config.json",
      "ha-pair/edge/agent/ha-pair-agent.cjs",
      "ha-pair/edge/agent/ha-pair-agent.service",
      "ha-pair/edge/agent/keepalived-notify-master",
    ]);
    expect(objects["ha-pair/edge/agent/config.json"]!.inputs.content).toBe(await resolve(pair.agentConfig));
    expect(objects["ha-pair/edge/agent/ha-pair-agent.service"]!.inputs.content).toContain("agent run --config /etc/ha-pair/config.json");
    const policyUrn = h.get("aws:s3/bucketPolicy:BucketPolicy", "edge-state").urn;
    expect(objects["ha-pair/edge/agent/config.json"]!.dependencies).toContain(policyUrn);
    const userData = await resolve(pair.userData);
    const bucket = await resolve(pair.bucketName);
    expect(userData.startsWith("#!/bin/bash\n")).toBe(true);
    expect(userData).toContain(`HA_PAIR_BUCKET='${bucket}'`);
    expect(userData).toContain("ha_pair_fetch_retry 'ha-pair/edge/agent/config.json' /etc/ha-pair/config.json");
    expect(userData).toContain("--aws-sigv4");
    expect(userData).toContain("systemctl enable --now ha-pair-agent.service");
    expect(await resolve(pair.bigipTriggerSnippet)).toContain("/config/failover/tgactive");
  });

  it("emits the equivalent Cloud_Failover declaration", async () => {
    const { pair, h } = await build(existingPairArgs());
    expect(JSON.parse(await resolve(pair.cfeDeclaration))).toEqual({
      class: "Cloud_Failover",
      environment: "aws",
      controls: { class: "Controls", logLevel: "info" },
      externalStorage: { scopingName: h.ofType(T.bucket)[0]!.state.bucket, encryption: { serverSide: { enabled: true, algorithm: "AES256" } } },
      failoverAddresses: {
        enabled: true,
        scopingTags: { f5_cloud_failover_label: "edge" },
        addressGroupDefinitions: [
          { type: "networkInterfaceAddress", scopingAddress: "10.0.1.100" },
          { type: "networkInterfaceAddress", scopingAddress: "10.0.1.101" },
          { type: "elasticIpAddress", scopingAddress: "203.0.113.7", vipAddresses: ["10.0.1.100"] },
        ],
      },
      failoverRoutes: {
        enabled: true,
        routeGroupDefinitions: [
          {
            scopingName: RTB,
            scopingAddressRanges: [{ range: "0.0.0.0/0" }, { range: "10.100.0.0/16" }],
            defaultNextHopAddresses: { discoveryType: "static", items: ["10.0.2.11", "10.0.2.12"] },
          },
        ],
      },
    });
  });

  it("parents every child to the component, names children from the component's name, and registers the outputs", async () => {
    const { h } = await build(existingPairArgs());
    const component = h.get("ha-pair:index:AwsHaPair", "edge");
    const children = h.resources.filter((r) => r !== component);
    expect(children.length).toBeGreaterThan(25);
    for (const child of children) {
      expect(child.parent, `${child.type} ${child.name}`).toBe(component.urn);
      expect(child.name.startsWith("edge-")).toBe(true);
    }
    expect(Object.keys(component.outputs ?? {})).toEqual(expect.arrayContaining(["agentConfig", "cfeDeclaration", "roleArn", "instanceProfileName", "bucketName", "policyDocument", "s3EndpointId", "ec2EndpointId", "ec2EndpointDnsNames"]));
  });

  it("uses custom tag keys everywhere, and writes them into the config", async () => {
    const { h, config, pair } = await build(existingPairArgs({ labelKey: "ha:pair", nicMapKey: "ha:nic" }));
    expect(config.tags).toEqual({ labelKey: "ha:pair", nicMapKey: "ha:nic" });
    expect(new Set(h.ofType(T.tag).map((t) => t.inputs.key))).toEqual(new Set(["ha:pair", "ha:nic"]));
    expect(JSON.parse(await resolve(pair.policyDocument)).Statement[0].Condition).toEqual({ StringEquals: { "aws:ResourceTag/ha:pair": "edge" } });
  });
});

describe("AwsHaPair refuses what cannot work, at preview, naming the fix", () => {
  // As the engine previews: resources to be created have unknown IDs and computed outputs.
  const preview = { existing, preview: true, captureProgramErrors: true } as const;

  it("(the mock engine previews as the engine does: a resource to be created has no ID yet)", async () => {
    const h = new PulumiMockHarness(preview);
    const eni = await h.run(() => new aws.ec2.NetworkInterface("n", { subnetId: "subnet-0000000000000000a", sourceDestCheck: false, tags: { a: "b" } }));
    expect(await resolve(eni.id)).toBeUndefined();
    expect(await resolve(eni.privateIp)).toBeUndefined();
    expect(await resolve(eni.tags)).toEqual({ a: "b" });
    expect(await resolve(eni.sourceDestCheck)).toBe(false);
    await h.finish();
  });

  it("an existing VPC without DNS hostnames", async () => {
    const h = new PulumiMockHarness({ ...preview, existing: { ...existing, vpcs: { [VPC]: { enableDnsSupport: true, enableDnsHostnames: false } } } });
    const pair = await h.run(() => new AwsHaPair("edge", existingPairArgs()));
    const failure = resolve(pair.vpcId).then(() => undefined, (e: Error) => e);
    const error = await failure;
    const errors = await h.finish();
    expect(error?.message).toContain(`VPC ${VPC} has enableDnsHostnames off`);
    expect(error?.message).toContain(`aws ec2 modify-vpc-attribute --vpc-id ${VPC} --enable-dns-hostnames`);
    // The endpoints that would have been built on it are not.
    expect(h.ofType(T.endpoint)).toHaveLength(0);
    expect(errors.length).toBeGreaterThan(0);
    expect(errors.every((e) => e.message.includes("enableDnsHostnames off"))).toBe(true);
  });

  it("a VPC of the same program created with DNS hostnames off", async () => {
    const h = new PulumiMockHarness(preview);
    const pair = await h.run(() => {
      const vpc = new aws.ec2.Vpc("v", { cidrBlock: "10.0.0.0/16", enableDnsHostnames: false });
      return new AwsHaPair("edge", existingPairArgs({ vpcId: undefined, vpc }));
    });
    const error = await resolve(pair.agentConfig).then(() => undefined, (e: Error) => e);
    await h.finish();
    expect(error?.message).toMatch(/aws\.ec2\.Vpc "v" has enableDnsHostnames off.*set enableDnsHostnames: true in the aws\.ec2\.Vpc's args/s);
    expect(h.ofType(T.endpoint)).toHaveLength(0);
  });

  it("a VPC of the same program that leaves DNS hostnames to AWS: not checked at preview (said so), refused by up before the endpoints", async () => {
    const program = () => {
      const vpc = new aws.ec2.Vpc("v", { cidrBlock: "10.0.0.0/16" });
      return new AwsHaPair("edge", existingPairArgs({ vpcId: undefined, vpc }));
    };
    const atPreview = new PulumiMockHarness({ ...preview, captureWarnings: true });
    await atPreview.run(program);
    expect(await atPreview.finish()).toEqual([]);
    expect(atPreview.warnings).toContain('AwsHaPair "edge": the DNS attributes of the VPC not checked at preview (not known until the resources exist); pulumi up checks it before building on it');
    const atUp = new PulumiMockHarness({ existing, captureProgramErrors: true });
    const pair = await atUp.run(program);
    const error = await resolve(pair.vpcId).then(() => undefined, (e: Error) => e);
    await atUp.finish();
    expect(error?.message).toMatch(/aws\.ec2\.Vpc "v" has enableDnsHostnames off/);
    expect(atUp.ofType(T.endpoint)).toHaveLength(0);
  });

  it("an owned routing interface with source/dest check on, or without the pair's tags; an owned EIP or route table without the label", async () => {
    const h = new PulumiMockHarness(preview);
    const pair = await h.run(() => {
      const args = existingPairArgs();
      const ok = new aws.ec2.NetworkInterface("a-int", { subnetId: "subnet-0000000000000000a", sourceDestCheck: false, tags: pairTags("edge", { role: "internal" }) });
      const checkOn = new aws.ec2.NetworkInterface("a-ext", { subnetId: "subnet-0000000000000000a", tags: pairTags("edge", { role: "external" }) });
      const untagged = new aws.ec2.NetworkInterface("b-ext", { subnetId: "subnet-0000000000000000a", sourceDestCheck: false, tags: { Name: "b-ext" } });
      args.nodes.a.interfaces = { internal: { networkInterface: ok }, external: { networkInterface: checkOn } };
      args.nodes.b.interfaces = { internal: { networkInterfaceId: ENI.b.internal }, external: { networkInterface: untagged } };
      args.elasticIps = [{ eip: new aws.ec2.Eip("vip", { domain: "vpc", tags: { Name: "vip" } }), role: "external", privateIps: { a: "10.0.1.100", b: "10.0.1.100" } }];
      args.routes = [{ routeTable: new aws.ec2.RouteTable("app", { vpcId: VPC, tags: { Name: "app" } }), destinations: ["0.0.0.0/0"], nextHopRole: "internal" }];
      return new AwsHaPair("edge", args);
    });
    const error = await resolve(pair.agentConfig).then(() => undefined, (e: Error) => e);
    await h.finish();
    expect(error?.message).toContain("4 problems with the pair's resources");
    expect(error?.message).toContain('nodes.a.interfaces.external (aws.ec2.NetworkInterface "a-ext") forwards traffic (routing) but has source/dest check on; set sourceDestCheck: false');
    expect(error?.message).toContain('nodes.b.interfaces.external (aws.ec2.NetworkInterface "b-ext"): its tags lack f5_cloud_failover_label=edge, f5_cloud_failover_nic_map=external; add ...pairTags("edge", { role: "external" })');
    expect(error?.message).toContain('elasticIps[0] (aws.ec2.Eip "vip"): its tags lack f5_cloud_failover_label=edge');
    expect(error?.message).toContain('routes[0] (aws.ec2.RouteTable "app"): its tags lack f5_cloud_failover_label=edge');
    // Owned interfaces are never also tagged or changed by the component (no perpetual diff, no second owner).
    expect(new Set(h.ofType(T.tag).map((t) => t.inputs.resourceId))).toEqual(new Set([ENI.b.internal]));
    expect(h.ofType(T.sdc).map((t) => t.inputs.networkInterfaceId)).toEqual([ENI.b.internal]);
  });

  it("an interface of the same program that carries the pair's tags in its own args, given by ID (it would also get aws.ec2.Tag: a perpetual diff)", async () => {
    const h = new PulumiMockHarness(preview);
    await h.run(() => {
      const args = existingPairArgs();
      const tagged = new aws.ec2.NetworkInterface("a-ext", { subnetId: "subnet-0000000000000000a", sourceDestCheck: false, tags: { Name: "a-ext", ...pairTags("edge", { role: "external" }) } });
      // Its own tags leave the pair's keys to the component: tagging it by ID is fine.
      const plain = new aws.ec2.NetworkInterface("a-int", { subnetId: "subnet-0000000000000000a", sourceDestCheck: false, tags: { Name: "a-int" } });
      args.nodes.a.interfaces.external = { networkInterfaceId: tagged.id, privateIp: "10.0.1.11" };
      args.nodes.a.interfaces.internal = { networkInterfaceId: plain.id, privateIp: "10.0.2.11" };
      return new AwsHaPair("edge", args);
    });
    const errors = (await h.finish()).map((e) => e.message);
    expect(errors.length).toBeGreaterThan(0);
    const refusal = errors.find((m) => m.includes("perpetual diff"));
    expect(refusal).toContain('AwsHaPair "edge": nodes.a.interfaces.external.networkInterfaceId gives by ID the resource "a-ext" of this program, which sets f5_cloud_failover_label in its own tags');
    expect(refusal).toContain("Pass the resource itself as nodes.a.interfaces.external.networkInterface");
    expect(errors.some((m) => m.includes("sets f5_cloud_failover_nic_map in its own tags"))).toBe(true);
    expect(errors.some((m) => m.includes('"a-int"'))).toBe(false);
    // No Tag was registered on the tagged interface; the plain one got its two.
    expect(h.ofType(T.tag).map((t) => t.name).filter((n) => n.startsWith("edge-a-external-"))).toEqual([]);
    expect(h.ofType(T.tag).map((t) => t.name).filter((n) => n.startsWith("edge-a-internal-")).sort()).toEqual(["edge-a-internal-label", "edge-a-internal-nic-map"]);
  });

  it("args that are contradictory or incomplete, all at once, before anything is built", async () => {
    const h = new PulumiMockHarness();
    const args = existingPairArgs({ vpc: undefined, vpcId: undefined, network: { nodeRouteTableIds: [], endpointSubnetIds: [], nodeSubnetCidrs: [] } });
    args.routes = [{ destinations: ["0.0.0.0/0"], nextHopRole: "internal" }];
    await expect(h.run(() => new AwsHaPair("edge", args))).rejects.toThrow(
      /invalid args:\n {2}vpc: give exactly one of vpc \(created in this program\) or vpcId \(existing\)\n {2}routes\[0\]: give exactly one of routeTable .*\n {2}network\.nodeSubnetCidrs: .*\n {2}network\.nodeRouteTableIds: /,
    );
  });

  it("a generated config that breaks the contract, naming each JSON path", async () => {
    const h = new PulumiMockHarness({ existing, captureProgramErrors: true });
    const args = existingPairArgs({ label: "edge#1", routes: [{ routeTableId: RTB, destinations: ["0.0.0.0/0"], nextHopRole: "dmz" }] });
    const pair = await h.run(() => new AwsHaPair("edge", args));
    const error = await resolve(pair.agentConfig).then(() => undefined, (e: Error) => e);
    await h.finish();
    expect(error?.name).toBe("GeneratedConfigError");
    expect(error?.message).toContain('AwsHaPair "edge": the generated agent config is invalid');
    expect(error?.message).toMatch(/\n {2}\/label: must be .*got "edge#1"/);
    expect(error?.message).toMatch(/\n {2}\/routes\/0\/nextHop\/role: role "dmz" is not an interface of node a and b/);
    // Nothing that carries the config is uploaded.
    expect(h.ofType(T.object).find((o) => o.name === "edge-agent-config")).toBeUndefined();
  });

  it("a missing agent bundle, with the command that builds it", async () => {
    const h = new PulumiMockHarness({ existing });
    await expect(h.run(() => new AwsHaPair("edge", existingPairArgs({ agentBundlePath: "/nonexistent/ha-pair-agent.cjs" })))).rejects.toThrow(
      "the agent bundle /nonexistent/ha-pair-agent.cjs does not exist; run `npm run build`",
    );
  });
});
