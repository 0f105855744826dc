/**
 * The type tokens the rules look at. @pulumi/aws v7 renamed some S3 resources (BucketV2 →
 * Bucket, the …V2 configuration resources → plain names, with aliases to the old types): both
 * spellings are accepted, so a stack still on the old names is checked the same way.
 * @pulumi/azure-native is not a dependency of the pack: its tokens are spelled out here.
 */
export const AWS_PAIR = "ha-pair:index:AwsHaPair";
export const AZURE_PAIR = "ha-pair:index:AzureHaPair";
export const PAIR_COMPONENTS: readonly string[] = [AWS_PAIR, AZURE_PAIR];

export const AWS = {
  networkInterface: "aws:ec2/networkInterface:NetworkInterface",
  networkInterfaceAttachment: "aws:ec2/networkInterfaceAttachment:NetworkInterfaceAttachment",
  instance: "aws:ec2/instance:Instance",
  eip: "aws:ec2/eip:Eip",
  routeTable: "aws:ec2/routeTable:RouteTable",
  defaultRouteTable: "aws:ec2/defaultRouteTable:DefaultRouteTable",
  route: "aws:ec2/route:Route",
  routeTableAssociation: "aws:ec2/routeTableAssociation:RouteTableAssociation",
  mainRouteTableAssociation: "aws:ec2/mainRouteTableAssociation:MainRouteTableAssociation",
  vpc: "aws:ec2/vpc:Vpc",
  subnet: "aws:ec2/subnet:Subnet",
  vpcEndpoint: "aws:ec2/vpcEndpoint:VpcEndpoint",
  vpcEndpointRouteTableAssociation: "aws:ec2/vpcEndpointRouteTableAssociation:VpcEndpointRouteTableAssociation",
  tag: "aws:ec2/tag:Tag",
  buckets: ["aws:s3/bucket:Bucket", "aws:s3/bucketV2:BucketV2"],
  publicAccessBlock: ["aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock"],
  encryption: [
    "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration",
    "aws:s3/bucketServerSideEncryptionConfigurationV2:BucketServerSideEncryptionConfigurationV2",
  ],
  versioning: ["aws:s3/bucketVersioning:BucketVersioning", "aws:s3/bucketVersioningV2:BucketVersioningV2"],
  bucketPolicy: ["aws:s3/bucketPolicy:BucketPolicy"],
  role: "aws:iam/role:Role",
  rolePolicy: "aws:iam/rolePolicy:RolePolicy",
  policy: "aws:iam/policy:Policy",
  rolePolicyAttachment: "aws:iam/rolePolicyAttachment:RolePolicyAttachment",
  policyAttachment: "aws:iam/policyAttachment:PolicyAttachment",
  instanceProfile: "aws:iam/instanceProfile:InstanceProfile",
  /** ha-pair's dynamic resource that turns source/dest check off on an interface the stack does not own. */
  sourceDestCheckOff: "pulumi-nodejs:dynamic/ha-pair:SourceDestCheckOff",
} as const;

export const AZURE = {
  networkInterface: "azure-native:network:NetworkInterface",
  publicIp: "azure-native:network:PublicIPAddress",
  routeTable: "azure-native:network:RouteTable",
  route: "azure-native:network:Route",
  privateEndpoint: "azure-native:network:PrivateEndpoint",
  storageAccount: "azure-native:storage:StorageAccount",
  blobServiceProperties: "azure-native:storage:BlobServiceProperties",
  virtualMachine: "azure-native:compute:VirtualMachine",
  roleDefinition: "azure-native:authorization:RoleDefinition",
  roleAssignment: "azure-native:authorization:RoleAssignment",
  userAssignedIdentity: "azure-native:managedidentity:UserAssignedIdentity",
} as const;

/** The kinds of resource that make up a pair and carry its label. */
export type PairKind = "interface" | "public-address" | "route-table" | "state-store" | "endpoint";

export const PAIR_KINDS: Readonly<Record<string, PairKind>> = {
  [AWS.networkInterface]: "interface",
  [AZURE.networkInterface]: "interface",
  [AWS.eip]: "public-address",
  [AZURE.publicIp]: "public-address",
  [AWS.routeTable]: "route-table",
  [AZURE.routeTable]: "route-table",
  [AWS.buckets[0]]: "state-store",
  [AWS.buckets[1]]: "state-store",
  [AZURE.storageAccount]: "state-store",
  [AWS.vpcEndpoint]: "endpoint",
  [AZURE.privateEndpoint]: "endpoint",
};

export function kindOf(type: string): PairKind | undefined {
  return PAIR_KINDS[type];
}

export function cloudOf(type: string): "aws" | "azure" | undefined {
  if (type === AWS_PAIR || type.startsWith("aws:")) return "aws";
  if (type === AZURE_PAIR || type.startsWith("azure-native:")) return "azure";
  return undefined;
}
