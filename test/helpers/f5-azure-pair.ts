/**
 * An Azure BIG-IP pair as F5's Terraform modules / ARM templates leave it, in the simulated
 * Azure: the example topology with a floating VIP (ipConfiguration vip1 with its public IP on
 * node a's external NIC), CFE's tags on the external and internal NICs, route tables (with
 * f5_self_ips), the public IP and the storage account; a management NIC on each VM with the
 * module's own tags only (seedManagementNics); beside it the CFE declaration the BIG-IPs run and the azurerm Terraform
 * state (v4 .tfstate) that built it — written from the topology as those tools would.
 */
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { NodeId } from "../../runtime/config/types.js";
import { networkId, resourceGroupId, subnetId, vmId } from "../../sim/azure/resources.js";
import { exampleAzureTopology, type AzureTopology } from "../../sim/azure/topology.js";

export const F5_AZURE_TOPOLOGY = (): AzureTopology => exampleAzureTopology({ ipConfigurations: true });
const LABEL_KEY = "f5_cloud_failover_label";
const MODULE_TAGS = { owner: "netops", environment: "prod" };
const mgmtNic = (t: AzureTopology, node: NodeId) => ({ name: `${t.nodes[node].vm}-mgmt`, privateIp: node === "a" ? "10.0.0.4" : "10.0.0.5" });

/** Each BIG-IP's management NIC (first on the VM in F5's templates), carrying the module's tags but none of CFE's: not the pair's. */
export function seedManagementNics(sim: { topology: AzureTopology; world: { seed(resource: Record<string, unknown>): void } }): void {
  const t = sim.topology;
  for (const node of ["a", "b"] as NodeId[]) {
    const nic = mgmtNic(t, node);
    sim.world.seed({
      name: nic.name,
      id: networkId(t, "networkInterfaces", nic.name),
      type: "Microsoft.Network/networkInterfaces",
      location: t.location,
      tags: MODULE_TAGS,
      properties: {
        ipConfigurations: [{ name: "ipconfig1", properties: { privateIPAddress: nic.privateIp, privateIPAllocationMethod: "Static", privateIPAddressVersion: "IPv4", subnet: { id: subnetId(t, "mgmt") }, primary: true } }],
        enableIPForwarding: false,
        primary: true,
        virtualMachine: { id: vmId(t, t.nodes[node].vm) },
      },
    });
  }
}
const NIC_MAP_KEY = "f5_cloud_failover_nic_map";

/** CFE's Azure declaration for the pair (route groups by table name, static next hops, the VIP by address). */
export function f5AzureCfeDeclaration(t: AzureTopology): Record<string, unknown> {
  const hops = (["a", "b"] as NodeId[]).map((n) => t.nodes[n].nics.internal!.privateIp);
  return {
    class: "Cloud_Failover",
    environment: "azure",
    controls: { class: "Controls", logLevel: "info" },
    externalStorage: { scopingTags: { [LABEL_KEY]: t.label } },
    failoverAddresses: {
      enabled: true,
      scopingTags: { [LABEL_KEY]: t.label },
      requireScopingTags: false,
      addressGroupDefinitions: t.ipConfigurations.map((c) => ({ type: "networkInterfaceAddress", scopingAddress: c.privateIp })),
    },
    failoverRoutes: {
      enabled: true,
      routeGroupDefinitions: t.routeTables.map((table) => ({
        scopingName: table.name,
        scopingAddressRanges: t.routes.find((r) => r.table === table.name)!.addressPrefixes.map((range) => ({ range })),
        defaultNextHopAddresses: { discoveryType: "static", items: hops },
      })),
    },
  };
}

/** The azurerm state as `terraform apply` left it: the VIP ipConfiguration on node a (where it was built). */
export function f5AzureTerraformState(t: AzureTopology, storageAccount: string): Record<string, unknown> {
  const rg = t.resourceGroup;
  const resource = (type: string, name: string, instances: { index_key?: string | number; attributes: Record<string, unknown> }[]) => ({ module: "module.bigip_ha", mode: "managed", type, name, provider: 'provider["registry.terraform.io/hashicorp/azurerm"]', instances: instances.map((i) => ({ schema_version: 0, ...i })) });
  const nics = (["a", "b"] as NodeId[]).flatMap((node) =>
    Object.entries(t.nodes[node].nics).map(([role, nic]) => ({
      index_key: `${node}-${role}`,
      attributes: {
        id: networkId(t, "networkInterfaces", nic.name),
        name: nic.name,
        resource_group_name: rg,
        location: t.location,
        ip_forwarding_enabled: true,
        accelerated_networking_enabled: true,
        tags: { ...MODULE_TAGS, [LABEL_KEY]: t.label, [NIC_MAP_KEY]: role },
        ip_configuration: [
          { name: "ipconfig1", primary: true, private_ip_address: nic.privateIp, private_ip_address_allocation: "Static", subnet_id: subnetId(t, nic.subnet), public_ip_address_id: "" },
          ...t.ipConfigurations
            .filter((c) => c.role === role && c.startsOn === node)
            .map((c) => ({ name: c.name, primary: false, private_ip_address: c.privateIp, private_ip_address_allocation: "Static", subnet_id: subnetId(t, nic.subnet), public_ip_address_id: c.publicIp ? networkId(t, "publicIPAddresses", c.publicIp) : "" })),
        ],
      },
    })),
  );
  const mgmt = (["a", "b"] as NodeId[]).map((node) => ({
    index_key: node,
    attributes: {
      id: networkId(t, "networkInterfaces", mgmtNic(t, node).name),
      name: mgmtNic(t, node).name,
      resource_group_name: rg,
      ip_forwarding_enabled: false,
      tags: MODULE_TAGS,
      ip_configuration: [{ name: "ipconfig1", primary: true, private_ip_address: mgmtNic(t, node).privateIp, private_ip_address_allocation: "Static", subnet_id: subnetId(t, "mgmt"), public_ip_address_id: "" }],
    },
  }));
  return {
    version: 4,
    terraform_version: "1.9.8",
    serial: 12,
    lineage: "6a1f0b7e-2c1d-4e55-9b7a-0d3c5e8f1a22",
    outputs: {},
    resources: [
      resource("azurerm_network_interface", "nic", nics),
      resource("azurerm_network_interface", "mgmt", mgmt),
      resource("azurerm_linux_virtual_machine", "bigip", (["a", "b"] as NodeId[]).map((node) => ({ index_key: node, attributes: { id: vmId(t, t.nodes[node].vm), name: t.nodes[node].vm, network_interface_ids: Object.values(t.nodes[node].nics).map((n) => networkId(t, "networkInterfaces", n.name)) } }))),
      resource("azurerm_public_ip", "vip", t.publicIps.map((p) => ({ index_key: p.name, attributes: { id: networkId(t, "publicIPAddresses", p.name), name: p.name, ip_address: p.ipAddress, sku: "Standard", allocation_method: "Static", tags: { [LABEL_KEY]: t.label } } }))),
      resource(
        "azurerm_route_table",
        "spoke",
        t.routeTables.map((table) => ({
          index_key: table.name,
          attributes: {
            id: networkId(t, "routeTables", table.name),
            name: table.name,
            resource_group_name: rg,
            tags: { [LABEL_KEY]: t.label },
            route: table.routes.map((r) => ({ name: r.name, address_prefix: r.addressPrefix, next_hop_type: "VirtualAppliance", next_hop_in_ip_address: r.nextHopIpAddress })),
          },
        })),
      ),
      resource("azurerm_storage_account", "cfe", [{ attributes: { id: `${resourceGroupId(t)}/providers/Microsoft.Storage/storageAccounts/${storageAccount}`, name: storageAccount, resource_group_name: rg, tags: { [LABEL_KEY]: t.label } } }]),
    ],
  };
}

export function writeF5AzureFiles(t: AzureTopology, storageAccount: string): { cfeFile: string; terraformFile: string } {
  const dir = mkdtempSync(join(tmpdir(), "ha-pair-f5-azure-"));
  const cfeFile = join(dir, "cfe-declaration.json");
  const terraformFile = join(dir, "terraform.tfstate");
  writeFileSync(cfeFile, JSON.stringify({ declaration: f5AzureCfeDeclaration(t) }, null, 2));
  writeFileSync(terraformFile, JSON.stringify(f5AzureTerraformState(t, storageAccount), null, 2));
  return { cfeFile, terraformFile };
}
