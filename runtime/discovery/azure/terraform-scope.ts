/**
 * An azurerm Terraform state to a discovery scope: the azurerm_network_interface resources that
 * carry the label tag (their IDs), the azurerm_route_table resources that carry it or hold an
 * azurerm_route / inline route at one of those NICs' IPs, the azurerm_storage_account with the
 * label (or the only one). ARM then says where everything points now: a failover since the last
 * apply moved it, and the state does not know.
 */
import { DiscoveryInputError } from "../errors.js";
import { isObject } from "../json-file.js";
import type { TerraformResource } from "../terraform-state.js";
import { sameResource } from "../../azure/resource-id.js";
import { type AzurePairScope, type AzureTagKeys } from "./scope.js";

const tagsOf = (r: TerraformResource): Record<string, string> => (isObject(r.values.tags) ? (r.values.tags as Record<string, string>) : {});
const str = (value: unknown) => (typeof value === "string" ? value : undefined);

/** /subscriptions/S/resourceGroups/G/...: S and G. */
export function idParts(id: string): { subscriptionId?: string; resourceGroup?: string } {
  const match = /^\/subscriptions\/([^/]+)\/resourceGroups\/([^/]+)\//i.exec(id);
  return match ? { subscriptionId: match[1]!, resourceGroup: match[2]! } : {};
}

export function scopeFromAzureTerraform(resources: TerraformResource[], options: { file: string; keys: AzureTagKeys; label?: string }): AzurePairScope {
  const { file, keys } = options;
  const nics = resources.filter((r) => r.type === "azurerm_network_interface");
  const labels = [...new Set(nics.map((r) => tagsOf(r)[keys.labelKey]).filter((l): l is string => l !== undefined))];
  const label = options.label ?? (labels.length === 1 ? labels[0] : undefined);
  if (!label) {
    throw new DiscoveryInputError(
      file,
      labels.length === 0
        ? `no azurerm_network_interface carries the ${keys.labelKey} tag (${nics.length} interfaces in the state): pass --label L with --label-key K, or tag the pair's interfaces`
        : `its interfaces carry ${labels.length} labels (${labels.join(", ")}): pass --label L to choose the pair`,
    );
  }
  const pairNics = nics.filter((r) => tagsOf(r)[keys.labelKey] === label && typeof r.values.id === "string");
  const nicIps = new Set(
    pairNics.flatMap((r) => (Array.isArray(r.values.ip_configuration) ? r.values.ip_configuration.filter(isObject) : []).map((c) => str(c.private_ip_address)).filter((ip): ip is string => !!ip)),
  );
  const tables = resources.filter((r) => r.type === "azurerm_route_table");
  const routeTableIds = new Set<string>();
  for (const table of tables) {
    const id = str(table.values.id);
    if (!id) continue;
    const inline = Array.isArray(table.values.route) ? table.values.route.filter(isObject) : [];
    if (tagsOf(table)[keys.labelKey] === label || inline.some((route) => nicIps.has(str(route.next_hop_in_ip_address) ?? ""))) routeTableIds.add(id);
  }
  for (const route of resources.filter((r) => r.type === "azurerm_route" && nicIps.has(str(r.values.next_hop_in_ip_address) ?? ""))) {
    const table = tables.find((t) => t.values.name === route.values.route_table_name && t.values.resource_group_name === route.values.resource_group_name);
    const routeId = str(route.values.id);
    const tableId = str(table?.values.id) ?? (routeId ? routeId.replace(/\/routes\/[^/]+$/i, "") : undefined);
    if (tableId) routeTableIds.add(tableId);
  }
  const accounts = resources.filter((r) => r.type === "azurerm_storage_account");
  const labelled = accounts.filter((r) => tagsOf(r)[keys.labelKey] === label);
  const account = labelled.length === 1 ? labelled[0] : labelled.length === 0 && accounts.length === 1 ? accounts[0] : undefined;
  const firstId = str(pairNics[0]?.values.id);
  const parts = firstId ? idParts(firstId) : {};
  const notes = account || accounts.length === 0 ? [] : [`${file}: ${accounts.length} storage accounts and none (or several) tagged ${keys.labelKey}=${label}; the account is looked up in the cloud by that tag`];
  return {
    label,
    keys,
    source: "terraform",
    nicsByTags: false,
    nicIds: pairNics.map((r) => String(r.values.id)),
    routeTablesByTags: false,
    routeScopes: [...routeTableIds].map((routeTableId) => ({ routeTableId })),
    publicIpsByTags: false,
    storage: account && typeof account.values.name === "string" ? { name: account.values.name } : { tags: { [keys.labelKey]: label } },
    ...parts,
    notes,
  };
}

/** The Terraform resource whose `id` is this ARM ID (case-insensitive, as ARM IDs are). */
export function terraformResourceFor(resources: TerraformResource[], id: string): TerraformResource | undefined {
  return resources.find((r) => sameResource(str(r.values.id), id));
}
