/**
 * The Azure RBAC actions the agent needs, as pure data (no SDK import), for the pair's custom
 * role (components/) and the policy pack. The permission check (permissions.ts) asks ARM for
 * exactly these before fencing.
 */
import type { AzureOperationAction } from "../core/operations.js";

/** The actions each operation needs on its resources. */
export const AZURE_OPERATION_ACTIONS: { readonly [A in AzureOperationAction]: readonly string[] } = {
  UpdateRouteTable: ["Microsoft.Network/routeTables/read", "Microsoft.Network/routeTables/write"],
  MoveIpConfigurations: [
    "Microsoft.Network/networkInterfaces/read",
    "Microsoft.Network/networkInterfaces/write",
    // Joining the receiving NIC's subnet and attaching the public IP are linked-access checks.
    "Microsoft.Network/virtualNetworks/subnets/join/action",
    "Microsoft.Network/publicIPAddresses/join/action",
  ],
};

/** Every ARM action of the agent: its operations, the verification reads and the permission check itself. */
export const AZURE_REQUIRED_ACTIONS: readonly string[] = [
  ...new Set([...Object.values(AZURE_OPERATION_ACTIONS).flat(), "Microsoft.Network/publicIPAddresses/read", "Microsoft.Authorization/permissions/read"]),
].sort();

/** The data actions on the state container (Storage Blob Data Contributor has them). */
export const AZURE_BLOB_DATA_ACTIONS: readonly string[] = [
  "Microsoft.Storage/storageAccounts/blobServices/containers/blobs/read",
  "Microsoft.Storage/storageAccounts/blobServices/containers/blobs/write",
  "Microsoft.Storage/storageAccounts/blobServices/containers/blobs/delete",
];
