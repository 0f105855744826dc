/**
 * What the Azure agent needs comes from the runtime (runtime/azure/required-actions.ts, built
 * into the pack): a new call in the agent is allowed here without touching the pack. This module
 * holds only the Azure operation names the pack expands wildcards against, and the built-in roles
 * never to assign.
 */
import { AZURE_BLOB_DATA_ACTIONS, AZURE_OPERATION_ACTIONS, AZURE_REQUIRED_ACTIONS } from "../../runtime/azure/required-actions.js";

/** Control-plane actions of the agent's custom role (the runtime's list). */
export const AZURE_AGENT_ACTIONS: readonly string[] = AZURE_REQUIRED_ACTIONS;

/** Data-plane actions on the state container (the runtime's list). */
export const AZURE_AGENT_DATA_ACTIONS: readonly string[] = AZURE_BLOB_DATA_ACTIONS;

/**
 * What any pair's role must hold, by what the pair moves: the permission check and the state
 * blob always; the route table actions when the pair has route tables; the public IP join when a
 * public IP moves. (NIC actions only when ipConfigs move, which the pack cannot see: not required.)
 */
export function requiredAzureActions(has: { routeTables: boolean; publicIps: boolean }): { actions: string[]; dataActions: string[] } {
  return {
    actions: [
      ...AZURE_REQUIRED_ACTIONS.filter((a) => a.startsWith("Microsoft.Authorization/")),
      ...(has.routeTables ? AZURE_OPERATION_ACTIONS.UpdateRouteTable : []),
      ...(has.publicIps ? ["Microsoft.Network/publicIPAddresses/join/action"] : []),
    ],
    // `reset` (delete) is an operator's command: not required for failover.
    dataActions: AZURE_BLOB_DATA_ACTIONS.filter((a) => !a.endsWith("/delete")),
  };
}

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
  ...ops("Microsoft.Authorization", "permissions/read roleAssignments/read roleAssignments/write roleAssignments/delete roleDefinitions/read roleDefinitions/write roleDefinitions/delete"),
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
