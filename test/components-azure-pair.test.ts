// AzureHaPair under Pulumi mocks: what it creates and how, the role it generates, the tags and IP
// forwarding it owns (and does not), and how it refuses bad input — at preview where it says so.
import * as network from "@pulumi/azure-native/network/index.js";
import { describe, expect, it } from "vitest";
import { AzureHaPair, pairTags, type AzureHaPairArgs } from "../components/index.js";
import { AZURE_BLOB_DATA_ACTIONS, AZURE_REQUIRED_ACTIONS } from "../runtime/azure/required-actions.js";
import { validateConfig } from "../runtime/config/index.js";
import { MOCK_SUBSCRIPTION } from "./helpers/azure-mocks.js";
import { AZ } from "./helpers/azure-stack-to-topology.js";
import { PulumiMockHarness, resolve, type MockCloudOptions } from "./helpers/pulumi-mocks.js";

const RG = `/subscriptions/${MOCK_SUBSCRIPTION}/resourceGroups/rg-edge`;
const net = (type: string, name: string) => `${RG}/providers/Microsoft.Network/${type}/${name}`;
const NIC = (node: "a" | "b", role: string) => net("networkInterfaces", `nva-${node}-${role}`);
const VM = (node: "a" | "b") => `${RG}/providers/Microsoft.Compute/virtualMachines/nva-${node}`;
const RT = net("routeTables", "rt-spoke");
const PIP = net("publicIPAddresses", "pip-vip");
const SUBNET = (name: string) => `${net("virtualNetworks", "vnet-hub")}/subnets/${name}`;
const IPS: Record<string, Record<"a" | "b", string>> = { mgmt: { a: "10.0.0.4", b: "10.0.0.5" }, external: { a: "10.0.1.4", b: "10.0.1.5" }, internal: { a: "10.0.2.4", b: "10.0.2.5" } };

const T = {
  role: AZ.role,
  assignment: AZ.assignment,
  identity: AZ.identity,
  account: AZ.account,
  blobService: AZ.blobService,
  container: AZ.container,
  endpoint: AZ.endpoint,
  zone: AZ.zone,
  zoneLink: AZ.zoneLink,
  zoneGroup: AZ.zoneGroup,
  rule: AZ.rule,
  nic: AZ.nic,
  tags: AZ.tagsMerge,
  forwarding: AZ.forwarding,
  upload: AZ.upload,
} as const;

/** A brownfield pair: everything exists and is given by ID. */
function existingArgs(overrides: Partial<AzureHaPairArgs> = {}): AzureHaPairArgs {
  const node = (n: "a" | "b") => ({
    vmId: VM(n),
    interfaces: Object.fromEntries(["mgmt", "external", "internal"].map((role) => [role, { networkInterfaceId: NIC(n, role), privateIp: IPS[role]![n], subnetId: SUBNET(role) }])),
  });
  return {
    label: "edge",
    resourceGroupName: "rg-edge",
    location: "westeurope",
    nodes: { a: node("a"), b: node("b") },
    routes: [{ routeTableId: RT, addressPrefixes: ["0.0.0.0/0", "10.100.0.0/16"], nextHopRole: "internal" }],
    network: { virtualNetworkId: net("virtualNetworks", "vnet-hub"), endpointSubnetId: SUBNET("mgmt"), managementNetworkSecurityGroupName: "nsg-mgmt", managementSubnetPrefix: "10.0.0.0/24" },
    ...overrides,
  };
}

const withVip = (publicIp = true): Partial<AzureHaPairArgs> => ({ ipConfigurations: [{ name: "vip1", role: "external", privateIp: "10.0.1.10", ...(publicIp ? { publicIpAddressId: PIP } : {}) }] });

async function build(args: AzureHaPairArgs, options: MockCloudOptions = {}) {
  const h = new PulumiMockHarness(options);
  const pair = await h.run(() => new AzureHaPair("edge", args));
  const config = JSON.parse(await resolve(pair.agentConfig));
  await h.finish();
  return { h, pair, config };
}

describe("AzureHaPair around an existing pair (everything by ID)", () => {
  it("generates an agent config that validates and names exactly the given IDs", async () => {
    const { h, config } = await build(existingArgs(withVip()));
    expect(validateConfig(config).ok).toBe(true);
    const account = h.ofType(T.account)[0]!.state.name as string;
    const node = (n: "a" | "b") => ({ instanceId: VM(n), interfaces: Object.fromEntries(["mgmt", "external", "internal"].map((r) => [r, { id: NIC(n, r), privateIp: IPS[r]![n] }])) });
    expect(config).toEqual({
      version: 1,
      cloud: "azure",
      label: "edge",
      subscriptionId: MOCK_SUBSCRIPTION,
      nodes: { a: node("a"), b: node("b") },
      addresses: { ipConfigurations: [{ name: "vip1", role: "external", privateIp: "10.0.1.10", publicIpAddressId: PIP }] },
      routes: [{ routeTableId: RT, addressPrefixes: ["0.0.0.0/0", "10.100.0.0/16"], nextHop: { role: "internal" } }],
      stateStore: { type: "azureBlob", account, container: "ha-pair", blob: "ha-pair/edge/state.json" },
    });
  });

  it("routes only: a custom role with exactly the route-table actions and the permission check, assignable at the resource group, assigned on the route table and the container", async () => {
    const { h, pair } = await build(existingArgs());
    const role = h.ofType(T.role);
    expect(role).toHaveLength(1);
    const inputs = role[0]!.inputs;
    expect(inputs.permissions).toEqual([
      { actions: ["Microsoft.Authorization/permissions/read", "Microsoft.Network/routeTables/read", "Microsoft.Network/routeTables/write"], notActions: [], dataActions: [...AZURE_BLOB_DATA_ACTIONS], notDataActions: [] },
    ]);
    expect(inputs.assignableScopes).toEqual([RG]);
    expect(inputs.scope).toBe(RG);
    expect(inputs.roleType).toBe("CustomRole");
    const account = h.ofType(T.account)[0]!.state.name as string;
    const container = `${RG}/providers/Microsoft.Storage/storageAccounts/${account}/blobServices/default/containers/ha-pair`;
    const identity = h.ofType(T.identity)[0]!;
    const assignments = h.ofType(T.assignment).filter((a) => a.inputs.principalId === identity.state.principalId);
    expect(assignments.map((a) => a.inputs.scope).sort()).toEqual([RT, container].sort());
    for (const a of assignments) {
      expect(a.inputs.roleDefinitionId).toBe(role[0]!.id);
      expect(a.inputs.principalType).toBe("ServicePrincipal");
    }
    expect(await resolve(pair.identityPrincipalIds)).toEqual([identity.state.principalId]);
    expect(await resolve(pair.roleDefinitionId)).toBe(role[0]!.id);
  });

  it("with a moving ipConfig and public IP: NIC read/write, subnet join and public IP join/read too, assigned on both nodes' NICs of the role, its subnet and the public IP; never a wildcard, never above the group", async () => {
    const { h } = await build(existingArgs(withVip()));
    const actions = h.ofType(T.role)[0]!.inputs.permissions[0].actions as string[];
    expect(actions).toEqual([...AZURE_REQUIRED_ACTIONS].sort());
    expect(actions.some((a) => a.includes("*"))).toBe(false);
    const identity = h.ofType(T.identity)[0]!;
    const scopes = h.ofType(T.assignment).filter((a) => a.inputs.principalId === identity.state.principalId).map((a) => a.inputs.scope as string);
    expect(scopes).toEqual(expect.arrayContaining([RT, NIC("a", "external"), NIC("b", "external"), SUBNET("external"), PIP]));
    expect(scopes).toHaveLength(6);
    for (const scope of scopes) expect(scope.startsWith(`${RG}/providers/`)).toBe(true);
    // Not the management or internal NICs: nothing moves there.
    expect(scopes).not.toContain(NIC("a", "internal"));
    expect(scopes).not.toContain(NIC("a", "mgmt"));
  });

  it("without a public IP: no public IP actions", async () => {
    const { h } = await build(existingArgs(withVip(false)));
    const actions = h.ofType(T.role)[0]!.inputs.permissions[0].actions as string[];
    expect(actions.filter((a) => a.includes("publicIPAddresses"))).toEqual([]);
    expect(actions).toContain("Microsoft.Network/networkInterfaces/write");
  });

  it("system-assigned identities: each VM's principal gets every assignment, no identity is created", async () => {
    const { h, pair } = await build(existingArgs({ identity: { systemAssignedPrincipalIds: { a: "aaaaaaaa-0000-4000-8000-000000000001", b: "bbbbbbbb-0000-4000-8000-000000000002" } } }));
    expect(h.ofType(T.identity)).toHaveLength(0);
    const byPrincipal = (p: string) => h.ofType(T.assignment).filter((a) => a.inputs.principalId === p).map((a) => a.inputs.scope).sort();
    expect(byPrincipal("aaaaaaaa-0000-4000-8000-000000000001")).toEqual(byPrincipal("bbbbbbbb-0000-4000-8000-000000000002"));
    expect(byPrincipal("aaaaaaaa-0000-4000-8000-000000000001")).toHaveLength(2);
    expect(await resolve(pair.identityId)).toBeUndefined();
  });

  it("merges the pair's tags into existing NICs and route tables, and turns IP forwarding on only on routing NICs, owning no NIC", async () => {
    const { h } = await build(existingArgs(withVip()));
    expect(h.ofType(T.nic)).toHaveLength(0);
    const tagged = Object.fromEntries(h.ofType(T.tags).map((t) => [t.inputs.resourceId, t.inputs.tags]));
    expect(tagged[NIC("a", "external")]).toEqual({ f5_cloud_failover_label: "edge", f5_cloud_failover_nic_map: "external" });
    expect(tagged[NIC("b", "mgmt")]).toEqual({ f5_cloud_failover_label: "edge", f5_cloud_failover_nic_map: "mgmt" });
    expect(tagged[RT]).toEqual({ f5_cloud_failover_label: "edge" });
    expect(tagged[PIP]).toEqual({ f5_cloud_failover_label: "edge" });
    const forwarding = h.ofType(T.forwarding).map((f) => f.inputs.networkInterfaceId).sort();
    expect(forwarding).toEqual([NIC("a", "external"), NIC("a", "internal"), NIC("b", "external"), NIC("b", "internal")].sort());
  });

  it("state storage: HTTPS only, TLS 1.2, no public blob access, no shared key, versioning and soft delete, a private container; kept on delete", async () => {
    const { h } = await build(existingArgs());
    const account = h.ofType(T.account)[0]!;
    expect(account.inputs).toMatchObject({ kind: "StorageV2", enableHttpsTrafficOnly: true, minimumTlsVersion: "TLS1_2", allowBlobPublicAccess: false, allowSharedKeyAccess: false, publicNetworkAccess: "Disabled" });
    expect(account.inputs.networkRuleSet).toMatchObject({ defaultAction: "Deny" });
    expect(account.retainOnDelete).toBe(true);
    expect(account.inputs.tags).toMatchObject({ f5_cloud_failover_label: "edge" });
    expect(h.ofType(T.blobService)[0]!.inputs).toMatchObject({ isVersioningEnabled: true, deleteRetentionPolicy: { enabled: true } });
    expect(h.ofType(T.container)[0]!.inputs).toMatchObject({ publicAccess: "None", containerName: "ha-pair" });
  });

  it("an existing account and container: nothing created, the config and the role's scope name them", async () => {
    const { h, config } = await build(existingArgs({ storage: { existingAccountName: "sharedstate01", existingContainerName: "pairs" } }));
    expect(h.ofType(T.account)).toHaveLength(0);
    expect(h.ofType(T.container)).toHaveLength(0);
    expect(config.stateStore).toEqual({ type: "azureBlob", account: "sharedstate01", container: "pairs", blob: "ha-pair/edge/state.json" });
    expect(h.ofType(T.assignment).map((a) => a.inputs.scope)).toContain(`${RG}/providers/Microsoft.Storage/storageAccounts/sharedstate01/blobServices/default/containers/pairs`);
  });

  it("private reach: a blob private endpoint in the nodes' subnet, the privatelink zone linked to the VNet, and the NSG rule out to AzureResourceManager:443", async () => {
    const { h, pair } = await build(existingArgs());
    const endpoint = h.ofType(T.endpoint)[0]!;
    expect(endpoint.inputs.subnet).toMatchObject({ id: SUBNET("mgmt") });
    expect(endpoint.inputs.privateLinkServiceConnections[0]).toMatchObject({ groupIds: ["blob"], privateLinkServiceId: h.ofType(T.account)[0]!.id });
    expect(h.ofType(T.zone)[0]!.inputs).toMatchObject({ privateZoneName: "privatelink.blob.core.windows.net", location: "global" });
    expect(h.ofType(T.zoneLink)[0]!.inputs).toMatchObject({ virtualNetwork: { id: net("virtualNetworks", "vnet-hub") }, registrationEnabled: false });
    expect(h.ofType(T.zoneGroup)[0]!.inputs.privateDnsZoneConfigs[0].privateDnsZoneId).toBe(h.ofType(T.zone)[0]!.id);
    expect(h.ofType(T.rule)[0]!.inputs).toMatchObject({ networkSecurityGroupName: "nsg-mgmt", direction: "Outbound", access: "Allow", protocol: "Tcp", destinationAddressPrefix: "AzureResourceManager", destinationPortRange: "443", sourceAddressPrefix: "10.0.0.0/24" });
    expect(await resolve(pair.privateEndpointId)).toBe(endpoint.id);
  });

  it("delivery: the agent's four files uploaded to the container; customData fetches them with the managed identity over HTTPS, the token never on a command line", async () => {
    const { h, pair, config } = await build(existingArgs());
    const uploads = h.ofType(T.upload);
    expect(uploads.map((u) => u.inputs.blob).sort()).toEqual(["ha-pair/edge/agent/config.json", "ha-pair/edge/agent/ha-pair-agent.cjs", "ha-pair/edge/agent/ha-pair-agent.service", "ha-pair/edge/agent/keepalived-notify-master"]);
    expect(JSON.parse(uploads.find((u) => u.inputs.blob.endsWith("config.json"))!.inputs.content)).toEqual(config);
    const script = Buffer.from(await resolve(pair.customData), "base64").toString("utf8");
    const account = h.ofType(T.account)[0]!.state.name;
    const clientId = h.ofType(T.identity)[0]!.state.clientId;
    expect(script).toContain(`https://${account}.blob.core.windows.net/ha-pair`);
    expect(script).toContain(`client_id=${clientId}`);
    expect(script).toContain("-K -");
    expect(script).not.toMatch(/-H "Authorization/);
    expect(JSON.parse(await resolve(pair.cfeDeclaration))).toMatchObject({ class: "Cloud_Failover", environment: "azure", failoverRoutes: { enabled: true, routeGroupDefinitions: [{ scopingName: "rt-spoke", defaultNextHopAddresses: { items: ["10.0.2.4", "10.0.2.5"] } }] } });
  });
});

describe("AzureHaPair refuses bad input", () => {
  it("lists every arg problem at once", () => {
    const bad = existingArgs({ routes: [{ addressPrefixes: [], nextHopRole: "transit" }] });
    bad.nodes.a.interfaces.external = {};
    bad.nodes.b.interfaces.internal = { networkInterfaceId: NIC("b", "internal") };
    expect(() => new AzureHaPair("edge", bad)).toThrow(/routes\[0\]: give exactly one of routeTable[\s\S]*routes\[0\]: list the address prefixes[\s\S]*nodes\.a has no NIC of role transit/);
    expect(() => new AzureHaPair("edge", bad)).toThrow(/nodes\.a\.interfaces\.external: give exactly one[\s\S]*nodes\.b\.interfaces\.internal: an existing NIC needs privateIp/);
  });

  it("a role assignment scope outside the pair's resource group", async () => {
    const h = new PulumiMockHarness({ captureProgramErrors: true });
    const pair = await h.run(() => new AzureHaPair("edge", existingArgs({ routes: [{ routeTableId: `/subscriptions/${MOCK_SUBSCRIPTION}/resourceGroups/rg-other/providers/Microsoft.Network/routeTables/rt`, addressPrefixes: ["0.0.0.0/0"], nextHopRole: "internal" }] })));
    const error = await resolve(pair.roleAssignmentScopes).then(() => undefined, (e: Error) => e);
    await h.finish();
    expect(error?.message).toMatch(/rg-other.*is not a resource inside .*rg-edge/);
    expect(h.ofType(T.assignment).some((a) => String(a.inputs.scope).includes("rg-other"))).toBe(false);
  });
});

describe("AzureHaPair with resources of the same program, at preview (IDs unknown)", () => {
  const preview = { preview: true, captureProgramErrors: true } as const;
  const ownNic = (node: "a" | "b", role: string, extra: Partial<network.NetworkInterfaceArgs> = {}) =>
    new network.NetworkInterface(`${node}-${role}`, {
      resourceGroupName: "rg-edge",
      enableIPForwarding: role !== "mgmt",
      ipConfigurations: [{ name: "ipconfig1", primary: true, privateIPAllocationMethod: "Static", privateIPAddress: IPS[role]![node], subnet: { id: SUBNET(role) } }],
      tags: pairTags("edge", { role }),
      ...extra,
    });
  const ownArgs = (nics: Record<"a" | "b", Record<string, network.NetworkInterface>>, table: network.RouteTable): AzureHaPairArgs =>
    existingArgs({
      nodes: {
        a: { vmId: VM("a"), interfaces: Object.fromEntries(Object.entries(nics.a).map(([r, n]) => [r, { networkInterface: n }])) },
        b: { vmId: VM("b"), interfaces: Object.fromEntries(Object.entries(nics.b).map(([r, n]) => [r, { networkInterface: n }])) },
      },
      routes: [{ routeTable: table, addressPrefixes: ["0.0.0.0/0"], nextHopRole: "internal" }],
    });
  const table = (tags: Record<string, string> = pairTags("edge")) => new network.RouteTable("rt", { resourceGroupName: "rg-edge", routes: [{ name: "default", addressPrefix: "0.0.0.0/0", nextHopType: "VirtualAppliance", nextHopIpAddress: "10.0.2.4" }], tags });

  it("(the mock engine previews as the engine does: no ID, unknown outputs; args known)", async () => {
    const h = new PulumiMockHarness(preview);
    const nic = await h.run(() => ownNic("a", "internal"));
    expect(await resolve(nic.id)).toBeUndefined();
    expect(await resolve(nic.enableIPForwarding)).toBe(true);
    await h.finish();
  });

  it("well-formed NICs and route table pass at preview; nothing tagged or forwarded behind them; the role's assignments wait for their IDs", async () => {
    const h = new PulumiMockHarness(preview);
    await h.run(() => {
      const nics = { a: { mgmt: ownNic("a", "mgmt"), external: ownNic("a", "external"), internal: ownNic("a", "internal") }, b: { mgmt: ownNic("b", "mgmt"), external: ownNic("b", "external"), internal: ownNic("b", "internal") } };
      return new AzureHaPair("edge", ownArgs(nics, table()));
    });
    expect(await h.finish()).toEqual([]);
    expect(h.ofType(T.tags)).toHaveLength(0);
    expect(h.ofType(T.forwarding)).toHaveLength(0);
    expect(h.ofType(T.role)).toHaveLength(1);
  });

  it("a routing NIC without IP forwarding in its args, one without the pair's tags, a route table without the label: all named at preview, and no assignment made", async () => {
    const h = new PulumiMockHarness(preview);
    const pair = await h.run(() => {
      const nics = {
        a: { mgmt: ownNic("a", "mgmt"), external: ownNic("a", "external"), internal: ownNic("a", "internal", { enableIPForwarding: undefined }) },
        b: { mgmt: ownNic("b", "mgmt"), external: ownNic("b", "external", { tags: { owner: "net" } }), internal: ownNic("b", "internal") },
      };
      return new AzureHaPair("edge", ownArgs(nics, table({ owner: "net" })));
    });
    const error = await resolve(pair.agentConfig).then(() => undefined, (e: Error) => e);
    await h.finish();
    expect(error?.message).toContain("3 problems");
    expect(error?.message).toContain("nodes.a.interfaces.internal forwards traffic (routing) but has IP forwarding off; set enableIPForwarding: true");
    expect(error?.message).toContain("nodes.b.interfaces.external: its tags lack f5_cloud_failover_label=edge, f5_cloud_failover_nic_map=external");
    expect(error?.message).toContain("routes[0]: its tags lack f5_cloud_failover_label=edge");
    expect(h.ofType(T.assignment).filter((a) => a.inputs.principalType === "ServicePrincipal")).toHaveLength(0);
  });

  it("a resource of this program given by ID whose own tags set the pair's key: refused at preview (the merge would fight its tags)", async () => {
    const h = new PulumiMockHarness(preview);
    await h.run(() => {
      const t = table();
      return new AzureHaPair("edge", existingArgs({ routes: [{ routeTableId: t.id, addressPrefixes: ["0.0.0.0/0"], nextHopRole: "internal" }] }));
    });
    const errors = await h.finish();
    expect(errors.map((e) => e.message).join("\n")).toMatch(/routes\[0\] gives by ID the resource "rt" of this program, which sets f5_cloud_failover_label in its own tags/);
    expect(h.ofType(T.tags).filter((t) => t.inputs.tags?.f5_cloud_failover_label && !String(t.inputs.resourceId).includes("networkInterfaces"))).toHaveLength(0);
  });
});
