import { describe, expect, it } from "vitest";
import {
  actionMatches,
  authorizeAll,
  contextOf,
  evaluatePolicies,
  IdentityPolicies,
  MalformedPolicyError,
  principalOf,
  resourceMatches,
  arnConditionMatches,
  conditionsHold,
  type PolicyDocument,
  type PolicyStatement,
} from "../sim/iam/index.js";

const ENI = "arn:aws:ec2:us-east-1:123456789012:network-interface/eni-0aaa";
const RTB = "arn:aws:ec2:us-east-1:123456789012:route-table/rtb-0aaa";
const doc = (...Statement: PolicyStatement[]): PolicyDocument => ({ Version: "2012-10-17", Statement });
const decide = (documents: PolicyDocument[], action: string, resource: string, context: Record<string, string | string[]> = {}) =>
  evaluatePolicies(documents, { action, resource, context: contextOf(context) }).decision;

describe("IAM matching", () => {
  it("matches actions case-insensitively with * and ?", () => {
    expect(actionMatches("ec2:ReplaceRoute", "ec2:replaceroute")).toBe(true);
    expect(actionMatches("EC2:Describe*", "ec2:DescribeRouteTables")).toBe(true);
    expect(actionMatches("ec2:Describe*", "ec2:ReplaceRoute")).toBe(false);
    expect(actionMatches("s3:?etObject", "s3:GetObject")).toBe(true);
    expect(actionMatches("s3:?etObject", "s3:PutObjectAcl")).toBe(false);
    expect(actionMatches("*", "s3:GetObject")).toBe(true);
    expect(actionMatches("ec2:Replace", "ec2:ReplaceRoute")).toBe(false);
  });

  it("matches resource ARNs case-sensitively, wildcards per segment, a segment-final * across colons", () => {
    expect(resourceMatches("*", RTB)).toBe(true);
    expect(resourceMatches("arn:aws:ec2:*:*:route-table/*", RTB)).toBe(true);
    expect(resourceMatches("arn:aws:ec2:us-east-1:123456789012:route-table/rtb-0aaa", RTB)).toBe(true);
    expect(resourceMatches("arn:aws:ec2:us-east-1:123456789012:route-table/RTB-0aaa", RTB)).toBe(false);
    expect(resourceMatches("arn:aws:ec2:us-east-1:123456789012:route-table/rtb-0aa?", RTB)).toBe(true);
    expect(resourceMatches("arn:aws:ec2:us-east-1:123456789012:network-interface/*", RTB)).toBe(false);
    expect(resourceMatches("arn:aws:s3:::bucket/*", "arn:aws:s3:::bucket/a/b:c.json")).toBe(true);
    expect(resourceMatches("arn:aws:s3:::bucket/*", "arn:aws:s3:::bucket")).toBe(false);
    expect(resourceMatches("arn:*", RTB)).toBe(true);
    // A * inside a segment (not at its end) stays inside it.
    expect(resourceMatches("arn:aws:ec2:us-*-1:123456789012:route-table/rtb-0aaa", RTB)).toBe(true);
    expect(resourceMatches("arn:aws:e*2:us-east-1:123456789012:route-table/rtb-0aaa", RTB)).toBe(true);
    // Describe* are evaluated on "*": a specific ARN does not cover them.
    expect(resourceMatches("arn:aws:ec2:*:*:*", "*")).toBe(false);
  });

  it("compares ARN conditions segment by segment", () => {
    expect(arnConditionMatches("arn:aws:ec2:*:*:vpc/vpc-1", "arn:aws:ec2:us-east-1:123456789012:vpc/vpc-1")).toBe(true);
    expect(arnConditionMatches("arn:aws:ec2:*:*:vpc/vpc-1", "arn:aws:ec2:us-east-1:123456789012:vpc/vpc-2")).toBe(false);
    expect(arnConditionMatches("arn:aws:iam::*:role/ha-*", "arn:aws:iam::123456789012:role/ha-pair")).toBe(true);
  });

  it("knows roles (by role name) and users from the caller ARN", () => {
    expect(principalOf("arn:aws:sts::123456789012:assumed-role/ha-pair-node/i-0abc")).toEqual({
      key: "ha-pair-node",
      principalArn: "arn:aws:iam::123456789012:role/ha-pair-node",
      type: "AssumedRole",
      account: "123456789012",
    });
    expect(principalOf("arn:aws:iam::123456789012:user/ha-pair-sim")?.key).toBe("user/ha-pair-sim");
  });
});

describe("IAM policy evaluation", () => {
  const allowRoute = doc({ Effect: "Allow", Action: "ec2:ReplaceRoute", Resource: RTB });

  it("no statement allows: implicit deny; one does: allow; an explicit deny anywhere wins", () => {
    expect(decide([], "ec2:ReplaceRoute", RTB)).toBe("implicit-deny");
    expect(decide([allowRoute], "ec2:ReplaceRoute", RTB)).toBe("allow");
    expect(decide([allowRoute], "ec2:CreateRoute", RTB)).toBe("implicit-deny");
    const deny = doc({ Effect: "Deny", Action: "ec2:*", Resource: "*" });
    expect(decide([allowRoute, deny], "ec2:ReplaceRoute", RTB)).toBe("explicit-deny");
    expect(decide([deny, allowRoute], "ec2:ReplaceRoute", RTB)).toBe("explicit-deny");
  });

  it("NotAction and NotResource match everything but what they list", () => {
    const allBut = doc({ Effect: "Allow", NotAction: ["ec2:ReplaceRoute", "iam:*"], Resource: "*" });
    expect(decide([allBut], "ec2:ReplaceRoute", RTB)).toBe("implicit-deny");
    expect(decide([allBut], "ec2:AssociateAddress", RTB)).toBe("allow");
    expect(decide([allBut], "iam:PassRole", RTB)).toBe("implicit-deny");
    const notEni = doc({ Effect: "Allow", Action: "ec2:*", NotResource: "arn:aws:ec2:*:*:network-interface/*" });
    expect(decide([notEni], "ec2:ReplaceRoute", RTB)).toBe("allow");
    expect(decide([notEni], "ec2:AssignPrivateIpAddresses", ENI)).toBe("implicit-deny");
    // A Deny with NotResource: denies everywhere except the listed resources.
    const denyElsewhere = doc({ Effect: "Deny", Action: "ec2:ReplaceRoute", NotResource: RTB });
    expect(decide([allowRoute, denyElsewhere], "ec2:ReplaceRoute", RTB)).toBe("allow");
    expect(decide([doc({ Effect: "Allow", Action: "ec2:*", Resource: "*" }), denyElsewhere], "ec2:ReplaceRoute", RTB.replace("0aaa", "0bbb"))).toBe("explicit-deny");
  });

  it("every resource of a multi-resource action must be allowed; the refused one is named", () => {
    const eip = "arn:aws:ec2:us-east-1:123456789012:elastic-ip/eipalloc-1";
    const onlyEip = doc({ Effect: "Allow", Action: "ec2:AssociateAddress", Resource: eip });
    const ctx = contextOf({});
    expect(authorizeAll([onlyEip], "ec2:AssociateAddress", [{ arn: eip }, { arn: ENI }], ctx)).toEqual({ decision: "implicit-deny", resource: ENI });
    const both = doc({ Effect: "Allow", Action: "ec2:AssociateAddress", Resource: [eip, ENI] });
    expect(authorizeAll([both], "ec2:AssociateAddress", [{ arn: eip }, { arn: ENI }], ctx).decision).toBe("allow");
    const denyEni = doc({ Effect: "Deny", Action: "ec2:AssociateAddress", Resource: ENI });
    expect(authorizeAll([onlyEip, denyEni], "ec2:AssociateAddress", [{ arn: eip }, { arn: ENI }], ctx).decision).toBe("explicit-deny");
    // No resources (Describe*): evaluated on "*".
    expect(authorizeAll([doc({ Effect: "Allow", Action: "ec2:Describe*", Resource: "*" })], "ec2:DescribeAddresses", [], ctx).decision).toBe("allow");
    expect(authorizeAll([both], "ec2:DescribeAddresses", [], ctx).decision).toBe("implicit-deny");
  });

  it("refuses malformed documents on attach, as IAM does", () => {
    const store = new IdentityPolicies({ region: "us-east-1" });
    const bad: unknown[] = [
      { Statement: [{ Effect: "Permit", Action: "ec2:*", Resource: "*" }] },
      { Statement: [{ Effect: "Allow", Action: "ec2:*", NotAction: "s3:*", Resource: "*" }] },
      { Statement: [{ Effect: "Allow", Action: "ec2:*" }] },
      { Statement: [{ Effect: "Allow", Action: "ec2:*", Resource: "*", Condition: { StringEqualz: { "aws:RequestedRegion": "x" } } }] },
      { Statement: [{ Effect: "Allow", Action: "ReplaceRoute", Resource: "*" }] },
      { Statement: [{ Effect: "Allow", Action: "ec2:*", Resource: "rtb-1" }] },
      { Statement: [{ Effect: "Allow", Principal: "*", Action: "ec2:*", Resource: "*" }] },
    ];
    for (const document of bad) expect(() => store.set("role", [document as PolicyDocument])).toThrow(MalformedPolicyError);
  });
});

describe("IAM condition operators", () => {
  const holds = (condition: NonNullable<PolicyStatement["Condition"]>, context: Record<string, string | string[]>) => conditionsHold(condition, contextOf(context));

  it("String operators: exact (case-sensitive), ignore-case, like; values OR, keys and operators AND", () => {
    expect(holds({ StringEquals: { "aws:RequestedRegion": "us-east-1" } }, { "aws:RequestedRegion": "us-east-1" })).toBe(true);
    expect(holds({ StringEquals: { "aws:RequestedRegion": "US-EAST-1" } }, { "aws:RequestedRegion": "us-east-1" })).toBe(false);
    expect(holds({ StringEqualsIgnoreCase: { "aws:RequestedRegion": "US-EAST-1" } }, { "aws:RequestedRegion": "us-east-1" })).toBe(true);
    expect(holds({ StringEquals: { "aws:RequestedRegion": ["eu-west-1", "us-east-1"] } }, { "aws:RequestedRegion": "us-east-1" })).toBe(true);
    expect(holds({ StringLike: { "s3:prefix": "ha-pair/*" } }, { "s3:prefix": "ha-pair/demo/state.json" })).toBe(true);
    expect(holds({ StringLike: { "s3:prefix": "ha-pair/?" } }, { "s3:prefix": "ha-pair/ab" })).toBe(false);
    expect(holds({ StringNotEquals: { "aws:RequestedRegion": ["eu-west-1", "us-east-1"] } }, { "aws:RequestedRegion": "us-east-1" })).toBe(false);
    expect(holds({ StringNotEquals: { "aws:RequestedRegion": ["eu-west-1"] } }, { "aws:RequestedRegion": "us-east-1" })).toBe(true);
    // Condition key names are case-insensitive.
    expect(holds({ StringEquals: { "AWS:requestedregion": "us-east-1" } }, { "aws:RequestedRegion": "us-east-1" })).toBe(true);
    // Two keys under one operator, two operators: all must hold.
    const both = { StringEquals: { "aws:RequestedRegion": "us-east-1", "ec2:ResourceTag/label": "demo" }, Bool: { "aws:SecureTransport": "true" } };
    expect(holds(both, { "aws:RequestedRegion": "us-east-1", "ec2:ResourceTag/label": "demo", "aws:SecureTransport": "true" })).toBe(true);
    expect(holds(both, { "aws:RequestedRegion": "us-east-1", "ec2:ResourceTag/label": "other", "aws:SecureTransport": "true" })).toBe(false);
    expect(holds(both, { "aws:RequestedRegion": "us-east-1", "ec2:ResourceTag/label": "demo", "aws:SecureTransport": "false" })).toBe(false);
  });

  it("a missing key: positive operators false, negated true, IfExists true, Null tests presence", () => {
    expect(holds({ StringEquals: { "aws:ResourceTag/label": "demo" } }, {})).toBe(false);
    expect(holds({ StringNotEquals: { "aws:ResourceTag/label": "demo" } }, {})).toBe(true);
    expect(holds({ StringNotLike: { "aws:ResourceTag/label": "d*" } }, {})).toBe(true);
    expect(holds({ ArnNotLike: { "ec2:Vpc": "arn:aws:ec2:*:*:vpc/vpc-1" } }, {})).toBe(true);
    expect(holds({ StringEqualsIfExists: { "aws:ResourceTag/label": "demo" } }, {})).toBe(true);
    expect(holds({ StringEqualsIfExists: { "aws:ResourceTag/label": "demo" } }, { "aws:ResourceTag/label": "other" })).toBe(false);
    expect(holds({ BoolIfExists: { "aws:SecureTransport": "true" } }, {})).toBe(true);
    expect(holds({ Bool: { "aws:SecureTransport": "true" } }, {})).toBe(false);
    expect(holds({ Null: { "aws:ResourceTag/label": "true" } }, {})).toBe(true);
    expect(holds({ Null: { "aws:ResourceTag/label": "false" } }, {})).toBe(false);
    expect(holds({ Null: { "aws:ResourceTag/label": "false" } }, { "aws:ResourceTag/label": "x" })).toBe(true);
    expect(holds({ ArnLikeIfExists: { "ec2:Vpc": "arn:aws:ec2:*:*:vpc/vpc-1" } }, { "ec2:Vpc": "arn:aws:ec2:us-east-1:1:vpc/vpc-2" })).toBe(false);
  });

  it("Bool is case-insensitive; Arn operators compare ARNs", () => {
    expect(holds({ Bool: { "aws:SecureTransport": "TRUE" } }, { "aws:SecureTransport": "true" })).toBe(true);
    expect(holds({ Bool: { "aws:SecureTransport": false } }, { "aws:SecureTransport": "false" })).toBe(true);
    expect(holds({ ArnEquals: { "ec2:Vpc": "arn:aws:ec2:us-east-1:1:vpc/vpc-1" } }, { "ec2:Vpc": "arn:aws:ec2:us-east-1:1:vpc/vpc-1" })).toBe(true);
    expect(holds({ ArnLike: { "ec2:Vpc": "arn:aws:ec2:*:*:vpc/*" } }, { "ec2:Vpc": "arn:aws:ec2:us-east-1:1:vpc/vpc-1" })).toBe(true);
    expect(holds({ ArnNotEquals: { "ec2:Vpc": "arn:aws:ec2:us-east-1:1:vpc/vpc-1" } }, { "ec2:Vpc": "arn:aws:ec2:us-east-1:1:vpc/vpc-2" })).toBe(true);
  });

  it("ForAnyValue / ForAllValues on a multivalued key (aws:TagKeys)", () => {
    const tags = { "aws:TagKeys": ["label", "nic-map"] };
    expect(holds({ "ForAllValues:StringEquals": { "aws:TagKeys": ["label", "nic-map", "Name"] } }, tags)).toBe(true);
    expect(holds({ "ForAllValues:StringEquals": { "aws:TagKeys": ["label"] } }, tags)).toBe(false);
    expect(holds({ "ForAnyValue:StringEquals": { "aws:TagKeys": ["label"] } }, tags)).toBe(true);
    expect(holds({ "ForAnyValue:StringEquals": { "aws:TagKeys": ["Name"] } }, tags)).toBe(false);
    expect(holds({ "ForAnyValue:StringLike": { "aws:TagKeys": ["nic-*"] } }, tags)).toBe(true);
    expect(holds({ "ForAllValues:StringLike": { "aws:TagKeys": ["*a*"] } }, tags)).toBe(true);
    // Missing (no tags in the request): ForAllValues holds vacuously, ForAnyValue does not.
    expect(holds({ "ForAllValues:StringEquals": { "aws:TagKeys": ["label"] } }, {})).toBe(true);
    expect(holds({ "ForAnyValue:StringEquals": { "aws:TagKeys": ["label"] } }, {})).toBe(false);
    // Negated with a set operator: each / some context value is in none of the policy values.
    expect(holds({ "ForAllValues:StringNotEquals": { "aws:TagKeys": ["Name"] } }, tags)).toBe(true);
    expect(holds({ "ForAnyValue:StringNotEquals": { "aws:TagKeys": ["label"] } }, tags)).toBe(true);
    expect(holds({ "ForAnyValue:StringNotEquals": { "aws:TagKeys": ["label", "nic-map"] } }, tags)).toBe(false);
  });

  it("Numeric and Date operators; policy variables in condition values", () => {
    expect(holds({ NumericLessThanEquals: { "s3:max-keys": "10" } }, { "s3:max-keys": "5" })).toBe(true);
    expect(holds({ NumericGreaterThan: { "s3:max-keys": "10" } }, { "s3:max-keys": "5" })).toBe(false);
    expect(holds({ DateLessThan: { "aws:CurrentTime": "2100-01-01T00:00:00Z" } }, { "aws:CurrentTime": "2025-01-01T00:00:00Z" })).toBe(true);
    expect(holds({ StringEquals: { "aws:ResourceTag/owner": "${aws:username}" } }, { "aws:ResourceTag/owner": "bob", "aws:username": "bob" })).toBe(true);
    expect(holds({ StringEquals: { "aws:ResourceTag/owner": "${aws:username}" } }, { "aws:ResourceTag/owner": "bob" })).toBe(false);
  });
});

describe("IdentityPolicies store", () => {
  it("allow-all for a principal without policies; AWS-worded reasons otherwise", () => {
    const store = new IdentityPolicies({ region: "us-east-1" });
    const caller = "arn:aws:sts::123456789012:assumed-role/node/i-1";
    expect(store.authorize({ callerArn: caller, action: "ec2:ReplaceRoute", resources: [{ arn: RTB }] })).toEqual({ allowed: true });
    store.set("node", []);
    expect(store.authorize({ callerArn: caller, action: "ec2:ReplaceRoute", resources: [{ arn: RTB }] })).toEqual({
      allowed: false,
      resourceArn: RTB,
      reason: "because no identity-based policy allows the ec2:ReplaceRoute action",
    });
    store.set("node", [doc({ Effect: "Deny", Action: "ec2:*", Resource: "*" })]);
    expect(store.authorize({ callerArn: caller, action: "ec2:ReplaceRoute", resources: [{ arn: RTB }] })).toMatchObject({ reason: "with an explicit deny in an identity-based policy" });
    store.set("node", null);
    expect(store.authorize({ callerArn: caller, action: "ec2:ReplaceRoute", resources: [{ arn: RTB }] })).toEqual({ allowed: true });
  });

  it("supplies the global keys: aws:RequestedRegion, aws:SecureTransport, aws:PrincipalArn", () => {
    const caller = "arn:aws:sts::123456789012:assumed-role/node/i-1";
    const conditioned = doc({
      Effect: "Allow",
      Action: "ec2:ReplaceRoute",
      Resource: "*",
      Condition: {
        StringEquals: { "aws:RequestedRegion": "us-east-1" },
        Bool: { "aws:SecureTransport": "true" },
        ArnEquals: { "aws:PrincipalArn": "arn:aws:iam::123456789012:role/node" },
      },
    });
    const inRegion = new IdentityPolicies({ region: "us-east-1" }, { node: [conditioned] });
    expect(inRegion.authorize({ callerArn: caller, action: "ec2:ReplaceRoute", resources: [{ arn: RTB }] }).allowed).toBe(true);
    const otherRegion = new IdentityPolicies({ region: "eu-west-1" }, { node: [conditioned] });
    expect(otherRegion.authorize({ callerArn: caller, action: "ec2:ReplaceRoute", resources: [{ arn: RTB }] }).allowed).toBe(false);
    const plainHttp = new IdentityPolicies({ region: "us-east-1", secureTransport: false }, { node: [conditioned] });
    expect(plainHttp.authorize({ callerArn: caller, action: "ec2:ReplaceRoute", resources: [{ arn: RTB }] }).allowed).toBe(false);
  });
});
