/**
 * What an Azure brownfield stack needs besides the agent config: the AzureHaPair args by ID
 * (pair-args.json) and the `pulumi import --file` document for what the stack should own (the
 * storage account, when no other tool owns it). AzureHaPair (issue 12) is being built beside
 * this; its args are assumed to follow AwsHaPair's by-ID form with Azure's resources: VMs and NICs
 * by role, the moving ipConfigurations, route tables, and the state storage account — existing
 * (used as is) or adopted (imported, protected) — and `manage` for the tags and IP forwarding.
 */
import type { ImportFile, ImportResource } from "../import-file.js";
import type { AzureOwnershipDocument } from "./ownership.js";
import type { ResolvedAzurePair } from "./resolve.js";

export const AZURE_HA_PAIR_TYPE = "ha-pair:index:AzureHaPair";
/** @pulumi/azure-native v3's storage account resource, imported by its ARM ID. */
export const AZURE_STORAGE_ACCOUNT_TYPE = "azure-native:storage:StorageAccount";

/** The JSON form of AzureHaPairArgs, every resource by ARM ID. */
export interface AzurePairArgsDocument {
  label: string;
  labelKey?: string;
  nicMapKey?: string;
  subscriptionId: string;
  resourceGroupName: string;
  location: string;
  nodes: Record<"a" | "b", { vmId: string; interfaces: Record<string, { networkInterfaceId: string; privateIp: string }> }>;
  ipConfigurations?: { name: string; role: string; privateIp: string; publicIpAddressId?: string }[];
  routes?: { routeTableId: string; addressPrefixes: string[]; nextHopRole: string }[];
  /** The state storage: an account another tool owns, used as is, or one the stack adopts. */
  stateStorage: { existingAccountName?: string; accountName: string; containerName: string; blobName: string };
  adopt?: { storageAccountId?: string };
  /** Who writes tags and IP forwarding: verify leaves them to their current owner. */
  manage: { tags: "apply" | "verify"; ipForwarding: "apply" | "verify" };
}

export function buildAzurePairArgs(pair: ResolvedAzurePair, ownership: AzureOwnershipDocument): AzurePairArgsDocument {
  const { config, nodes } = pair;
  const interfaces = (node: "a" | "b") => Object.fromEntries(Object.entries(nodes[node].interfaces).map(([role, nic]) => [role, { networkInterfaceId: nic.id, privateIp: nic.privateIp }]));
  const terraformOwnsAccount = ownership.attributes.some((a) => a.resource === pair.storageAccount.id && a.owner === "terraform");
  return {
    label: config.label,
    ...(config.tags?.labelKey ? { labelKey: config.tags.labelKey } : {}),
    ...(config.tags?.nicMapKey ? { nicMapKey: config.tags.nicMapKey } : {}),
    subscriptionId: config.subscriptionId,
    resourceGroupName: pair.resourceGroup,
    location: pair.location,
    nodes: { a: { vmId: nodes.a.vmId, interfaces: interfaces("a") }, b: { vmId: nodes.b.vmId, interfaces: interfaces("b") } },
    ...(config.addresses?.ipConfigurations ? { ipConfigurations: config.addresses.ipConfigurations.map((c) => ({ ...c })) } : {}),
    ...(config.routes ? { routes: config.routes.map((r) => ({ routeTableId: r.routeTableId, addressPrefixes: [...r.addressPrefixes], nextHopRole: r.nextHop.role })) } : {}),
    stateStorage: {
      ...(terraformOwnsAccount ? { existingAccountName: pair.storageAccount.name } : {}),
      accountName: pair.storageAccount.name,
      containerName: config.stateStore.container,
      blobName: config.stateStore.blob,
    },
    ...(terraformOwnsAccount ? {} : { adopt: { storageAccountId: pair.storageAccount.id } }),
    manage: { tags: "verify", ipForwarding: "verify" },
  };
}

/** The component (so its children have their parent in the file: Pulumi ≥ 3.94) and what the stack adopts. */
export function buildAzureImportFile(args: AzurePairArgsDocument, componentName: string): ImportFile {
  const children: ImportResource[] = [];
  if (args.adopt?.storageAccountId) children.push({ type: AZURE_STORAGE_ACCOUNT_TYPE, name: `${componentName}-state`, id: args.adopt.storageAccountId, parent: componentName });
  return { nameTable: {}, resources: [{ type: AZURE_HA_PAIR_TYPE, name: componentName, component: true }, ...children] };
}
