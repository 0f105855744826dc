/**
 * Pulumi mocks whose reads of existing Azure resources (azure-native's network and managed
 * identity invokes) are answered from the simulated Azure as it is now, and `discover azure` run
 * against it as an operator's shell would: the two halves of a brownfield test.
 */
import type { AzureSim } from "../../sim/azure/index.js";
import type { AzureAgentConfig } from "../../runtime/config/types.js";
import type { AzurePairArgsDocument } from "../../runtime/discovery/azure/adoption-files.js";
import { discoverAzure } from "../../runtime/discovery/azure/discover-azure.js";
import type { DiscoveryOptions } from "../../runtime/discovery/types.js";
import { PulumiMockHarness, type MockCloudOptions } from "./pulumi-mocks.js";

export type ImportFileDocument = { resources: { type: string; name: string; id?: string; parent?: string; component?: boolean }[] };

/** `discover azure` against the sim, signed in as node a's managed identity (through its IMDS). */
export async function discoverInSim(sim: AzureSim, options: Partial<DiscoveryOptions>) {
  process.env.AZURE_POD_IDENTITY_AUTHORITY_HOST = sim.imds.a;
  process.env.AZURE_CLIENT_ID = sim.clientIds.a;
  const t = sim.topology;
  const result = await discoverAzure({ componentName: "edge", armEndpoint: sim.arm, imdsEndpoint: sim.imds.a, subscriptionId: t.subscriptionId, resourceGroup: t.resourceGroup, ...options }, {});
  return {
    args: result.documents["pair-args.json"] as AzurePairArgsDocument,
    config: result.documents["agent-config.json"] as AzureAgentConfig,
    importFile: result.documents["import.json"] as ImportFileDocument,
  };
}

export const simArmId = (sim: AzureSim, type: string, rg: string, name: string) => `/subscriptions/${sim.topology.subscriptionId}/resourceGroups/${rg}/providers/Microsoft.Network/${type}/${name}`;

/** A preview (by default) whose invokes read the sim; azure-native answers with the ARM body's properties flattened beside id, name and tags. */
export function simBackedHarness(sim: AzureSim, options: Partial<MockCloudOptions> = {}): PulumiMockHarness {
  const read = (type: string, rg: string, name: string) => {
    const body = sim.world.get(simArmId(sim, type, rg, name)) as { id: string; name: string; tags?: Record<string, string>; properties?: Record<string, unknown> };
    return { ...body.properties, id: body.id, name: body.name, tags: body.tags ?? {} };
  };
  return new PulumiMockHarness({
    subscriptionId: sim.topology.subscriptionId,
    preview: true,
    ...options,
    calls: {
      "azure-native:network:getNetworkInterface": (i) => read("networkInterfaces", i.resourceGroupName, i.networkInterfaceName),
      "azure-native:network:getRouteTable": (i) => read("routeTables", i.resourceGroupName, i.routeTableName),
      "azure-native:network:getPublicIPAddress": (i) => read("publicIPAddresses", i.resourceGroupName, i.publicIpAddressName),
      ...options.calls,
    },
  });
}
