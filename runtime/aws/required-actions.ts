/**
 * Every IAM action the AWS provider calls, derived from the tables the calling code itself
 * types its calls with (api-actions.ts; so adding a call without listing it does not happen
 * silently). Nothing here loads the SDK. The least-privilege
 * IAM policy and the policy pack are generated from this.
 *
 * Resources (for the generator): ec2Mutating on the pair's network-interface, elastic-ip and
 * route-table ARNs (see operationArns); ec2Read cannot be scoped (EC2 Describe* actions take
 * no resource ARNs); s3 on arn:aws:s3:::BUCKET/KEY.
 */
import { EC2_MUTATING_API, EC2_READ_API, S3_API } from "./api-actions.js";
import type { AwsOperationAction as OperationAction } from "../core/operations.js";
import type { Ec2ResourceType } from "./arns.js";

export const AWS_REQUIRED_ACTIONS: { ec2Mutating: string[]; ec2Read: string[]; s3: string[] } = {
  ec2Mutating: Object.values(EC2_MUTATING_API).map((action) => `ec2:${action}`),
  ec2Read: EC2_READ_API.map((action) => `ec2:${action}`),
  s3: S3_API.map((action) => `s3:${action}`),
};

/**
 * Not called, but needed on the bucket ARN (arn:aws:s3:::BUCKET): without it S3 answers 403
 * instead of 404 for a missing object, so the first failover of a new pair (no state object
 * yet) would look like a permission error. Not conditioned on s3:prefix: S3's implicit check
 * on a GET is not a list request and carries no prefix.
 */
export const AWS_S3_BUCKET_ACTIONS: string[] = ["s3:ListBucket"];

/**
 * Not called by the agent itself, but needed when the state bucket's default encryption is
 * SSE-KMS with a customer managed key: S3 calls KMS on the caller's behalf to write and read the
 * state object. Granted on that key only.
 */
export const AWS_STATE_KMS_ACTIONS: string[] = ["kms:GenerateDataKey", "kms:Decrypt"];

/**
 * For the policy generator: the EC2 resource types each mutating action is authorized on, the
 * same ARNs operationArns() names in error messages (typed over OperationAction, so a new
 * operation does not compile until it is listed here). components/ grants each action on
 * exactly these ARNs of the pair's resources.
 */
export const EC2_MUTATING_RESOURCE_TYPES: { readonly [A in OperationAction]: readonly Ec2ResourceType[] } = {
  AssignPrivateIpAddresses: ["network-interface"],
  AssociateAddress: ["elastic-ip", "network-interface"],
  ReplaceRoute: ["route-table"],
};

// The ARN builders the agent uses in its messages, so generated policies name resources the same way.
export { ec2Arn, partitionOf, s3BucketArn, s3ObjectArn, type Ec2ResourceType } from "./arns.js";
