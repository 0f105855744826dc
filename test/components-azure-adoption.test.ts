// AzureHaPair adopting a running BIG-IP pair as F5's Terraform / templates leave it: `discover
// azure`'s pair-args.json fed to the component under Pulumi mocks; the preview's reads of the
// existing NICs, route tables and public IPs are answered from the simulated Azure as it is now.
import * as network from "@pulumi/azure-native/network/index.js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { AzureHaPair, type AzureHaPairArgs } from "../components/index.js";
import type { AzureAgentConfig } from "../runtime/config/types.js";
import type { DiscoveryOptions } from "../runtime/discovery/types.js";
import { startFastAzureSim, type AzureSim } from "./helpers/azure-sim.js";
import { AZ } from "./helpers/azure-stack-to-topology.js";
import { F5_AZURE_TOPOLOGY, seedManagementNics, writeF5AzureFiles } from "./helpers/f5-azure-pair.js";
import { discoverInSim, simArmId, simBackedHarness } from "./helpers/azure-sim-mocks.js";
import { resolve, type MockCloudOptions } from "./helpers/pulumi-mocks.js";

let sim: AzureSim;
let files: { cfeFile: string; terraformFile: string };
beforeAll(async () => {
  sim = await startFastAzureSim({ topology: F5_AZURE_TOPOLOGY() });
  seedManagementNics(sim);
  files = writeF5AzureFiles(sim.topology, sim.agentConfig().stateStore.account);
});
afterAll(async () => {
  await sim.stop();
});

async function discovered(options: Partial<DiscoveryOptions>) {
  const found = await discoverInSim(sim, options);
  // The writer's document is the component's args: this assignment is checked by tsc.
  const args: AzureHaPairArgs = found.args;
  return { ...found, args };
}

const armId = (type: string, rg: string, name: string) => simArmId(sim, type, rg, name);
const harness = (options: Partial<MockCloudOptions> = {}) => simBackedHarness(sim, options);

const pairIds = (args: AzureHaPairArgs) => {
  const nics = (["a", "b"] as const).flatMap((n) => Object.values(args.nodes[n].interfaces).map((i) => String(i.networkInterfaceId)));
  const tables = (args.routes ?? []).map((r) => String(r.routeTableId));
  const pips = (args.ipConfigurations ?? []).flatMap((c) => (c.publicIpAddressId ? [String(c.publicIpAddressId)] : []));
  return { nics, tables, pips };
};

describe("AzureHaPair with manage: verify (a Terraform-built pair)", () => {
  it("creates nothing Terraform owns: no tags merge, no IP forwarding; the preview reads every NIC, route table and public IP instead", async () => {
    const { args } = await discovered({ terraformStateFile: files.terraformFile });
    expect(args.manage).toEqual({ tags: "verify", ipForwarding: "verify" });
    const h = harness();
    const pair = await h.run(() => new AzureHaPair("edge", args));
    const scopes = await resolve(pair.roleAssignmentScopes).then(
      () => "resolved",
      (e: Error) => e,
    );
    await h.finish();
    expect(scopes).not.toBeInstanceOf(Error);
    expect(h.ofType(AZ.tagsMerge)).toEqual([]);
    expect(h.ofType(AZ.forwarding)).toEqual([]);
    const { nics, tables, pips } = pairIds(args);
    const terraformIds = new Set([...nics, ...tables, ...pips].map((id) => id.toLowerCase()));
    for (const r of h.resources.filter((x) => x.custom)) {
      expect(terraformIds.has(String(r.inputs.resourceId ?? r.inputs.networkInterfaceId ?? "").toLowerCase())).toBe(false);
      expect(r.importId).toBeUndefined();
    }
    // Only role assignments are added on the pair's existing resources.
    const onPair = h.resources.filter((r) => terraformIds.has(String(r.inputs.scope ?? "").toLowerCase()));
    expect(new Set(onPair.map((r) => r.type))).toEqual(new Set([AZ.assignment]));
    const reads = (token: string, field: string) => h.invokes.filter((i) => i.token === token).map((i) => i.inputs[field] as string);
    expect(new Set(reads("azure-native:network:getNetworkInterface", "networkInterfaceName"))).toEqual(new Set(nics.map((id) => id.split("/").pop())));
    expect(new Set(reads("azure-native:network:getRouteTable", "routeTableName"))).toEqual(new Set(tables.map((id) => id.split("/").pop())));
    expect(new Set(reads("azure-native:network:getPublicIPAddress", "publicIpAddressName"))).toEqual(new Set(pips.map((id) => id.split("/").pop())));
    // Terraform's account is used as is: neither created nor imported.
    expect(h.ofType(AZ.account)).toEqual([]);
  });

  it("a drifted tag and IP forwarding turned off fail the preview naming each resource and the fix", async () => {
    const { args } = await discovered({ terraformStateFile: files.terraformFile });
    const t = sim.topology;
    const nic = armId("networkInterfaces", t.resourceGroup, t.nodes.b.nics.internal!.name);
    const table = armId("routeTables", t.resourceGroup, t.routeTables[0]!.name);
    const before = { nic: structuredClone(sim.world.get(nic)), table: structuredClone(sim.world.get(table)) };
    sim.world.touch(nic, (r) => {
      (r.tags as Record<string, string>).f5_cloud_failover_nic_map = "inside";
      (r.properties as Record<string, unknown>).enableIPForwarding = false;
    });
    sim.world.touch(table, (r) => delete (r.tags as Record<string, string>).f5_cloud_failover_label);
    try {
      const h = harness({ captureProgramErrors: true });
      const pair = await h.run(() => new AzureHaPair("edge", args));
      const error = await resolve(pair.roleAssignmentScopes).then(
        () => undefined,
        (e: Error) => e,
      );
      await h.finish();
      expect(error?.message).toContain(`nodes.b.interfaces.internal (${nic}): tag f5_cloud_failover_nic_map is "inside", expected "internal"`);
      expect(error?.message).toContain(`nodes.b.interfaces.internal (${nic}) forwards traffic but has IP forwarding off`);
      expect(error?.message).toContain(`manage: { ipForwarding: "apply" }`);
      expect(error?.message).toMatch(new RegExp(`routes\\[\\d\\] \\(${table.replace(/[/.]/g, "\\$&")}\\): tag f5_cloud_failover_label is missing, expected "azure-edge"`));
      // Nothing is written to fix it behind the owner's back.
      expect(h.ofType(AZ.tagsMerge)).toEqual([]);
      expect(h.ofType(AZ.forwarding)).toEqual([]);
    } finally {
      sim.world.touch(nic, (r) => Object.assign(r, { tags: before.nic.tags, properties: { ...(r.properties as object), enableIPForwarding: (before.nic.properties as Record<string, unknown>).enableIPForwarding } }));
      sim.world.touch(table, (r) => Object.assign(r, { tags: before.table.tags }));
    }
  });

  it("an ID unknown at preview (a resource this program creates) is not read in silence: the preview warns on it", async () => {
    const { args } = await discovered({ terraformStateFile: files.terraformFile });
    const h = harness({ captureWarnings: true });
    await h.run(() => {
      const table = new network.RouteTable("spoke-new", { resourceGroupName: sim.topology.resourceGroup, location: sim.topology.location });
      return new AzureHaPair("edge", { ...args, routes: [{ ...args.routes![0]!, routeTableId: table.id }, ...args.routes!.slice(1)] });
    });
    await h.finish();
    expect(h.warnings.some((w) => w.includes("routes[0]: its ID is not known until the resource exists, so manage: verify cannot read it at preview"))).toBe(true);
    // Only that one: the IDs known at preview are read there.
    expect(h.warnings.filter((w) => w.includes("manage: verify cannot read it"))).toHaveLength(1);
  });

  it("manage: apply on the same args writes the tags and IP forwarding (the greenfield default); a bad mode is refused", async () => {
    const { args } = await discovered({ terraformStateFile: files.terraformFile });
    const h = harness({ preview: false });
    await h.run(() => new AzureHaPair("edge", { ...args, manage: { tags: "apply", ipForwarding: "apply" } }));
    await h.finish();
    const { nics, tables, pips } = pairIds(args);
    expect(h.ofType(AZ.tagsMerge).map((r) => r.inputs.resourceId).sort()).toEqual([...nics, ...tables, ...pips].sort());
    // Routing roles only (routes or ipConfigurations follow them): here every pair NIC.
    expect(h.ofType(AZ.forwarding).map((r) => r.inputs.networkInterfaceId).sort()).toEqual([...nics].sort());
    expect(h.invokes.filter((i) => i.token.startsWith("azure-native:network:get"))).toEqual([]);
    expect(() => new AzureHaPair("edge", { ...args, manage: { tags: "check" } })).toThrow(/AzureHaPair "edge": manage\.tags must be "apply" or "verify", got "check"/);
  });
});

describe("AzureHaPair adopt: the state storage no tool owns", () => {
  it("imports the storage account (and a given container) with protect, its tags left to it; import.json names the same resource", async () => {
    const discovery = await discovered({ label: sim.topology.label });
    const { args } = discovery;
    const accountId = args.adopt!.storageAccountId!;
    expect(accountId).toMatch(/\/providers\/Microsoft\.Storage\/storageAccounts\/devstoreaccount1$/);
    const h = harness({ preview: false });
    await h.run(() => new AzureHaPair("edge", { ...args, adopt: { ...args.adopt, blobContainerId: `${accountId}/blobServices/default/containers/ha-pair` } }));
    await h.finish();
    const [account] = h.ofType(AZ.account);
    expect(account).toMatchObject({ name: "edgest", importId: accountId, protect: true, retainOnDelete: true, inputs: { accountName: "devstoreaccount1" } });
    expect(account!.ignoreChanges).toContain("tags");
    expect(h.ofType(AZ.container)[0]).toMatchObject({ importId: `${accountId}/blobServices/default/containers/ha-pair`, protect: true, inputs: { containerName: "ha-pair" } });
    expect(h.resources.filter((r) => r.importId !== undefined).map((r) => r.type).sort()).toEqual([AZ.container, AZ.account].sort());
    // `pulumi import --file import.json` and the program adopt the same resource (type, name, ID, parent).
    expect(discovery.importFile.resources).toContainEqual({ type: AZ.account, name: account!.name, id: accountId, parent: "edge" });
    expect(account!.parent).toMatch(/::edge$/);
  });

  it("refuses an adopt that disagrees with the storage args, naming both", () => {
    const base = { storageAccountId: `/subscriptions/s/resourceGroups/rg/providers/Microsoft.Storage/storageAccounts/acct1` };
    const args = (storage: AzureHaPairArgs["storage"], adopt: AzureHaPairArgs["adopt"]): AzureHaPairArgs => ({
      label: "edge",
      resourceGroupName: "rg",
      location: "westeurope",
      nodes: { a: { vmId: "vm-a", interfaces: { internal: { networkInterfaceId: "nic-a", privateIp: "10.0.2.4" } } }, b: { vmId: "vm-b", interfaces: { internal: { networkInterfaceId: "nic-b", privateIp: "10.0.2.5" } } } },
      routes: [{ routeTableId: "rt", addressPrefixes: ["0.0.0.0/0"], nextHopRole: "internal" }],
      network: { virtualNetworkId: "vnet", endpointSubnetId: "subnet" },
      ...(storage ? { storage } : {}),
      ...(adopt ? { adopt } : {}),
    });
    expect(() => new AzureHaPair("edge", args({ accountName: "other" }, base))).toThrow(/adopt\.storageAccountId names account acct1 but storage\.accountName is other/);
    expect(() => new AzureHaPair("edge", args({ existingAccountName: "acct1", existingContainerName: "c" }, base))).toThrow(/adopt\.storageAccountId imports the account into the stack, storage\.existingAccountName uses it/);
    expect(() => new AzureHaPair("edge", args(undefined, { blobContainerId: `${base.storageAccountId}/blobServices/default/containers/c` }))).toThrow(/adopt\.blobContainerId: adopt its account too/);
    expect(() => new AzureHaPair("edge", args(undefined, { storageAccountId: "acct1" }))).toThrow(/adopt\.storageAccountId: "acct1" is not a storage account's ARM ID/);
  });
});

describe("round trip: discover azure → pair-args.json → AzureHaPair → agent config", () => {
  // Discovery writes `endpoints` only where the pair is not on Azure's public cloud: here the
  // simulated ARM and IMDS it was pointed at, and Azurite's blob endpoint (the account's
  // primaryEndpoints.blob is not https://ACCOUNT.blob.core.windows.net). AzureHaPair takes no
  // endpoint overrides (its nodes reach the public names through the private endpoint), so those
  // are the only difference; against Azure itself discovery writes none and the two are equal.
  it("the component generates the discovered agent-config.json from the discovered args, but for the simulated cloud's endpoints", async () => {
    for (const source of [{ label: sim.topology.label }, { terraformStateFile: files.terraformFile }, { cfeFile: files.cfeFile }]) {
      const { args, config } = await discovered(source);
      const h = harness({ preview: false });
      const pair = await h.run(() => new AzureHaPair("edge", args));
      const generated = JSON.parse(await resolve(pair.agentConfig)) as AzureAgentConfig;
      await h.finish();
      const { endpoints, ...rest } = config;
      expect(endpoints).toEqual({ arm: sim.arm, blob: expect.stringMatching(/^http:\/\/127\.0\.0\.1:\d+\/devstoreaccount1$/), imds: sim.imds.a });
      expect(generated).toEqual(rest);
    }
  });
});

describe("AzureHaPair with the nodes' existing user-assigned identity", () => {
  it("reads it and adds only the role assignments for its principal; no identity is created", async () => {
    const { args } = await discovered({ terraformStateFile: files.terraformFile });
    const identityId = `/subscriptions/${sim.topology.subscriptionId}/resourceGroups/rg-identities/providers/Microsoft.ManagedIdentity/userAssignedIdentities/id-bigip`;
    const principalId = "5b0e4a7c-1d2e-4f30-8a41-9c2b3d4e5f60";
    const clientId = "8c1f5b2d-3e4f-4a51-9b62-0d3c4e5f6a71";
    const withIdentity = harness({
      calls: {
        "azure-native:managedidentity:getUserAssignedIdentity": (i) => {
          if (i.resourceGroupName !== "rg-identities" || i.resourceName !== "id-bigip") throw new Error(`no identity ${i.resourceGroupName}/${i.resourceName}`);
          return { id: identityId, name: "id-bigip", principalId, clientId, tenantId: "t" };
        },
      },
    });
    const pair = await withIdentity.run(() => new AzureHaPair("edge", { ...args, identity: { existingUserAssignedIdentityId: identityId } }));
    const principals = await resolve(pair.identityPrincipalIds);
    const reportedId = await resolve(pair.identityId);
    const install = await resolve(pair.agentInstallScript);
    await withIdentity.finish();
    expect(withIdentity.ofType(AZ.identity)).toEqual([]);
    expect(principals).toEqual([principalId]);
    expect(reportedId).toBe(identityId);
    // The agent's install script signs in as that identity (its client ID).
    expect(install).toContain(clientId);
    const assignments = withIdentity.ofType(AZ.assignment);
    expect(assignments.length).toBeGreaterThan(0);
    expect(new Set(assignments.map((a) => a.inputs.principalId))).toEqual(new Set([principalId]));
    expect(() => new AzureHaPair("edge", { ...args, identity: { existingUserAssignedIdentityId: "id-bigip" } })).toThrow(/identity\.existingUserAssignedIdentityId: "id-bigip" is not a user-assigned identity's ARM ID/);
  });
});
