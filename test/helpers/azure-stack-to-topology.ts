/**
 * Exactly the Azure resources a Pulumi program declared (as the mock harness recorded them), as
 * the simulated Azure: a topology for the simulator's IMDS and its state container, the ARM
 * bodies of every NIC, route table and public IP (seeded over the simulator's own, so the world
 * holds what the stack declared and nothing else), and the generated role and its assignments
 * as the nodes' RBAC.
 *
 * Strict by design (as stack-to-topology.ts for AWS): every declared resource is translated or
 * listed in NOT_MODELLED with the reason; an unknown type, or an input of a translated type that
 * this module does not know, is an error naming the resource. The agent config is checked against
 * the declared resources (an ID no resource has, a route prefix the table lacks, an ipConfig no
 * NIC holds, a next hop that is not the NIC's IP), and each role assignment against the role's
 * assignable scopes (ARM refuses an assignment outside them). All disagreements are thrown together.
 */
import type { AzureAgentConfig, NodeId } from "../../runtime/config/types.js";
import type { RoleDefinition } from "../../sim/azure/rbac.js";
import type { AzureTopology } from "../../sim/azure/topology.js";
import type { Json } from "../../sim/azure/world.js";
import type { RegisteredResource } from "./pulumi-mocks.js";

export const AZ = {
  rg: "azure-native:resources:ResourceGroup",
  vnet: "azure-native:network:VirtualNetwork",
  subnet: "azure-native:network:Subnet",
  nsg: "azure-native:network:NetworkSecurityGroup",
  rule: "azure-native:network:SecurityRule",
  nic: "azure-native:network:NetworkInterface",
  routeTable: "azure-native:network:RouteTable",
  publicIp: "azure-native:network:PublicIPAddress",
  vm: "azure-native:compute:VirtualMachine",
  identity: "azure-native:managedidentity:UserAssignedIdentity",
  role: "azure-native:authorization:RoleDefinition",
  assignment: "azure-native:authorization:RoleAssignment",
  account: "azure-native:storage:StorageAccount",
  blobService: "azure-native:storage:BlobServiceProperties",
  container: "azure-native:storage:BlobContainer",
  endpoint: "azure-native:network:PrivateEndpoint",
  zone: "azure-native:privatedns:PrivateZone",
  zoneLink: "azure-native:privatedns:VirtualNetworkLink",
  zoneGroup: "azure-native:network:PrivateDnsZoneGroup",
  tagsMerge: "pulumi-nodejs:dynamic/ha-pair:AzureTagsMerge",
  forwarding: "pulumi-nodejs:dynamic/ha-pair:AzureIpForwardingOn",
  upload: "pulumi-nodejs:dynamic/ha-pair:AzureBlobUpload",
  pair: "ha-pair:index:AzureHaPair",
} as const;

/** Declared but not part of the simulated Azure: why each type is left out. */
export const NOT_MODELLED: Readonly<Record<string, string>> = {
  [AZ.pair]: "a component resource: no cloud resource of its own (its children are translated)",
  [AZ.nsg]: "the simulator has no packet path, so no NSGs (the NIC bodies reference none)",
  [AZ.rule]: "no packet path: the outbound rule to AzureResourceManager:443 is NOT proven here (the agent reaches the simulated ARM directly)",
  [AZ.endpoint]: "no private endpoints: the agent reaches Azurite through its config's blob endpoint; private DNS resolution is NOT proven here",
  [AZ.zone]: "no DNS in the simulator",
  [AZ.zoneLink]: "no DNS in the simulator",
  [AZ.zoneGroup]: "no DNS in the simulator",
  [AZ.account]: "the state blob lives in Azurite's emulator account (devstoreaccount1, its published key): the account's settings (HTTPS only, TLS 1.2, no shared key) are NOT proven here",
  [AZ.blobService]: "Azurite does not model versioning or soft delete",
  [AZ.upload]: "the agent's files (boot path) are not read by the e2e test: it runs the agent from this checkout",
  [AZ.identity]: "the simulator gives each VM's IMDS its own principal; both stand for the one user-assigned identity (same assignments)",
};

/** Per translated type: the inputs it reads, and those it knowingly leaves out (with why). */
const INPUTS: Record<string, { read: string[]; ignored?: Record<string, string> }> = {
  [AZ.rg]: { read: ["resourceGroupName", "location"], ignored: { tags: "the group's own tags mean nothing to the agent" } },
  [AZ.vnet]: { read: ["resourceGroupName", "virtualNetworkName", "addressSpace", "location"], ignored: { tags: "no VNet tags in the topology", enableDdosProtection: "azure-native's default (false): no DDoS in the simulator", enableVmProtection: "azure-native's default (false)" } },
  [AZ.subnet]: { read: ["resourceGroupName", "virtualNetworkName", "subnetName", "addressPrefix", "routeTable"], ignored: {
      networkSecurityGroup: "no NSGs in the simulator",
      privateEndpointNetworkPolicies: "azure-native's default: no private endpoints in the simulator",
      privateLinkServiceNetworkPolicies: "azure-native's default: no private link services in the simulator",
    },
  },
  [AZ.nic]: { read: ["resourceGroupName", "location", "networkInterfaceName", "enableIPForwarding", "enableAcceleratedNetworking", "ipConfigurations", "tags"] },
  [AZ.routeTable]: { read: ["resourceGroupName", "location", "routeTableName", "disableBgpRoutePropagation", "routes", "tags"] },
  [AZ.publicIp]: { read: ["resourceGroupName", "location", "publicIpAddressName", "sku", "publicIPAllocationMethod", "publicIPAddressVersion", "tags"] },
  [AZ.vm]: {
    read: ["resourceGroupName", "location", "vmName", "networkProfile", "identity"],
    ignored: { hardwareProfile: "no compute in the simulator", osProfile: "no boot in the simulator", storageProfile: "no disks in the simulator", plan: "no marketplace in the simulator", tags: "the agent never reads VM tags" },
  },
  [AZ.role]: { read: ["scope", "roleName", "roleType", "permissions", "assignableScopes"], ignored: { description: "text" } },
  [AZ.assignment]: { read: ["principalId", "principalType", "roleDefinitionId", "scope"], ignored: { description: "text" } },
  [AZ.container]: { read: ["accountName", "resourceGroupName", "containerName", "publicAccess"] },
  [AZ.tagsMerge]: { read: ["resourceId", "tags"], ignored: { __provider: "the dynamic provider's code" } },
  [AZ.forwarding]: { read: ["networkInterfaceId"], ignored: { __provider: "the dynamic provider's code", enableIPForwarding: "an output", previousEnableIPForwarding: "an output" } },
};

export interface AzureStackTranslation {
  topology: AzureTopology;
  /** The ARM bodies of the declared NICs, route tables and public IPs, to seed over the simulator's. */
  bodies: Json[];
  /** The generated custom role, as the simulator evaluates it. */
  role: RoleDefinition;
  /** The role's assignments to the nodes' identity, at their exact scopes. */
  assignments: { scope: string; role: RoleDefinition }[];
  /** Which declared resources were left out, with why. */
  notModelled: { type: string; name: string; why: string }[];
}

const lastSegment = (id: string) => id.slice(id.lastIndexOf("/") + 1);
const same = (a: string | undefined, b: string | undefined) => a !== undefined && b !== undefined && a.toLowerCase() === b.toLowerCase();

export function azureStackToTopology(resources: RegisteredResource[], config: AzureAgentConfig, options: { subscriptionId: string }): AzureStackTranslation {
  const problems: string[] = [];
  const notModelled: AzureStackTranslation["notModelled"] = [];
  for (const r of resources) {
    if (r.type.startsWith("pulumi:providers:")) continue;
    if (NOT_MODELLED[r.type]) {
      notModelled.push({ type: r.type, name: r.name, why: NOT_MODELLED[r.type]! });
      continue;
    }
    const spec = INPUTS[r.type];
    if (!spec) {
      problems.push(`${r.type} "${r.name}": a type the translation does not know; translate it or list it in NOT_MODELLED with the reason`);
      continue;
    }
    for (const key of Object.keys(r.inputs)) {
      if (!spec.read.includes(key) && !(spec.ignored && key in spec.ignored)) problems.push(`${r.type} "${r.name}": input ${key} is not known to the translation`);
    }
  }
  const of = (type: string) => resources.filter((r) => r.type === type);
  const rgs = of(AZ.rg);
  if (rgs.length !== 1) problems.push(`expected one resource group, the stack declares ${rgs.length}`);
  const rg = rgs[0];
  const vnets = of(AZ.vnet);
  if (vnets.length !== 1) problems.push(`expected one VNet, the stack declares ${vnets.length}`);
  const vnet = vnets[0];
  const subnets = of(AZ.subnet);
  const nics = of(AZ.nic);
  const tables = of(AZ.routeTable);
  const pips = of(AZ.publicIp);
  const vms = of(AZ.vm);
  const byId = (id: string) => resources.find((r) => same(r.id, id));

  // --- nodes: each VM's NICs by role (the nic-map tag), in the order of the VM's networkProfile
  const nodes = {} as AzureTopology["nodes"];
  for (const node of ["a", "b"] as NodeId[]) {
    const vm = vms.find((v) => same(v.id, config.nodes[node].instanceId));
    if (!vm) {
      problems.push(`config nodes.${node}.instanceId ${config.nodes[node].instanceId} is no declared VM (declared: ${vms.map((v) => v.id).join(", ")})`);
      continue;
    }
    const nicSpecs: AzureTopology["nodes"]["a"]["nics"] = {};
    for (const ref of (vm.inputs.networkProfile?.networkInterfaces ?? []) as { id: string }[]) {
      const nic = byId(ref.id);
      if (!nic || nic.type !== AZ.nic) {
        problems.push(`VM ${vm.name}: NIC ${ref.id} is not declared`);
        continue;
      }
      const role = nic.inputs.tags?.f5_cloud_failover_nic_map as string | undefined;
      const primary = (nic.inputs.ipConfigurations as { primary?: boolean; privateIPAddress?: string; subnet?: { id?: string } }[]).find((c) => c.primary);
      if (!role || !primary?.privateIPAddress || !primary.subnet?.id) {
        problems.push(`NIC ${nic.name}: needs a nic-map tag and a primary ipConfiguration with a static IP and a subnet`);
        continue;
      }
      nicSpecs[role] = { name: nic.state.name, privateIp: primary.privateIPAddress, subnet: lastSegment(primary.subnet.id) };
      const configured = config.nodes[node].interfaces[role];
      if (!configured) problems.push(`config nodes.${node} lacks the NIC of role ${role} (${nic.id})`);
      else {
        if (!same(configured.id, nic.id)) problems.push(`config nodes.${node}.interfaces.${role}.id ${configured.id} is not the VM's NIC ${nic.id}`);
        if (configured.privateIp !== primary.privateIPAddress) problems.push(`config nodes.${node}.interfaces.${role}.privateIp ${configured.privateIp} is not the NIC's ${primary.privateIPAddress}`);
      }
    }
    nodes[node] = { vm: vm.state.name, nics: nicSpecs };
  }

  // --- ARM bodies exactly as declared
  const tableSubnets = (tableId: string) => subnets.filter((s) => same(s.inputs.routeTable?.id, tableId));
  const bodies: Json[] = [];
  for (const nic of nics) {
    const vm = vms.find((v) => ((v.inputs.networkProfile?.networkInterfaces ?? []) as { id: string }[]).some((n) => same(n.id, nic.id)));
    bodies.push({
      name: nic.state.name,
      id: nic.id,
      type: "Microsoft.Network/networkInterfaces",
      location: nic.inputs.location,
      tags: nic.inputs.tags,
      properties: {
        ipConfigurations: (nic.inputs.ipConfigurations as Record<string, any>[]).map((c) => ({
          name: c.name,
          properties: {
            privateIPAddress: c.privateIPAddress,
            privateIPAllocationMethod: c.privateIPAllocationMethod,
            privateIPAddressVersion: "IPv4",
            subnet: { id: c.subnet.id },
            primary: c.primary === true,
            ...(c.publicIPAddress ? { publicIPAddress: { id: c.publicIPAddress.id } } : {}),
          },
        })),
        enableIPForwarding: nic.inputs.enableIPForwarding === true,
        enableAcceleratedNetworking: nic.inputs.enableAcceleratedNetworking === true,
        ...(vm ? { virtualMachine: { id: vm.id } } : {}),
      },
    });
  }
  for (const table of tables) {
    bodies.push({
      name: table.state.name,
      id: table.id,
      type: "Microsoft.Network/routeTables",
      location: table.inputs.location,
      tags: table.inputs.tags,
      properties: {
        disableBgpRoutePropagation: table.inputs.disableBgpRoutePropagation === true,
        routes: (table.inputs.routes as Record<string, any>[]).map((r) => ({ name: r.name, properties: { addressPrefix: r.addressPrefix, nextHopType: r.nextHopType, ...(r.nextHopIpAddress ? { nextHopIpAddress: r.nextHopIpAddress } : {}) } })),
        subnets: tableSubnets(table.id!).map((s) => ({ id: s.id })),
      },
    });
  }
  for (const pip of pips) {
    bodies.push({
      name: pip.state.name,
      id: pip.id,
      type: "Microsoft.Network/publicIPAddresses",
      location: pip.inputs.location,
      tags: pip.inputs.tags,
      sku: pip.inputs.sku,
      properties: { ipAddress: pip.state.ipAddress, publicIPAddressVersion: pip.inputs.publicIPAddressVersion, publicIPAllocationMethod: pip.inputs.publicIPAllocationMethod },
    });
  }

  // --- what the config moves, against the declared resources
  const routes: AzureTopology["routes"] = [];
  for (const [i, r] of (config.routes ?? []).entries()) {
    const table = tables.find((t) => same(t.id, r.routeTableId));
    if (!table) {
      problems.push(`config routes[${i}].routeTableId ${r.routeTableId} is no declared route table`);
      continue;
    }
    const declared = (table.inputs.routes as { addressPrefix: string }[]).map((x) => x.addressPrefix);
    for (const prefix of r.addressPrefixes) if (!declared.includes(prefix)) problems.push(`config routes[${i}]: ${prefix} is no route of ${table.name} (the agent rewrites routes, never creates them)`);
    routes.push({ table: table.state.name, addressPrefixes: [...r.addressPrefixes], role: r.nextHop.role });
  }
  const ipConfigurations: AzureTopology["ipConfigurations"] = [];
  for (const [i, c] of (config.addresses?.ipConfigurations ?? []).entries()) {
    const holder = (["a", "b"] as NodeId[]).find((node) => {
      const nic = byId(config.nodes[node].interfaces[c.role]?.id ?? "");
      return ((nic?.inputs.ipConfigurations ?? []) as { name: string; privateIPAddress?: string }[]).some((x) => x.name === c.name && x.privateIPAddress === c.privateIp);
    });
    if (!holder) problems.push(`config addresses.ipConfigurations[${i}] (${c.name} ${c.privateIp}) is on no declared NIC of role ${c.role}`);
    if (c.publicIpAddressId && !pips.some((p) => same(p.id, c.publicIpAddressId))) problems.push(`config addresses.ipConfigurations[${i}].publicIpAddressId ${c.publicIpAddressId} is no declared public IP`);
    ipConfigurations.push({ name: c.name, role: c.role, privateIp: c.privateIp, ...(c.publicIpAddressId ? { publicIp: lastSegment(c.publicIpAddressId) } : {}), startsOn: holder ?? "a" });
  }

  // --- RBAC: the generated role and its assignments to the pair's identity
  const roles = of(AZ.role);
  if (roles.length !== 1) problems.push(`expected one custom role, the stack declares ${roles.length}`);
  const roleResource = roles[0];
  const permission = roleResource?.inputs.permissions?.[0] ?? {};
  const role: RoleDefinition = { name: String(roleResource?.inputs.roleName ?? "none"), actions: [...(permission.actions ?? [])], notActions: [...(permission.notActions ?? [])] };
  const identities = of(AZ.identity);
  const principal = identities[0]?.state.principalId as string | undefined;
  const assignable = (roleResource?.inputs.assignableScopes ?? []) as string[];
  const assignments = of(AZ.assignment)
    .filter((a) => a.inputs.principalId === principal && same(a.inputs.roleDefinitionId, roleResource?.id))
    .map((a) => {
      const scope = String(a.inputs.scope);
      if (!assignable.some((s) => scope.toLowerCase() === s.toLowerCase() || scope.toLowerCase().startsWith(`${s.toLowerCase()}/`))) problems.push(`role assignment "${a.name}" at ${scope} is outside the role's assignable scopes ${assignable.join(", ")} (ARM refuses it)`);
      return { scope, role };
    });
  if (assignments.length === 0) problems.push("no role assignment of the generated role to the pair's identity");

  const containers = of(AZ.container);
  if (containers.length !== 1) problems.push(`expected one state container, the stack declares ${containers.length}`);
  if (containers[0] && containers[0].state.name !== config.stateStore.container) problems.push(`config stateStore.container ${config.stateStore.container} is not the declared container ${containers[0].state.name}`);

  if (problems.length > 0) throw new Error(`the stack does not translate into the simulated Azure (${problems.length} problem${problems.length === 1 ? "" : "s"}):\n${problems.map((p) => `  ${p}`).join("\n")}`);

  const topology: AzureTopology = {
    subscriptionId: options.subscriptionId,
    resourceGroup: rg!.state.name,
    location: String(rg!.inputs.location),
    label: config.label,
    vnet: { name: vnet!.state.name, subnets: subnets.map((s) => ({ name: s.state.name, prefix: s.inputs.addressPrefix })) },
    nodes,
    publicIps: pips.map((p) => ({ name: p.state.name, ipAddress: p.state.ipAddress })),
    routeTables: tables.map((t) => ({
      name: t.state.name,
      subnets: tableSubnets(t.id!).map((s) => s.state.name),
      routes: (t.inputs.routes as Record<string, any>[]).map((r) => ({ name: r.name, addressPrefix: r.addressPrefix, nextHopIpAddress: r.nextHopIpAddress })),
    })),
    ipConfigurations,
    routes,
    stateStore: { container: config.stateStore.container, blob: config.stateStore.blob },
  };
  return { topology, bodies, role, assignments, notModelled };
}
