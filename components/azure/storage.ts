/**
 * The pair's state storage: a storage account that takes HTTPS only, TLS 1.2 at least, no
 * anonymous blob access, no shared key (data-plane RBAC only), with blob versioning and soft
 * delete; and a private container for the state blob and the agent's files. Or an existing
 * account and container, used as they are (nothing created, nothing changed).
 */
import * as storage from "@pulumi/azure-native/storage/index.js";
import * as pulumi from "@pulumi/pulumi";
import { adoptOptions, armIdParts, type AzureHaPairAdoptArgs } from "./adoption.js";

export interface AzureStateStorageArgs {
  /** Use this existing account (with existingContainerName): nothing is created. */
  existingAccountName?: pulumi.Input<string>;
  existingContainerName?: pulumi.Input<string>;
  /** Name of the account to create (3-24 lowercase letters and digits, globally unique); generated when absent. */
  accountName?: pulumi.Input<string>;
  /** Default "ha-pair". */
  containerName?: string;
  /**
   * Public IPs or ranges (CIDR) that may reach the account's public endpoint: the machine that
   * runs `pulumi up` uploads the agent's files. Empty (the default): public network access is
   * Disabled, and only the private endpoint reaches the account (run `pulumi up` from inside the VNet).
   */
  deployerIpRanges?: pulumi.Input<string>[];
  /** Keep the account in Azure when Pulumi deletes it (default true: it holds the pair's state). */
  retainOnDelete?: boolean;
  /** Default Standard_ZRS. */
  skuName?: string;
}

export interface AzureStateStorage {
  accountName: pulumi.Output<string>;
  containerName: pulumi.Output<string>;
  /** The account's resource ID (the private endpoint's target); undefined for an existing account given by name only. */
  accountId: pulumi.Output<string>;
  /** Resources the uploads wait for (the container and the blob service settings). */
  ready: pulumi.Resource[];
}

export function storageArgProblems(args: AzureStateStorageArgs | undefined, adopt?: AzureHaPairAdoptArgs): string[] {
  const problems: string[] = [];
  const adopted = adopt?.storageAccountId;
  if (adopted !== undefined) {
    const account = armIdParts(adopted);
    if (!account || !/\/providers\/Microsoft\.Storage\/storageAccounts\/[^/]+$/i.test(adopted)) problems.push(`adopt.storageAccountId: ${JSON.stringify(adopted)} is not a storage account's ARM ID (/subscriptions/S/resourceGroups/G/providers/Microsoft.Storage/storageAccounts/NAME)`);
    else if (typeof args?.accountName === "string" && args.accountName !== account.name) problems.push(`adopt.storageAccountId names account ${account.name} but storage.accountName is ${args.accountName}; drop storage.accountName or make them agree`);
    if (args?.existingAccountName !== undefined) problems.push("adopt.storageAccountId imports the account into the stack, storage.existingAccountName uses it without owning it: give one");
  }
  if (adopt?.blobContainerId !== undefined) {
    const container = /^(.+)\/blobServices\/default\/containers\/([^/]+)$/i.exec(adopt.blobContainerId);
    if (adopted === undefined) problems.push("adopt.blobContainerId: adopt its account too (adopt.storageAccountId)");
    else if (!container || container[1]!.toLowerCase() !== adopted.toLowerCase()) problems.push(`adopt.blobContainerId: ${JSON.stringify(adopt.blobContainerId)} is not a container of ${adopted} (${adopted}/blobServices/default/containers/NAME)`);
    else if (args?.containerName !== undefined && args.containerName !== container[2]) problems.push(`adopt.blobContainerId names container ${container[2]} but storage.containerName is ${args.containerName}; drop storage.containerName or make them agree`);
  }
  if (!args) return problems;
  if ((args.existingAccountName === undefined) !== (args.existingContainerName === undefined)) problems.push("storage: give existingAccountName and existingContainerName together");
  if (args.existingAccountName !== undefined && args.accountName !== undefined) problems.push("storage: give existingAccountName (use it) or accountName (create it), not both");
  return problems;
}

/** Azure's auto-name of a storage account: lowercase letters and digits from the component's name. */
export function accountNamePrefix(name: string): string {
  return (name.toLowerCase().replace(/[^a-z0-9]/g, "").slice(0, 14) || "hapair") + "st";
}

export function createStateStorage(
  name: string,
  args: AzureStateStorageArgs & { resourceGroupName: pulumi.Input<string>; location: pulumi.Input<string>; subscriptionId: pulumi.Output<string>; tags: Record<string, string>; adopt?: AzureHaPairAdoptArgs },
  parent: pulumi.Resource,
): AzureStateStorage {
  // An adopted account keeps its name (and container) from its ID; storageArgProblems checked they agree.
  const adoptedAccount = args.adopt?.storageAccountId !== undefined ? armIdParts(args.adopt.storageAccountId)?.name : undefined;
  const adoptedContainer = args.adopt?.blobContainerId?.split("/").pop();
  if (args.existingAccountName !== undefined) {
    const accountName = pulumi.output(args.existingAccountName);
    return {
      accountName,
      containerName: pulumi.output(args.existingContainerName!),
      accountId: pulumi.interpolate`/subscriptions/${args.subscriptionId}/resourceGroups/${args.resourceGroupName}/providers/Microsoft.Storage/storageAccounts/${accountName}`,
      ready: [],
    };
  }
  const deployers = args.deployerIpRanges ?? [];
  const account = new storage.StorageAccount(
    accountNamePrefix(name),
    {
      ...(adoptedAccount !== undefined ? { accountName: adoptedAccount } : args.accountName !== undefined ? { accountName: args.accountName } : {}),
      resourceGroupName: args.resourceGroupName,
      location: args.location,
      kind: "StorageV2",
      sku: { name: args.skuName ?? "Standard_ZRS" },
      enableHttpsTrafficOnly: true,
      minimumTlsVersion: "TLS1_2",
      allowBlobPublicAccess: false,
      allowSharedKeyAccess: false,
      defaultToOAuthAuthentication: true,
      allowCrossTenantReplication: false,
      publicNetworkAccess: deployers.length > 0 ? "Enabled" : "Disabled",
      networkRuleSet: { defaultAction: "Deny", bypass: "None", ipRules: deployers.map((range) => ({ iPAddressOrRange: range, action: "Allow" })) },
      tags: args.tags,
    },
    adoptOptions({ parent, retainOnDelete: args.retainOnDelete ?? true }, args.adopt?.storageAccountId),
  );
  const service = new storage.BlobServiceProperties(
    `${name}-blob-service`,
    {
      accountName: account.name,
      resourceGroupName: args.resourceGroupName,
      blobServicesName: "default",
      isVersioningEnabled: true,
      deleteRetentionPolicy: { enabled: true, days: 7 },
      containerDeleteRetentionPolicy: { enabled: true, days: 7 },
    },
    { parent },
  );
  const container = new storage.BlobContainer(
    `${name}-container`,
    { accountName: account.name, resourceGroupName: args.resourceGroupName, containerName: adoptedContainer ?? args.containerName ?? "ha-pair", publicAccess: "None" },
    adoptOptions({ parent, retainOnDelete: args.retainOnDelete ?? true }, args.adopt?.blobContainerId),
  );
  return { accountName: account.name, containerName: container.name, accountId: account.id, ready: [container, service] };
}
