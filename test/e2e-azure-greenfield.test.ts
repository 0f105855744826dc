/**
 * Issue 12, end to end on the azure-greenfield stack itself: stacks/azure-greenfield runs under
 * the Pulumi mocks (routes only, and with a moving ipConfig and public IP); exactly the resources
 * it declared become the simulated Azure (test/helpers/azure-stack-to-topology.ts: anything it
 * cannot translate fails the suite, and the generated config is checked against the declared
 * resources); the generated custom role and its assignments, at their exact scopes, are the
 * nodes' RBAC in the simulated ARM; and the agent, configured by the generated config, fails over
 * a→b and b→a. Then each action of the role is removed, and each assignment taken away, in turn:
 * `ha-pair preflight` names exactly the missing action and scope, and the failover moves nothing.
 *
 * What the simulator does not evaluate is said where it matters: the Blob data plane is Azurite
 * with its emulator key (the container assignment and the data actions are not proven here), and
 * the permissions API answers without checking Microsoft.Authorization/permissions/read.
 */
import { afterEach, describe, expect, it } from "vitest";
import { AZURE_REQUIRED_ACTIONS } from "../runtime/azure/required-actions.js";
import { EMULATOR_ACCOUNT } from "../runtime/azure/clients.js";
import { validateConfig, type AzureAgentConfig, type NodeId } from "../runtime/config/index.js";
import type { RoleDefinition } from "../sim/azure/index.js";
import { createAzureGreenfield, type AzureGreenfieldConfig } from "../stacks/azure-greenfield/program.js";
import { startFastAzureSim, type AzureSim } from "./helpers/azure-sim.js";
import { MOCK_SUBSCRIPTION } from "./helpers/azure-mocks.js";
import { azureStackToTopology, AZ, NOT_MODELLED, type AzureStackTranslation } from "./helpers/azure-stack-to-topology.js";
import { cleanEnv, runCli, tempFile } from "./helpers/cli.js";
import { PulumiMockHarness, resolve, type RegisteredResource } from "./helpers/pulumi-mocks.js";

type Mode = "routes" | "ipconfig";
interface Built {
  mode: Mode;
  resources: RegisteredResource[];
  config: AzureAgentConfig;
  translation: AzureStackTranslation;
}

async function build(mode: Mode): Promise<Built> {
  const settings: AzureGreenfieldConfig = { label: "gf", ...(mode === "ipconfig" ? { ipConfigMove: true, movingPublicIp: true } : {}) };
  const h = new PulumiMockHarness({ preview: false });
  const stack = await h.run(() => createAzureGreenfield(settings));
  const config = JSON.parse(await resolve(stack.pair.agentConfig)) as AzureAgentConfig;
  await h.finish();
  return { mode, resources: h.resources, config, translation: azureStackToTopology(h.resources, config, { subscriptionId: MOCK_SUBSCRIPTION }) };
}

// Built once per mode at collection (the mocks are process-global: one program run at a time).
const built: Record<Mode, Built> = { routes: await build("routes"), ipconfig: await build("ipconfig") };

let sim: AzureSim | undefined;
afterEach(async () => {
  await sim?.stop();
  sim = undefined;
});

/** The simulated Azure holding exactly the stack's NICs, route tables and public IPs; both nodes' identity under `assignments`. */
async function startStackSim(b: Built, assignments = b.translation.assignments): Promise<AzureSim> {
  const started = await startFastAzureSim({ topology: structuredClone(b.translation.topology) });
  sim = started;
  for (const body of b.translation.bodies) started.world.seed(structuredClone(body));
  for (const node of ["a", "b"] as NodeId[]) started.setAssignments(node, assignments);
  return started;
}

/** The generated config, pointed at the simulator (speaking as `node`), its state in Azurite's emulator account. */
function configFor(b: Built, s: AzureSim, node: NodeId): AzureAgentConfig {
  return {
    ...b.config,
    stateStore: { ...b.config.stateStore, account: EMULATOR_ACCOUNT },
    endpoints: { arm: s.arm, blob: s.blobEndpoint, imds: s.imds[node] },
    timeouts: { pollIntervalMs: 20, verifyIntervalMs: 20, deadlineMs: 20_000 },
  };
}

/** Where each item the config moves is, read from the simulator's committed state (not the agent's view). */
function itemsInWorld(s: AzureSim, config: AzureAgentConfig): { item: string; node: NodeId | null }[] {
  const items: { item: string; node: NodeId | null }[] = [];
  const ip = (node: NodeId, role: string) => config.nodes[node].interfaces[role]!.privateIp;
  for (const route of config.routes ?? []) {
    const table = s.world.committed(route.routeTableId) as { properties: { routes: { properties: { addressPrefix: string; nextHopIpAddress?: string } }[] } };
    for (const prefix of route.addressPrefixes) {
      const hop = table.properties.routes.find((r) => r.properties.addressPrefix === prefix)?.properties.nextHopIpAddress;
      items.push({ item: `route ${prefix}`, node: (["a", "b"] as NodeId[]).find((n) => hop === ip(n, route.nextHop.role)) ?? null });
    }
  }
  for (const c of config.addresses?.ipConfigurations ?? []) {
    const on = (["a", "b"] as NodeId[]).filter((n) => {
      const nic = s.world.committed(config.nodes[n].interfaces[c.role]!.id) as { properties: { ipConfigurations: { name: string; properties: { privateIPAddress?: string; publicIPAddress?: { id: string } } }[] } };
      return nic.properties.ipConfigurations.some((x) => x.name === c.name && x.properties.privateIPAddress === c.privateIp && (!c.publicIpAddressId || x.properties.publicIPAddress?.id === c.publicIpAddressId));
    });
    items.push({ item: `ipConfig ${c.name}`, node: on.length === 1 ? on[0]! : null });
  }
  return items;
}

/**
 * `ha-pair failover` as node `node`, in a process of its own: @azure/identity keeps managed
 * identity tokens in a process-wide cache, so an in-process agent would present one simulator's
 * token to the next simulator started by this file.
 */
async function failoverTo(b: Built, s: AzureSim, node: NodeId): Promise<{ code: number; outcome?: string; converged?: boolean; activeNode?: string; generation?: number; error?: unknown }> {
  const result = await runCli(["failover", "--config", tempFile("config.json", configFor(b, s, node)), "--activate", node, "--json"], cleanEnv());
  return { code: result.code, ...result.json<Record<string, unknown>>() };
}

interface PreflightJson {
  ok: boolean;
  checks: { name: string; status: string; detail: string }[];
}
async function preflight(b: Built, s: AzureSim, node: NodeId): Promise<PreflightJson & { code: number }> {
  const result = await runCli(["preflight", "--config", tempFile("config.json", configFor(b, s, node)), "--json"], cleanEnv());
  return { code: result.code, ...result.json<PreflightJson>() };
}
/** Each denial a failing check names: the missing actions and the scope. */
function denials(check: PreflightJson): { actions: string[]; scope: string }[] {
  const found = check.checks.flatMap((c) => {
    const m = /may not (.+?) on (\S+) \(no role assignment/.exec(c.detail);
    return c.status === "fail" && m ? [JSON.stringify({ actions: m[1]!.split(", "), scope: m[2]! })] : [];
  });
  // preflight checks the plan of each direction: the same denial may be named once per plan.
  return [...new Set(found)].map((d) => JSON.parse(d) as { actions: string[]; scope: string });
}

describe.each(["routes", "ipconfig"] as const)("azure-greenfield (%s) in the simulated Azure", (mode) => {
  const b = built[mode];

  it("translates every declared resource; the rest is named as not modelled; the config validates", () => {
    expect(validateConfig(b.config).ok).toBe(true);
    const { topology } = b.translation;
    expect(topology.nodes.a.nics).toEqual({
      mgmt: { name: "nic-gf-a-mgmt", privateIp: "10.20.0.4", subnet: "mgmt" },
      external: { name: "nic-gf-a-external", privateIp: "10.20.1.4", subnet: "external" },
      internal: { name: "nic-gf-a-internal", privateIp: "10.20.2.4", subnet: "internal" },
    });
    expect(topology.routes).toEqual([{ table: "rt-gf-app", addressPrefixes: ["0.0.0.0/0", "10.30.0.0/16"], role: "internal" }]);
    expect(topology.ipConfigurations).toEqual(mode === "ipconfig" ? [{ name: "vip1", role: "external", privateIp: "10.20.1.10", publicIp: "pip-gf-vip", startsOn: "a" }] : []);
    const notModelled = new Set(b.translation.notModelled.map((r) => r.type));
    for (const type of notModelled) expect(NOT_MODELLED[type]).toBeDefined();
    expect(notModelled.has(AZ.rule) && notModelled.has(AZ.endpoint) && notModelled.has(AZ.account)).toBe(true);
  });

  it("the generated role: no wildcard, assignable at the pair's resource group only, assigned at exact resources inside it", () => {
    const rg = `/subscriptions/${MOCK_SUBSCRIPTION}/resourceGroups/rg-ha-gf`;
    const role = b.resources.find((r) => r.type === AZ.role)!;
    expect(role.inputs.assignableScopes).toEqual([rg]);
    const { actions, dataActions } = role.inputs.permissions[0];
    for (const a of [...actions, ...dataActions]) expect(a).not.toContain("*");
    for (const a of actions) expect(AZURE_REQUIRED_ACTIONS).toContain(a);
    const scopes = b.translation.assignments.map((a) => a.scope);
    for (const scope of scopes) expect(scope.startsWith(`${rg}/providers/`)).toBe(true);
    expect(scopes).toContain(b.config.routes![0]!.routeTableId);
    if (mode === "ipconfig") {
      expect(scopes).toEqual(expect.arrayContaining([b.config.nodes.a.interfaces.external!.id, b.config.nodes.b.interfaces.external!.id, b.config.addresses!.ipConfigurations![0]!.publicIpAddressId!]));
      expect(scopes.some((s) => s.endsWith("/subnets/external"))).toBe(true);
    }
  });

  it("under the generated RBAC, a new pair fails over a→b and b→a; preflight passes; the world shows every item on the active node", async () => {
    const s = await startStackSim(b);
    expect(itemsInWorld(s, b.config).every((i) => i.node === "a")).toBe(true);
    const check = await preflight(b, s, "b");
    expect(check.checks.filter((c) => c.status === "fail")).toEqual([]);
    expect(check.code).toBe(0);

    const there = await failoverTo(b, s, "b");
    expect(there.error).toBeUndefined();
    expect(there).toMatchObject({ code: 0, outcome: "converged", converged: true, activeNode: "b", generation: 1 });
    expect(itemsInWorld(s, b.config).map((i) => i.node)).toEqual(itemsInWorld(s, b.config).map(() => "b"));

    const back = await failoverTo(b, s, "a");
    expect(back).toMatchObject({ outcome: "converged", converged: true, activeNode: "a", generation: 2 });
    expect(itemsInWorld(s, b.config).every((i) => i.node === "a")).toBe(true);
  });
});

/** What the removal of an action does, as the simulator can show it. */
function removalKind(action: string): "denied" | "not-evaluated" {
  // The simulated permissions API answers without checking its own action (a gap, said in the header).
  return action === "Microsoft.Authorization/permissions/read" ? "not-evaluated" : "denied";
}

describe("azure-greenfield (routes): each action removed, each assignment taken away", () => {
  const b = built.routes;
  const role = b.translation.role;
  const tableId = b.config.routes![0]!.routeTableId;

  it.each(role.actions)("without %s", async (action) => {
    const narrowed: RoleDefinition = { ...role, actions: role.actions.filter((a) => a !== action) };
    const s = await startStackSim(b, b.translation.assignments.map((a) => ({ ...a, role: narrowed })));
    const check = await preflight(b, s, "b");
    if (removalKind(action) === "not-evaluated") {
      expect(check.code).toBe(0);
      return;
    }
    expect(check.code).not.toBe(0);
    expect(denials(check)).toEqual([{ actions: [action], scope: tableId }]);
    const before = itemsInWorld(s, b.config);
    const report = await failoverTo(b, s, "b");
    expect(report.code).toBe(1);
    expect(report.converged).toBe(false);
    expect(JSON.stringify(report.error)).toContain(action);
    expect(itemsInWorld(s, b.config)).toEqual(before);
  });

  it.each(b.translation.assignments.map((a) => a.scope))("without the assignment at %s", async (scope) => {
    const s = await startStackSim(b, b.translation.assignments.filter((a) => a.scope !== scope));
    const check = await preflight(b, s, "b");
    if (!scope.includes("/routeTables/")) {
      // The container's assignment: the Blob data plane is Azurite with its emulator key (not proven here).
      expect(scope).toMatch(/\/blobServices\/default\/containers\//);
      expect(check.code).toBe(0);
      return;
    }
    expect(check.code).not.toBe(0);
    expect(denials(check)).toEqual([{ actions: ["Microsoft.Network/routeTables/read", "Microsoft.Network/routeTables/write"], scope }]);
    const before = itemsInWorld(s, b.config);
    const report = await failoverTo(b, s, "b");
    expect(report.code).toBe(1);
    expect(report.converged).toBe(false);
    expect(itemsInWorld(s, b.config)).toEqual(before);
  });

  it("the role assigned one level off (on the app subnet instead of its route table) is as good as none", async () => {
    const subnet = b.resources.find((r) => r.type === AZ.subnet && r.inputs.subnetName === "app")!.id!;
    const s = await startStackSim(b, b.translation.assignments.map((a) => (a.scope === tableId ? { ...a, scope: subnet } : a)));
    const check = await preflight(b, s, "b");
    expect(denials(check)).toEqual([{ actions: ["Microsoft.Network/routeTables/read", "Microsoft.Network/routeTables/write"], scope: tableId }]);
  });
});

/**
 * What the simulated ARM asks of the moving ipConfig's plan, and so what a removal must show:
 * the NIC actions on both NICs, the public IP join on the public IP, the route table actions on
 * the table. The subnet join is asked only for a subnet new to the NIC (both external NICs are
 * in the VIP's subnet already), the agent never reads the public IP, and the permissions API does
 * not check its own action: those three removals still converge here (not proven either way).
 */
const NOT_ASKED_BY_THE_SIMULATOR = ["Microsoft.Authorization/permissions/read", "Microsoft.Network/publicIPAddresses/read", "Microsoft.Network/virtualNetworks/subnets/join/action"];

describe("azure-greenfield (ipconfig): each action removed, each assignment taken away", () => {
  const b = built.ipconfig;
  const role = b.translation.role;
  const tableId = b.config.routes![0]!.routeTableId;
  const pipId = b.config.addresses!.ipConfigurations![0]!.publicIpAddressId!;
  const nics = (["a", "b"] as NodeId[]).map((n) => b.config.nodes[n].interfaces.external!.id);
  const scopesOf = (action: string) => (action.includes("/networkInterfaces/") ? nics : action.includes("/publicIPAddresses/") ? [pipId] : [tableId]);
  const sorted = (d: { actions: string[]; scope: string }[]) => [...d].sort((x, y) => x.scope.localeCompare(y.scope));

  it.each(role.actions)("without %s", async (action) => {
    const narrowed: RoleDefinition = { ...role, actions: role.actions.filter((a) => a !== action) };
    const s = await startStackSim(b, b.translation.assignments.map((a) => ({ ...a, role: narrowed })));
    const check = await preflight(b, s, "b");
    const before = itemsInWorld(s, b.config);
    if (NOT_ASKED_BY_THE_SIMULATOR.includes(action)) {
      expect(check.code).toBe(0);
      expect((await failoverTo(b, s, "b")).converged).toBe(true);
      return;
    }
    expect(check.code).toBe(1);
    expect(sorted(denials(check))).toEqual(sorted(scopesOf(action).map((scope) => ({ actions: [action], scope }))));
    const report = await failoverTo(b, s, "b");
    expect(report.code).toBe(1);
    expect(JSON.stringify(report.error)).toContain(action);
    expect(itemsInWorld(s, b.config)).toEqual(before);
  });

  it.each(b.translation.assignments.map((a) => a.scope))("without the assignment at %s", async (scope) => {
    const s = await startStackSim(b, b.translation.assignments.filter((a) => a.scope !== scope));
    const check = await preflight(b, s, "b");
    const before = itemsInWorld(s, b.config);
    const asked = (scope.includes("/networkInterfaces/") ? ["Microsoft.Network/networkInterfaces/read", "Microsoft.Network/networkInterfaces/write"] : scope.includes("/publicIPAddresses/") ? ["Microsoft.Network/publicIPAddresses/join/action"] : scope.includes("/routeTables/") ? ["Microsoft.Network/routeTables/read", "Microsoft.Network/routeTables/write"] : []);
    if (asked.length === 0) {
      // The subnet's (join asked only for a new subnet) and the container's (Azurite): not proven here.
      expect(scope).toMatch(/\/subnets\/external$|\/containers\/ha-pair$/);
      expect(check.code).toBe(0);
      return;
    }
    expect(check.code).toBe(1);
    expect(denials(check)).toEqual([{ actions: asked, scope }]);
    const report = await failoverTo(b, s, "b");
    expect(report.code).toBe(1);
    expect(itemsInWorld(s, b.config)).toEqual(before);
  });
});
