/**
 * What the Azure agent needs, and the Azure operation names the pack expands wildcards against.
 *
 * The Azure agent is not written yet: this list is the pack's own until it exports one
 * (runtime/azure/required-actions.ts, like runtime/aws/required-actions.ts), which will
 * replace AZURE_AGENT_ACTIONS / AZURE_AGENT_DATA_ACTIONS here.
 */

/** Control-plane actions of the agent's custom role. */
export const AZURE_AGENT_ACTIONS: readonly string[] = [
  // Failover moves ipconfigs: read the NIC, PUT it back whole (conditional on its etag).
  "Microsoft.Network/networkInterfaces/read",
  "Microsoft.Network/networkInterfaces/write",
  // A NIC PUT re-links the NIC's subnet, NSG and public IPs: ARM checks join on each of them.
  "Microsoft.Network/virtualNetworks/subnets/join/action",
  "Microsoft.Network/networkSecurityGroups/join/action",
  "Microsoft.Network/publicIPAddresses/join/action",
  // Route next hops follow the active node.
  "Microsoft.Network/routeTables/read",
  "Microsoft.Network/routeTables/write",
  "Microsoft.Network/routeTables/routes/read",
  "Microsoft.Network/routeTables/routes/write",
];

/** Data-plane actions on the state container (Entra ID auth to Blob storage). */
export const AZURE_AGENT_DATA_ACTIONS: readonly string[] = [
  "Microsoft.Storage/storageAccounts/blobServices/containers/blobs/read",
  "Microsoft.Storage/storageAccounts/blobServices/containers/blobs/write",
  // `ha-pair reset` removes the state object (the AWS agent's s3:DeleteObject).
  "Microsoft.Storage/storageAccounts/blobServices/containers/blobs/delete",
];

const ops = (prefix: string, names: string) =>
  names
    .split(/\s+/)
    .filter(Boolean)
    .map((n) => `${prefix}/${n}`);

export const AZURE_ACTION_CATALOG: readonly string[] = [
  ...ops("Microsoft.Network/networkInterfaces", "read write delete join/action effectiveRouteTable/action effectiveNetworkSecurityGroups/action ipconfigurations/read ipconfigurations/join/action"),
  ...ops("Microsoft.Network/routeTables", "read write delete join/action routes/read routes/write routes/delete"),
  ...ops("Microsoft.Network/publicIPAddresses", "read write delete join/action"),
  ...ops("Microsoft.Network/virtualNetworks", "read write delete peer/action subnets/read subnets/write subnets/delete subnets/join/action"),
  ...ops("Microsoft.Network/networkSecurityGroups", "read write delete join/action securityRules/read securityRules/write securityRules/delete"),
  ...ops("Microsoft.Network/loadBalancers", "read write delete backendAddressPools/join/action"),
  ...ops("Microsoft.Network/privateEndpoints", "read write delete"),
  ...ops("Microsoft.Network/locations", "operations/read operationResults/read"),
  ...ops("Microsoft.Compute/virtualMachines", "read write delete start/action powerOff/action restart/action deallocate/action runCommand/action"),
  ...ops("Microsoft.Storage/storageAccounts", "read write delete listKeys/action regenerateKey/action listAccountSas/action blobServices/read blobServices/containers/read blobServices/containers/write blobServices/containers/delete"),
  ...ops("Microsoft.Authorization", "roleAssignments/read roleAssignments/write roleAssignments/delete roleDefinitions/read roleDefinitions/write roleDefinitions/delete"),
  ...ops("Microsoft.Resources", "subscriptions/resourceGroups/read subscriptions/resourceGroups/write deployments/write"),
  ...ops("Microsoft.ManagedIdentity/userAssignedIdentities", "read write delete assign/action"),
];

export const AZURE_DATA_ACTION_CATALOG: readonly string[] = ops(
  "Microsoft.Storage/storageAccounts/blobServices/containers/blobs",
  "read write delete add/action move/action deleteBlobVersion/action permanentDelete/action filter/action tags/read tags/write manageOwnership/action modifyPermissions/action immutableStorage/runAsSuperUser/action runAsSuperUser/action",
).concat(ops("Microsoft.Storage/storageAccounts/queueServices/queues/messages", "read write delete process/action add/action"));

/** Built-in roles that grant far more than the agent needs. */
export const BUILT_IN_ROLES: Readonly<Record<string, string>> = {
  "8e3af657-a8ff-443c-a75c-2fe8c4bcb635": "Owner",
  "b24988ac-6180-42a0-ab88-20f7382dd24c": "Contributor",
};
