// The generated policies as pure functions: exact statements, least privilege, and agreement
// with the runtime's own list of calls and the ARNs it names.
import { describe, expect, it } from "vitest";
import { ec2AssumeRolePolicy, pairIamPolicy, stateBucketPolicy, type PairPolicyInputs } from "../components/index.js";
import { AWS_REQUIRED_ACTIONS, AWS_S3_BUCKET_ACTIONS, EC2_MUTATING_RESOURCE_TYPES } from "../runtime/aws/required-actions.js";
import { operationArns } from "../runtime/aws/ec2-operations.js";

const inputs: PairPolicyInputs = {
  region: "us-east-1",
  accountId: "123456789012",
  label: "edge",
  labelKey: "f5_cloud_failover_label",
  nicMapKey: "f5_cloud_failover_nic_map",
  networkInterfaceIds: ["eni-0b00000000000000a", "eni-0a00000000000000a"],
  allocationIds: ["eipalloc-0000000000000000a"],
  routeTableIds: ["rtb-0000000000000000a"],
  routeTableAssociations: { subnetIds: ["subnet-0000000000000000a"], routeTableIds: ["rtb-0000000000000000d", "rtb-0000000000000000c"] },
  bucket: "edge-state",
  stateKey: "ha-pair/edge/state.json",
  artifactsPrefix: "ha-pair/edge/agent",
};
const eni = (id: string) => `arn:aws:ec2:us-east-1:123456789012:network-interface/${id}`;
const tagCondition = { StringEquals: { "aws:ResourceTag/f5_cloud_failover_label": "edge" } };

describe("pairIamPolicy", () => {
  const policy = pairIamPolicy(inputs);
  const sid = (name: string) => policy.Statement.find((s) => s.Sid === name);

  it("grants each mutating action only on the exact ARNs of the pair's resources, and only while they carry the label", () => {
    expect(sid("PairOnlyAssignPrivateIpAddresses")).toEqual({
      Sid: "PairOnlyAssignPrivateIpAddresses",
      Effect: "Allow",
      Action: ["ec2:AssignPrivateIpAddresses"],
      Resource: [eni("eni-0a00000000000000a"), eni("eni-0b00000000000000a")],
      Condition: tagCondition,
    });
    expect(sid("PairOnlyAssociateAddress")).toEqual({
      Sid: "PairOnlyAssociateAddress",
      Effect: "Allow",
      Action: ["ec2:AssociateAddress"],
      Resource: ["arn:aws:ec2:us-east-1:123456789012:elastic-ip/eipalloc-0000000000000000a", eni("eni-0a00000000000000a"), eni("eni-0b00000000000000a")],
      Condition: tagCondition,
    });
    expect(sid("PairOnlyReplaceRoute")).toEqual({
      Sid: "PairOnlyReplaceRoute",
      Effect: "Allow",
      Action: ["ec2:ReplaceRoute"],
      Resource: ["arn:aws:ec2:us-east-1:123456789012:route-table/rtb-0000000000000000a"],
      Condition: tagCondition,
    });
    // Association mode: the twins and the subnets only; ReplaceRoute is not granted on the twins (their routes never change).
    expect(sid("PairOnlyReplaceRouteTableAssociation")).toEqual({
      Sid: "PairOnlyReplaceRouteTableAssociation",
      Effect: "Allow",
      Action: ["ec2:ReplaceRouteTableAssociation"],
      Resource: [
        "arn:aws:ec2:us-east-1:123456789012:route-table/rtb-0000000000000000c",
        "arn:aws:ec2:us-east-1:123456789012:route-table/rtb-0000000000000000d",
        "arn:aws:ec2:us-east-1:123456789012:subnet/subnet-0000000000000000a",
      ],
      Condition: tagCondition,
    });
  });

  it("grants ReplaceRouteTableAssociation only with both twins and subnets, never on a per-route table, and no action on a subnet but that one", () => {
    const perRouteOnly = pairIamPolicy({ ...inputs, routeTableAssociations: undefined });
    expect(perRouteOnly.Statement.find((s) => s.Sid === "PairOnlyReplaceRouteTableAssociation")).toBeUndefined();
    const noSubnets = pairIamPolicy({ ...inputs, routeTableAssociations: { subnetIds: [], routeTableIds: ["rtb-0000000000000000c"] } });
    expect(noSubnets.Statement.find((s) => s.Sid === "PairOnlyReplaceRouteTableAssociation")).toBeUndefined();
    const onSubnets = policy.Statement.filter((s) => [s.Resource].flat().some((arn) => String(arn).includes(":subnet/")));
    expect(onSubnets.map((s) => s.Action)).toEqual([["ec2:ReplaceRouteTableAssociation"]]);
  });

  it("covers every mutating action the agent calls, and allows no action but those on '*' except the Describe calls", () => {
    const allowed = policy.Statement.filter((s) => s.Effect === "Allow");
    for (const action of AWS_REQUIRED_ACTIONS.ec2Mutating) expect(allowed.some((s) => s.Action.includes(action))).toBe(true);
    const onStar = allowed.filter((s) => s.Resource === "*" || (Array.isArray(s.Resource) && s.Resource.includes("*")));
    expect(onStar.map((s) => s.Sid)).toEqual(["DescribeInPairRegion"]);
    expect(onStar[0]!.Action).toEqual(AWS_REQUIRED_ACTIONS.ec2Read);
    expect(onStar[0]!.Action.every((a) => a.startsWith("ec2:Describe"))).toBe(true);
    expect(onStar[0]!.Condition).toEqual({ StringEquals: { "aws:RequestedRegion": "us-east-1" } });
    // Nothing else: every allowed action is one the runtime lists (or the boot artifacts' read).
    const known = new Set([...AWS_REQUIRED_ACTIONS.ec2Mutating, ...AWS_REQUIRED_ACTIONS.ec2Read, ...AWS_REQUIRED_ACTIONS.s3, ...AWS_S3_BUCKET_ACTIONS]);
    expect(allowed.flatMap((s) => s.Action).filter((a) => !known.has(a))).toEqual([]);
  });

  it("scopes S3 to the state object, the artifacts read-only, and ListBucket to the state bucket (unconditioned: a GET carries no s3:prefix)", () => {
    expect(sid("StateObject")).toEqual({
      Sid: "StateObject",
      Effect: "Allow",
      Action: AWS_REQUIRED_ACTIONS.s3,
      Resource: "arn:aws:s3:::edge-state/ha-pair/edge/state.json",
    });
    expect(sid("ReadAgentArtifacts")).toEqual({ Sid: "ReadAgentArtifacts", Effect: "Allow", Action: ["s3:GetObject"], Resource: "arn:aws:s3:::edge-state/ha-pair/edge/agent/*" });
    expect(sid("ListStateBucket")).toEqual({
      Sid: "ListStateBucket",
      Effect: "Allow",
      Action: ["s3:ListBucket"],
      Resource: "arn:aws:s3:::edge-state",
    });
    expect(sid("StateKmsKey")).toBeUndefined();
  });

  it("denies changing the pair's tag keys and retagging the pair's resources", () => {
    expect(sid("DenyPairTagKeyChanges")).toEqual({
      Sid: "DenyPairTagKeyChanges",
      Effect: "Deny",
      Action: ["ec2:CreateTags", "ec2:DeleteTags"],
      Resource: "*",
      Condition: { "ForAnyValue:StringEquals": { "aws:TagKeys": ["f5_cloud_failover_label", "f5_cloud_failover_nic_map"] } },
    });
    expect(sid("DenyRetaggingPairResources")?.Condition).toEqual({ StringEquals: { "ec2:ResourceTag/f5_cloud_failover_label": "edge" } });
  });

  it("adds the KMS key for GenerateDataKey/Decrypt only, and drops actions with nothing to act on", () => {
    const kms = "arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab";
    const p = pairIamPolicy({ ...inputs, kmsKeyArn: kms, allocationIds: [] });
    expect(p.Statement.find((s) => s.Sid === "StateKmsKey")).toEqual({ Sid: "StateKmsKey", Effect: "Allow", Action: ["kms:GenerateDataKey", "kms:Decrypt"], Resource: kms });
    expect(p.Statement.find((s) => s.Sid === "PairOnlyAssociateAddress")).toBeUndefined();
  });

  it("scopes each interface action to the roles it serves; an action with no interface is not granted", () => {
    // Across-AZ: only EIPs move, on the external role; nothing calls AssignPrivateIpAddresses.
    const acrossAz = pairIamPolicy({
      ...inputs,
      interfacesByAction: { AssignPrivateIpAddresses: [], AssociateAddress: ["eni-0a00000000000000a"] },
    });
    expect(acrossAz.Statement.find((s) => s.Sid === "PairOnlyAssignPrivateIpAddresses")).toBeUndefined();
    expect(acrossAz.Statement.find((s) => s.Sid === "PairOnlyAssociateAddress")?.Resource).toEqual([
      "arn:aws:ec2:us-east-1:123456789012:elastic-ip/eipalloc-0000000000000000a",
      eni("eni-0a00000000000000a"),
    ]);
    // Route next hops are not interface-scoped by this: ReplaceRoute acts on route tables.
    expect(acrossAz.Statement.find((s) => s.Sid === "PairOnlyReplaceRoute")?.Resource).toEqual(["arn:aws:ec2:us-east-1:123456789012:route-table/rtb-0000000000000000a"]);
  });

  it("uses the partition of the Region in every ARN", () => {
    const p = pairIamPolicy({ ...inputs, region: "us-gov-west-1" });
    const arns = p.Statement.flatMap((s) => (Array.isArray(s.Resource) ? s.Resource : [s.Resource ?? ""])).filter((r) => r.startsWith("arn:"));
    expect(arns.length).toBeGreaterThan(0);
    expect(arns.every((a) => a.startsWith("arn:aws-us-gov:"))).toBe(true);
  });

  it("grants each action on the same resource types the agent's own error messages name (operationArns)", () => {
    const samples = {
      AssignPrivateIpAddresses: { action: "AssignPrivateIpAddresses", networkInterfaceId: "eni-1", privateIps: ["10.0.0.1"] },
      AssociateAddress: { action: "AssociateAddress", allocationId: "eipalloc-1", networkInterfaceId: "eni-1", privateIp: "10.0.0.1" },
      ReplaceRoute: { action: "ReplaceRoute", routeTableId: "rtb-1", destination: { kind: "ipv4", cidr: "0.0.0.0/0" }, networkInterfaceId: "eni-1" },
      ReplaceRouteTableAssociation: { action: "ReplaceRouteTableAssociation", subnetId: "subnet-1", routeTableId: "rtb-1", fromRouteTableId: "rtb-2" },
    } as const;
    for (const [action, types] of Object.entries(EC2_MUTATING_RESOURCE_TYPES)) {
      const arns = operationArns(samples[action as keyof typeof samples] as never, "us-east-1", "123456789012");
      expect(arns.map((a) => a.split(":")[5]!.split("/")[0])).toEqual([...types]);
    }
  });
});

describe("stateBucketPolicy and the trust policy", () => {
  const policy = stateBucketPolicy({ bucket: "edge-state", region: "us-east-1", s3EndpointId: "vpce-0123456789abcdef0", roleArn: "arn:aws:iam::123456789012:role/edge-agent", pairPrefix: "ha-pair/edge" });

  it("denies any request without TLS, for everyone", () => {
    expect(policy.Statement[0]).toEqual({
      Sid: "DenyInsecureTransport",
      Effect: "Deny",
      Principal: "*",
      Action: ["s3:*"],
      Resource: ["arn:aws:s3:::edge-state", "arn:aws:s3:::edge-state/*"],
      Condition: { Bool: { "aws:SecureTransport": "false" } },
    });
  });

  it("lets the pair's role at its objects only through the pair's S3 endpoint", () => {
    const allow = policy.Statement.find((s) => s.Sid === "AllowPairRoleThroughEndpoint")!;
    expect(allow.Principal).toEqual({ AWS: "arn:aws:iam::123456789012:role/edge-agent" });
    expect(allow.Resource).toBe("arn:aws:s3:::edge-state/ha-pair/edge/*");
    expect(allow.Condition).toEqual({ StringEquals: { "aws:sourceVpce": "vpce-0123456789abcdef0" } });
    const deny = policy.Statement.find((s) => s.Sid === "DenyPairRoleOutsideEndpoint")!;
    expect(deny.Effect).toBe("Deny");
    expect(deny.Action).toEqual(["s3:DeleteObject", "s3:GetObject", "s3:PutObject", "s3:ListBucket"]);
    expect(deny.Condition).toEqual({
      StringNotEquals: { "aws:sourceVpce": "vpce-0123456789abcdef0" },
      ArnEquals: { "aws:PrincipalArn": "arn:aws:iam::123456789012:role/edge-agent" },
    });
  });

  it("lets only EC2 assume the role, with no Resource (IAM rejects one in a trust policy)", () => {
    expect(ec2AssumeRolePolicy("us-east-1")).toEqual({
      Version: "2012-10-17",
      Statement: [{ Sid: "Ec2AssumeRole", Effect: "Allow", Principal: { Service: "ec2.amazonaws.com" }, Action: ["sts:AssumeRole"] }],
    });
    expect(ec2AssumeRolePolicy("cn-north-1").Statement[0]!.Principal).toEqual({ Service: "ec2.amazonaws.com.cn" });
  });
});
