/**
 * The agent's Azure permissions, as pure data from the runtime's own action list: the custom
 * role's actions (only what the pair's plan needs) and the exact scopes it is assigned at. No
 * wildcard, no scope above the pair's resource group (the role is assignable there only), and
 * the assignments narrower still: each route table, each NIC and public IP that moves, the
 * subnets those ipConfigs join, and the state container.
 */
import { AZURE_BLOB_DATA_ACTIONS, AZURE_OPERATION_ACTIONS, AZURE_REQUIRED_ACTIONS } from "../../runtime/azure/required-actions.js";

export interface AzurePlanNeeds {
  /** Route tables whose next hops follow the active node. */
  routes: boolean;
  /** ipConfigurations that move between the nodes' NICs (opt-in). */
  ipConfigurations: boolean;
  /** Public IPs attached to moving ipConfigurations. */
  publicIps: boolean;
}

export interface AzureRolePermissions {
  actions: string[];
  dataActions: string[];
}

const NIC_ACTIONS = AZURE_OPERATION_ACTIONS.MoveIpConfigurations.filter((a) => a.startsWith("Microsoft.Network/networkInterfaces/"));
const SUBNET_JOIN = AZURE_OPERATION_ACTIONS.MoveIpConfigurations.filter((a) => a.startsWith("Microsoft.Network/virtualNetworks/"));
const PUBLIC_IP_ACTIONS = AZURE_REQUIRED_ACTIONS.filter((a) => a.startsWith("Microsoft.Network/publicIPAddresses/"));
const PERMISSION_CHECK = AZURE_REQUIRED_ACTIONS.filter((a) => a.startsWith("Microsoft.Authorization/"));

/** The actions of the pair's custom role: each one from the runtime's list, only those its plan uses. */
export function azureRolePermissions(needs: AzurePlanNeeds): AzureRolePermissions {
  const actions = [
    ...(needs.routes ? AZURE_OPERATION_ACTIONS.UpdateRouteTable : []),
    ...(needs.ipConfigurations ? [...NIC_ACTIONS, ...SUBNET_JOIN] : []),
    ...(needs.publicIps ? PUBLIC_IP_ACTIONS : []),
    // The agent asks ARM for its own permissions on every resource it writes, before fencing.
    ...PERMISSION_CHECK,
  ];
  const unknown = actions.filter((a) => !AZURE_REQUIRED_ACTIONS.includes(a));
  if (unknown.length > 0) throw new Error(`azureRolePermissions: ${unknown.join(", ")} is not in the runtime's AZURE_REQUIRED_ACTIONS`);
  return { actions: [...new Set(actions)].sort(), dataActions: [...AZURE_BLOB_DATA_ACTIONS] };
}

export interface AzureAssignmentScope {
  scope: string;
  /** What the assignment is for (the assignment's description). */
  why: string;
}

/** Problems with a scope the role would be assigned at: not inside the resource group, or the group itself. */
export function scopeProblems(rgId: string, scopes: AzureAssignmentScope[]): string[] {
  const rg = rgId.toLowerCase();
  return scopes
    .filter((s) => !s.scope.toLowerCase().startsWith(`${rg}/providers/`))
    .map((s) => `role assignment scope ${s.scope} (${s.why}) is not a resource inside ${rgId}: every resource of the pair must be in the pair's resource group`);
}
