/**
 * What an Azure brownfield stack needs besides the agent config: the AzureHaPair args by ID
 * (pair-args.json) and the `pulumi import --file` document for what the stack should own (the
 * storage account, when no other tool owns it). The document is AzureHaPairArgs by ID
 * (components/azure/ha-pair.ts; the runtime does not import components, so
 * test/components-azure-adoption.test.ts assigns it to AzureHaPairArgs under tsc and feeds it to
 * the component): nodes by vmId with NICs by networkInterfaceId/privateIp/subnetId,
 * ipConfigurations, routes, network, storage, statePrefix, and the adoption options `manage`
 * (components/azure/adoption.ts) and `adopt.storageAccountId`. Discovery lists no containers, so
 * it never writes `adopt.blobContainerId`: add it when the state container already exists.
 */
import { defaultStateKey } from "../state-key.js";
import type { ImportFile, ImportResource } from "../import-file.js";
import type { AzureOwnershipDocument } from "./ownership.js";
import type { ResolvedAzurePair } from "./resolve.js";

export const AZURE_HA_PAIR_TYPE = "ha-pair:index:AzureHaPair";
/** @pulumi/azure-native v3's storage account resource, imported by its ARM ID. */
export const AZURE_STORAGE_ACCOUNT_TYPE = "azure-native:storage:StorageAccount";

/**
 * The Pulumi name AzureHaPair gives its storage account (components/azure/storage.ts
 * accountNamePrefix: lowercase letters and digits of the component's name, then "st"),
 * so that the imported account is the program's own.
 */
export function storageAccountResourceName(componentName: string): string {
  return (componentName.toLowerCase().replace(/[^a-z0-9]/g, "").slice(0, 14) || "hapair") + "st";
}

/** The JSON form of AzureHaPairArgs, every resource by ARM ID. */
export interface AzurePairArgsDocument {
  label: string;
  labelKey?: string;
  nicMapKey?: string;
  subscriptionId: string;
  resourceGroupName: string;
  location: string;
  nodes: Record<"a" | "b", { vmId: string; interfaces: Record<string, { networkInterfaceId: string; privateIp: string; subnetId?: string }> }>;
  ipConfigurations?: { name: string; role: string; privateIp: string; publicIpAddressId?: string }[];
  routes?: { routeTableId: string; addressPrefixes: string[]; nextHopRole: string }[];
  /** The VNet (from the NICs' subnets) and where the Blob private endpoint goes (check: the nodes' management subnet). */
  network: { virtualNetworkId: string; endpointSubnetId: string };
  /** An account Terraform owns, used as is; else the account by name, adopted (see `adopt`). */
  storage: { existingAccountName: string; existingContainerName: string } | { accountName: string; containerName: string };
  statePrefix?: string;
  /** Adopt (import + protect) rather than reuse: the stack owns these from now on. */
  adopt?: { storageAccountId?: string; blobContainerId?: string };
  /** Who writes tags and IP forwarding: verify leaves them to their current owner. */
  manage: { tags: "apply" | "verify"; ipForwarding: "apply" | "verify" };
}

export function buildAzurePairArgs(pair: ResolvedAzurePair, ownership: AzureOwnershipDocument): { args: AzurePairArgsDocument; notes: string[] } {
  const { config, nodes } = pair;
  const notes: string[] = [];
  const interfaces = (node: "a" | "b") =>
    Object.fromEntries(Object.entries(nodes[node].interfaces).map(([role, nic]) => [role, { networkInterfaceId: nic.id, privateIp: nic.privateIp, ...(nic.subnetId ? { subnetId: nic.subnetId } : {}) }]));
  const terraformOwnsAccount = ownership.attributes.some((a) => a.resource === pair.storageAccount.id && a.owner === "terraform");
  const firstSubnet = Object.values(nodes.a.interfaces).find((n) => n.subnetId)?.subnetId ?? "";
  notes.push(`pair-args.json: network.endpointSubnetId is ${firstSubnet || "unknown"} (node a's first NIC's subnet); set it to the nodes' management subnet, where the Blob private endpoint goes`);
  const { container, blob } = config.stateStore;
  const prefix = blob.replace(/\/state\.json$/, "");
  return {
    args: {
      label: config.label,
      ...(config.tags?.labelKey ? { labelKey: config.tags.labelKey } : {}),
      ...(config.tags?.nicMapKey ? { nicMapKey: config.tags.nicMapKey } : {}),
      subscriptionId: config.subscriptionId,
      resourceGroupName: pair.resourceGroup,
      location: pair.location,
      nodes: { a: { vmId: nodes.a.vmId, interfaces: interfaces("a") }, b: { vmId: nodes.b.vmId, interfaces: interfaces("b") } },
      ...(config.addresses?.ipConfigurations ? { ipConfigurations: config.addresses.ipConfigurations.map((c) => ({ ...c })) } : {}),
      ...(config.routes ? { routes: config.routes.map((r) => ({ routeTableId: r.routeTableId, addressPrefixes: [...r.addressPrefixes], nextHopRole: r.nextHop.role })) } : {}),
      network: { virtualNetworkId: firstSubnet.replace(/\/subnets\/[^/]+$/i, ""), endpointSubnetId: firstSubnet },
      storage: terraformOwnsAccount ? { existingAccountName: pair.storageAccount.name, existingContainerName: container } : { accountName: pair.storageAccount.name, containerName: container },
      ...(blob !== defaultStateKey(config.label) ? { statePrefix: prefix } : {}),
      ...(terraformOwnsAccount ? {} : { adopt: { storageAccountId: pair.storageAccount.id } }),
      manage: { tags: "verify", ipForwarding: "verify" },
    },
    notes,
  };
}

/** The component (so its children have their parent in the file: Pulumi ≥ 3.94) and what the stack adopts. */
export function buildAzureImportFile(args: AzurePairArgsDocument, componentName: string): ImportFile {
  const children: ImportResource[] = [];
  if (args.adopt?.storageAccountId) children.push({ type: AZURE_STORAGE_ACCOUNT_TYPE, name: storageAccountResourceName(componentName), id: args.adopt.storageAccountId, parent: componentName });
  return { nameTable: {}, resources: [{ type: AZURE_HA_PAIR_TYPE, name: componentName, component: true }, ...children] };
}
