/**
 * The AWS action names the pack expands IAM wildcards against (`ec2:Describe*`, `s3:Put*`,
 * `kms:*`...). Not every EC2 action: all mutating EC2 actions that touch network interfaces,
 * addresses, routes and route tables, tags, instances' network attributes and endpoints, their
 * Describe/Get counterparts, and the S3 and KMS action names. A wildcard that matches nothing
 * here (another service) is still reported: the agent calls none of them.
 *
 * What the agent needs comes from the runtime (AWS_REQUIRED_ACTIONS and friends): a new call in
 * the agent is allowed here without touching the pack.
 */
import { AWS_REQUIRED_ACTIONS, AWS_S3_BUCKET_ACTIONS, AWS_STATE_KMS_ACTIONS } from "../../runtime/aws/required-actions.js";

const ec2 = (names: string) => names.split(/\s+/).filter(Boolean).map((n) => `ec2:${n}`);
const s3 = (names: string) => names.split(/\s+/).filter(Boolean).map((n) => `s3:${n}`);
const kms = (names: string) => names.split(/\s+/).filter(Boolean).map((n) => `kms:${n}`);

export const EC2_MUTATING_ACTIONS: readonly string[] = ec2(`
  AssignPrivateIpAddresses UnassignPrivateIpAddresses AssignIpv6Addresses UnassignIpv6Addresses
  CreateNetworkInterface DeleteNetworkInterface AttachNetworkInterface DetachNetworkInterface
  ModifyNetworkInterfaceAttribute ResetNetworkInterfaceAttribute
  CreateNetworkInterfacePermission DeleteNetworkInterfacePermission
  AllocateAddress ReleaseAddress AssociateAddress DisassociateAddress ModifyAddressAttribute
  ResetAddressAttribute MoveAddressToVpc RestoreAddressToClassic EnableAddressTransfer
  DisableAddressTransfer AcceptAddressTransfer
  CreateRoute DeleteRoute ReplaceRoute CreateRouteTable DeleteRouteTable AssociateRouteTable
  DisassociateRouteTable ReplaceRouteTableAssociation EnableVgwRoutePropagation DisableVgwRoutePropagation
  CreateManagedPrefixList ModifyManagedPrefixList DeleteManagedPrefixList
  CreateTags DeleteTags
  ModifyInstanceAttribute ResetInstanceAttribute RunInstances StartInstances StopInstances
  RebootInstances TerminateInstances AssociateIamInstanceProfile ReplaceIamInstanceProfileAssociation
  DisassociateIamInstanceProfile
  CreateVpcEndpoint ModifyVpcEndpoint DeleteVpcEndpoints
  CreateSecurityGroup DeleteSecurityGroup AuthorizeSecurityGroupIngress AuthorizeSecurityGroupEgress
  RevokeSecurityGroupIngress RevokeSecurityGroupEgress ModifySecurityGroupRules
  CreateSubnet DeleteSubnet ModifySubnetAttribute CreateVpc DeleteVpc ModifyVpcAttribute
`);

export const EC2_READ_ACTIONS: readonly string[] = ec2(`
  DescribeNetworkInterfaces DescribeNetworkInterfaceAttribute DescribeNetworkInterfacePermissions
  DescribeAddresses DescribeAddressesAttribute DescribeAddressTransfers DescribeRouteTables
  DescribeTags DescribeInstances DescribeInstanceStatus DescribeInstanceAttribute DescribeSubnets
  DescribeVpcs DescribeVpcEndpoints DescribeSecurityGroups DescribeSecurityGroupRules
  DescribeManagedPrefixLists DescribePrefixLists DescribeRegions DescribeAvailabilityZones
  DescribeIamInstanceProfileAssociations GetManagedPrefixListEntries GetManagedPrefixListAssociations
`);

export const S3_ACTIONS: readonly string[] = s3(`
  AbortMultipartUpload BypassGovernanceRetention CreateAccessPoint CreateBucket CreateJob
  DeleteAccessPoint DeleteBucket DeleteBucketPolicy DeleteBucketWebsite DeleteObject
  DeleteObjectTagging DeleteObjectVersion DeleteObjectVersionTagging GetAccelerateConfiguration
  GetAccessPoint GetAccountPublicAccessBlock GetAnalyticsConfiguration GetBucketAcl GetBucketCORS
  GetBucketLocation GetBucketLogging GetBucketNotification GetBucketObjectLockConfiguration
  GetBucketOwnershipControls GetBucketPolicy GetBucketPolicyStatus GetBucketPublicAccessBlock
  GetBucketRequestPayment GetBucketTagging GetBucketVersioning GetBucketWebsite
  GetEncryptionConfiguration GetLifecycleConfiguration GetObject GetObjectAcl GetObjectAttributes
  GetObjectLegalHold GetObjectRetention GetObjectTagging GetObjectVersion GetObjectVersionAcl
  GetObjectVersionAttributes GetObjectVersionTagging GetReplicationConfiguration ListAllMyBuckets
  ListBucket ListBucketMultipartUploads ListBucketVersions ListMultipartUploadParts
  PutAccelerateConfiguration PutAccountPublicAccessBlock PutBucketAcl PutBucketCORS PutBucketLogging
  PutBucketNotification PutBucketObjectLockConfiguration PutBucketOwnershipControls PutBucketPolicy
  PutBucketPublicAccessBlock PutBucketRequestPayment PutBucketTagging PutBucketVersioning
  PutBucketWebsite PutEncryptionConfiguration PutLifecycleConfiguration PutObject PutObjectAcl
  PutObjectLegalHold PutObjectRetention PutObjectTagging PutObjectVersionAcl PutObjectVersionTagging
  PutReplicationConfiguration ReplicateDelete ReplicateObject ReplicateTags RestoreObject
`);

export const KMS_ACTIONS: readonly string[] = kms(`
  CancelKeyDeletion ConnectCustomKeyStore CreateAlias CreateCustomKeyStore CreateGrant CreateKey
  Decrypt DeleteAlias DeleteCustomKeyStore DeleteImportedKeyMaterial DescribeCustomKeyStores
  DescribeKey DisableKey DisableKeyRotation DisconnectCustomKeyStore EnableKey EnableKeyRotation
  Encrypt GenerateDataKey GenerateDataKeyPair GenerateDataKeyPairWithoutPlaintext
  GenerateDataKeyWithoutPlaintext GenerateMac GenerateRandom GetKeyPolicy GetKeyRotationStatus
  GetParametersForImport GetPublicKey ImportKeyMaterial ListAliases ListGrants ListKeyPolicies
  ListKeyRotations ListKeys ListResourceTags ListRetirableGrants PutKeyPolicy ReEncryptFrom
  ReEncryptTo ReplicateKey RetireGrant RevokeGrant RotateKeyOnDemand ScheduleKeyDeletion Sign
  TagResource UntagResource UpdateAlias UpdateCustomKeyStore UpdateKeyDescription
  UpdatePrimaryRegion Verify VerifyMac
`);

/** IAM actions a wildcard could reach that matter here (iam:PassRole lets a node hand out roles). */
export const IAM_ACTIONS: readonly string[] = ["iam:PassRole", "iam:CreateRole", "iam:AttachRolePolicy", "iam:PutRolePolicy", "iam:GetRole"];

export const AWS_ACTION_CATALOG: readonly string[] = [...EC2_MUTATING_ACTIONS, ...EC2_READ_ACTIONS, ...S3_ACTIONS, ...KMS_ACTIONS, ...IAM_ACTIONS];

/** Everything the agent calls, from the runtime's own lists. */
export const AGENT_AWS_ACTIONS = {
  ec2Mutating: [...AWS_REQUIRED_ACTIONS.ec2Mutating],
  ec2Read: [...AWS_REQUIRED_ACTIONS.ec2Read],
  s3: [...AWS_REQUIRED_ACTIONS.s3, ...AWS_S3_BUCKET_ACTIONS],
  kms: [...AWS_STATE_KMS_ACTIONS],
};

export const AGENT_AWS_ACTION_SET: ReadonlySet<string> = new Set(
  [...AGENT_AWS_ACTIONS.ec2Mutating, ...AGENT_AWS_ACTIONS.ec2Read, ...AGENT_AWS_ACTIONS.s3, ...AGENT_AWS_ACTIONS.kms].map((a) => a.toLowerCase()),
);

export function isEc2Read(action: string): boolean {
  return /^ec2:(Describe|Get)/i.test(action);
}
