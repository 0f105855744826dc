/**
 * Who sets each attribute of an Azure pair today, and the `lifecycle { ignore_changes }` lines
 * azurerm needs so Terraform stops reverting failovers. Terraform owns what its state sets; CFE
 * moves ipConfigurations and route next hops when a declaration says it runs; anything else
 * with a value was set outside both (portal, CLI, an ARM template); unset is "nobody".
 */
import type { TerraformResource } from "../terraform-state.js";
import type { AttributeOwnership, LifecycleAdvice, Owner } from "../aws/ownership.js";
import type { ResolvedAzurePair } from "./resolve.js";
import { terraformResourceFor } from "./terraform-scope.js";

export interface AzureOwnershipDocument {
  label: string;
  sources: { tags: boolean; cfeDeclaration?: string; terraformState?: string };
  attributes: AttributeOwnership[];
  terraform: { lifecycle: LifecycleAdvice[]; ifManageApply: LifecycleAdvice[] };
}

function advice(address: string, ignoreChanges: string[], why: string): LifecycleAdvice {
  return { address, ignoreChanges, why, hcl: `lifecycle {\n  ignore_changes = [${ignoreChanges.join(", ")}]\n}` };
}

export function buildAzureOwnership(pair: ResolvedAzurePair, options: { terraform?: TerraformResource[]; terraformFile?: string; cfeFile?: string; tags: boolean }): AzureOwnershipDocument {
  const { config } = pair;
  const tf = options.terraform ?? [];
  const labelKey = config.tags?.labelKey ?? "f5_cloud_failover_label";
  const nicMapKey = config.tags?.nicMapKey ?? "f5_cloud_failover_nic_map";
  const attributes: AttributeOwnership[] = [];
  const lifecycle: LifecycleAdvice[] = [];
  const ifManageApply: LifecycleAdvice[] = [];
  const moved: Owner = options.cfeFile ? "cfe" : "console";
  const owned = (id: string, set: boolean): { owner: Owner; terraformAddress?: string } => {
    const resource = terraformResourceFor(tf, id);
    if (resource) return { owner: "terraform", terraformAddress: resource.address };
    return { owner: set ? "console" : "nobody" };
  };

  for (const node of ["a", "b"] as const) {
    for (const nic of Object.values(pair.nodes[node].interfaces)) {
      const who = owned(nic.id, true);
      for (const key of [labelKey, nicMapKey]) attributes.push({ resource: nic.id, kind: "networkInterface", attribute: `tags.${key}`, ...owned(nic.id, nic.tags[key] !== undefined), haPair: "verifies at preview" });
      attributes.push({ resource: nic.id, kind: "networkInterface", attribute: "enableIPForwarding", ...owned(nic.id, nic.ipForwarding), haPair: "verifies at preview" });
      const floats = (config.addresses?.ipConfigurations ?? []).some((c) => c.role === nic.role);
      if (floats) {
        attributes.push({ resource: nic.id, kind: "networkInterface", attribute: "ipConfigurations (secondary)", owner: who.owner === "terraform" ? "terraform" : moved, ...(who.terraformAddress ? { terraformAddress: who.terraformAddress } : {}), haPair: "moves at failover" });
        if (who.terraformAddress) lifecycle.push(advice(who.terraformAddress, ["ip_configuration"], `the agent moves the floating ipConfigurations (${nic.id}); Terraform would put them back on the node it built them on`));
      }
      if (who.terraformAddress) ifManageApply.push(advice(who.terraformAddress, ["tags", "ip_forwarding_enabled"], `only if the component is to write the pair's tags and IP forwarding on ${nic.id} (manage: apply)`));
    }
  }
  for (const table of pair.routeTables) {
    const who = owned(table.id, true);
    for (const route of (config.routes ?? []).filter((r) => r.routeTableId === table.id)) {
      for (const prefix of route.addressPrefixes) {
        const separate = tf.find((r) => r.type === "azurerm_route" && r.values.address_prefix === prefix && typeof r.values.id === "string" && r.values.id.toLowerCase().startsWith(`${table.id.toLowerCase()}/routes/`));
        const owner = separate ? { owner: "terraform" as const, terraformAddress: separate.address } : who.owner === "terraform" ? who : { owner: moved };
        attributes.push({ resource: table.id, kind: "routeTable", attribute: `route ${prefix} nextHopIpAddress`, ...owner, haPair: "moves at failover" });
        if (separate && !lifecycle.some((l) => l.address === separate.address)) lifecycle.push(advice(separate.address, ["next_hop_in_ip_address"], `the agent points ${prefix} in ${table.id} at the active node`));
      }
    }
    if (who.terraformAddress && Array.isArray(terraformResourceFor(tf, table.id)?.values.route) && (terraformResourceFor(tf, table.id)!.values.route as unknown[]).length > 0) {
      lifecycle.push(advice(who.terraformAddress, ["route"], `its inline routes include the pair's, whose next hop the agent rewrites at failover (${table.id})`));
    }
    attributes.push({ resource: table.id, kind: "routeTable", attribute: `tags.${labelKey}`, ...owned(table.id, table.tags[labelKey] !== undefined), haPair: "verifies at preview" });
  }
  const account = pair.storageAccount;
  const accountOwner = owned(account.id, true);
  attributes.push({ resource: account.id, kind: "storageAccount", attribute: "account", ...accountOwner, haPair: accountOwner.owner === "terraform" ? "uses as is" : "adopts (import, protect)" });
  return {
    label: config.label,
    sources: { tags: options.tags, ...(options.cfeFile ? { cfeDeclaration: options.cfeFile } : {}), ...(options.terraformFile ? { terraformState: options.terraformFile } : {}) },
    attributes,
    terraform: { lifecycle, ifManageApply },
  };
}
