/**
 * What the mock "cloud" answers for azure-native resources: ARM resource IDs as Azure forms them
 * (/subscriptions/S/resourceGroups/RG/providers/Namespace/type/name, children under their
 * parent's ID), the resource's name (given, or auto-named from the Pulumi name as azure-native
 * does), and the outputs Azure computes (identity principal and client IDs, public IP addresses,
 * ipConfiguration IDs). Deterministic per resource name.
 */
import { createHash } from "node:crypto";

export const MOCK_SUBSCRIPTION = "0b6f3a52-7c1d-4e8a-9f20-5a4d3c2b1e0f";
export const MOCK_TENANT = "72f988bf-86f1-41af-91ab-2d7cd011db47";
/** The object ID of whoever runs `pulumi up` under the mocks. */
export const MOCK_DEPLOYER_OBJECT_ID = "11111111-2222-4333-8444-555555555555";

const hex = (seed: string, length: number) => createHash("sha256").update(seed).digest("hex").slice(0, length);
/** A deterministic GUID (the shape of Azure's principal, client and role IDs). */
export function mockGuid(seed: string): string {
  const h = hex(`guid:${seed}`, 32);
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-8${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

interface TypeSpec {
  /** Namespace/type under the resource group. */
  arm: string;
  /** The input that names it (auto-named from the Pulumi name when absent). */
  nameInput: string;
  /** A child: the input naming its parent and the parent's ARM path segment. */
  parent?: { input: string; arm: string };
}

const TYPES: Record<string, TypeSpec> = {
  "azure-native:network:VirtualNetwork": { arm: "Microsoft.Network/virtualNetworks", nameInput: "virtualNetworkName" },
  "azure-native:network:Subnet": { arm: "subnets", nameInput: "subnetName", parent: { input: "virtualNetworkName", arm: "Microsoft.Network/virtualNetworks" } },
  "azure-native:network:NetworkInterface": { arm: "Microsoft.Network/networkInterfaces", nameInput: "networkInterfaceName" },
  "azure-native:network:NetworkSecurityGroup": { arm: "Microsoft.Network/networkSecurityGroups", nameInput: "networkSecurityGroupName" },
  "azure-native:network:SecurityRule": { arm: "securityRules", nameInput: "securityRuleName", parent: { input: "networkSecurityGroupName", arm: "Microsoft.Network/networkSecurityGroups" } },
  "azure-native:network:RouteTable": { arm: "Microsoft.Network/routeTables", nameInput: "routeTableName" },
  "azure-native:network:PublicIPAddress": { arm: "Microsoft.Network/publicIPAddresses", nameInput: "publicIpAddressName" },
  "azure-native:network:PrivateEndpoint": { arm: "Microsoft.Network/privateEndpoints", nameInput: "privateEndpointName" },
  "azure-native:network:PrivateDnsZoneGroup": { arm: "privateDnsZoneGroups", nameInput: "privateDnsZoneGroupName", parent: { input: "privateEndpointName", arm: "Microsoft.Network/privateEndpoints" } },
  "azure-native:privatedns:PrivateZone": { arm: "Microsoft.Network/privateDnsZones", nameInput: "privateZoneName" },
  "azure-native:privatedns:VirtualNetworkLink": { arm: "virtualNetworkLinks", nameInput: "virtualNetworkLinkName", parent: { input: "privateZoneName", arm: "Microsoft.Network/privateDnsZones" } },
  "azure-native:storage:StorageAccount": { arm: "Microsoft.Storage/storageAccounts", nameInput: "accountName" },
  "azure-native:storage:BlobServiceProperties": { arm: "blobServices", nameInput: "blobServicesName", parent: { input: "accountName", arm: "Microsoft.Storage/storageAccounts" } },
  "azure-native:managedidentity:UserAssignedIdentity": { arm: "Microsoft.ManagedIdentity/userAssignedIdentities", nameInput: "resourceName" },
  "azure-native:compute:VirtualMachine": { arm: "Microsoft.Compute/virtualMachines", nameInput: "vmName" },
};

/** azure-native's auto-name: the Pulumi name and a random suffix (a storage account's: letters and digits only). */
function autoName(type: string, name: string): string {
  if (type === "azure-native:storage:StorageAccount") return `${name.toLowerCase().replace(/[^a-z0-9]/g, "").slice(0, 16)}${hex(name, 8)}`;
  return `${name}${hex(name, 8)}`;
}

/** The ID and state of an azure-native resource after `pulumi up`; undefined for a type this module does not know. */
export function azureCloudState(type: string, name: string, inputs: Record<string, any>, subscriptionId: string): { id: string; state: Record<string, any> } | undefined {
  const rgPath = (rg: string) => `/subscriptions/${subscriptionId}/resourceGroups/${rg}`;
  switch (type) {
    case "azure-native:resources:ResourceGroup": {
      const rg = inputs.resourceGroupName ?? autoName(type, name);
      return { id: rgPath(rg), state: { ...inputs, name: rg, type: "Microsoft.Resources/resourceGroups" } };
    }
    case "azure-native:authorization:RoleDefinition": {
      const guid = inputs.roleDefinitionId ?? mockGuid(`role:${name}`);
      const id = `/subscriptions/${subscriptionId}/providers/Microsoft.Authorization/roleDefinitions/${guid}`;
      return { id, state: { ...inputs, name: guid, type: "Microsoft.Authorization/roleDefinitions" } };
    }
    case "azure-native:authorization:RoleAssignment": {
      const guid = inputs.roleAssignmentName ?? mockGuid(`assignment:${name}`);
      return { id: `${inputs.scope}/providers/Microsoft.Authorization/roleAssignments/${guid}`, state: { ...inputs, name: guid, type: "Microsoft.Authorization/roleAssignments" } };
    }
    case "azure-native:storage:BlobContainer": {
      const container = inputs.containerName ?? autoName(type, name);
      return { id: `${rgPath(inputs.resourceGroupName)}/providers/Microsoft.Storage/storageAccounts/${inputs.accountName}/blobServices/default/containers/${container}`, state: { ...inputs, name: container } };
    }
  }
  const spec = TYPES[type];
  if (!spec) return undefined;
  const resourceName = inputs[spec.nameInput] ?? (type === "azure-native:storage:BlobServiceProperties" ? "default" : autoName(type, name));
  const id = spec.parent
    ? `${rgPath(inputs.resourceGroupName)}/providers/${spec.parent.arm}/${inputs[spec.parent.input]}/${spec.arm}/${resourceName}`
    : `${rgPath(inputs.resourceGroupName)}/providers/${spec.arm}/${resourceName}`;
  const state: Record<string, any> = { ...inputs, name: resourceName, type: spec.parent ? `${spec.parent.arm}/${spec.arm}` : spec.arm };
  switch (type) {
    case "azure-native:network:NetworkInterface":
      state.ipConfigurations = (inputs.ipConfigurations ?? []).map((c: Record<string, any>) => ({ ...c, id: `${id}/ipConfigurations/${c.name}` }));
      state.enableIPForwarding = inputs.enableIPForwarding ?? false;
      break;
    case "azure-native:network:PublicIPAddress":
      state.ipAddress = `20.61.${parseInt(hex(name, 2), 16) % 250}.${(parseInt(hex(name, 4).slice(2), 16) % 250) + 1}`;
      break;
    case "azure-native:managedidentity:UserAssignedIdentity":
      Object.assign(state, { principalId: mockGuid(`principal:${name}`), clientId: mockGuid(`client:${name}`), tenantId: MOCK_TENANT });
      break;
    case "azure-native:compute:VirtualMachine":
      if (String(inputs.identity?.type ?? "").includes("SystemAssigned")) state.identity = { ...inputs.identity, principalId: mockGuid(`vm-principal:${name}`), tenantId: MOCK_TENANT };
      break;
  }
  return { id, state };
}

export function azureClientConfig(subscriptionId: string): Record<string, any> {
  return { subscriptionId, tenantId: MOCK_TENANT, clientId: mockGuid("deployer-client"), objectId: MOCK_DEPLOYER_OBJECT_ID };
}
