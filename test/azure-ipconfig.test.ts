/**
 * IP configuration moves with their public IPs: the giving NIC first, then the receiving one,
 * both full bodies from a fresh GET with If-Match — every other property of both NICs kept
 * exactly, the primary ipConfiguration never touched.
 */
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { failover } from "../runtime/core/executor.js";
import { exampleAzureTopology } from "../sim/azure/index.js";
import type { Json } from "../sim/azure/world.js";
import { azureAgentOn, azureHolder, startFastAzureSim, type AzureSim } from "./helpers/azure-sim.js";

let sim: AzureSim;
beforeEach(async () => {
  sim = await startFastAzureSim({ topology: exampleAzureTopology({ ipConfigurations: true }) });
});
afterEach(async () => {
  await sim.stop();
});

const nic = (role: string, node: "a" | "b") => sim.agentConfig().nodes[node].interfaces[role]!.id;
/** A NIC as GET shows it, without what changes on every write (etags, provisioning state) and without the moving ipConfiguration. */
function stable(resource: Json, moving: string): unknown {
  const copy = structuredClone(resource) as Json & { properties: { ipConfigurations: Json[] } };
  delete copy.etag;
  const p = copy.properties as Json & { ipConfigurations: (Json & { properties: Json })[] };
  delete p.provisioningState;
  p.ipConfigurations = p.ipConfigurations.filter((c) => c.name !== moving).map((c) => {
    const { etag: _etag, ...rest } = c;
    const { provisioningState: _state, ...properties } = c.properties;
    return { ...rest, properties };
  });
  return copy;
}

describe("Azure ipConfiguration moves", () => {
  it("moves vip1 and its public IP a→b and back, keeping every other NIC property byte for byte", async () => {
    const before = { a: sim.world.get(nic("external", "a")), b: sim.world.get(nic("external", "b")) };
    expect(await azureHolder(sim)).toBe("a");

    const b = await azureAgentOn(sim, "b");
    const there = await failover(b.config, "b", b.provider, { recorder: b.recorder });
    expect(there.error).toBeUndefined();
    expect(there).toMatchObject({ outcome: "converged", activeNode: "b" });
    expect(await azureHolder(sim)).toBe("b");

    const after = { a: sim.world.get(nic("external", "a")), b: sim.world.get(nic("external", "b")) };
    expect(JSON.stringify(stable(after.a, "vip1"))).toBe(JSON.stringify(stable(before.a, "vip1")));
    expect(JSON.stringify(stable(after.b, "vip1"))).toBe(JSON.stringify(stable(before.b, "vip1")));
    const moved = ((after.b.properties as Json).ipConfigurations as Json[]).find((c) => c.name === "vip1") as { properties: Json } | undefined;
    expect(moved?.properties).toMatchObject({ privateIPAddress: "10.0.1.10", primary: false, publicIPAddress: { id: sim.agentConfig().addresses!.ipConfigurations![0]!.publicIpAddressId } });
    expect(((after.a.properties as Json).ipConfigurations as Json[]).map((c) => c.name)).toEqual(["ipconfig1"]);
    const pip = sim.world.get(sim.agentConfig().addresses!.ipConfigurations![0]!.publicIpAddressId!);
    expect((pip.properties as Json).ipConfiguration).toEqual({ id: `${nic("external", "b")}/ipConfigurations/vip1` });

    // The giving NIC's PUT was accepted, and its operation done, before the receiving NIC's PUT.
    const puts = sim.calls.filter((c) => c.method === "PUT" && c.status === 200 && c.path.includes("networkInterfaces"));
    expect(puts.map((c) => c.path)).toEqual([nic("external", "a"), nic("external", "b")]);

    const a = await azureAgentOn(sim, "a");
    const back = await failover(a.config, "a", a.provider, { recorder: a.recorder });
    expect(back).toMatchObject({ outcome: "converged", activeNode: "a" });
    expect(await azureHolder(sim)).toBe("a");
    const home = sim.world.get(nic("external", "a"));
    expect(JSON.stringify(stable(home, "vip1"))).toBe(JSON.stringify(stable(before.a, "vip1")));
  });

  it("the simulator refuses the receiving NIC while the giving NIC still holds the IP (PrivateIPAddressInUse), and the agent's order avoids it", async () => {
    const b = await azureAgentOn(sim, "b");
    // Put the IP on b without taking it off a first: Azure refuses, naming the IP.
    const body = sim.world.get(nic("external", "b"));
    const configs = (body.properties as Json).ipConfigurations as Json[];
    configs.push({ name: "vip1", properties: { privateIPAddress: "10.0.1.10", privateIPAllocationMethod: "Static", subnet: (configs[0]!.properties as Json).subnet } });
    expect(() => sim.world.put(nic("external", "b"), body, String(body.etag))).toThrow(/PrivateIPAddressInUse|already allocated/);
    const report = await failover(b.config, "b", b.provider, { recorder: b.recorder });
    expect(report.converged).toBe(true);
  });

  it("never removes a NIC's primary ipConfiguration (IpConfigDeleteNotSupported)", () => {
    const body = sim.world.get(nic("external", "a"));
    (body.properties as Json).ipConfigurations = ((body.properties as Json).ipConfigurations as Json[]).filter((c) => c.name !== "ipconfig1");
    expect(() => sim.world.put(nic("external", "a"), body, String(body.etag))).toThrow(/IpConfigDeleteNotSupported|primary/);
  });
});
