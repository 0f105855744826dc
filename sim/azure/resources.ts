/** The ARM resources of a topology, as Microsoft.Network returns them (shapes per the 2025-05-01 REST spec). */
import type { NodeId } from "../../runtime/config/types.js";
import type { AzureTopology } from "./topology.js";
import type { Json } from "./world.js";

export function resourceGroupId(t: AzureTopology): string {
  return `/subscriptions/${t.subscriptionId}/resourceGroups/${t.resourceGroup}`;
}
export const networkId = (t: AzureTopology, type: string, name: string) => `${resourceGroupId(t)}/providers/Microsoft.Network/${type}/${name}`;
export const vmId = (t: AzureTopology, name: string) => `${resourceGroupId(t)}/providers/Microsoft.Compute/virtualMachines/${name}`;
export const subnetId = (t: AzureTopology, subnet: string) => `${networkId(t, "virtualNetworks", t.vnet.name)}/subnets/${subnet}`;

function mac(seed: number): string {
  return ["00", "0D", "3A", ...[seed >> 16, seed >> 8, seed].map((b) => (b & 0xff).toString(16).toUpperCase().padStart(2, "0"))].join("-");
}

export function topologyResources(t: AzureTopology): Json[] {
  const resources: Json[] = [];
  let n = 0;
  for (const node of ["a", "b"] as NodeId[]) {
    const spec = t.nodes[node];
    Object.entries(spec.nics).forEach(([role, nic], index) => {
      n += 1;
      const extra = t.ipConfigurations.filter((c) => c.role === role && c.startsOn === node);
      resources.push({
        name: nic.name,
        id: networkId(t, "networkInterfaces", nic.name),
        type: "Microsoft.Network/networkInterfaces",
        location: t.location,
        tags: { f5_cloud_failover_label: t.label, f5_cloud_failover_nic_map: role },
        kind: "Regular",
        properties: {
          resourceGuid: `00000000-0000-4000-8000-${String(n).padStart(12, "0")}`,
          ipConfigurations: [
            {
              name: "ipconfig1",
              properties: { privateIPAddress: nic.privateIp, privateIPAllocationMethod: "Static", privateIPAddressVersion: "IPv4", subnet: { id: subnetId(t, nic.subnet) }, primary: true },
            },
            ...extra.map((c) => ({
              name: c.name,
              properties: {
                privateIPAddress: c.privateIp,
                privateIPAllocationMethod: "Static",
                privateIPAddressVersion: "IPv4",
                subnet: { id: subnetId(t, nic.subnet) },
                primary: false,
                ...(c.publicIp ? { publicIPAddress: { id: networkId(t, "publicIPAddresses", c.publicIp) } } : {}),
              },
            })),
          ],
          dnsSettings: { dnsServers: ["10.0.0.4", "10.0.0.5"], appliedDnsServers: [], internalDomainNameSuffix: "x1y2z3.ax.internal.cloudapp.net" },
          macAddress: mac(0x10000 + n),
          vnetEncryptionSupported: false,
          enableAcceleratedNetworking: true,
          disableTcpStateTracking: false,
          enableIPForwarding: true,
          networkSecurityGroup: { id: networkId(t, "networkSecurityGroups", `nsg-${role}`) },
          primary: index === 0,
          virtualMachine: { id: vmId(t, spec.vm) },
          hostedWorkloads: [],
          tapConfigurations: [],
          nicType: "Standard",
          auxiliaryMode: "None",
          auxiliarySku: "None",
        },
      });
    });
  }
  for (const pip of t.publicIps) {
    resources.push({
      name: pip.name,
      id: networkId(t, "publicIPAddresses", pip.name),
      type: "Microsoft.Network/publicIPAddresses",
      location: t.location,
      tags: { f5_cloud_failover_label: t.label },
      sku: { name: "Standard", tier: "Regional" },
      properties: { ipAddress: pip.ipAddress, publicIPAddressVersion: "IPv4", publicIPAllocationMethod: "Static", idleTimeoutInMinutes: 4, ipTags: [] },
    });
  }
  for (const table of t.routeTables) {
    resources.push({
      name: table.name,
      id: networkId(t, "routeTables", table.name),
      type: "Microsoft.Network/routeTables",
      location: t.location,
      // CFE's tags: the label, and the nodes' next hops (defaultNextHopAddresses discoveryType routeTag).
      tags: { f5_cloud_failover_label: t.label, f5_self_ips: selfIps(t, table.name).join(",") },
      properties: {
        resourceGuid: `00000000-0000-4000-9000-${String((n += 1)).padStart(12, "0")}`,
        disableBgpRoutePropagation: false,
        routes: table.routes.map((r) => ({ name: r.name, properties: { addressPrefix: r.addressPrefix, nextHopType: "VirtualAppliance", nextHopIpAddress: r.nextHopIpAddress } })),
        subnets: table.subnets.map((s) => ({ id: subnetId(t, s) })),
      },
    });
  }
  return resources;
}

/** The next-hop addresses of both nodes for a table's pair routes (CFE's f5_self_ips tag). */
function selfIps(t: AzureTopology, table: string): string[] {
  const roles = new Set(t.routes.filter((r) => r.table === table).map((r) => r.role));
  return (["a", "b"] as NodeId[]).flatMap((node) => [...roles].map((role) => t.nodes[node].nics[role]?.privateIp).filter((ip): ip is string => !!ip));
}

/**
 * The storage account of the state blob as Microsoft.Storage lists it, tagged as CFE's
 * externalStorage.scopingTags finds it; its blob endpoint is where the blob service really is
 * (Azurite's, for the sim).
 */
export function storageAccountResource(t: AzureTopology, account: string, blobEndpoint: string): Json {
  return {
    name: account,
    id: `${resourceGroupId(t)}/providers/Microsoft.Storage/storageAccounts/${account}`,
    type: "Microsoft.Storage/storageAccounts",
    location: t.location,
    kind: "StorageV2",
    sku: { name: "Standard_LRS", tier: "Standard" },
    tags: { f5_cloud_failover_label: t.label },
    properties: {
      primaryEndpoints: { blob: `${blobEndpoint.replace(/\/+$/, "")}/` },
      supportsHttpsTrafficOnly: true,
      minimumTlsVersion: "TLS1_2",
      allowBlobPublicAccess: false,
      allowSharedKeyAccess: false,
    },
  };
}
