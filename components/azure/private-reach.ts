/**
 * The nodes' private reach to the APIs the agent calls. Blob: a private endpoint for the account's
 * blob service in the nodes' subnet, and the privatelink.blob.core.windows.net zone linked to the
 * VNet (the account's normal name then resolves to the endpoint's private IP inside the VNet).
 * ARM: an NSG rule allowing the management subnet out to the AzureResourceManager service tag on
 * TCP 443 (ARM's public endpoint stays the way in: Resource Management Private Link only carries
 * management-group-wide traffic and is not provisioned here; see the README).
 */
import * as network from "@pulumi/azure-native/network/index.js";
import * as privatedns from "@pulumi/azure-native/privatedns/index.js";
import * as pulumi from "@pulumi/pulumi";

export const BLOB_PRIVATE_DNS_ZONE = "privatelink.blob.core.windows.net";

export interface AzurePrivateReachArgs {
  resourceGroupName: pulumi.Input<string>;
  location: pulumi.Input<string>;
  virtualNetworkId: pulumi.Input<string>;
  endpointSubnetId: pulumi.Input<string>;
  storageAccountId: pulumi.Output<string>;
  /** Reuse this privatelink.blob.core.windows.net zone (a hub's), already linked to the VNet. */
  existingPrivateDnsZoneId?: pulumi.Input<string>;
  /** The management subnet's NSG (by name, in resourceGroupName): the ARM rule goes there. None: no rule. */
  managementNetworkSecurityGroupName?: pulumi.Input<string>;
  managementSubnetPrefix?: pulumi.Input<string>;
  /** Default 200. */
  rulePriority?: number;
  tags: Record<string, string>;
}

export interface AzurePrivateReach {
  privateEndpointId: pulumi.Output<string>;
  privateDnsZoneId: pulumi.Output<string>;
  armRuleId: pulumi.Output<string | undefined>;
  ready: pulumi.Resource[];
}

export function createPrivateReach(name: string, args: AzurePrivateReachArgs, parent: pulumi.Resource): AzurePrivateReach {
  const opts = { parent };
  const endpoint = new network.PrivateEndpoint(
    `${name}-blob-pe`,
    {
      resourceGroupName: args.resourceGroupName,
      location: args.location,
      subnet: { id: args.endpointSubnetId },
      privateLinkServiceConnections: [{ name: `${name}-blob`, privateLinkServiceId: args.storageAccountId, groupIds: ["blob"] }],
      tags: args.tags,
    },
    opts,
  );
  let zoneId: pulumi.Output<string>;
  const ready: pulumi.Resource[] = [endpoint];
  if (args.existingPrivateDnsZoneId !== undefined) zoneId = pulumi.output(args.existingPrivateDnsZoneId);
  else {
    const zone = new privatedns.PrivateZone(`${name}-blob-zone`, { resourceGroupName: args.resourceGroupName, privateZoneName: BLOB_PRIVATE_DNS_ZONE, location: "global", tags: args.tags }, opts);
    const link = new privatedns.VirtualNetworkLink(
      `${name}-blob-zone-link`,
      { resourceGroupName: args.resourceGroupName, privateZoneName: zone.name, location: "global", virtualNetwork: { id: args.virtualNetworkId }, registrationEnabled: false, tags: args.tags },
      opts,
    );
    zoneId = zone.id;
    ready.push(link);
  }
  const group = new network.PrivateDnsZoneGroup(
    `${name}-blob-dns`,
    { resourceGroupName: args.resourceGroupName, privateEndpointName: endpoint.name, privateDnsZoneGroupName: "default", privateDnsZoneConfigs: [{ name: "blob", privateDnsZoneId: zoneId }] },
    opts,
  );
  ready.push(group);
  let armRuleId: pulumi.Output<string | undefined> = pulumi.output(undefined);
  if (args.managementNetworkSecurityGroupName !== undefined) {
    const rule = new network.SecurityRule(
      `${name}-arm-out`,
      {
        resourceGroupName: args.resourceGroupName,
        networkSecurityGroupName: args.managementNetworkSecurityGroupName,
        description: "ha-pair agent: Azure Resource Manager (route tables, NICs) over HTTPS",
        direction: "Outbound",
        access: "Allow",
        protocol: "Tcp",
        priority: args.rulePriority ?? 200,
        sourceAddressPrefix: args.managementSubnetPrefix ?? "VirtualNetwork",
        sourcePortRange: "*",
        destinationAddressPrefix: "AzureResourceManager",
        destinationPortRange: "443",
      },
      opts,
    );
    armRuleId = rule.id;
  }
  return { privateEndpointId: endpoint.id, privateDnsZoneId: zoneId, armRuleId, ready };
}
