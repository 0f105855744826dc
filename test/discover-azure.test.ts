/**
 * `discover azure` against a BIG-IP pair as F5's Terraform / ARM templates leave it in the
 * simulated Azure (ARM + Azurite): three sources, one config — the one the pair really is — and
 * a failover with it converges both ways.
 */
import { readFileSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { AzureAgentConfig } from "../runtime/config/types.js";
import { failover } from "../runtime/core/executor.js";
import { AmbiguousPairError, DiscoveryInputError } from "../runtime/discovery/errors.js";
import { checkImportFile } from "../runtime/discovery/import-file.js";
import { discoverAzure } from "../runtime/discovery/azure/discover-azure.js";
import type { DiscoveryOptions } from "../runtime/discovery/types.js";
import { azureAgentOn, azureHolder, startFastAzureSim, type AzureSim } from "./helpers/azure-sim.js";
import { F5_AZURE_TOPOLOGY, seedManagementNics, writeF5AzureFiles } from "./helpers/f5-azure-pair.js";
import { tempFile } from "./helpers/cli.js";

let sim: AzureSim;
let files: { cfeFile: string; terraformFile: string };
let base: Pick<DiscoveryOptions, "componentName" | "armEndpoint" | "imdsEndpoint" | "subscriptionId" | "resourceGroup">;
beforeAll(async () => {
  // Lists of two per page: discovery must follow nextLink (6 NICs = 3 pages).
  sim = await startFastAzureSim({ topology: F5_AZURE_TOPOLOGY(), listPageSize: 2 });
  seedManagementNics(sim);
  files = writeF5AzureFiles(sim.topology, sim.agentConfig().stateStore.account);
  base = { componentName: "pair", armEndpoint: sim.arm, imdsEndpoint: sim.imds.a, subscriptionId: sim.topology.subscriptionId, resourceGroup: sim.topology.resourceGroup };
});
afterAll(async () => {
  await sim.stop();
});

/** Discovery as the operator's shell runs it: node a's managed identity through its IMDS. */
async function discover(options: Partial<DiscoveryOptions>) {
  process.env.AZURE_POD_IDENTITY_AUTHORITY_HOST = sim.imds.a;
  process.env.AZURE_CLIENT_ID = sim.clientIds.a;
  return discoverAzure({ ...base, ...options }, {});
}

describe("discover azure: tags, CFE declaration, Terraform state", () => {
  it("all three find the same config, the pair's own, with its ipConfiguration and public IP", async () => {
    const listedBefore = sim.calls.filter((c) => c.path.endsWith("/networkInterfaces")).length;
    const byTags = await discover({ label: sim.topology.label });
    expect(sim.calls.filter((c) => c.path.endsWith("/networkInterfaces")).length - listedBefore).toBe(3);
    const byCfe = await discover({ cfeFile: files.cfeFile });
    const byTerraform = await discover({ terraformStateFile: files.terraformFile, subscriptionId: undefined, resourceGroup: undefined });
    // The sim's own config, less its schema path and the fast test timeouts (no pair states those),
    // its state blob named as a greenfield AzureHaPair names it.
    const { $schema: _schema, timeouts: _timeouts, ...simConfig } = sim.agentConfig();
    const expected = { ...simConfig, stateStore: { ...simConfig.stateStore, blob: "ha-pair/azure-edge/state.json" } };
    expect(byTags.documents["agent-config.json"]).toEqual(expected);
    expect(byCfe.documents["agent-config.json"]).toEqual(expected);
    expect(byTerraform.documents["agent-config.json"]).toEqual(expected);
    const byBoth = await discover({ cfeFile: files.cfeFile, terraformStateFile: files.terraformFile, subscriptionId: undefined, resourceGroup: undefined });
    expect(byBoth.documents["agent-config.json"]).toEqual(expected);
    const config = byTags.documents["agent-config.json"] as AzureAgentConfig;
    // The route at a shared-services appliance is not the pair's (f5_self_ips): left alone.
    expect(config.routes!.flatMap((r) => r.addressPrefixes)).not.toContain("10.200.0.0/16");
    expect(config.addresses!.ipConfigurations).toEqual([{ name: "vip1", role: "external", privateIp: "10.0.1.10", publicIpAddressId: expect.stringMatching(/publicIPAddresses\/pip-vip1$/) }]);
  });

  it("import.json adopts the storage account unless Terraform owns it; ownership names the lifecycle lines", async () => {
    const byTags = await discover({ label: sim.topology.label });
    const importFile = byTags.documents["import.json"] as { resources: { type: string; name: string; id?: string; parent?: string }[] };
    expect(checkImportFile(importFile)).toEqual([]);
    expect(importFile.resources).toEqual([
      { type: "ha-pair:index:AzureHaPair", name: "pair", component: true },
      { type: "azure-native:storage:StorageAccount", name: "pairst", id: `/subscriptions/${sim.topology.subscriptionId}/resourceGroups/${sim.topology.resourceGroup}/providers/Microsoft.Storage/storageAccounts/devstoreaccount1`, parent: "pair" },
    ]);
    expect(byTags.documents["pair-args.json"]).toMatchObject({
      resourceGroupName: "rg-ha-pair",
      location: "westeurope",
      nodes: { a: { vmId: expect.stringMatching(/virtualMachines\/nva-a$/), interfaces: { external: { networkInterfaceId: expect.stringMatching(/nva-a-ext$/), privateIp: "10.0.1.4", subnetId: expect.stringMatching(/virtualNetworks\/vnet-hub\/subnets\/external$/) } } } },
      network: { virtualNetworkId: expect.stringMatching(/virtualNetworks\/vnet-hub$/) },
      storage: { accountName: "devstoreaccount1", containerName: "ha-pair" },
      manage: { tags: "verify", ipForwarding: "verify" },
      adopt: { storageAccountId: expect.any(String) },
    });
    expect(byTags.documents["pair-args.json"]).not.toHaveProperty("statePrefix");

    const byTerraform = await discover({ terraformStateFile: files.terraformFile });
    expect((byTerraform.documents["import.json"] as { resources: unknown[] }).resources).toHaveLength(1);
    expect(byTerraform.documents["pair-args.json"]).toMatchObject({ storage: { existingAccountName: "devstoreaccount1", existingContainerName: "ha-pair" } });
    expect(byTerraform.documents["pair-args.json"]).not.toHaveProperty("adopt");
    const lifecycle = (byTerraform.documents["ownership.json"] as { terraform: { lifecycle: { address: string; ignoreChanges: string[] }[] } }).terraform.lifecycle;
    expect(lifecycle).toContainEqual(expect.objectContaining({ address: 'module.bigip_ha.azurerm_route_table.spoke["rt-spoke-1"]', ignoreChanges: ["route"] }));
    expect(lifecycle).toContainEqual(expect.objectContaining({ address: 'module.bigip_ha.azurerm_network_interface.nic["a-external"]', ignoreChanges: ["ip_configuration"] }));
    expect(lifecycle.some((l) => l.address.includes("internal"))).toBe(false);
  });

  it("a declaration without failoverRoutes (as F5's Azure Terraform examples write it) moves addresses only; the label then comes from --label", async () => {
    const declaration = { class: "Cloud_Failover", environment: "azure", externalStorage: { scopingName: "devstoreaccount1" }, failoverAddresses: { enabled: true, addressGroupDefinitions: [{ type: "networkInterfaceAddress", scopingAddress: "10.0.1.10" }], requireScopingTags: false } };
    const file = tempFile("decl.json", declaration);
    const unlabelled = await discover({ cfeFile: file }).catch((e: unknown) => e);
    expect((unlabelled as DiscoveryInputError).message).toMatch(/failoverAddresses\/scopingTags has no f5_cloud_failover_label: pass --label L/);
    const config = (await discover({ cfeFile: file, label: sim.topology.label })).documents["agent-config.json"] as AzureAgentConfig;
    expect(config.routes).toBeUndefined();
    expect(config.addresses?.ipConfigurations?.map((c) => c.privateIp)).toEqual(["10.0.1.10"]);
  });

  it("reads `terraform show -json` too; with a declaration, CFE moves the routes today (ownership)", async () => {
    const v4 = JSON.parse(readFileSync(files.terraformFile, "utf8")) as { resources: { module: string; type: string; name: string; instances: { index_key?: string; attributes: Record<string, unknown> }[] }[] };
    // The same resources as `terraform show -json` prints them: values.root_module.child_modules[].resources[].
    const showJson = {
      format_version: "1.0",
      terraform_version: "1.9.8",
      values: {
        root_module: {
          child_modules: [
            {
              address: "module.bigip_ha",
              resources: v4.resources.flatMap((r) => r.instances.map((i) => ({ address: `module.bigip_ha.${r.type}.${r.name}${i.index_key !== undefined ? `["${i.index_key}"]` : ""}`, mode: "managed", type: r.type, name: r.name, values: i.attributes }))),
            },
          ],
        },
      },
    };
    const fromShow = await discover({ terraformStateFile: tempFile("show.json", showJson), subscriptionId: undefined, resourceGroup: undefined });
    const fromV4 = await discover({ terraformStateFile: files.terraformFile, subscriptionId: undefined, resourceGroup: undefined });
    for (const name of ["agent-config.json", "pair-args.json", "import.json"] as const) expect(fromShow.documents[name]).toEqual(fromV4.documents[name]);
    // Ownership too, but for the file it names as its source.
    const { sources: _show, ...ownedPerShow } = fromShow.documents["ownership.json"] as { sources: unknown };
    const { sources: _v4, ...ownedPerV4 } = fromV4.documents["ownership.json"] as { sources: unknown };
    expect(ownedPerShow).toEqual(ownedPerV4);
    expect((ownedPerV4 as { terraform: { lifecycle: unknown[] } }).terraform.lifecycle.length).toBeGreaterThan(0);

    const byCfe = await discover({ cfeFile: files.cfeFile });
    const attributes = (byCfe.documents["ownership.json"] as { attributes: { kind: string; attribute: string; owner: string; haPair: string }[] }).attributes;
    expect(attributes.filter((a) => a.kind === "routeTable" && a.attribute.endsWith("nextHopIpAddress")).map((a) => a.owner)).toEqual(["cfe", "cfe", "cfe", "cfe"]);
    expect(attributes.find((a) => a.attribute === "ipConfigurations (secondary)")).toMatchObject({ owner: "cfe", haPair: "moves at failover" });
  });

  it("an ARM endpoint over plain http to anything but loopback is refused before a token is asked for", async () => {
    const error = await discover({ label: sim.topology.label, armEndpoint: "http://management.example.com" }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DiscoveryInputError);
    expect((error as Error).message).toMatch(/plain http is allowed to a loopback address only/);
  });

  it("--node-a chooses node a by VM name (default: the first VM name), whichever node is active", async () => {
    const swapped = (await discover({ label: sim.topology.label, nodeA: "nva-b" })).documents["agent-config.json"] as AzureAgentConfig;
    const expected = sim.agentConfig();
    expect(swapped.nodes).toEqual({ a: expected.nodes.b, b: expected.nodes.a });
    const unknown = await discover({ label: sim.topology.label, nodeA: "nva-c" }).catch((e: unknown) => e);
    expect((unknown as AmbiguousPairError).problems[0]!.problem).toMatch(/--node-a nva-c is neither of the pair's VMs/);
  });

  it("a failover with the discovered config converges to b and back to a", async () => {
    const config = (await discover({ label: sim.topology.label })).documents["agent-config.json"] as AzureAgentConfig;
    const b = await azureAgentOn(sim, "b", config);
    expect(await failover(b.config, "b", b.provider, { recorder: b.recorder })).toMatchObject({ outcome: "converged", activeNode: "b" });
    expect(await azureHolder(sim, config)).toBe("b");
    const a = await azureAgentOn(sim, "a", config);
    expect(await failover(a.config, "a", a.provider, { recorder: a.recorder })).toMatchObject({ outcome: "converged", activeNode: "a" });
    expect(await azureHolder(sim, config)).toBe("a");
  });
});

describe("discover azure: ambiguity is an error naming the resources and the fix", () => {
  it("a route at neither node in a table without f5_self_ips, an unattached labelled public IP", async () => {
    const t = sim.topology;
    const table = `/subscriptions/${t.subscriptionId}/resourceGroups/${t.resourceGroup}/providers/Microsoft.Network/routeTables/rt-spoke-2`;
    const selfIps = (sim.world.get(table).tags as Record<string, string>).f5_self_ips!;
    sim.world.touch(table, (r) => delete (r.tags as Record<string, string>).f5_self_ips);
    // (Seeded last in this file: the sim has no delete, and only these cases may see it.)
    const strayPip = `/subscriptions/${t.subscriptionId}/resourceGroups/${t.resourceGroup}/providers/Microsoft.Network/publicIPAddresses/pip-spare`;
    sim.world.seed({ name: "pip-spare", id: strayPip, type: "Microsoft.Network/publicIPAddresses", location: t.location, tags: { f5_cloud_failover_label: t.label }, sku: { name: "Standard" }, properties: { ipAddress: "20.61.15.8", publicIPAllocationMethod: "Static" } });
    try {
      const error = await discover({ label: t.label }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(AmbiguousPairError);
      const problems = (error as AmbiguousPairError).problems;
      expect(problems).toHaveLength(2);
      const [pipProblem, routeProblem] = problems;
      expect(pipProblem!).toMatchObject({ problem: expect.stringMatching(/public IP .*pip-spare carries f5_cloud_failover_label=azure-edge but is attached to nothing/), resources: [strayPip] });
      expect(routeProblem!.problem).toMatch(/route to-shared-services \(10\.200\.0\.0\/16\) in .*rt-spoke-2 points at 10\.0\.2\.100, which is neither node's interface/);
      expect(routeProblem!.fix).toMatch(/f5_self_ips/);
      expect(routeProblem!.resources).toEqual([table]);
    } finally {
      sim.world.touch(table, (r) => ((r.tags as Record<string, string>).f5_self_ips = selfIps));
    }
  });

  it("a label that tags nothing, a declaration of another cloud, no subscription: bad input", async () => {
    const none = await discover({ label: "nothing-here" }).catch((e: unknown) => e);
    expect(none).toBeInstanceOf(AmbiguousPairError);
    expect((none as AmbiguousPairError).problems[0]!.fix).toMatch(/tag both nodes' interfaces f5_cloud_failover_label=nothing-here/);
    const aws = await discover({ cfeFile: tempFile("decl.json", { class: "Cloud_Failover", environment: "aws" }) }).catch((e: unknown) => e);
    expect(aws).toBeInstanceOf(DiscoveryInputError);
    expect((aws as Error).message).toMatch(/\/environment is "aws".*discover aws/);
    const noSubscription = await discover({ label: sim.topology.label, subscriptionId: undefined }).catch((e: unknown) => e);
    expect(noSubscription).toBeInstanceOf(DiscoveryInputError);
    expect((noSubscription as Error).message).toMatch(/AZURE_SUBSCRIPTION_ID/);
  });
});
