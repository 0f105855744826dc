/** The Azure resolver on ARM list answers built from a topology: each ambiguity names its resources and fix. */
import { describe, expect, it } from "vitest";
import { AmbiguousPairError } from "../runtime/discovery/errors.js";
import type { AzureInventory } from "../runtime/discovery/azure/arm-inventory.js";
import { resolveAzurePair } from "../runtime/discovery/azure/resolve.js";
import { DEFAULT_AZURE_TAG_KEYS, tagScope } from "../runtime/discovery/azure/scope.js";
import { storageAccountResource, topologyResources } from "../sim/azure/resources.js";
import { exampleAzureTopology } from "../sim/azure/topology.js";
import type { Json } from "../sim/azure/world.js";

const t = exampleAzureTopology({ ipConfigurations: true });
function inventory(change: (resources: Json[]) => void = () => undefined): AzureInventory {
  const resources = structuredClone([...topologyResources(t), storageAccountResource(t, "stha", "https://stha.blob.core.windows.net/")]);
  change(resources);
  const of = (type: string) => resources.filter((r) => r.type === type);
  return {
    subscriptionId: t.subscriptionId,
    scope: `/subscriptions/${t.subscriptionId}/resourceGroups/${t.resourceGroup}`,
    networkInterfaces: of("Microsoft.Network/networkInterfaces"),
    routeTables: of("Microsoft.Network/routeTables"),
    publicIpAddresses: of("Microsoft.Network/publicIPAddresses"),
    storageAccounts: of("Microsoft.Storage/storageAccounts"),
  };
}
const resolve = (inv: AzureInventory, scope = tagScope(t.label, DEFAULT_AZURE_TAG_KEYS)) => resolveAzurePair(inv, scope, { container: "ha-pair", blob: "azure-edge/state.json" });
const problemsOf = (inv: AzureInventory) => {
  try {
    resolve(inv);
  } catch (err) {
    if (err instanceof AmbiguousPairError) return err.problems;
    throw err;
  }
  return [];
};
const nic = (resources: Json[], name: string) => resources.find((r) => r.name === name)!;
const tags = (r: Json) => r.tags as Record<string, string>;

describe("resolveAzurePair", () => {
  it("the example resolves; a public blob endpoint is not written into the config", () => {
    const pair = resolve(inventory());
    expect(pair.config.endpoints).toBeUndefined();
    expect(pair.config.stateStore).toEqual({ type: "azureBlob", account: "stha", container: "ha-pair", blob: "azure-edge/state.json" });
    expect(pair.config.addresses?.ipConfigurations).toHaveLength(1);
  });

  it("two interfaces of one role on a node", () => {
    const problems = problemsOf(inventory((r) => (tags(nic(r, "nva-a-int"))[DEFAULT_AZURE_TAG_KEYS.nicMapKey] = "external")));
    expect(problems.map((p) => p.problem)).toContainEqual(expect.stringMatching(/node a .* has two interfaces of role external: .*nva-a-ext, .*nva-a-int/));
  });

  it("a nic-map value that pairs nothing", () => {
    const problems = problemsOf(inventory((r) => (tags(nic(r, "nva-b-int"))[DEFAULT_AZURE_TAG_KEYS.nicMapKey] = "inside")));
    expect(problems.map((p) => p.problem)).toEqual(
      expect.arrayContaining([expect.stringMatching(/f5_cloud_failover_nic_map=inside pairs nothing: only node b/), expect.stringMatching(/f5_cloud_failover_nic_map=internal pairs nothing: only node a/)]),
    );
  });

  it("secondary ipConfigurations on both nodes: the tags cannot tell which float", () => {
    const problems = problemsOf(
      inventory((r) => {
        const b = nic(r, "nva-b-ext").properties as { ipConfigurations: Json[] };
        b.ipConfigurations.push({ name: "own-vip", properties: { privateIPAddress: "10.0.1.20", primary: false } });
      }),
    );
    expect(problems).toEqual([expect.objectContaining({ problem: expect.stringMatching(/both nodes' external interfaces .* have secondary ipConfigurations/), fix: expect.stringMatching(/addressGroupDefinitions/) })]);
  });

  it("a third VM's interface with the label, and two labelled storage accounts", () => {
    const problems = problemsOf(
      inventory((r) => {
        const stray = structuredClone(nic(r, "nva-b-ext"));
        stray.id = String(stray.id).replace("nva-b-ext", "jump-ext");
        (stray.properties as Json).virtualMachine = { id: String(((nic(r, "nva-b-ext").properties as Json).virtualMachine as { id: string }).id).replace("nva-b", "jump") };
        r.push(stray);
      }),
    );
    expect(problems[0]).toMatchObject({ problem: expect.stringMatching(/attached to 3 VMs/), resources: expect.arrayContaining([expect.stringMatching(/virtualMachines\/jump$/)]) });
    const accounts = problemsOf(inventory((r) => r.push(storageAccountResource(t, "sthb", "https://sthb.blob.core.windows.net/"))));
    expect(accounts).toEqual([expect.objectContaining({ problem: expect.stringMatching(/2 storage accounts are tagged f5_cloud_failover_label=azure-edge/), fix: expect.stringMatching(/--storage-account NAME/) })]);
  });
});
