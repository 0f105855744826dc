/** The simulated Microsoft.Network's rules, one by one (the agent's tests rely on each being enforced). */
import { describe, expect, it } from "vitest";
import { topologyResources } from "../sim/azure/resources.js";
import { exampleAzureTopology } from "../sim/azure/topology.js";
import { ArmError, AzureWorld, type Json } from "../sim/azure/world.js";
import { RoleAssignments } from "../sim/azure/rbac.js";

function world(now: { t: number }) {
  const w = new AzureWorld({ routeTableMs: 1_000, networkInterfaceMs: 60_000 }, () => now.t);
  const topology = exampleAzureTopology({ ipConfigurations: true });
  for (const r of topologyResources(topology)) w.seed(r);
  const id = (type: string, name: string) => `/subscriptions/${topology.subscriptionId}/resourceGroups/${topology.resourceGroup}/providers/Microsoft.Network/${type}/${name}`;
  return { w, id };
}
const code = (f: () => unknown) => {
  try {
    f();
  } catch (err) {
    return err instanceof ArmError ? `${err.status} ${err.code}` : String(err);
  }
  return "ok";
};

describe("simulated Microsoft.Network", () => {
  it("etags change on every write; If-Match on an old one is 412", () => {
    const now = { t: 0 };
    const { w, id } = world(now);
    const table = w.get(id("routeTables", "rt-spoke-1"));
    w.put(id("routeTables", "rt-spoke-1"), table, String(table.etag));
    expect(w.get(id("routeTables", "rt-spoke-1")).etag).not.toBe(table.etag);
    expect(code(() => w.put(id("routeTables", "rt-spoke-1"), table, String(table.etag)))).toBe("412 PreconditionFailed");
  });

  it("an operation is InProgress until its time, then Succeeded; a later route-table PUT cancels the running one", () => {
    const now = { t: 0 };
    const { w, id } = world(now);
    const rt = id("routeTables", "rt-spoke-1");
    const first = w.put(rt, w.get(rt), undefined).operation;
    now.t = 500;
    const second = w.put(rt, w.get(rt), undefined).operation;
    expect(w.operation(first.id)?.status).toBe("Canceled");
    expect(w.operation(second.id)?.status).toBe("InProgress");
    expect((w.get(rt).properties as Json).provisioningState).toBe("Updating");
    now.t = 1_600;
    expect(w.operation(second.id)?.status).toBe("Succeeded");
    expect((w.get(rt).properties as Json).provisioningState).toBe("Succeeded");
  });

  it("a NIC with an operation running refuses another write: 409 AnotherOperationInProgress with Retry-After", () => {
    const now = { t: 0 };
    const { w, id } = world(now);
    const nic = id("networkInterfaces", "nva-b-ext");
    w.put(nic, w.get(nic), undefined);
    let error: ArmError | undefined;
    try {
      w.put(nic, w.get(nic), undefined);
    } catch (err) {
      error = err as ArmError;
    }
    expect(error?.status).toBe(409);
    expect(error?.code).toBe("AnotherOperationInProgress");
    expect(Number(error?.headers["Retry-After"])).toBe(60);
  });

  it("a PUT replaces the resource: a writable property left out is reset, read-only ones are the server's", () => {
    const now = { t: 0 };
    const { w, id } = world(now);
    const nic = id("networkInterfaces", "nva-b-int");
    const body = w.get(nic);
    const p = body.properties as Json;
    delete p.enableIPForwarding;
    delete p.networkSecurityGroup;
    p.macAddress = "00-00-00-00-00-00";
    w.put(nic, body, String(body.etag));
    const after = w.get(nic).properties as Json;
    expect(after.enableIPForwarding).toBeUndefined();
    expect(after.networkSecurityGroup).toBeUndefined();
    expect(after.macAddress).not.toBe("00-00-00-00-00-00");
  });

  it("one IP on one NIC, also while the NIC giving it up is still updating; one public IP per ipConfiguration", () => {
    const now = { t: 0 };
    const { w, id } = world(now);
    const giving = id("networkInterfaces", "nva-a-ext");
    const taking = id("networkInterfaces", "nva-b-ext");
    const vip = ((w.get(giving).properties as Json).ipConfigurations as Json[]).find((c) => c.name === "vip1")!;
    const add = () => {
      const body = w.get(taking);
      ((body.properties as Json).ipConfigurations as Json[]).push({ name: "vip1", properties: structuredClone(vip.properties) });
      return w.put(taking, body, undefined);
    };
    expect(code(add)).toBe("400 PrivateIPAddressInUse");
    const body = w.get(giving);
    (body.properties as Json).ipConfigurations = ((body.properties as Json).ipConfigurations as Json[]).filter((c) => c.name !== "vip1");
    w.put(giving, body, undefined);
    expect(code(add)).toBe("400 PrivateIPAddressInUse");
    now.t = 60_001;
    expect(code(add)).toBe("ok");
  });

  it("RBAC: the assignment's scope contains the resource; notActions take away; no assignment, no access", () => {
    const roles = new RoleAssignments();
    const rg = "/subscriptions/s/resourceGroups/rg";
    roles.assign({ principalId: "p", scope: rg, role: { name: "r", actions: ["Microsoft.Network/*"], notActions: ["Microsoft.Network/networkInterfaces/write"] } });
    expect(roles.allowed("p", `${rg}/providers/Microsoft.Network/routeTables/t`, "Microsoft.Network/routeTables/write")).toBe(true);
    expect(roles.allowed("p", `${rg}/providers/Microsoft.Network/networkInterfaces/n`, "Microsoft.Network/networkInterfaces/write")).toBe(false);
    expect(roles.allowed("p", "/subscriptions/s/resourceGroups/other/providers/Microsoft.Network/routeTables/t", "Microsoft.Network/routeTables/write")).toBe(false);
    expect(roles.allowed("q", `${rg}/providers/Microsoft.Network/routeTables/t`, "Microsoft.Network/routeTables/read")).toBe(false);
    expect(roles.permissionsAt("p", `${rg}/providers/Microsoft.Network/routeTables/t`)).toEqual([{ actions: ["Microsoft.Network/*"], notActions: ["Microsoft.Network/networkInterfaces/write"], dataActions: [], notDataActions: [] }]);
  });
});
