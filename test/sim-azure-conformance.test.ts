/**
 * The simulated ARM against the published truth. What it is checked against (facts, not copies):
 * - Microsoft.Network REST spec 2025-05-01 (routeTable.json, networkInterface.json): resource
 *   paths, api-version in the query, PUT → 200/201 with the resource (provisioningState), LRO
 *   via Azure-AsyncOperation (x-ms-long-running-operation-options: azure-async-operation);
 * - recorded real exchanges (azure-sdk-for-python, tests/recordings/test_mgmt_network.test_routes.yaml
 *   and test_network_interface_card.yaml): the PUT answers with `azure-asyncoperation:
 *   …/providers/Microsoft.Network/locations/LOCATION/operations/GUID?api-version=…` and
 *   `x-ms-ratelimit-remaining-subscription-writes`, no Retry-After; the operation answers
 *   `{"status": "Succeeded"}`; a GET carries the etag in the body (W/"guid") and as an ETag
 *   header; child ipConfigurations/routes carry id, etag, type; content-type is
 *   application/json; charset=utf-8.
 * And the unmodified @azure/arm-network client (its serializers and LRO poller) works against it.
 */
import { NetworkManagementClient } from "@azure/arm-network";
import { bearerTokenAuthenticationPolicyName } from "@azure/core-rest-pipeline";
import { ManagedIdentityCredential } from "@azure/identity";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ARM_SCOPE } from "../runtime/azure/clients.js";
import { fastPollPolicy, loopbackAwareBearerPolicy } from "../runtime/azure/loopback-bearer-policy.js";
import type { AzureSim } from "../sim/azure/index.js";
import { startFastAzureSim } from "./helpers/azure-sim.js";

let sim: AzureSim;
let token: string;
const API = "api-version=2025-05-01";

beforeAll(async () => {
  sim = await startFastAzureSim();
  const response = await fetch(`${sim.imds.a}/metadata/identity/oauth2/token?api-version=2018-02-01&resource=https://management.azure.com/`, { headers: { Metadata: "true" } });
  token = ((await response.json()) as { access_token: string }).access_token;
});
afterAll(async () => {
  await sim.stop();
});

/** The unmodified @azure/arm-network client as node a, its bearer policy allowing the sim's loopback http. */
function networkClientAsNodeA(): NetworkManagementClient {
  process.env.AZURE_POD_IDENTITY_AUTHORITY_HOST = sim.imds.a;
  process.env.AZURE_CLIENT_ID = sim.clientIds.a;
  const credential = new ManagedIdentityCredential({ clientId: sim.clientIds.a });
  const client = new NetworkManagementClient(credential, sim.topology.subscriptionId, { endpoint: sim.arm });
  client.pipeline.removePolicy({ name: bearerTokenAuthenticationPolicyName });
  client.pipeline.addPolicy(loopbackAwareBearerPolicy(credential, ARM_SCOPE), { phase: "Sign" });
  return client;
}

const arm = (path: string, init: RequestInit = {}) =>
  fetch(`${sim.arm}${path}${path.includes("?") ? "&" : "?"}${API}`, { ...init, headers: { Authorization: `Bearer ${token}`, "Content-Type": "application/json", ...(init.headers ?? {}) } });

describe("simulated ARM: shapes, status codes and headers", () => {
  it("GET route table: 200, the etag in the body and as a header, children with id/etag/type", async () => {
    const id = sim.agentConfig().routes![0]!.routeTableId;
    const response = await arm(id);
    expect(response.status).toBe(200);
    expect(response.headers.get("content-type")).toBe("application/json; charset=utf-8");
    const body = (await response.json()) as Record<string, any>;
    expect(body).toMatchObject({ id, name: id.split("/").pop(), type: "Microsoft.Network/routeTables", location: "westeurope" });
    expect(body.etag).toMatch(/^W\/"[0-9a-f-]{36}"$/);
    expect(response.headers.get("etag")).toBe(body.etag);
    expect(body.properties).toMatchObject({ provisioningState: "Succeeded", disableBgpRoutePropagation: false });
    for (const route of body.properties.routes) {
      expect(route).toMatchObject({ id: `${id}/routes/${route.name}`, type: "Microsoft.Network/routeTables/routes" });
      expect(route.etag).toMatch(/^W\/"/);
      expect(route.properties).toHaveProperty("addressPrefix");
      expect(route.properties).toHaveProperty("nextHopType");
    }
  });

  it("PUT: 200 with provisioningState Updating, Azure-AsyncOperation to the location's operations, remaining writes, no Retry-After; the operation goes InProgress → Succeeded", async () => {
    const id = sim.agentConfig().routes![0]!.routeTableId;
    const table = (await (await arm(id)).json()) as Record<string, any>;
    const put = await arm(id, { method: "PUT", body: JSON.stringify(table), headers: { "If-Match": table.etag } });
    expect(put.status).toBe(200);
    const body = (await put.json()) as Record<string, any>;
    expect(body.properties.provisioningState).toBe("Updating");
    expect(body.etag).not.toBe(table.etag);
    const operation = put.headers.get("azure-asyncoperation")!;
    expect(operation).toMatch(new RegExp(`/subscriptions/${sim.topology.subscriptionId}/providers/Microsoft\\.Network/locations/westeurope/operations/[0-9a-f-]{36}\\?api-version=2025-05-01$`));
    expect(Number(put.headers.get("x-ms-ratelimit-remaining-subscription-writes"))).toBeGreaterThanOrEqual(0);
    expect(put.headers.get("retry-after")).toBeNull();
    const first = (await (await fetch(operation, { headers: { Authorization: `Bearer ${token}` } })).json()) as { status: string };
    expect(first.status).toBe("InProgress");
    await new Promise((r) => setTimeout(r, sim.world.durations.routeTableMs + 20));
    const done = await fetch(operation, { headers: { Authorization: `Bearer ${token}` } });
    expect(await done.json()).toEqual({ status: "Succeeded" });
  });

  it("error answers: {error: {code, message}} with ARM's status codes", async () => {
    const id = sim.agentConfig().routes![0]!.routeTableId;
    const table = (await (await arm(id)).json()) as Record<string, any>;
    const stale = await arm(id, { method: "PUT", body: JSON.stringify(table), headers: { "If-Match": 'W/"00000000-0000-0000-0000-000000000000"' } });
    expect(stale.status).toBe(412);
    expect(((await stale.json()) as { error: { code: string } }).error.code).toBe("PreconditionFailed");
    const missing = await arm(id.replace(/[^/]+$/, "nope"));
    expect(missing.status).toBe(404);
    expect(((await missing.json()) as { error: { code: string } }).error.code).toBe("ResourceNotFound");
    const anonymous = await fetch(`${sim.arm}${id}?${API}`);
    expect(anonymous.status).toBe(401);
    const noVersion = await fetch(`${sim.arm}${id}`, { headers: { Authorization: `Bearer ${token}` } });
    expect(noVersion.status).toBe(400);
    expect(((await noVersion.json()) as { error: { code: string } }).error.code).toBe("MissingApiVersionParameter");
  });

  it("the write bucket: 429 SubscriptionRequestsThrottled with Retry-After once 200 writes are spent", async () => {
    const s = await startFastAzureSim({ writeBucket: { burst: 3, refillPerSecond: 1 }, blob: false });
    try {
      const t = ((await (await fetch(`${s.imds.a}/metadata/identity/oauth2/token?api-version=2018-02-01&resource=https://management.azure.com/`, { headers: { Metadata: "true" } })).json()) as { access_token: string }).access_token;
      const id = s.agentConfig().routes![1]!.routeTableId;
      const statuses: number[] = [];
      let last: Response | undefined;
      for (let i = 0; i < 4; i++) {
        const table = (await (await fetch(`${s.arm}${id}?${API}`, { headers: { Authorization: `Bearer ${t}` } })).json()) as Record<string, unknown>;
        last = await fetch(`${s.arm}${id}?${API}`, { method: "PUT", body: JSON.stringify(table), headers: { Authorization: `Bearer ${t}`, "Content-Type": "application/json" } });
        statuses.push(last.status);
      }
      expect(statuses).toEqual([200, 200, 200, 429]);
      expect(last!.headers.get("retry-after")).toBe("1");
      expect(((await last!.json()) as { error: { code: string } }).error.code).toBe("SubscriptionRequestsThrottled");
    } finally {
      await s.stop();
    }
  });

  it("Azure IMDS: Metadata: true is required; the token answer has access_token, expires_in, resource, token_type", async () => {
    const refused = await fetch(`${sim.imds.a}/metadata/instance?api-version=2021-02-01`);
    expect(refused.status).toBe(400);
    const instance = (await (await fetch(`${sim.imds.a}/metadata/instance?api-version=2021-02-01`, { headers: { Metadata: "true" } })).json()) as { compute: Record<string, string> };
    expect(instance.compute.resourceId).toBe(sim.agentConfig().nodes.a.instanceId);
    const answer = (await (await fetch(`${sim.imds.a}/metadata/identity/oauth2/token?api-version=2018-02-01&resource=https://management.azure.com/`, { headers: { Metadata: "true" } })).json()) as Record<string, string>;
    expect(Object.keys(answer).sort()).toEqual(["access_token", "client_id", "expires_in", "expires_on", "ext_expires_in", "not_before", "resource", "token_type"]);
    expect(answer.token_type).toBe("Bearer");
  });

  it("the unmodified @azure/arm-network client reads and updates a route table through its own LRO poller (fast: Retry-After on a 200 poll dropped)", async () => {
    const client = networkClientAsNodeA();
    // Without it the SDK's poller obeys the poll's Retry-After: 10 over updateIntervalInMs (a 10 s wait per poll).
    client.pipeline.addPolicy(fastPollPolicy, { afterPhase: "Retry" });
    const name = sim.agentConfig().routes![1]!.routeTableId.split("/").pop()!;
    const table = await client.routeTables.get(sim.topology.resourceGroup, name);
    expect(table.routes?.length).toBeGreaterThan(0);
    table.routes![0]!.nextHopIpAddress = "10.0.2.5";
    const started = performance.now();
    const updated = await client.routeTables.beginCreateOrUpdateAndWait(sim.topology.resourceGroup, name, table, { updateIntervalInMs: 10 });
    expect(performance.now() - started).toBeLessThan(3_000);
    expect(updated.provisioningState).toBe("Succeeded");
    expect(updated.routes![0]!.nextHopIpAddress).toBe("10.0.2.5");
    const nic = await client.networkInterfaces.get(sim.topology.resourceGroup, "nva-a-ext");
    expect(nic.ipConfigurations?.[0]).toMatchObject({ primary: true, privateIPAddress: "10.0.1.4" });
    expect(nic.enableIPForwarding).toBe(true);
  });
});

describe("simulated ARM: list operations (NetworkInterfaces_List / _ListAll, RouteTables_List, PublicIPAddresses_List, StorageAccounts_ListByResourceGroup)", () => {
  const group = () => `/subscriptions/${sim.topology.subscriptionId}/resourceGroups/${sim.topology.resourceGroup}`;

  it("a resource group's list answers 200 {value: [...]}, each item as its GET shows it; no nextLink on the last page", async () => {
    const response = await arm(`${group()}/providers/Microsoft.Network/networkInterfaces`);
    expect(response.status).toBe(200);
    const body = (await response.json()) as { value: { id: string; etag: string }[]; nextLink?: string };
    expect(body.nextLink).toBeUndefined();
    expect(response.headers.get("content-type")).toBe("application/json; charset=utf-8");
    expect(body.value.map((n) => n.id.split("/").pop()).sort()).toEqual(["nva-a-ext", "nva-a-int", "nva-b-ext", "nva-b-int"]);
    const one = (await (await arm(body.value[0]!.id)).json()) as unknown;
    expect(body.value[0]).toEqual(one);
    const accounts = (await (await fetch(`${sim.arm}${group()}/providers/Microsoft.Storage/storageAccounts?api-version=2023-05-01`, { headers: { Authorization: `Bearer ${token}` } })).json()) as { value: { name: string; tags: Record<string, string> }[] };
    expect(accounts.value).toEqual([expect.objectContaining({ name: "devstoreaccount1", tags: { f5_cloud_failover_label: "azure-edge" } })]);
  });

  it("a role on the resource group cannot list the subscription (403 AuthorizationFailed at the subscription scope); a storage account is read-only", async () => {
    const response = await arm(`/subscriptions/${sim.topology.subscriptionId}/providers/Microsoft.Network/routeTables`);
    expect(response.status).toBe(403);
    expect(((await response.json()) as { error: { code: string; message: string } }).error).toMatchObject({ code: "AuthorizationFailed", message: expect.stringContaining(`over scope '/subscriptions/${sim.topology.subscriptionId}'`) });
    const put = await arm(`${group()}/providers/Microsoft.Storage/storageAccounts/devstoreaccount1`, { method: "PUT", body: "{}" });
    expect(put.status).toBe(405);
  });

  it("the unmodified @azure/arm-network client pages through the lists", async () => {
    const client = networkClientAsNodeA();
    const names = async <T extends { name?: string }>(pages: AsyncIterable<T>) => {
      const out: string[] = [];
      for await (const item of pages) out.push(item.name!);
      return out.sort();
    };
    expect(await names(client.routeTables.list(sim.topology.resourceGroup))).toEqual(["rt-spoke-1", "rt-spoke-2"]);
    expect(await names(client.networkInterfaces.list(sim.topology.resourceGroup))).toEqual(["nva-a-ext", "nva-a-int", "nva-b-ext", "nva-b-int"]);
    expect(await names(client.publicIPAddresses.list(sim.topology.resourceGroup))).toEqual([]);
  });
});
