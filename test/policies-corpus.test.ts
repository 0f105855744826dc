/**
 * The policy pack against a corpus of deliberately bad stacks: each variant changes one thing
 * in a well-formed AWS or Azure pair and must produce exactly the one expected violation — the
 * rule, the resource, what is wrong and the fix — and nothing else. The well-formed pairs pass
 * clean.
 */
import { describe, expect, it } from "vitest";
import type { PolicyPackConfig } from "@pulumi/policy";
import { AZURE_AGENT_ACTIONS, AZURE_AGENT_DATA_ACTIONS } from "../policies/lib/azure-actions.js";
import { policies } from "../policies/policies.js";
import { runPolicies, type ResourceSpec } from "../policies/testing/harness.js";
import { ACCOUNT, AWS_NIC_IDS, AZURE_ROLE_ID, AZURE_SCOPE, BUCKET, LABEL_KEY, NIC_MAP_KEY, REGION, awsBucketPolicy, awsPair, azurePair, change, without, withStatements } from "./helpers/policy-harness.js";

interface Variant {
  name: string;
  specs: () => ResourceSpec[];
  config?: PolicyPackConfig;
  policy: string;
  resource: string;
  /** Fragments the message must contain (what is wrong); every message also carries "Fix: ". */
  says: string[];
  fix: string;
  /**
   * Which part of the rule catches it: "resource" (a resource validation: `pulumi preview`/`up`
   * stop before the resource is created) or "stack" (needs the whole pair: reported at the end).
   */
  kind?: "resource" | "stack";
}

const eniArn = (id: string) => `arn:aws:ec2:${REGION}:${ACCOUNT}:network-interface/${id}`;
const nic = (name: string, role: string | undefined, extra: Record<string, unknown> = {}): ResourceSpec => ({
  type: "aws:ec2/networkInterface:NetworkInterface",
  name,
  props: { id: `eni-${name}`, subnetId: "subnet-0000000000ext", sourceDestCheck: false, tags: { [LABEL_KEY]: "edge", ...(role ? { [NIC_MAP_KEY]: role } : {}) }, ...extra },
});
const attach = (name: string, instance: string, nicName: string, deviceIndex = 3): ResourceSpec => ({
  type: "aws:ec2/networkInterfaceAttachment:NetworkInterfaceAttachment",
  name: `${name}-attach`,
  props: { instanceId: instance, networkInterfaceId: `eni-${nicName}`, deviceIndex },
});
const agentPolicy = (doc: string) => (specs: ResourceSpec[]) => change(specs, "edge-agent-policy", { policy: doc });
const roleDef = (permissions: object[], extra: Record<string, unknown> = {}) => (specs: ResourceSpec[]) => change(specs, "hub-role", { permissions, ...extra });
// The agent's own operations (the runtime's lists), so each variant below changes one thing only.
const AGENT = { actions: [...AZURE_AGENT_ACTIONS], dataActions: [...AZURE_AGENT_DATA_ACTIONS] };
const OWNER = "8e3af657-a8ff-443c-a75c-2fe8c4bcb635";
const CONTRIBUTOR = "b24988ac-6180-42a0-ab88-20f7382dd24c";
const builtIn = (guid: string) => `${AZURE_SCOPE.subscription}/providers/Microsoft.Authorization/roleDefinitions/${guid}`;
const assignment = (name: string, props: Record<string, unknown>): ResourceSpec => ({ type: "azure-native:authorization:RoleAssignment", name, props, parent: "hub" });

const VARIANTS: Variant[] = [
  // ---------------- pair-tagging (AWS)
  { name: "endpoint of the pair without the label", specs: () => change(awsPair(), "edge-ec2", { tags: { Name: "edge-ec2" } }), policy: "pair-tagging", resource: "edge-ec2", says: ['The endpoint of pair "edge" carries no f5_cloud_failover_label tag'], fix: "add f5_cloud_failover_label=<the pair's label>", kind: "resource" },
  { name: "state bucket labelled for another pair", specs: () => change(awsPair(), "edge-state", { tags: { [LABEL_KEY]: "other" } }), policy: "pair-tagging", resource: "edge-state", says: ["carries f5_cloud_failover_label=other, not the pair's edge"], fix: "set f5_cloud_failover_label=edge" },
  { name: "nic-map role on node a only", specs: () => [...awsPair(), nic("a-extra", "dmz"), attach("a-extra", "i-0000000000000000a", "a-extra")], policy: "pair-tagging", resource: "a-extra", says: ["f5_cloud_failover_nic_map=dmz is on Instance \"node-a\" only"], fix: "tag the other node's interface of the same role" },
  { name: "nic-map role twice on one node", specs: () => [...awsPair(), nic("a-ext2", "external"), attach("a-ext2", "i-0000000000000000a", "a-ext2")], policy: "pair-tagging", resource: "a-ext2", says: ["f5_cloud_failover_nic_map=external appears 2 times on Instance \"node-a\"", '"a-ext", "a-ext2"'], fix: "give each of these interfaces its own role" },
  { name: "labelled interfaces on a third instance", specs: () => [...awsPair(), { type: "aws:ec2/instance:Instance", name: "node-c", props: { id: "i-0000000000000000c" } }, nic("c-ext", "external"), attach("c-ext", "i-0000000000000000c", "c-ext", 1)], policy: "pair-tagging", resource: "edge", says: ["attached to 3 instances", "a pair has exactly two nodes"], fix: "remove the f5_cloud_failover_label tag from interfaces that are not the pair's" },
  { name: "pair interface without a nic-map tag", specs: () => [...awsPair(), nic("a-spare", undefined), attach("a-spare", "i-0000000000000000a", "a-spare")], policy: "pair-tagging", resource: "a-spare", says: ["carries no f5_cloud_failover_nic_map tag"], fix: "add f5_cloud_failover_nic_map=<role>", kind: "resource" },
  {
    name: "organisation tag missing on one resource",
    specs: () => awsPair().map((s) => (s.name !== "vip" && (s.props?.tags as object | undefined) ? { ...s, props: { ...s.props, tags: { ...(s.props!.tags as object), owner: "netops" } } } : s)),
    config: { "pair-tagging": { requiredTags: ["owner"] } },
    policy: "pair-tagging",
    resource: "vip",
    says: ['The public address of pair labelled "edge"', "lacks the organisation tag owner"],
    kind: "resource",
    fix: "add owner=<value> to its tags (or to the provider's defaultTags)",
  },
  {
    name: "an interface that sets the label in its own tags and also gets it from aws.ec2.Tag",
    specs: () => [...awsPair(), { type: "aws:ec2/tag:Tag", name: "edge-a-ext-label", parent: "edge", props: { resourceId: AWS_NIC_IDS["a-ext"], key: LABEL_KEY, value: "edge" } }],
    policy: "pair-tagging",
    resource: "a-ext",
    says: ['The interface of pair "edge" (label edge) sets f5_cloud_failover_label in its own tags and also gets it from aws:ec2/tag:Tag "edge-a-ext-label"', "perpetual diff"],
    fix: "keep one owner",
  },
  // ---------------- pair-tagging (Azure)
  { name: "Azure public IP of the pair without the label", specs: () => change(azurePair(), "hub-pip", { tags: {} }), policy: "pair-tagging", resource: "hub-pip", says: ["public address of pair \"hub\"", "carries no f5_cloud_failover_label tag"], fix: "add f5_cloud_failover_label=<the pair's label>", kind: "resource" },
  {
    name: "Azure nic-map role twice on one VM",
    specs: () => {
      const base = azurePair();
      const extra = { ...base.find((s) => s.name === "hub-b-ext")!, name: "hub-b-ext2" };
      extra.props = { ...extra.props, id: `${AZURE_SCOPE.resourceGroup}/providers/Microsoft.Network/networkInterfaces/hub-b-ext2`, ipConfigurations: [{ name: "ipconfig1", privateIPAddress: "10.1.1.13" }] };
      const vm = base.find((s) => s.name === "hub-vm-b")!;
      const refs = (vm.props!.networkProfile as { networkInterfaces: object[] }).networkInterfaces;
      return [...change(base, "hub-vm-b", { networkProfile: { networkInterfaces: [...refs, { id: extra.props.id }] } }), extra];
    },
    policy: "pair-tagging",
    resource: "hub-b-ext2",
    says: ["f5_cloud_failover_nic_map=external appears 2 times on VirtualMachine \"hub-vm-b\""],
    fix: "give each of these interfaces its own role",
  },
  // ---------------- aws-least-privilege
  { name: "every action", specs: () => agentPolicy(withStatements({ Effect: "Allow", Action: "*", Resource: "*" }))(awsPair()), policy: "aws-least-privilege", resource: "edge-agent-policy", says: ['statement #10 allows every action ("*")'], fix: "allow only the actions the agent calls: ec2:AssignPrivateIpAddresses", kind: "resource" },
  { name: "ec2:* service wildcard", specs: () => agentPolicy(withStatements({ Sid: "Wide", Effect: "Allow", Action: ["ec2:*"], Resource: "*" }))(awsPair()), policy: "aws-least-privilege", resource: "edge-agent-policy", says: ['statement "Wide" allows every action of a service (ec2:*)'], fix: "list the agent's actions one by one", kind: "resource" },
  { name: "s3:* on the state bucket", specs: () => agentPolicy(withStatements({ Sid: "AllS3", Effect: "Allow", Action: "s3:*", Resource: `arn:aws:s3:::${BUCKET}/*` }))(awsPair()), policy: "aws-least-privilege", resource: "edge-agent-policy", says: ["every action of a service (s3:*)"], fix: "list the agent's actions one by one", kind: "resource" },
  { name: "iam:PassRole", specs: () => agentPolicy(withStatements({ Sid: "Pass", Effect: "Allow", Action: "iam:PassRole", Resource: `arn:aws:iam::${ACCOUNT}:role/*` }))(awsPair()), policy: "aws-least-privilege", resource: "edge-agent-policy", says: ['statement "Pass" allows iam:PassRole'], fix: "remove iam:PassRole", kind: "resource" },
  {
    name: "ec2:Describe* expands beyond the agent's reads",
    specs: () => agentPolicy(withStatements({ Sid: "Describe", Effect: "Allow", Action: "ec2:Describe*", Resource: "*", Condition: { StringEquals: { "aws:RequestedRegion": REGION } } }))(awsPair()),
    policy: "aws-least-privilege",
    resource: "edge-agent-policy",
    says: ["allows actions the agent never calls", "ec2:DescribeInstances", "ec2:DescribeVpcs"],
    fix: "remove them (the agent calls only",
  },
  { name: "mutating action on every resource without the label condition", specs: () => agentPolicy(withStatements({ Sid: "Routes", Effect: "Allow", Action: "ec2:ReplaceRoute", Resource: "*" }))(awsPair()), policy: "aws-least-privilege", resource: "edge-agent-policy", says: ["allows ec2:ReplaceRoute on * without the condition aws:ResourceTag/f5_cloud_failover_label = <the pair's label>"], fix: '"aws:ResourceTag/f5_cloud_failover_label": "<the pair\'s label>"', kind: "resource" },
  {
    name: "label condition names another pair",
    specs: () => agentPolicy(withStatements({ Sid: "Other", Effect: "Allow", Action: "ec2:AssignPrivateIpAddresses", Resource: "*", Condition: { StringEquals: { [`aws:ResourceTag/${LABEL_KEY}`]: "other" } } }))(awsPair()),
    policy: "aws-least-privilege",
    resource: "edge-agent-policy",
    says: ["allows ec2:AssignPrivateIpAddresses on * without the condition"],
    fix: "name the pair's resources by ARN",
  },
  { name: "ARN of an interface outside the pair", specs: () => agentPolicy(withStatements({ Sid: "Foreign", Effect: "Allow", Action: "ec2:AssignPrivateIpAddresses", Resource: eniArn("eni-0f0000000foreign") }))(awsPair()), policy: "aws-least-privilege", resource: "edge-agent-policy", says: [`on ${eniArn("eni-0f0000000foreign")}, which is not a resource of pair "edge"`], fix: `remove ${eniArn("eni-0f0000000foreign")}` },
  { name: "Describe in every Region", specs: () => agentPolicy(withStatements({ Sid: "Read", Effect: "Allow", Action: "ec2:DescribeRouteTables", Resource: "*" }))(awsPair()), policy: "aws-least-privilege", resource: "edge-agent-policy", says: ["allows ec2:DescribeRouteTables in every Region (no aws:RequestedRegion condition)"], fix: '"aws:RequestedRegion"' },
  { name: "S3 on another bucket", specs: () => agentPolicy(withStatements({ Sid: "Other", Effect: "Allow", Action: "s3:GetObject", Resource: "arn:aws:s3:::someone-elses/*" }))(awsPair()), policy: "aws-least-privilege", resource: "edge-agent-policy", says: ["allows s3:GetObject on arn:aws:s3:::someone-elses/*, beyond the pair's state bucket (edge-state-bkt)"], fix: `limit S3 to arn:aws:s3:::${BUCKET}/<state key>` },
  { name: "S3 on every bucket", specs: () => agentPolicy(withStatements({ Sid: "Any", Effect: "Allow", Action: "s3:PutObject", Resource: "arn:aws:s3:::*" }))(awsPair()), policy: "aws-least-privilege", resource: "edge-agent-policy", says: ["allows s3:PutObject on arn:aws:s3:::*, beyond the pair's state bucket"], fix: "limit S3 to" },
  { name: "KMS on every key", specs: () => agentPolicy(withStatements({ Sid: "Kms", Effect: "Allow", Action: ["kms:Decrypt", "kms:GenerateDataKey"], Resource: "*" }))(awsPair()), policy: "aws-least-privilege", resource: "edge-agent-policy", says: ["allows kms:Decrypt, kms:GenerateDataKey on *, i.e. on every key"], fix: "name the state bucket's KMS key ARN" },
  {
    name: "an action the agent never calls",
    specs: () => agentPolicy(withStatements({ Sid: "Create", Effect: "Allow", Action: "ec2:CreateRoute", Resource: "*", Condition: { StringEquals: { [`aws:ResourceTag/${LABEL_KEY}`]: "edge" } } }))(awsPair()),
    policy: "aws-least-privilege",
    resource: "edge-agent-policy",
    says: ["allows actions the agent never calls: ec2:CreateRoute"],
    fix: "allowedExtraActions",
  },
  { name: "Allow with NotAction", specs: () => agentPolicy(withStatements({ Sid: "Not", Effect: "Allow", NotAction: "iam:*", Resource: "*" }))(awsPair()), policy: "aws-least-privilege", resource: "edge-agent-policy", says: ["allows every action except iam:* (Allow with NotAction)"], fix: "list the actions the agent calls in Action instead", kind: "resource" },
  {
    name: "AdministratorAccess attached",
    specs: () => [...awsPair(), { type: "aws:iam/rolePolicyAttachment:RolePolicyAttachment", name: "edge-admin", parent: "edge", props: { role: "edge-agent", policyArn: "arn:aws:iam::aws:policy/AdministratorAccess" } }],
    policy: "aws-least-privilege",
    resource: "edge-admin",
    says: ["has the managed policy arn:aws:iam::aws:policy/AdministratorAccess attached", "cannot check"],
    fix: "allowedManagedPolicyArns",
  },
  {
    name: "customer managed policy in the stack with an unneeded action",
    specs: () => [
      ...awsPair(),
      { type: "aws:iam/policy:Policy", name: "edge-extra", props: { arn: `arn:aws:iam::${ACCOUNT}:policy/edge-extra`, policy: JSON.stringify({ Version: "2012-10-17", Statement: [{ Effect: "Allow", Action: "s3:DeleteBucket", Resource: `arn:aws:s3:::${BUCKET}` }] }) } },
      { type: "aws:iam/rolePolicyAttachment:RolePolicyAttachment", name: "edge-extra-attach", props: { role: "edge-agent", policyArn: `arn:aws:iam::${ACCOUNT}:policy/edge-extra` } },
    ],
    policy: "aws-least-privilege",
    resource: "edge-extra",
    says: ['Policy "edge-extra" attached to role "edge-agent", statement #1 allows actions the agent never calls: s3:DeleteBucket'],
    fix: "remove them",
  },
  {
    name: "role inline policy with an unneeded action",
    specs: () => change(awsPair(), "edge-agent", { inlinePolicies: [{ name: "ops", policy: JSON.stringify({ Version: "2012-10-17", Statement: [{ Effect: "Allow", Action: "ec2:TerminateInstances", Resource: "*" }] }) }] }),
    policy: "aws-least-privilege",
    resource: "edge-agent",
    says: ['Inline policy "ops" of role "edge-agent", statement #1 allows actions the agent never calls: ec2:TerminateInstances'],
    fix: "remove them",
  },
  { name: "policy document that is not JSON", specs: () => agentPolicy("{ not json")(awsPair()), policy: "aws-least-privilege", resource: "edge-agent-policy", says: ['Role policy "edge-agent-policy" of pair "edge" is not a valid IAM policy document: not valid JSON'], fix: "give the policy as a JSON document", kind: "resource" },
  {
    name: "policy document given as an object",
    specs: () => change(awsPair(), "edge-agent-policy", { policy: { Version: "2012-10-17", Statement: [{ Effect: "Allow", Action: ["ec2:AssociateAddress"], Resource: ["*"] }] } }),
    policy: "aws-least-privilege",
    resource: "edge-agent-policy",
    says: ["allows ec2:AssociateAddress on * without the condition aws:ResourceTag/f5_cloud_failover_label = <the pair's label>"],
    fix: "name the pair's resources by ARN",
    kind: "resource",
  },
  // ---------------- azure-least-privilege
  { name: "Azure role with every action", specs: () => roleDef([{ ...AGENT, actions: ["*"] }])(azurePair()), policy: "azure-least-privilege", resource: "hub-role", says: ['allows every operation ("*" in actions)'], fix: "list only the agent's actions: Microsoft.Authorization/permissions/read, Microsoft.Network/networkInterfaces/read" },
  { name: "Azure role with a provider-wide wildcard", specs: () => roleDef([{ ...AGENT, actions: ["Microsoft.Network/*", "Microsoft.Authorization/permissions/read"] }])(azurePair()), policy: "azure-least-privilege", resource: "hub-role", says: ["allows every operation of a provider (Microsoft.Network/* in actions)"], fix: "list only the agent's actions" },
  { name: "Azure role whose wildcard expands beyond the agent's", specs: () => roleDef([{ ...AGENT, actions: [...AGENT.actions.filter((a) => !a.startsWith("Microsoft.Network/networkInterfaces/")), "Microsoft.Network/networkInterfaces/*"] }])(azurePair()), policy: "azure-least-privilege", resource: "hub-role", says: ["allows actions the agent never uses", "Microsoft.Network/networkInterfaces/delete"], fix: "allowedExtraActions" },
  {
    name: "Azure role with blob data actions beyond read/write",
    specs: () => roleDef([{ actions: AGENT.actions, dataActions: ["Microsoft.Storage/storageAccounts/blobServices/containers/blobs/*"] }])(azurePair()),
    policy: "azure-least-privilege",
    resource: "hub-role",
    says: ["allows data actions the agent never uses", "blobs/permanentDelete/action"],
    fix: "allowedExtraDataActions",
  },
  { name: "Azure role assignable to the subscription", specs: () => change(azurePair(), "hub-role", { assignableScopes: [AZURE_SCOPE.subscription] }), policy: "azure-least-privilege", resource: "hub-role", says: ["is assignable at a whole subscription"], fix: "set assignableScopes to the pair's resource group" },
  { name: "Azure role assignable to a management group", specs: () => change(azurePair(), "hub-role", { assignableScopes: ["/providers/Microsoft.Management/managementGroups/corp"] }), policy: "azure-least-privilege", resource: "hub-role", says: ["is assignable at a management group"], fix: "set assignableScopes" },
  { name: "Owner for the pair's identity", specs: () => [...azurePair(), assignment("hub-owner", { principalId: "principal-hub", roleDefinitionId: builtIn(OWNER), scope: AZURE_SCOPE.resourceGroup })], policy: "azure-least-privilege", resource: "hub-owner", says: ["gives the pair's identity the built-in Owner role"], fix: "assign a custom role" },
  {
    name: "Contributor for a node VM's system identity",
    specs: () => [...azurePair(), { type: "azure-native:authorization:RoleAssignment", name: "vm-contributor", props: { principalId: "principal-vm-a", roleDefinitionId: builtIn(CONTRIBUTOR), scope: AZURE_SCOPE.resourceGroup } }],
    policy: "azure-least-privilege",
    resource: "vm-contributor",
    says: ["gives the pair's identity the built-in Contributor role"],
    fix: "assign a custom role",
  },
  {
    name: "Azure role missing the route table write (from the runtime's list)",
    specs: () => roleDef([{ ...AGENT, actions: AGENT.actions.filter((a) => a !== "Microsoft.Network/routeTables/write") }])(azurePair()),
    policy: "azure-least-privilege",
    resource: "hub-role",
    says: ["lack operations the agent needs: Microsoft.Network/routeTables/write"],
    fix: "runtime/azure/required-actions.ts",
  },
  {
    name: "Azure blob data actions assigned on the whole storage account",
    specs: () => change(azurePair(), "hub-assignment-state", { scope: "/subscriptions/00000000-0000-0000-0000-000000000001/resourceGroups/hub-rg/providers/Microsoft.Storage/storageAccounts/hubstate" }),
    policy: "azure-least-privilege",
    resource: "hub-assignment-state",
    says: ["gives blob data actions at", "above the state container"],
    fix: "on the state container only",
  },
  { name: "Azure assignment at subscription scope", specs: () => change(azurePair(), "hub-assignment", { scope: AZURE_SCOPE.subscription }), policy: "azure-least-privilege", resource: "hub-assignment", says: ["is made at a whole subscription"], fix: "assign the role on the pair's resource group" },
  // ---------------- state-storage
  {
    name: "Azure state account without versioning or soft delete",
    specs: () => change(azurePair(), "hub-blob-service", { isVersioningEnabled: false, deleteRetentionPolicy: { enabled: false } }),
    policy: "state-storage",
    resource: "hubstate",
    says: ["keeps neither blob versions nor deleted blobs"],
    fix: "isVersioningEnabled: true",
  },
  { name: "no public access block", specs: () => without(awsPair(), "edge-state-pab"), policy: "state-storage", resource: "edge-state", says: ["has no public access block"], fix: "add aws.s3.BucketPublicAccessBlock" },
  { name: "one public access block off", specs: () => change(awsPair(), "edge-state-pab", { restrictPublicBuckets: false }), policy: "state-storage", resource: "edge-state-pab", says: ["restrictPublicBuckets not true"], fix: "set restrictPublicBuckets: true", kind: "resource" },
  { name: "no default encryption", specs: () => without(awsPair(), "edge-state-sse"), policy: "state-storage", resource: "edge-state", says: ["has no default encryption configured"], fix: "aws.s3.BucketServerSideEncryptionConfiguration" },
  { name: "versioning suspended", specs: () => change(awsPair(), "edge-state-versioning", { versioningConfiguration: { status: "Suspended" } }), policy: "state-storage", resource: "edge-state", says: ["does not keep versions"], fix: 'status: "Enabled"' },
  {
    name: "bucket policy without the TLS-only statement",
    specs: () => change(awsPair(), "edge-state-policy", { policy: JSON.stringify({ ...JSON.parse(awsBucketPolicy()), Statement: JSON.parse(awsBucketPolicy()).Statement.filter((s: { Sid: string }) => s.Sid !== "DenyInsecureTransport") }) }),
    policy: "state-storage",
    resource: "edge-state-policy",
    says: ["accepts requests without TLS"],
    fix: '"aws:SecureTransport": "false"',
    kind: "resource",
  },
  {
    name: "encryption configuration without a default algorithm",
    specs: () => change(awsPair(), "edge-state-sse", { rules: [{ bucketKeyEnabled: true }] }),
    policy: "state-storage",
    resource: "edge-state-sse",
    says: ["is not encrypted by default (no rule with AES256 or aws:kms)"],
    fix: 'sseAlgorithm: "AES256"',
    kind: "resource",
  },
  { name: "Azure storage with public blob access", specs: () => change(azurePair(), "hubstate", { allowBlobPublicAccess: true }), policy: "state-storage", resource: "hubstate", says: ["may allow public (anonymous) blob access"], fix: "set allowBlobPublicAccess: false", kind: "resource" },
  { name: "Azure storage over plain HTTP", specs: () => change(azurePair(), "hubstate", { enableHttpsTrafficOnly: false }), policy: "state-storage", resource: "hubstate", says: ["accepts plain HTTP"], fix: "set enableHttpsTrafficOnly: true", kind: "resource" },
  { name: "Azure storage with TLS 1.0", specs: () => change(azurePair(), "hubstate", { minimumTlsVersion: "TLS1_0" }), policy: "state-storage", resource: "hubstate", says: ["accepts TLS versions older than 1.2"], fix: 'set minimumTlsVersion: "TLS1_2"', kind: "resource" },
  { name: "Azure storage with shared keys on", specs: () => change(azurePair(), "hubstate", { allowSharedKeyAccess: undefined }), policy: "state-storage", resource: "hubstate", says: ["still accepts shared-key"], fix: "set allowSharedKeyAccess: false", kind: "resource" },
  // ---------------- endpoints
  { name: "EC2 endpoint without private DNS", specs: () => change(awsPair(), "edge-ec2", { privateDnsEnabled: false }), policy: "endpoints", resource: "edge-ec2", says: ["has private DNS off"], fix: "set privateDnsEnabled: true", kind: "resource" },
  { name: "S3 gateway not on the nodes' route table", specs: () => change(awsPair(), "edge-s3", { routeTableIds: [] }), policy: "endpoints", resource: "edge-s3", says: ['is not attached to route table "mgmt-rt" (rtb-00000000000mgmt)'], fix: "add rtb-00000000000mgmt to the endpoint's routeTableIds" },
  { name: "no S3 endpoint", specs: () => without(awsPair(), "edge-s3"), policy: "endpoints", resource: "edge", says: ["has no S3 gateway endpoint"], fix: 'serviceName: "com.amazonaws.<region>.s3"' },
  { name: "no EC2 endpoint", specs: () => without(awsPair(), "edge-ec2"), policy: "endpoints", resource: "edge", says: ["has no EC2 interface endpoint"], fix: "privateDnsEnabled: true" },
  // ---------------- routing-nics
  { name: "standby's next-hop-role interface with source/dest check on", specs: () => change(awsPair(), "b-int", { sourceDestCheck: true }), policy: "routing-nics", resource: "b-int", says: ["role internal (the next hop of Route \"app-default\")", "has source/dest check on"], fix: "set sourceDestCheck: false" },
  { name: "next hop with source/dest check left at its default", specs: () => change(awsPair(), "a-int", { sourceDestCheck: undefined }), policy: "routing-nics", resource: "a-int", says: ["has source/dest check on (the default)"], fix: "set sourceDestCheck: false" },
  { name: "Azure next-hop NIC without IP forwarding", specs: () => change(azurePair(), "hub-b-int", { enableIPForwarding: false }), policy: "routing-nics", resource: "hub-b-int", says: ["role internal (the next hop of RouteTable \"hub-rt\")", "has IP forwarding off"], fix: "set enableIPForwarding: true" },
  {
    name: "existing interface of a routing role, source/dest check never turned off",
    specs: () => [
      ...awsPair(),
      { type: "aws:ec2/tag:Tag", name: "edge-c-label", parent: "edge", props: { resourceId: "eni-0e0000000existing", key: LABEL_KEY, value: "edge" } },
      { type: "aws:ec2/tag:Tag", name: "edge-c-nic-map", parent: "edge", props: { resourceId: "eni-0e0000000existing", key: NIC_MAP_KEY, value: "internal" } },
    ],
    policy: "routing-nics",
    resource: "edge-c-nic-map",
    says: ["Interface eni-0e0000000existing of pair \"edge\"", "role internal", "nothing turns its source/dest check off"],
    fix: "--no-source-dest-check",
  },
];

async function run(specs: ResourceSpec[], config?: PolicyPackConfig) {
  return runPolicies(policies, specs, { ...(config ? { config } : {}) });
}

describe("policy pack: well-formed pairs", () => {
  it("the AWS pair passes every rule", async () => {
    const result = await run(awsPair());
    expect(result.violations).toEqual([]);
    expect(result.unchecked).toEqual([]);
  });
  it("the Azure pair passes every rule", async () => {
    const result = await run(azurePair());
    expect(result.violations).toEqual([]);
    expect(result.unchecked).toEqual([]);
  });
  it("an S3 gateway attached through VpcEndpointRouteTableAssociation counts", async () => {
    const specs = [
      ...change(awsPair(), "edge-s3", { routeTableIds: [] }),
      { type: "aws:ec2/vpcEndpointRouteTableAssociation:VpcEndpointRouteTableAssociation", name: "s3-mgmt", props: { vpcEndpointId: "vpce-00000000000000s3", routeTableId: "rtb-00000000000mgmt" } },
    ];
    expect((await run(specs)).violations).toEqual([]);
  });
  it("an existing routing interface turned off by SourceDestCheckOff passes; references by property dependency count", async () => {
    const specs: ResourceSpec[] = [
      ...awsPair(),
      { type: "aws:ec2/tag:Tag", name: "edge-c-label", parent: "edge", props: { resourceId: "eni-0e0000000existing", key: LABEL_KEY, value: "edge" } },
      { type: "aws:ec2/tag:Tag", name: "edge-c-nic-map", parent: "edge", props: { resourceId: "eni-0e0000000existing", key: NIC_MAP_KEY, value: "internal" } },
      { type: "pulumi-nodejs:dynamic/ha-pair:SourceDestCheckOff", name: "edge-c-sdc", parent: "edge", props: { networkInterfaceId: "eni-0e0000000existing", region: REGION, sourceDestCheck: false } },
    ];
    expect((await run(specs)).violations).toEqual([]);
  });
  it("a stack without any pair is not the pack's business", async () => {
    const specs: ResourceSpec[] = [
      { type: "aws:s3/bucket:Bucket", name: "logs", props: { bucket: "logs" } },
      { type: "aws:iam/role:Role", name: "app", props: { name: "app", inlinePolicies: [{ name: "all", policy: JSON.stringify({ Statement: [{ Effect: "Allow", Action: "*", Resource: "*" }] }) }] } },
      { type: "aws:ec2/networkInterface:NetworkInterface", name: "app-eni", props: { sourceDestCheck: true } },
    ];
    const result = await run(specs);
    expect(result.violations).toEqual([]);
    expect(result.unchecked).toEqual([]);
  });
});

describe("policy pack: bad variants, one violation each", () => {
  it("the corpus has at least 30 variants, AWS and Azure, covering every rule", () => {
    expect(VARIANTS.length).toBeGreaterThanOrEqual(30);
    expect(new Set(VARIANTS.map((v) => v.name)).size).toBe(VARIANTS.length);
    expect(new Set(VARIANTS.map((v) => v.policy))).toEqual(new Set(policies.map((p) => p.name)));
  });
  for (const variant of VARIANTS) {
    it(`${variant.policy}: ${variant.name}`, async () => {
      const specs = variant.specs();
      const result = await run(specs, variant.config);
      expect(result.violations.map((v) => `${v.policy} @ ${v.name}: ${v.message}`)).toHaveLength(1);
      const [violation] = result.violations;
      expect(violation!.policy).toBe(variant.policy);
      expect(violation!.kind).toBe(variant.kind ?? "stack");
      expect(violation!.name).toBe(variant.resource);
      expect(violation!.urn).toMatch(new RegExp(`::${variant.resource}$`));
      for (const fragment of variant.says) expect(violation!.message).toContain(fragment);
      const [what, fix] = violation!.message.split(". Fix: ");
      expect(what).toContain(`"${variant.resource}"`);
      expect(fix).toContain(variant.fix);
      expect(result.unchecked).toEqual([]);
    });
  }
});
