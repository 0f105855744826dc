// stacks/azure-greenfield under Pulumi mocks: at preview (every ID unknown) nothing fails and the
// role is already exact; after up, the VMs carry the pair's identity and its customData, the image
// switch picks Debian + keepalived or BIG-IP, and the route table and NICs leave to the agent what it moves.
import { describe, expect, it } from "vitest";
import { createAzureGreenfield, type AzureGreenfieldConfig } from "../stacks/azure-greenfield/program.js";
import { MOCK_SUBSCRIPTION } from "./helpers/azure-mocks.js";
import { AZ } from "./helpers/azure-stack-to-topology.js";
import { PulumiMockHarness, resolve } from "./helpers/pulumi-mocks.js";

async function run(config: Partial<AzureGreenfieldConfig>, preview = false) {
  const h = new PulumiMockHarness({ preview, captureProgramErrors: true });
  const stack = await h.run(() => createAzureGreenfield({ label: "gf", ...config }));
  const agentConfig = await resolve(stack.pair.agentConfig);
  const errors = await h.finish();
  return { h, stack, agentConfig, errors };
}

describe("azure-greenfield under mocks", () => {
  it("at preview: no error, the config waits for the IDs, the role's actions and assignable scope are known already", async () => {
    const { h, agentConfig, errors } = await run({ ipConfigMove: true, movingPublicIp: true }, true);
    expect(errors).toEqual([]);
    expect(agentConfig).toBeUndefined();
    const role = h.ofType(AZ.role)[0]!;
    expect(role.id).toBeUndefined();
    expect(role.inputs.assignableScopes).toEqual([`/subscriptions/${MOCK_SUBSCRIPTION}/resourceGroups/rg-ha-gf`]);
    expect(role.inputs.permissions[0].actions).toContain("Microsoft.Network/networkInterfaces/write");
  });

  it("Debian by default: both VMs carry the pair's identity and a customData that installs keepalived and the agent", async () => {
    const { h, stack } = await run({});
    const identityId = await resolve(stack.pair.identityId);
    for (const node of ["a", "b"] as const) {
      const vm = h.get(AZ.vm, `ha-gf-vm-${node}`);
      expect(vm.inputs.identity).toEqual({ type: "UserAssigned", userAssignedIdentities: [identityId] });
      expect(vm.inputs.storageProfile.imageReference).toMatchObject({ publisher: "Debian", offer: "debian-12" });
      expect(vm.inputs.plan).toBeUndefined();
      const script = Buffer.from(vm.inputs.osProfile.customData, "base64").toString("utf8");
      expect(script).toContain("apt-get install -yq keepalived nodejs curl");
      expect(script).toContain(`priority ${node === "a" ? 150 : 100}`);
      expect(script).toContain("ha_pair_fetch_retry 'ha-pair/gf/agent/config.json'");
      expect(vm.inputs.networkProfile.networkInterfaces.map((n: { primary: boolean }) => n.primary)).toEqual([true, false, false]);
      expect(vm.inputs.osProfile.linuxConfiguration.disablePasswordAuthentication).toBe(true);
    }
  });

  it("image bigip: the F5 marketplace image with its plan, and the component's own customData", async () => {
    const { h, stack } = await run({ image: "bigip" });
    const vm = h.get(AZ.vm, "ha-gf-vm-a");
    expect(vm.inputs.storageProfile.imageReference).toMatchObject({ publisher: "f5-networks", offer: "f5-big-ip-best" });
    expect(vm.inputs.plan).toMatchObject({ publisher: "f5-networks", product: "f5-big-ip-best" });
    expect(vm.inputs.osProfile.customData).toBe(await resolve(stack.pair.customData));
  });

  it("what the agent moves is left to it: the route table ignores its routes; with ipConfigMove the external NICs ignore their ipConfigurations; no public IP unless asked", async () => {
    const plain = await run({});
    expect(plain.h.get(AZ.routeTable, "ha-gf-rt-app").ignoreChanges).toEqual(["routes"]);
    expect(plain.h.ofType(AZ.publicIp)).toHaveLength(0);
    expect(plain.h.get(AZ.nic, "ha-gf-a-external").ignoreChanges).toEqual([]);
    const moving = await run({ ipConfigMove: true, movingPublicIp: true });
    expect(moving.h.get(AZ.nic, "ha-gf-a-external").ignoreChanges).toEqual(["ipConfigurations"]);
    expect(moving.h.get(AZ.nic, "ha-gf-b-external").ignoreChanges).toEqual(["ipConfigurations"]);
    expect(moving.h.get(AZ.nic, "ha-gf-a-internal").ignoreChanges).toEqual([]);
    expect(moving.h.ofType(AZ.publicIp)).toHaveLength(1);
    const vip = moving.h.get(AZ.nic, "ha-gf-a-external").inputs.ipConfigurations[1];
    expect(vip).toMatchObject({ name: "vip1", privateIPAddress: "10.20.1.10", publicIPAddress: { id: moving.h.ofType(AZ.publicIp)[0]!.id } });
  });

  it("a moving public IP needs the moving ipConfig", () => {
    expect(() => createAzureGreenfield({ label: "gf", movingPublicIp: true })).toThrow(/movingPublicIp needs ipConfigMove/);
  });
});
