import type { AwsOperationAction as OperationAction } from "../core/operations.js";

/**
 * The AWS API actions the agent calls, by service. Pure data with no SDK import, so that what
 * needs only the names (required-actions.ts, and through it the generated IAM policy and the
 * policy pack) does not load the SDK clients. The calling modules type their calls with these
 * tables, so a call cannot be added without listing it here.
 */
export const EC2_MUTATING_API: { readonly [A in OperationAction]: A } = {
  AssignPrivateIpAddresses: "AssignPrivateIpAddresses",
  AssociateAddress: "AssociateAddress",
  ReplaceRoute: "ReplaceRoute",
  ReplaceRouteTableAssociation: "ReplaceRouteTableAssociation",
};

export const EC2_READ_API = ["DescribeNetworkInterfaces", "DescribeAddresses", "DescribeRouteTables", "DescribeInstances", "DescribeSubnets"] as const;
export type Ec2ReadAction = (typeof EC2_READ_API)[number];

export const S3_API = ["GetObject", "PutObject", "DeleteObject"] as const;
export type S3Action = (typeof S3_API)[number];
