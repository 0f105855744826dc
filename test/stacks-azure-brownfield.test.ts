// stacks/azure-brownfield under Pulumi mocks, fed by `discover azure` of a BIG-IP pair as F5's
// Terraform / templates leave it in the simulated Azure; the mock cloud answers the preview's
// reads from the sim's state.
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { AzureAgentConfig } from "../runtime/config/types.js";
import { createAzureBrownfield, readAzurePairArgs } from "../stacks/azure-brownfield/program.js";
import { startFastAzureSim, type AzureSim } from "./helpers/azure-sim.js";
import { discoverInSim, simArmId, simBackedHarness } from "./helpers/azure-sim-mocks.js";
import { AZ } from "./helpers/azure-stack-to-topology.js";
import { F5_AZURE_TOPOLOGY, seedManagementNics, writeF5AzureFiles } from "./helpers/f5-azure-pair.js";
import { resolve } from "./helpers/pulumi-mocks.js";

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

/** pair-args.json on disk, as `discover --out DIR` leaves it, read back the way index.ts reads it. */
async function pairArgsFile(options: Parameters<typeof discoverInSim>[1]) {
  const found = await discoverInSim(sim, options);
  const file = join(files.terraformFile, "..", `pair-args-${Object.keys(options).join("-")}.json`);
  writeFileSync(file, JSON.stringify(found.args, null, 2));
  return { ...found, pairArgs: readAzurePairArgs(file) };
}

const MGMT_SUBNET = () => `${simArmId(sim, "virtualNetworks", sim.topology.resourceGroup, "vnet-hub")}/subnets/mgmt`;

describe("stacks/azure-brownfield adopting a Terraform-built BIG-IP pair (manage: verify)", () => {
  it("creates nothing Terraform owns, uses its storage account as is, and generates the discovered config", async () => {
    const { pairArgs, config } = await pairArgsFile({ terraformStateFile: files.terraformFile });
    const h = simBackedHarness(sim, { preview: false });
    const { pair } = await h.run(() => createAzureBrownfield({ name: "edge", pairArgs, network: { endpointSubnetId: MGMT_SUBNET(), managementSubnetPrefix: undefined } }));
    const generated = JSON.parse(await resolve(pair.agentConfig)) as AzureAgentConfig;
    await h.finish();
    const { endpoints: _simulatedCloud, ...discovered } = config;
    expect(generated).toEqual(discovered);
    expect(h.ofType(AZ.tagsMerge)).toEqual([]);
    expect(h.ofType(AZ.forwarding)).toEqual([]);
    expect(h.ofType(AZ.account)).toEqual([]);
    expect(h.ofType(AZ.container)).toEqual([]);
    // The stack config's management subnet wins over discovery's guess; what it leaves unset keeps pair-args.json's value.
    expect(h.ofType(AZ.endpoint)[0]!.inputs.subnet).toMatchObject({ id: MGMT_SUBNET() });
    expect(h.ofType(AZ.zoneLink)[0]!.inputs.virtualNetwork).toMatchObject({ id: pairArgs.network.virtualNetworkId });
  });

  it("a drifted tag fails the preview naming the NIC and the fix", async () => {
    const { pairArgs } = await pairArgsFile({ terraformStateFile: files.terraformFile });
    const nic = simArmId(sim, "networkInterfaces", sim.topology.resourceGroup, sim.topology.nodes.a.nics.external!.name);
    sim.world.touch(nic, (r) => ((r.tags as Record<string, string>).f5_cloud_failover_label = "other-pair"));
    try {
      const h = simBackedHarness(sim, { captureProgramErrors: true });
      const { pair } = await h.run(() => createAzureBrownfield({ name: "edge", pairArgs }));
      const error = await resolve(pair.roleAssignmentScopes).then(
        () => undefined,
        (e: Error) => e,
      );
      await h.finish();
      expect(error?.message).toContain(`nodes.a.interfaces.external (${nic}): tag f5_cloud_failover_label is "other-pair", expected "azure-edge"`);
      expect(h.ofType(AZ.tagsMerge)).toEqual([]);
    } finally {
      sim.world.touch(nic, (r) => ((r.tags as Record<string, string>).f5_cloud_failover_label = "azure-edge"));
    }
  });

  it("adopts the storage account no tool owns (import, protect) under the name import.json gives it", async () => {
    const { pairArgs, importFile } = await pairArgsFile({ label: sim.topology.label });
    const h = simBackedHarness(sim, { preview: false });
    await h.run(() => createAzureBrownfield({ name: "edge", pairArgs }));
    await h.finish();
    const adopted = importFile.resources.find((r) => r.type === AZ.account)!;
    expect(h.get(AZ.account, adopted.name)).toMatchObject({ importId: adopted.id, protect: true });
  });

  it("refuses a file that is not a pair-args.json, saying what writes one", () => {
    const file = join(files.terraformFile, "..", "not-pair-args.json");
    writeFileSync(file, JSON.stringify({ label: "x" }));
    expect(() => readAzurePairArgs(file)).toThrow(/not an Azure pair-args\.json \(no nodes, network, resourceGroupName\); it is written by `ha-pair discover azure --out DIR`/);
  });
});
