/**
 * The least-privilege policies of a pair, as pure functions of the pair's exact resources, so
 * that the component, the policy pack and the end-to-end test (which hands the policy to the
 * simulated cloud) all use the same document.
 *
 * Everything the agent may do comes from the runtime's own list of the calls it makes
 * (AWS_REQUIRED_ACTIONS), never from a copy: a new call in the agent changes the policy.
 */
import {
  AWS_REQUIRED_ACTIONS,
  AWS_S3_BUCKET_ACTIONS,
  AWS_STATE_KMS_ACTIONS,
  EC2_MUTATING_RESOURCE_TYPES,
  ec2Arn,
  partitionOf,
  s3BucketArn,
  s3ObjectArn,
  type Ec2ResourceType,
} from "../../runtime/aws/required-actions.js";

export interface PolicyStatement {
  Sid: string;
  Effect: "Allow" | "Deny";
  Principal?: "*" | { AWS: string | string[] } | { Service: string | string[] };
  Action: string[];
  /** Absent only in a trust policy, where IAM rejects it. */
  Resource?: string | string[];
  Condition?: Record<string, Record<string, string | string[]>>;
}

export interface PolicyDocument {
  Version: "2012-10-17";
  Statement: PolicyStatement[];
}

/** The tag-changing actions denied for the pair's tag keys. */
export const TAG_ACTIONS = ["ec2:CreateTags", "ec2:DeleteTags"];

export interface PairPolicyInputs {
  region: string;
  accountId: string;
  label: string;
  labelKey: string;
  nicMapKey: string;
  /** Every interface of both nodes that something follows the active node to. */
  networkInterfaceIds: string[];
  /**
   * Narrower: the interfaces each interface-scoped action may touch — the roles whose secondary
   * IPs (AssignPrivateIpAddresses) or Elastic IPs (AssociateAddress) follow the active node. An
   * action with an empty list is not granted (across-AZ pairs move no secondary IP). Defaults to
   * networkInterfaceIds.
   */
  interfacesByAction?: Partial<Record<"AssignPrivateIpAddresses" | "AssociateAddress", string[]>>;
  /** The Elastic IPs that follow the active node. */
  allocationIds: string[];
  /** The route tables whose routes follow the active node (per-route mode: ReplaceRoute). */
  routeTableIds: string[];
  /**
   * Association mode: the subnets whose association the agent swaps and both nodes' twin tables
   * (ReplaceRouteTableAssociation, authorized on the subnet and the route table). Never merged
   * into routeTableIds: the twins' routes are static, so ReplaceRoute is not granted on them.
   */
  routeTableAssociations?: { subnetIds: string[]; routeTableIds: string[] };
  bucket: string;
  /** The state object's key: the agent reads, writes (conditionally) and deletes exactly this object. */
  stateKey: string;
  /** Key prefix (no trailing slash) of the agent bundle and config the nodes fetch at boot: read-only. */
  artifactsPrefix?: string;
  /** Customer managed KMS key of the bucket's default encryption, if any. */
  kmsKeyArn?: string;
}

const sorted = (values: Iterable<string>) => [...new Set(values)].sort();

/**
 * The agent's identity policy:
 * - each mutating EC2 action only on the ARNs of the pair's resources of the types that action
 *   is authorized on, and only while they carry the label tag (aws:ResourceTag);
 * - the Describe actions (which accept no resource ARN) only in the pair's Region;
 * - the state object only; the boot artifacts read-only; s3:ListBucket on the state bucket (so a
 *   missing state object answers 404 instead of 403 — see ListStateBucket);
 * - the KMS key, if any, for GenerateDataKey/Decrypt only;
 * - an explicit Deny of CreateTags/DeleteTags on the label and nic-map keys, and on any resource
 *   that carries the label, so the agent can neither pull a foreign resource into the pair nor
 *   drop one out of it, whatever other policy the role is given later.
 */
export function pairIamPolicy(inputs: PairPolicyInputs): PolicyDocument {
  const { region, accountId, label, labelKey, nicMapKey } = inputs;
  const arnsOf: Record<Ec2ResourceType, string[]> = {
    "network-interface": sorted(inputs.networkInterfaceIds).map((id) => ec2Arn("network-interface", id, region, accountId)),
    "elastic-ip": sorted(inputs.allocationIds).map((id) => ec2Arn("elastic-ip", id, region, accountId)),
    "route-table": sorted(inputs.routeTableIds).map((id) => ec2Arn("route-table", id, region, accountId)),
    // Subnets are granted only ReplaceRouteTableAssociation (associationArns).
    subnet: [],
  };
  const statements: PolicyStatement[] = [];
  for (const action of AWS_REQUIRED_ACTIONS.ec2Mutating) {
    const name = action.replace(/^ec2:/, "") as keyof typeof EC2_MUTATING_RESOURCE_TYPES;
    const types = EC2_MUTATING_RESOURCE_TYPES[name];
    if (!types) throw new Error(`no resource types known for ${action}; add it to EC2_MUTATING_RESOURCE_TYPES in runtime/aws/required-actions.ts`);
    const scoped = name === "ReplaceRoute" || name === "ReplaceRouteTableAssociation" ? undefined : inputs.interfacesByAction?.[name];
    const arnsFor = (type: Ec2ResourceType) =>
      action === "ec2:ReplaceRouteTableAssociation"
        ? associationArns(inputs, type)
        : type === "network-interface" && scoped
          ? sorted(scoped).map((id) => ec2Arn("network-interface", id, region, accountId))
          : arnsOf[type];
    // An action the pair never needs (no EIPs: no AssociateAddress; no secondary IPs: no
    // AssignPrivateIpAddresses) is not granted at all.
    if (types.some((type) => arnsFor(type).length === 0)) continue;
    statements.push({
      Sid: `PairOnly${name}`,
      Effect: "Allow",
      Action: [action],
      Resource: types.flatMap(arnsFor),
      Condition: { StringEquals: { [`aws:ResourceTag/${labelKey}`]: label } },
    });
  }
  statements.push({
    Sid: "DescribeInPairRegion",
    Effect: "Allow",
    Action: [...AWS_REQUIRED_ACTIONS.ec2Read],
    // EC2 Describe* actions do not support resource-level permissions: "*" is the only Resource they accept.
    Resource: "*",
    Condition: { StringEquals: { "aws:RequestedRegion": region } },
  });
  statements.push({
    Sid: "StateObject",
    Effect: "Allow",
    Action: [...AWS_REQUIRED_ACTIONS.s3],
    Resource: s3ObjectArn(inputs.bucket, inputs.stateKey, region),
  });
  if (inputs.artifactsPrefix !== undefined) {
    statements.push({
      Sid: "ReadAgentArtifacts",
      Effect: "Allow",
      Action: ["s3:GetObject"],
      Resource: s3ObjectArn(inputs.bucket, `${inputs.artifactsPrefix}/*`, region),
    });
  }
  // S3 answers a GET of a missing object with 404 only to a caller allowed s3:ListBucket on the
  // bucket, else 403. That implicit check is not a list request and carries no s3:prefix, so a
  // grant conditioned on s3:prefix would make the first failover of a new pair (no state object
  // yet) fail with AccessDenied. Unconditioned, it reveals the key names of the pair's own state
  // bucket and nothing else.
  statements.push({
    Sid: "ListStateBucket",
    Effect: "Allow",
    Action: [...AWS_S3_BUCKET_ACTIONS],
    Resource: s3BucketArn(inputs.bucket, region),
  });
  if (inputs.kmsKeyArn !== undefined) {
    statements.push({ Sid: "StateKmsKey", Effect: "Allow", Action: [...AWS_STATE_KMS_ACTIONS], Resource: inputs.kmsKeyArn });
  }
  statements.push({
    Sid: "DenyPairTagKeyChanges",
    Effect: "Deny",
    Action: [...TAG_ACTIONS],
    Resource: "*",
    Condition: { "ForAnyValue:StringEquals": { "aws:TagKeys": [labelKey, nicMapKey] } },
  });
  statements.push({
    Sid: "DenyRetaggingPairResources",
    Effect: "Deny",
    Action: [...TAG_ACTIONS],
    Resource: "*",
    Condition: { StringEquals: { [`ec2:ResourceTag/${labelKey}`]: label } },
  });
  return { Version: "2012-10-17", Statement: statements };
}

/** ReplaceRouteTableAssociation: the pair's subnets and twin tables only (nothing else of either type). */
function associationArns(inputs: PairPolicyInputs, type: Ec2ResourceType): string[] {
  const { region, accountId } = inputs;
  const ids: Partial<Record<string, string[]>> = {
    "route-table": inputs.routeTableAssociations?.routeTableIds,
    subnet: inputs.routeTableAssociations?.subnetIds,
  };
  return sorted(ids[type] ?? []).map((id) => ec2Arn(type, id, region, accountId));
}

export interface StateBucketPolicyInputs {
  bucket: string;
  region: string;
  /** The pair's S3 gateway endpoint: the only way the role reaches the pair's objects. */
  s3EndpointId: string;
  /** The agent's role. */
  roleArn: string;
  /** Key prefix (no trailing slash) of the pair's objects. */
  pairPrefix: string;
}

/**
 * The state bucket's resource policy: no access without TLS for anyone; the pair's role gets
 * its objects only through the pair's S3 gateway endpoint (aws:sourceVpce). Only the role is
 * bound to the endpoint, so the operator running `pulumi up` from outside the VPC can still
 * upload the agent and its config.
 */
export function stateBucketPolicy(inputs: StateBucketPolicyInputs): PolicyDocument {
  const bucketArn = s3BucketArn(inputs.bucket, inputs.region);
  const objects = `${bucketArn}/*`;
  const pairObjects = s3ObjectArn(inputs.bucket, `${inputs.pairPrefix}/*`, inputs.region);
  const objectActions = [...new Set([...AWS_REQUIRED_ACTIONS.s3, "s3:GetObject"])].sort();
  return {
    Version: "2012-10-17",
    Statement: [
      {
        Sid: "DenyInsecureTransport",
        Effect: "Deny",
        Principal: "*",
        Action: ["s3:*"],
        Resource: [bucketArn, objects],
        Condition: { Bool: { "aws:SecureTransport": "false" } },
      },
      {
        Sid: "AllowPairRoleThroughEndpoint",
        Effect: "Allow",
        Principal: { AWS: inputs.roleArn },
        Action: objectActions,
        Resource: pairObjects,
        Condition: { StringEquals: { "aws:sourceVpce": inputs.s3EndpointId } },
      },
      {
        Sid: "DenyPairRoleOutsideEndpoint",
        Effect: "Deny",
        Principal: "*",
        Action: [...objectActions, ...AWS_S3_BUCKET_ACTIONS],
        Resource: [bucketArn, objects],
        Condition: {
          StringNotEquals: { "aws:sourceVpce": inputs.s3EndpointId },
          ArnEquals: { "aws:PrincipalArn": inputs.roleArn },
        },
      },
    ],
  };
}

/** The trust policy of the agent's role: only EC2 (the nodes' instance profile) may assume it. */
export function ec2AssumeRolePolicy(region: string): PolicyDocument {
  // China Regions name the EC2 service principal with their own DNS suffix.
  const service = partitionOf(region) === "aws-cn" ? "ec2.amazonaws.com.cn" : "ec2.amazonaws.com";
  return {
    Version: "2012-10-17",
    Statement: [{ Sid: "Ec2AssumeRole", Effect: "Allow", Principal: { Service: service }, Action: ["sts:AssumeRole"] }],
  };
}
