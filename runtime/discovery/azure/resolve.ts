/**
 * The Azure pair from what ARM lists and what the scope says is the pair's: two VMs, one NIC per
 * role on each, the ipConfigurations that float, the routes that follow the active node and the
 * storage account of the state. Every ambiguity is collected and reported at once, each naming
 * the resources and the fix.
 */
import { NODE_IDS, type NodeId } from "../../config/types.js";
import type { AzureAgentConfig, AzureIpConfigurationConfig, AzureRouteConfig } from "../../config/azure-types.js";
import { validateConfig } from "../../config/validate.js";
import { cidrContains } from "../cidr.js";
import { configTagKeys } from "../tag-keys.js";
import { ProblemList } from "../errors.js";
import type { Json } from "../../azure/arm.js";
import type { AzureInventory } from "./arm-inventory.js";
import { sameResource } from "../../azure/resource-id.js";
import { hasTags, lastSegment, type AzurePairScope } from "./scope.js";

export interface ResolvedNic {
  id: string;
  role: string;
  privateIp: string;
  /** The primary ipConfiguration's subnet (where floating ipConfigurations join). */
  subnetId?: string;
  ipForwarding: boolean;
  tags: Record<string, string>;
}

export interface ResolvedAzurePair {
  config: AzureAgentConfig;
  nodes: Record<NodeId, { vmId: string; interfaces: Record<string, ResolvedNic> }>;
  resourceGroup: string;
  location: string;
  routeTables: { id: string; tags: Record<string, string> }[];
  storageAccount: { id: string; name: string; blobEndpoint?: string; tags: Record<string, string> };
  notes: string[];
}

export interface ResolveOptions {
  container: string;
  blob: string;
  /** endpoints.arm, when discovery did not talk to Azure's public cloud. */
  armEndpoint?: string;
  imdsEndpoint?: string;
}

const props = (r: Json): Json => (r.properties ?? {}) as Json;
const tagsOf = (r: Json): Record<string, string> => (r.tags ?? {}) as Record<string, string>;
type IpConfig = { name: string; properties: { privateIPAddress?: string; primary?: boolean; publicIPAddress?: { id?: string }; subnet?: { id?: string } } };
const ipConfigs = (nic: Json): IpConfig[] => (props(nic).ipConfigurations ?? []) as IpConfig[];
const list = (items: string[]) => items.join(", ");

export function resolveAzurePair(inventory: AzureInventory, scope: AzurePairScope, options: ResolveOptions): ResolvedAzurePair {
  const { label, keys } = scope;
  const problems = new ProblemList();
  const notes = [...scope.notes];

  // --- NICs and nodes
  const nics = inventory.networkInterfaces.filter((n) => (scope.nicsByTags && tagsOf(n)[keys.labelKey] === label) || scope.nicIds.some((id) => sameResource(id, String(n.id))));
  for (const id of scope.nicIds) if (!nics.some((n) => sameResource(String(n.id), id))) problems.add(`network interface ${id} (named by the source) is not in ${inventory.scope}`, `pass --subscription and --resource-group of the pair, or fix the source`, [id]);
  const byVm = new Map<string, { vmId: string; nics: Json[] }>();
  for (const nic of nics) {
    const vmId = (props(nic).virtualMachine as { id?: string } | undefined)?.id;
    if (!vmId) {
      problems.add(`network interface ${String(nic.id)} carries ${keys.labelKey}=${label} but is attached to no VM`, `attach it to a node's VM, or remove its ${keys.labelKey} tag`, [String(nic.id)]);
      continue;
    }
    const entry = byVm.get(vmId.toLowerCase()) ?? { vmId, nics: [] };
    entry.nics.push(nic);
    byVm.set(vmId.toLowerCase(), entry);
  }
  if (byVm.size !== 2) {
    problems.add(
      byVm.size === 0
        ? `no network interface of pair "${label}" found in ${inventory.scope} (none tagged ${keys.labelKey}=${label}${scope.nicIds.length > 0 ? ", none of the source's" : ""})`
        : `the interfaces of pair "${label}" are attached to ${byVm.size} VMs (${list([...byVm.values()].map((v) => v.vmId))}), not two`,
      byVm.size === 0
        ? `tag both nodes' interfaces ${keys.labelKey}=${label} and ${keys.nicMapKey}=ROLE, or pass --subscription / --resource-group where the pair is`
        : `keep the ${keys.labelKey}=${label} tag on the two nodes' interfaces only`,
      [...byVm.values()].map((v) => v.vmId),
    );
    problems.throwIfAny(label);
  }
  const vms = [...byVm.values()];
  const wantedA = scope.nodeA?.toLowerCase();
  let aIndex = 0;
  if (wantedA) {
    aIndex = vms.findIndex((v) => v.vmId.toLowerCase() === wantedA || lastSegment(v.vmId).toLowerCase() === wantedA);
    if (aIndex < 0) {
      problems.add(`--node-a ${scope.nodeA} is neither of the pair's VMs (${list(vms.map((v) => v.vmId))})`, `pass one of their names or IDs`, vms.map((v) => v.vmId));
      aIndex = 0;
    }
  } else {
    aIndex = lastSegment(vms[0]!.vmId).localeCompare(lastSegment(vms[1]!.vmId)) <= 0 ? 0 : 1;
  }
  const ordered: Record<NodeId, { vmId: string; nics: Json[] }> = { a: vms[aIndex]!, b: vms[1 - aIndex]! };
  const nodes = {} as ResolvedAzurePair["nodes"];
  for (const node of NODE_IDS) {
    const interfaces: Record<string, ResolvedNic> = {};
    for (const nic of ordered[node].nics) {
      const role = tagsOf(nic)[keys.nicMapKey];
      if (!role) {
        problems.add(`network interface ${String(nic.id)} of node ${node} has no ${keys.nicMapKey} tag`, `tag it ${keys.nicMapKey}=ROLE (external, internal, ...), the same role on both nodes' matching interfaces`, [String(nic.id)]);
        continue;
      }
      if (interfaces[role]) {
        problems.add(`node ${node} (${ordered[node].vmId}) has two interfaces of role ${role}: ${interfaces[role]!.id}, ${String(nic.id)}`, `give each interface of a node its own ${keys.nicMapKey} value`, [interfaces[role]!.id, String(nic.id)]);
        continue;
      }
      const primary = ipConfigs(nic).find((c) => c.properties.primary) ?? ipConfigs(nic)[0];
      const subnetId = primary?.properties.subnet?.id;
      interfaces[role] = { id: String(nic.id), role, privateIp: primary?.properties.privateIPAddress ?? "", ...(subnetId ? { subnetId } : {}), ipForwarding: props(nic).enableIPForwarding === true, tags: tagsOf(nic) };
    }
    nodes[node] = { vmId: ordered[node].vmId, interfaces };
  }
  const roles = [...new Set([...Object.keys(nodes.a.interfaces), ...Object.keys(nodes.b.interfaces)])].sort();
  for (const role of roles) {
    for (const node of NODE_IDS) {
      const other = node === "a" ? "b" : "a";
      if (!nodes[node].interfaces[role] && nodes[other].interfaces[role]) {
        problems.add(`${keys.nicMapKey}=${role} pairs nothing: only node ${other} (${nodes[other].interfaces[role]!.id}) has an interface of that role`, `tag node ${node}'s matching interface ${keys.nicMapKey}=${role}, or fix the value`, [nodes[other].interfaces[role]!.id]);
      }
    }
  }
  const ipOwner = new Map<string, { node: NodeId; role: string; nicId: string }>();
  for (const node of NODE_IDS) for (const nic of Object.values(nodes[node].interfaces)) ipOwner.set(nic.privateIp, { node, role: nic.role, nicId: nic.id });

  // --- floating ipConfigurations (and the public IPs attached to them)
  const ipConfigurations: AzureIpConfigurationConfig[] = [];
  const floatingByRole = new Map<string, Set<NodeId>>();
  for (const node of NODE_IDS) {
    for (const nic of ordered[node].nics) {
      const role = tagsOf(nic)[keys.nicMapKey];
      if (!role) continue;
      for (const config of ipConfigs(nic)) {
        const ip = config.properties.privateIPAddress;
        if (config.properties.primary || !ip) continue;
        if (scope.movingIps && !scope.movingIps.includes(ip)) continue;
        floatingByRole.set(role, (floatingByRole.get(role) ?? new Set()).add(node));
        const publicIp = config.properties.publicIPAddress?.id;
        ipConfigurations.push({ name: config.name, role, privateIp: ip, ...(publicIp ? { publicIpAddressId: publicIp } : {}) });
      }
    }
  }
  for (const [role, holders] of floatingByRole) {
    if (holders.size === 2) {
      problems.add(
        `both nodes' ${role} interfaces (${nodes.a.interfaces[role]?.id}, ${nodes.b.interfaces[role]?.id}) have secondary ipConfigurations: the tags cannot tell which of them float`,
        `pass --cfe with failoverAddresses.addressGroupDefinitions (networkInterfaceAddress scopingAddress = each floating IP), or remove the secondary ipConfigurations that are each node's own`,
        [nodes.a.interfaces[role]?.id ?? "", nodes.b.interfaces[role]?.id ?? ""].filter(Boolean),
      );
    }
  }
  for (const ip of scope.movingIps ?? []) if (!ipConfigurations.some((c) => c.privateIp === ip)) problems.add(`the CFE declaration's floating address ${ip} is on no secondary ipConfiguration of the pair's interfaces`, `fix failoverAddresses.addressGroupDefinitions, or add the ipConfiguration on the active node`, [ip]);
  if (scope.publicIpsByTags) {
    for (const pip of inventory.publicIpAddresses.filter((p) => tagsOf(p)[keys.labelKey] === label)) {
      if (ipConfigurations.some((c) => sameResource(c.publicIpAddressId, String(pip.id)))) continue;
      const on = (props(pip).ipConfiguration as { id?: string } | undefined)?.id;
      problems.add(`public IP ${String(pip.id)} carries ${keys.labelKey}=${label} but is ${on ? `on ${on}, which is no floating ipConfiguration of the pair` : "attached to nothing"}`, `attach it to a floating (secondary) ipConfiguration of the active node, or remove its ${keys.labelKey} tag`, [String(pip.id), ...(on ? [on] : [])]);
    }
  }

  // --- routes
  const routes: AzureRouteConfig[] = [];
  const routeTables: ResolvedAzurePair["routeTables"] = [];
  const scopeOf = (table: Json) =>
    scope.routeScopes.find((s) => sameResource(s.routeTableId, String(table.id))) ??
    scope.routeScopes.find((s) => s.routeTableName !== undefined && s.routeTableName.toLowerCase() === String(table.name).toLowerCase()) ??
    scope.routeScopes.find((s) => s.tags !== undefined && hasTags(tagsOf(table), s.tags));
  for (const s of scope.routeScopes) {
    const named = s.routeTableId ?? s.routeTableName;
    if (named && !inventory.routeTables.some((t) => sameResource(String(t.id), s.routeTableId) || (s.routeTableName !== undefined && String(t.name).toLowerCase() === s.routeTableName.toLowerCase()))) {
      problems.add(`route table ${named} (named by the source) is not in ${inventory.scope}`, `pass --subscription and --resource-group where it is, or fix the source`, [named]);
    }
  }
  for (const table of inventory.routeTables) {
    const routeScope = scopeOf(table);
    if (!routeScope && !(scope.routeTablesByTags && tagsOf(table)[keys.labelKey] === label)) continue;
    const tableId = String(table.id);
    routeTables.push({ id: tableId, tags: tagsOf(table) });
    const selfIps = routeScope?.nextHopIps ?? tagsOf(table)[keys.selfIpsKey]?.split(/[\s,]+/).filter(Boolean);
    const byRole = new Map<string, string[]>();
    for (const route of (props(table).routes ?? []) as { name: string; properties: { addressPrefix?: string; nextHopType?: string; nextHopIpAddress?: string } }[]) {
      const { addressPrefix, nextHopType, nextHopIpAddress } = route.properties;
      if (nextHopType !== "VirtualAppliance" || !nextHopIpAddress || !addressPrefix) continue;
      if (routeScope?.ranges && !routeScope.ranges.some((range) => cidrContains(range, addressPrefix))) continue;
      const owner = ipOwner.get(nextHopIpAddress);
      if (selfIps && !selfIps.includes(nextHopIpAddress)) continue;
      if (!owner) {
        problems.add(`route ${route.name} (${addressPrefix}) in ${tableId} points at ${nextHopIpAddress}, which is neither node's interface`, `point it at a node's interface IP, list the nodes' next hops in the table's ${keys.selfIpsKey} tag (routes at other next hops are then left alone), or remove the table's ${keys.labelKey} tag`, [tableId]);
        continue;
      }
      byRole.set(owner.role, [...(byRole.get(owner.role) ?? []), addressPrefix]);
    }
    if (byRole.size === 0) notes.push(`route table ${tableId} is in the pair's scope but no route in it points at a pair interface; nothing of it follows the pair`);
    for (const [role, addressPrefixes] of byRole) routes.push({ routeTableId: tableId, addressPrefixes, nextHop: { role } });
  }

  // --- the storage account of the state blob
  const accounts = inventory.storageAccounts.filter((s) => (scope.storage.name !== undefined ? String(s.name).toLowerCase() === scope.storage.name.toLowerCase() : hasTags(tagsOf(s), scope.storage.tags ?? {})));
  const wanted = scope.storage.name !== undefined ? `named ${scope.storage.name}` : `tagged ${Object.entries(scope.storage.tags ?? {}).map(([k, v]) => `${k}=${v}`).join(", ")}`;
  if (accounts.length !== 1) {
    problems.add(
      accounts.length === 0 ? `no storage account ${wanted} in ${inventory.scope}` : `${accounts.length} storage accounts are ${wanted}: ${list(accounts.map((a) => String(a.id)))}`,
      accounts.length === 0 ? `pass --storage-account NAME (the account of the agent's state blob), or tag it ${keys.labelKey}=${label}` : `pass --storage-account NAME to choose one`,
      accounts.map((a) => String(a.id)),
    );
  }
  problems.throwIfAny(label);

  const account = accounts[0]!;
  const accountName = String(account.name);
  const blobEndpoint = ((props(account).primaryEndpoints ?? {}) as { blob?: string }).blob;
  const publicBlob = `https://${accountName}.blob.core.windows.net`;
  const blob = blobEndpoint?.replace(/\/+$/, "");
  const endpoints = {
    ...(options.armEndpoint ? { arm: options.armEndpoint } : {}),
    ...(blob && blob !== publicBlob ? { blob } : {}),
    ...(options.imdsEndpoint ? { imds: options.imdsEndpoint } : {}),
  };
  const nodeConfig = (node: NodeId) => ({ instanceId: nodes[node].vmId, interfaces: Object.fromEntries(Object.entries(nodes[node].interfaces).map(([role, nic]) => [role, { id: nic.id, privateIp: nic.privateIp }])) });
  const config: AzureAgentConfig = {
    version: 1,
    cloud: "azure",
    label,
    subscriptionId: inventory.subscriptionId,
    ...configTagKeys(keys),
    nodes: { a: nodeConfig("a"), b: nodeConfig("b") },
    ...(ipConfigurations.length > 0 ? { addresses: { ipConfigurations } } : {}),
    ...(routes.length > 0 ? { routes } : {}),
    stateStore: { type: "azureBlob", account: accountName, container: options.container, blob: options.blob },
    ...(Object.keys(endpoints).length > 0 ? { endpoints } : {}),
  };
  const checked = validateConfig(config);
  if (!checked.ok) {
    for (const error of checked.errors) problems.add(`the discovered config breaks the contract at ${error.path || "/"}: ${error.message}`, "fix the pair's tags or the source so the resources above make a valid pair", []);
    problems.throwIfAny(label);
  }
  const firstNic = Object.values(nodes.a.interfaces)[0]!.id;
  return {
    config,
    nodes,
    resourceGroup: firstNic.split("/")[4]!,
    location: String(nics[0]?.location ?? ""),
    routeTables,
    storageAccount: { id: String(account.id), name: accountName, ...(blobEndpoint ? { blobEndpoint } : {}), tags: tagsOf(account) },
    notes,
  };
}
