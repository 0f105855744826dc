/**
 * ARNs of the pair's resources, for messages that tell the operator exactly what to grant.
 * The account is not always known (it comes from the IMDS identity or the first observation);
 * "ACCOUNT" then stands in, which a reader can fill in and a policy generator cannot mistake
 * for a real value.
 */

export const UNKNOWN_ACCOUNT = "ACCOUNT";
export const UNKNOWN_REGION = "REGION";

/** The ARN partition of a region: aws, aws-cn (China), aws-us-gov (GovCloud). */
export function partitionOf(region: string | undefined): string {
  if (region?.startsWith("cn-")) return "aws-cn";
  if (region?.startsWith("us-gov-")) return "aws-us-gov";
  return "aws";
}

export type Ec2ResourceType = "network-interface" | "elastic-ip" | "route-table" | "subnet";

export function ec2Arn(type: Ec2ResourceType, id: string, region: string | undefined, account: string | undefined): string {
  return `arn:${partitionOf(region)}:ec2:${region ?? UNKNOWN_REGION}:${account ?? UNKNOWN_ACCOUNT}:${type}/${id}`;
}

/** S3 object ARNs carry neither region nor account. */
export function s3ObjectArn(bucket: string, key: string, region?: string): string {
  return `arn:${partitionOf(region)}:s3:::${bucket}/${key}`;
}

export function s3BucketArn(bucket: string, region?: string): string {
  return `arn:${partitionOf(region)}:s3:::${bucket}`;
}
