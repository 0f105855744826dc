// AzureIpForwardingOn's operations against the simulated ARM: forwarding turned on with a full-body
// PUT that keeps every other property, nothing written when it is on already, drift seen on
// refresh, and nothing ever turned off on delete.
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { ArmRequest } from "../components/azure/arm-client.js";
import { ipForwardingOperations } from "../components/azure/ip-forwarding.js";
import { startFastAzureSim, type AzureSim } from "./helpers/azure-sim.js";

let sim: AzureSim;
beforeEach(async () => {
  sim = await startFastAzureSim({ blob: false });
});
afterEach(async () => {
  await sim.stop();
});

/** The provider host's request function, with node a's managed identity token from the simulated IMDS. */
async function simRequest(s: AzureSim): Promise<ArmRequest> {
  const answer = await fetch(`${s.imds.a}/metadata/identity/oauth2/token?api-version=2018-02-01&resource=${encodeURIComponent("https://management.azure.com/")}&client_id=${s.clientIds.a}`, { headers: { Metadata: "true" } });
  const { access_token: token } = (await answer.json()) as { access_token: string };
  return async (method, url, options) => {
    const headers: Record<string, string> = { Authorization: `Bearer ${token}`, ...(options.headers ?? {}) };
    if (options.body !== undefined) headers["Content-Type"] = "application/json";
    const response = await fetch(url, { method, headers, ...(options.body !== undefined ? { body: JSON.stringify(options.body) } : {}) });
    const text = await response.text();
    return { status: response.status, etag: response.headers.get("etag") ?? undefined, body: text ? JSON.parse(text) : undefined };
  };
}

const nicId = () => sim.world.ids("networkInterfaces").find((id) => id.endsWith("nva-b-int"))!;
const withoutVolatile = (nic: any) => {
  const { etag: _etag, ...rest } = structuredClone(nic);
  delete rest.properties.provisioningState;
  delete rest.properties.enableIPForwarding;
  for (const c of rest.properties.ipConfigurations) {
    delete c.etag;
    delete c.properties.provisioningState;
  }
  return rest;
};

describe("AzureIpForwardingOn (existing NICs)", () => {
  it("turns forwarding on with one conditional full-body PUT, every other property kept; refresh sees it on; delete leaves it on", async () => {
    const id = nicId();
    const off = sim.world.get(id) as any;
    off.properties.enableIPForwarding = false;
    sim.world.seed(off);
    const before = sim.world.get(id);
    const ops = ipForwardingOperations(await simRequest(sim));
    const inputs = { networkInterfaceId: id, armEndpoint: sim.arm };
    const created = await ops.create(inputs);
    expect(created.outs).toMatchObject({ enableIPForwarding: true, previousEnableIPForwarding: false });
    const after = sim.world.committed(id) as any;
    expect(after.properties.enableIPForwarding).toBe(true);
    expect(withoutVolatile(after)).toEqual(withoutVolatile(before));
    const puts = sim.calls.filter((c) => c.method === "PUT");
    expect(puts).toHaveLength(1);

    expect((await ops.read(created.id, created.outs)).props.enableIPForwarding).toBe(true);
    await ops.delete(created.outs);
    expect((sim.world.committed(id) as any).properties.enableIPForwarding).toBe(true);
    expect(sim.calls.filter((c) => c.method === "PUT")).toHaveLength(1);
  });

  it("writes nothing when forwarding is on already; a refresh after someone turned it off shows the drift", async () => {
    const id = nicId();
    const ops = ipForwardingOperations(await simRequest(sim));
    const created = await ops.create({ networkInterfaceId: id, armEndpoint: sim.arm });
    expect(created.outs.previousEnableIPForwarding).toBe(true);
    expect(sim.calls.filter((c) => c.method === "PUT")).toHaveLength(0);
    const off = sim.world.get(id) as any;
    off.properties.enableIPForwarding = false;
    sim.world.seed(off);
    expect((await ops.read(created.id, created.outs)).props.enableIPForwarding).toBe(false);
  });

  it("a NIC that does not exist: the error names it and the call", async () => {
    const ops = ipForwardingOperations(await simRequest(sim));
    const missing = nicId().replace("nva-b-int", "nva-z-int");
    await expect(ops.create({ networkInterfaceId: missing, armEndpoint: sim.arm })).rejects.toThrow(new RegExp(`IP forwarding on ${missing}: read the NIC: HTTP 404 ResourceNotFound`));
  });
});
