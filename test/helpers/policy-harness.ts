/**
 * Fixtures for the policy-pack tests: one well-formed AWS pair and one well-formed Azure pair,
 * as the resource lists the engine hands to stack policies (outputs with IDs), built so every
 * rule has something to look at. Variants copy and change them (see policies-corpus.test.ts).
 */
import { pairIamPolicy, stateBucketPolicy } from "../../components/aws/policy.js";
import { AZURE_AGENT_ACTIONS, AZURE_AGENT_DATA_ACTIONS } from "../../policies/lib/azure-actions.js";
import type { ResourceSpec } from "../../policies/testing/harness.js";

export const LABEL_KEY = "f5_cloud_failover_label";
export const NIC_MAP_KEY = "f5_cloud_failover_nic_map";
export const REGION = "us-east-1";
export const ACCOUNT = "123456789012";
export const BUCKET = "edge-state-bkt";
export const STATE_KEY = "ha-pair/edge/state.json";

const label = (value = "edge", extra: Record<string, string> = {}) => ({ [LABEL_KEY]: value, ...extra });
const nicTags = (role: string, value = "edge") => ({ ...label(value), [NIC_MAP_KEY]: role });

export const AWS_NIC_IDS = {
  "a-mgmt": "eni-0a00000000000mgmt",
  "a-ext": "eni-0a000000000000ext",
  "a-int": "eni-0a000000000000int",
  "b-mgmt": "eni-0b00000000000mgmt",
  "b-ext": "eni-0b000000000000ext",
  "b-int": "eni-0b000000000000int",
} as const;

export function awsAgentPolicy(overrides: Partial<Parameters<typeof pairIamPolicy>[0]> = {}): string {
  return JSON.stringify(
    pairIamPolicy({
      region: REGION,
      accountId: ACCOUNT,
      label: "edge",
      labelKey: LABEL_KEY,
      nicMapKey: NIC_MAP_KEY,
      networkInterfaceIds: Object.values(AWS_NIC_IDS),
      allocationIds: ["eipalloc-0000000000vip"],
      routeTableIds: ["rtb-0000000000000app"],
      bucket: BUCKET,
      stateKey: STATE_KEY,
      artifactsPrefix: "ha-pair/edge/artifacts",
      ...overrides,
    }),
  );
}

export function awsBucketPolicy(): string {
  return JSON.stringify(
    stateBucketPolicy({ bucket: BUCKET, region: REGION, s3EndpointId: "vpce-00000000000000s3", roleArn: `arn:aws:iam::${ACCOUNT}:role/edge-agent`, pairPrefix: "ha-pair/edge" }),
  );
}

/** A complete AWS pair: appliances created next to the component (labelled), the component's own resources as its children. */
export function awsPair(): ResourceSpec[] {
  const nic = (name: keyof typeof AWS_NIC_IDS, subnet: string, role: string, sourceDestCheck: boolean): ResourceSpec => ({
    type: "aws:ec2/networkInterface:NetworkInterface",
    name,
    props: { id: AWS_NIC_IDS[name], subnetId: subnet, sourceDestCheck, privateIps: ["10.0.0.1"], tags: { Name: name, ...nicTags(role) } },
  });
  const attach = (node: "a" | "b", role: "ext" | "int", deviceIndex: number): ResourceSpec => ({
    type: "aws:ec2/networkInterfaceAttachment:NetworkInterfaceAttachment",
    name: `${node}-${role}-attach`,
    props: { instanceId: `i-0000000000000000${node}`, networkInterfaceId: AWS_NIC_IDS[`${node}-${role}`], deviceIndex },
  });
  const child = (spec: ResourceSpec): ResourceSpec => ({ ...spec, parent: "edge" });
  return [
    { type: "ha-pair:index:AwsHaPair", name: "edge" },
    { type: "aws:ec2/vpc:Vpc", name: "vpc", props: { id: "vpc-0000000000000001", cidrBlock: "10.0.0.0/16", mainRouteTableId: "rtb-00000000000main" } },
    { type: "aws:ec2/subnet:Subnet", name: "mgmt-subnet", props: { id: "subnet-000000000mgmt", vpcId: "vpc-0000000000000001" } },
    { type: "aws:ec2/subnet:Subnet", name: "ext-subnet", props: { id: "subnet-0000000000ext", vpcId: "vpc-0000000000000001" } },
    { type: "aws:ec2/subnet:Subnet", name: "int-subnet", props: { id: "subnet-0000000000int", vpcId: "vpc-0000000000000001" } },
    { type: "aws:ec2/routeTable:RouteTable", name: "mgmt-rt", props: { id: "rtb-00000000000mgmt", vpcId: "vpc-0000000000000001" } },
    { type: "aws:ec2/routeTableAssociation:RouteTableAssociation", name: "mgmt-rta", props: { subnetId: "subnet-000000000mgmt", routeTableId: "rtb-00000000000mgmt" } },
    nic("a-mgmt", "subnet-000000000mgmt", "mgmt", true),
    nic("a-ext", "subnet-0000000000ext", "external", false),
    nic("a-int", "subnet-0000000000int", "internal", false),
    nic("b-mgmt", "subnet-000000000mgmt", "mgmt", true),
    nic("b-ext", "subnet-0000000000ext", "external", false),
    nic("b-int", "subnet-0000000000int", "internal", false),
    ...(["a", "b"] as const).map((node) => ({
      type: "aws:ec2/instance:Instance",
      name: `node-${node}`,
      props: { id: `i-0000000000000000${node}`, primaryNetworkInterface: { networkInterfaceId: AWS_NIC_IDS[`${node}-mgmt`] }, iamInstanceProfile: "edge-agent-profile" },
    })),
    attach("a", "ext", 1),
    attach("a", "int", 2),
    attach("b", "ext", 1),
    attach("b", "int", 2),
    { type: "aws:ec2/eip:Eip", name: "vip", props: { id: "eipalloc-0000000000vip", allocationId: "eipalloc-0000000000vip", domain: "vpc", tags: label() } },
    { type: "aws:ec2/routeTable:RouteTable", name: "app-rt", props: { id: "rtb-0000000000000app", vpcId: "vpc-0000000000000001", tags: label() } },
    { type: "aws:ec2/route:Route", name: "app-default", props: { routeTableId: "rtb-0000000000000app", destinationCidrBlock: "0.0.0.0/0", networkInterfaceId: AWS_NIC_IDS["a-int"] } },
    child({ type: "aws:ec2/vpcEndpoint:VpcEndpoint", name: "edge-s3", props: { id: "vpce-00000000000000s3", vpcId: "vpc-0000000000000001", serviceName: `com.amazonaws.${REGION}.s3`, vpcEndpointType: "Gateway", routeTableIds: ["rtb-00000000000mgmt"], tags: label() } }),
    child({ type: "aws:ec2/vpcEndpoint:VpcEndpoint", name: "edge-ec2", props: { id: "vpce-0000000000000ec2", vpcId: "vpc-0000000000000001", serviceName: `com.amazonaws.${REGION}.ec2`, vpcEndpointType: "Interface", privateDnsEnabled: true, tags: label() } }),
    child({ type: "aws:iam/role:Role", name: "edge-agent", props: { id: "edge-agent", name: "edge-agent", arn: `arn:aws:iam::${ACCOUNT}:role/edge-agent`, assumeRolePolicy: "{}", tags: label() } }),
    child({ type: "aws:iam/rolePolicy:RolePolicy", name: "edge-agent-policy", props: { role: "edge-agent", policy: awsAgentPolicy() } }),
    child({ type: "aws:iam/instanceProfile:InstanceProfile", name: "edge-agent-profile", props: { id: "edge-agent-profile", name: "edge-agent-profile", role: "edge-agent" } }),
    child({ type: "aws:s3/bucket:Bucket", name: "edge-state", props: { id: BUCKET, bucket: BUCKET, arn: `arn:aws:s3:::${BUCKET}`, tags: label() } }),
    child({ type: "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock", name: "edge-state-pab", props: { bucket: BUCKET, blockPublicAcls: true, blockPublicPolicy: true, ignorePublicAcls: true, restrictPublicBuckets: true } }),
    child({ type: "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration", name: "edge-state-sse", props: { bucket: BUCKET, rules: [{ applyServerSideEncryptionByDefault: { sseAlgorithm: "AES256" } }] } }),
    child({ type: "aws:s3/bucketVersioning:BucketVersioning", name: "edge-state-versioning", props: { bucket: BUCKET, versioningConfiguration: { status: "Enabled" } } }),
    child({ type: "aws:s3/bucketPolicy:BucketPolicy", name: "edge-state-policy", props: { bucket: BUCKET, policy: awsBucketPolicy() } }),
  ];
}

const SUB = "/subscriptions/00000000-0000-0000-0000-000000000001";
const RG = `${SUB}/resourceGroups/hub-rg`;
export const AZURE_SCOPE = { subscription: SUB, resourceGroup: RG };
const nicId = (name: string) => `${RG}/providers/Microsoft.Network/networkInterfaces/${name}`;
export const AZURE_ROLE_ID = `${SUB}/providers/Microsoft.Authorization/roleDefinitions/11111111-2222-3333-4444-555555555555`;
export const AZURE_NIC_IPS = { "hub-a-ext": "10.1.1.11", "hub-a-int": "10.1.2.11", "hub-b-ext": "10.1.1.12", "hub-b-int": "10.1.2.12" } as const;

/** A complete Azure pair: NICs and VMs next to the component (labelled), the rest its children. */
export function azurePair(): ResourceSpec[] {
  const nic = (name: keyof typeof AZURE_NIC_IPS, role: string, forwarding: boolean): ResourceSpec => ({
    type: "azure-native:network:NetworkInterface",
    name,
    props: {
      id: nicId(name),
      enableIPForwarding: forwarding,
      ipConfigurations: [{ name: "ipconfig1", privateIPAddress: AZURE_NIC_IPS[name], primary: true }],
      tags: nicTags(role, "hub"),
    },
  });
  const vm = (node: "a" | "b"): ResourceSpec => ({
    type: "azure-native:compute:VirtualMachine",
    name: `hub-vm-${node}`,
    props: {
      id: `${RG}/providers/Microsoft.Compute/virtualMachines/hub-vm-${node}`,
      identity: { type: "SystemAssigned", principalId: `principal-vm-${node}` },
      networkProfile: { networkInterfaces: [{ id: nicId(`hub-${node}-ext`), primary: true }, { id: nicId(`hub-${node}-int`) }] },
    },
  });
  const child = (spec: ResourceSpec): ResourceSpec => ({ ...spec, parent: "hub" });
  return [
    { type: "ha-pair:index:AzureHaPair", name: "hub" },
    nic("hub-a-ext", "external", true),
    nic("hub-a-int", "internal", true),
    nic("hub-b-ext", "external", true),
    nic("hub-b-int", "internal", true),
    vm("a"),
    vm("b"),
    child({ type: "azure-native:network:PublicIPAddress", name: "hub-pip", props: { id: `${RG}/providers/Microsoft.Network/publicIPAddresses/hub-pip`, tags: label("hub") } }),
    child({
      type: "azure-native:network:RouteTable",
      name: "hub-rt",
      props: { id: `${RG}/providers/Microsoft.Network/routeTables/hub-rt`, routes: [{ name: "default", addressPrefix: "0.0.0.0/0", nextHopType: "VirtualAppliance", nextHopIpAddress: AZURE_NIC_IPS["hub-a-int"] }], tags: label("hub") },
    }),
    child({
      type: "azure-native:storage:StorageAccount",
      name: "hubstate",
      props: { accountName: "hubstate", allowBlobPublicAccess: false, enableHttpsTrafficOnly: true, minimumTlsVersion: "TLS1_2", allowSharedKeyAccess: false, tags: label("hub") },
    }),
    child({ type: "azure-native:storage:BlobServiceProperties", name: "hub-blob-service", props: { accountName: "hubstate", blobServicesName: "default", isVersioningEnabled: true, deleteRetentionPolicy: { enabled: true, days: 7 } } }),
    child({ type: "azure-native:network:PrivateEndpoint", name: "hub-blob-pe", props: { tags: label("hub") } }),
    child({ type: "azure-native:managedidentity:UserAssignedIdentity", name: "hub-identity", props: { id: `${RG}/providers/Microsoft.ManagedIdentity/userAssignedIdentities/hub-identity`, principalId: "principal-hub" } }),
    child({
      type: "azure-native:authorization:RoleDefinition",
      name: "hub-role",
      props: {
        id: AZURE_ROLE_ID,
        roleName: "ha-pair hub agent",
        permissions: [{ actions: [...AZURE_AGENT_ACTIONS], notActions: [], dataActions: [...AZURE_AGENT_DATA_ACTIONS], notDataActions: [] }],
        assignableScopes: [RG],
      },
    }),
    child({ type: "azure-native:authorization:RoleAssignment", name: "hub-assignment", props: { principalId: "principal-hub", roleDefinitionId: AZURE_ROLE_ID, scope: `${RG}/providers/Microsoft.Network/routeTables/hub-rt` } }),
    // The role's data actions: on the state container only.
    child({ type: "azure-native:authorization:RoleAssignment", name: "hub-assignment-state", props: { principalId: "principal-hub", roleDefinitionId: AZURE_ROLE_ID, scope: `${RG}/providers/Microsoft.Storage/storageAccounts/hubstate/blobServices/default/containers/ha-pair` } }),
  ];
}

/** A copy of `specs` with one resource changed (by name); `props: undefined` values delete keys. */
export function change(specs: ResourceSpec[], name: string, props: Record<string, unknown>, rest: Partial<ResourceSpec> = {}): ResourceSpec[] {
  if (!specs.some((s) => s.name === name)) throw new Error(`fixture has no resource ${name}`);
  return specs.map((s) => {
    if (s.name !== name) return s;
    const merged: Record<string, unknown> = { ...s.props, ...props };
    for (const [k, v] of Object.entries(props)) if (v === undefined) delete merged[k];
    return { ...s, ...rest, props: merged };
  });
}

export function without(specs: ResourceSpec[], ...names: string[]): ResourceSpec[] {
  for (const name of names) if (!specs.some((s) => s.name === name)) throw new Error(`fixture has no resource ${name}`);
  return specs.filter((s) => !names.includes(s.name));
}

/** The agent policy with extra statements appended. */
export function withStatements(...statements: object[]): string {
  const doc = JSON.parse(awsAgentPolicy()) as { Statement: object[] };
  doc.Statement.push(...statements);
  return JSON.stringify(doc);
}
