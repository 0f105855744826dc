/**
 * A complete greenfield pair in Azure: a resource group, a VNet with management, external and
 * internal subnets and an app subnet whose default route follows the active node (a route table
 * with a VirtualAppliance next hop), two VMs — Debian 12 with keepalived by default, or F5 BIG-IP
 * (`image: "bigip"`) — each with a NIC per role (IP forwarding on the data NICs), and AzureHaPair
 * wired to all of it. Routes move by default; `ipConfigMove` adds a secondary ipConfiguration on
 * the external NICs that moves (and `movingPublicIp` a public IP attached to it). There is no
 * other public IP: the agent reaches Blob through the private endpoint and ARM through the NSG
 * rule to the AzureResourceManager service tag.
 *
 * Exported as a function so tests run it under Pulumi mocks (index.ts calls it with stack config).
 */
import * as authorization from "@pulumi/azure-native/authorization/index.js";
import * as compute from "@pulumi/azure-native/compute/index.js";
import * as network from "@pulumi/azure-native/network/index.js";
import * as resources from "@pulumi/azure-native/resources/index.js";
import * as pulumi from "@pulumi/pulumi";
import { AzureHaPair, pairTags, type NodeId } from "@ha-pair/pulumi";

export type AzureImage = "debian" | "bigip";

export interface AzureGreenfieldConfig {
  label: string;
  location?: string;
  /** Default `rg-ha-<label>`. */
  resourceGroupName?: string;
  image?: AzureImage;
  vmSize?: string;
  adminUsername?: string;
  /** The admin's SSH public key (password login is off). */
  sshPublicKey?: string;
  /** A secondary ipConfiguration on the external NICs moves with the active node (opt-in: NIC updates take a minute or more). */
  ipConfigMove?: boolean;
  /** A public IP attached to the moving ipConfiguration (needs ipConfigMove). */
  movingPublicIp?: boolean;
  /** The deployer's public IPs/ranges allowed to the state account (for the uploads); none: run `pulumi up` inside the VNet. */
  deployerIpRanges?: string[];
}

export const ROLES = ["mgmt", "external", "internal"] as const;
export type Role = (typeof ROLES)[number];

export const LAYOUT = {
  vnet: "10.20.0.0/16",
  subnets: { mgmt: "10.20.0.0/24", external: "10.20.1.0/24", internal: "10.20.2.0/24", app: "10.20.10.0/24" },
  nodeIp: (node: NodeId, role: Role) => `10.20.${ROLES.indexOf(role)}.${node === "a" ? 4 : 5}`,
  /** The moving ipConfiguration's private IP (the service VIP). */
  vip: "10.20.1.10",
  vipName: "vip1",
  /** Routes of the app subnet that follow the active node's internal NIC. */
  appRoutes: ["0.0.0.0/0", "10.30.0.0/16"],
} as const;

const IMAGES: Record<AzureImage, { imageReference: { publisher: string; offer: string; sku: string; version: string }; plan?: { name: string; product: string; publisher: string } }> = {
  debian: { imageReference: { publisher: "Debian", offer: "debian-12", sku: "12-gen2", version: "latest" } },
  bigip: {
    imageReference: { publisher: "f5-networks", offer: "f5-big-ip-best", sku: "f5-big-best-plus-hourly-25mbps", version: "latest" },
    plan: { name: "f5-big-best-plus-hourly-25mbps", product: "f5-big-ip-best", publisher: "f5-networks" },
  },
};

const debianCustomData = (node: NodeId, install: string) => `#!/bin/bash
# ha-pair greenfield node ${node}: keepalived decides which node is active; its notify_master runs the agent's trigger.
set -euo pipefail
export DEBIAN_FRONTEND=noninteractive
apt-get update -q && apt-get install -yq keepalived nodejs curl
echo 'net.ipv4.ip_forward = 1' > /etc/sysctl.d/60-ha-pair.conf && sysctl -q --system
${install}
MGMT_IF=$(ip -o -4 addr show | awk '$4 ~ /^${LAYOUT.nodeIp(node, "mgmt").replace(/\./g, "\\.")}\\// { print $2 }')
cat > /etc/keepalived/keepalived.conf <<KEEPALIVED
global_defs {
    enable_script_security
    script_user root
}
vrrp_instance HA_PAIR {
    state BACKUP
    interface $MGMT_IF
    virtual_router_id 51
    priority ${node === "a" ? 150 : 100}
    advert_int 1
    # No multicast in a VNet: VRRP goes to the peer's management address.
    unicast_src_ip ${LAYOUT.nodeIp(node, "mgmt")}
    unicast_peer {
        ${LAYOUT.nodeIp(node === "a" ? "b" : "a", "mgmt")}
    }
    notify_master "/opt/ha-pair/triggers/keepalived-notify-master"
}
KEEPALIVED
systemctl enable keepalived && systemctl restart keepalived
`;

export interface AzureGreenfield {
  pair: AzureHaPair;
  resourceGroup: resources.ResourceGroup;
  vms: Record<NodeId, compute.VirtualMachine>;
  nics: Record<NodeId, Record<Role, network.NetworkInterface>>;
  appRouteTable: network.RouteTable;
  publicIp?: network.PublicIPAddress;
  outputs: Record<string, pulumi.Input<unknown>>;
}

export function createAzureGreenfield(config: AzureGreenfieldConfig, opts: pulumi.ComponentResourceOptions = {}): AzureGreenfield {
  const label = config.label;
  const name = `ha-${label}`;
  const location = config.location ?? "westeurope";
  const image = IMAGES[config.image ?? "debian"];
  if (config.movingPublicIp && !config.ipConfigMove) throw new Error("movingPublicIp needs ipConfigMove: the public IP moves with the external ipConfiguration");
  const tags = { "ha-pair:stack": label };
  const client = authorization.getClientConfigOutput(opts);

  const rgLiteral = config.resourceGroupName ?? `rg-ha-${label}`;
  const rg = new resources.ResourceGroup(`${name}-rg`, { resourceGroupName: rgLiteral, location, tags }, opts);
  const rgName = rg.name;
  const mgmtNsg = new network.NetworkSecurityGroup(`${name}-mgmt-nsg`, { resourceGroupName: rgName, location, networkSecurityGroupName: `nsg-${label}-mgmt`, tags }, opts);
  const vnet = new network.VirtualNetwork(`${name}-vnet`, { resourceGroupName: rgName, location, virtualNetworkName: `vnet-${label}`, addressSpace: { addressPrefixes: [LAYOUT.vnet] }, tags }, opts);
  const appRouteTable = new network.RouteTable(
    `${name}-rt-app`,
    {
      resourceGroupName: rgName,
      location,
      routeTableName: `rt-${label}-app`,
      disableBgpRoutePropagation: true,
      routes: LAYOUT.appRoutes.map((prefix, i) => ({ name: i === 0 ? "default" : `route-${i}`, addressPrefix: prefix, nextHopType: "VirtualAppliance", nextHopIpAddress: LAYOUT.nodeIp("a", "internal") })),
      tags: { ...tags, ...pairTags(label) },
    },
    // The agent owns the next hops after the first failover: a later `pulumi up` must not point them back.
    { ...opts, ignoreChanges: ["routes"] },
  );
  const subnet = (role: Role | "app", extra: Partial<network.SubnetArgs> = {}) =>
    new network.Subnet(`${name}-${role}`, { resourceGroupName: rgName, virtualNetworkName: vnet.name, subnetName: role, addressPrefix: LAYOUT.subnets[role], ...extra }, opts);
  const subnets = {
    mgmt: subnet("mgmt", { networkSecurityGroup: { id: mgmtNsg.id } }),
    external: subnet("external"),
    internal: subnet("internal"),
    app: subnet("app", { routeTable: { id: appRouteTable.id } }),
  };

  const publicIp = config.movingPublicIp
    ? new network.PublicIPAddress(
        `${name}-pip-vip`,
        { resourceGroupName: rgName, location, publicIpAddressName: `pip-${label}-vip`, sku: { name: "Standard", tier: "Regional" }, publicIPAllocationMethod: "Static", publicIPAddressVersion: "IPv4", tags: { ...tags, ...pairTags(label) } },
        opts,
      )
    : undefined;

  const nics = {} as Record<NodeId, Record<Role, network.NetworkInterface>>;
  for (const node of ["a", "b"] as NodeId[]) {
    nics[node] = {} as Record<Role, network.NetworkInterface>;
    for (const role of ROLES) {
      const moving = role === "external" && config.ipConfigMove === true && node === "a";
      nics[node][role] = new network.NetworkInterface(
        `${name}-${node}-${role}`,
        {
          resourceGroupName: rgName,
          location,
          networkInterfaceName: `nic-${label}-${node}-${role}`,
          enableIPForwarding: role !== "mgmt",
          enableAcceleratedNetworking: false,
          ipConfigurations: [
            { name: "ipconfig1", primary: true, privateIPAllocationMethod: "Static", privateIPAddress: LAYOUT.nodeIp(node, role), subnet: { id: subnets[role].id } },
            // The VIP starts on node a; the agent moves it to the active node's external NIC.
            ...(moving
              ? [{ name: LAYOUT.vipName, primary: false, privateIPAllocationMethod: "Static", privateIPAddress: LAYOUT.vip, subnet: { id: subnets.external.id }, ...(publicIp ? { publicIPAddress: { id: publicIp.id } } : {}) }]
              : []),
          ],
          tags: { ...tags, ...pairTags(label, { role }) },
        },
        // Once it fails over, the VIP lives on whichever NIC is active: `pulumi up` must not move it back.
        { ...opts, ...(role === "external" && config.ipConfigMove ? { ignoreChanges: ["ipConfigurations"] } : {}) },
      );
    }
  }

  // The VMs' IDs are known from their names, so the pair's config can name them before they exist
  // (the VMs in turn need the pair's identity and customData).
  const vmName = (node: NodeId) => `vm-${label}-${node}`;
  const vmId = (node: NodeId) => pulumi.interpolate`/subscriptions/${client.subscriptionId}/resourceGroups/${rgName}/providers/Microsoft.Compute/virtualMachines/${vmName(node)}`;

  const pair = new AzureHaPair(
    name,
    {
      label,
      // The literal name (the group's `name` output is unknown at preview), so the role's scopes are known there.
      resourceGroupName: rgLiteral,
      location,
      nodes: {
        a: { vmId: vmId("a"), interfaces: { mgmt: { networkInterface: nics.a.mgmt }, external: { networkInterface: nics.a.external }, internal: { networkInterface: nics.a.internal } } },
        b: { vmId: vmId("b"), interfaces: { mgmt: { networkInterface: nics.b.mgmt }, external: { networkInterface: nics.b.external }, internal: { networkInterface: nics.b.internal } } },
      },
      routes: [{ routeTable: appRouteTable, addressPrefixes: [...LAYOUT.appRoutes], nextHopRole: "internal" }],
      ...(config.ipConfigMove ? { ipConfigurations: [{ name: LAYOUT.vipName, role: "external", privateIp: LAYOUT.vip, ...(publicIp ? { publicIp } : {}) }] } : {}),
      network: {
        virtualNetworkId: vnet.id,
        endpointSubnetId: subnets.mgmt.id,
        managementNetworkSecurityGroupName: mgmtNsg.name,
        managementSubnetPrefix: LAYOUT.subnets.mgmt,
      },
      storage: { deployerIpRanges: config.deployerIpRanges ?? [] },
      deployerPrincipalId: client.objectId,
      tags,
    },
    { ...opts, dependsOn: [rg] },
  );

  const vms = {} as Record<NodeId, compute.VirtualMachine>;
  for (const node of ["a", "b"] as NodeId[]) {
    const customData =
      config.image === "bigip"
        ? pair.customData
        : pair.agentInstallScript.apply((install) => Buffer.from(debianCustomData(node, install), "utf8").toString("base64"));
    vms[node] = new compute.VirtualMachine(
      `${name}-vm-${node}`,
      {
        resourceGroupName: rgName,
        location,
        vmName: vmName(node),
        hardwareProfile: { vmSize: config.vmSize ?? "Standard_DS3_v2" },
        identity: { type: "UserAssigned", userAssignedIdentities: [pair.identityId.apply((id) => id!)] },
        networkProfile: {
          networkInterfaces: ROLES.map((role) => ({ id: nics[node][role].id, primary: role === "mgmt", deleteOption: "Delete" })),
        },
        osProfile: {
          computerName: vmName(node),
          adminUsername: config.adminUsername ?? "azureuser",
          customData,
          linuxConfiguration: {
            disablePasswordAuthentication: true,
            ssh: { publicKeys: [{ path: `/home/${config.adminUsername ?? "azureuser"}/.ssh/authorized_keys`, keyData: config.sshPublicKey ?? "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIHhhLXBhaXItcGxhY2Vob2xkZXIta2V5LXJlcGxhY2UtbWU placeholder" }] },
          },
        },
        storageProfile: { imageReference: image.imageReference, osDisk: { createOption: "FromImage", managedDisk: { storageAccountType: "Premium_LRS" }, deleteOption: "Delete" } },
        ...(image.plan ? { plan: image.plan } : {}),
        tags: { ...tags, ...pairTags(label) },
      },
      opts,
    );
  }

  return {
    pair,
    resourceGroup: rg,
    vms,
    nics,
    appRouteTable,
    ...(publicIp ? { publicIp } : {}),
    outputs: {
      agentConfig: pair.agentConfig,
      cfeDeclaration: pair.cfeDeclaration,
      roleDefinitionId: pair.roleDefinitionId,
      identityId: pair.identityId,
      storageAccountName: pair.storageAccountName,
      containerName: pair.containerName,
      privateEndpointId: pair.privateEndpointId,
      appRouteTableId: appRouteTable.id,
      vmIds: { a: vms.a.id, b: vms.b.id },
      ...(publicIp ? { vipPublicIp: publicIp.ipAddress } : {}),
    },
  };
}
