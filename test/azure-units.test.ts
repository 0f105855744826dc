import { createHttpHeaders, createPipelineRequest, type PipelineResponse } from "@azure/core-rest-pipeline";
import type { AccessToken, TokenCredential } from "@azure/core-auth";
import { describe, expect, it } from "vitest";
import { classifyArmError } from "../runtime/azure/errors.js";
import { isLoopbackHost, loopbackAwareBearerPolicy, fastPollPolicy } from "../runtime/azure/loopback-bearer-policy.js";
import { isActionAllowed } from "../runtime/azure/permissions.js";
import { AZURE_OPERATION_ACTIONS, AZURE_REQUIRED_ACTIONS } from "../runtime/azure/required-actions.js";
import { validateConfig, type AzureAgentConfig } from "../runtime/config/index.js";
import { planFailover } from "../runtime/core/planner.js";
import { routeKey, type ObservedState } from "../runtime/core/observed.js";
import { readFileSync } from "node:fs";

const example = JSON.parse(readFileSync(new URL("../examples/azure-routes-and-vip.json", import.meta.url), "utf8")) as AzureAgentConfig;

function countingCredential(): TokenCredential & { calls: number } {
  const credential = {
    calls: 0,
    async getToken(): Promise<AccessToken> {
      credential.calls += 1;
      return { token: "secret-token", expiresOnTimestamp: Date.now() + 3_600_000 };
    },
  };
  return credential;
}

const ok = async (request: { headers: { get(n: string): string | undefined } }): Promise<PipelineResponse> =>
  ({ status: 200, headers: createHttpHeaders({ "retry-after": "10" }), request, bodyAsText: "{}" }) as unknown as PipelineResponse;

describe("the loopback-only bearer policy", () => {
  it("refuses http to a non-loopback host before fetching any token", async () => {
    const credential = countingCredential();
    const policy = loopbackAwareBearerPolicy(credential, "https://management.azure.com/.default");
    for (const url of ["http://10.0.0.5/x", "http://management.azure.com/x", "http://169.254.169.254/x", "http://[fd00::1]/x"]) {
      const request = createPipelineRequest({ url });
      await expect(policy.sendRequest(request, ok)).rejects.toThrow(/refusing to send a bearer token/);
      expect(request.headers.get("authorization")).toBeUndefined();
    }
    expect(credential.calls).toBe(0);
  });

  it("sends the token over http to loopback only, and over https through the SDK's own policy", async () => {
    const credential = countingCredential();
    const policy = loopbackAwareBearerPolicy(credential, "https://management.azure.com/.default");
    const local = createPipelineRequest({ url: "http://127.0.0.1:4000/x" });
    let seen: string | undefined;
    await policy.sendRequest(local, async (r) => {
      seen = r.headers.get("authorization");
      return ok(r);
    });
    expect(seen).toBe("Bearer secret-token");
    const secure = createPipelineRequest({ url: "https://management.azure.com/x" });
    await policy.sendRequest(secure, async (r) => {
      seen = r.headers.get("authorization");
      return ok(r);
    });
    expect(seen).toBe("Bearer secret-token");
    expect(["127.0.0.1", "127.8.9.1", "::1", "[::1]", "localhost"].every(isLoopbackHost)).toBe(true);
    expect(["10.0.0.1", "128.0.0.1", "example.com", "::2"].some(isLoopbackHost)).toBe(false);
  });

  it("drops Retry-After from successful answers (fast polls) and keeps it on 429/409", async () => {
    const request = createPipelineRequest({ url: "https://management.azure.com/op" });
    const fine = await fastPollPolicy.sendRequest(request, ok);
    expect(fine.headers.get("retry-after")).toBeUndefined();
    const throttled = await fastPollPolicy.sendRequest(request, async (r) => ({ status: 429, headers: createHttpHeaders({ "retry-after": "3" }), request: r }) as PipelineResponse);
    expect(throttled.headers.get("retry-after")).toBe("3");
  });
});

describe("ARM error classification", () => {
  const error = (status: number, code: string) => ({ statusCode: status, response: { headers: { get: () => undefined }, bodyAsText: JSON.stringify({ error: { code, message: `${code} happened` } }) } });
  it.each([
    [429, "RetryableErrorDueToAnotherOperation", "transient"],
    [429, "SubscriptionRequestsThrottled", "transient"],
    [409, "AnotherOperationInProgress", "transient"],
    [412, "PreconditionFailed", "transient"],
    [500, "InternalServerError", "transient"],
    [400, "PrivateIPAddressInUse", "permanent"],
    [400, "IpConfigDeleteNotSupported", "permanent"],
    [400, "InvalidIPConfigCount", "permanent"],
    [403, "AuthorizationFailed", "permanent"],
    [404, "ResourceNotFound", "permanent"],
  ])("%i %s is %s, naming the resource", (status, code, errorClass) => {
    const classified = classifyArmError(error(status, code), { action: "update route table", resource: "/subscriptions/s/resourceGroups/r/providers/Microsoft.Network/routeTables/t" });
    expect(classified.errorClass).toBe(errorClass);
    expect(classified.code).toBe(code);
    expect(classified.message).toContain("/routeTables/t");
    if (errorClass === "permanent") expect(classified.fix).toBeTruthy();
  });
});

describe("RBAC evaluation and the required-action list", () => {
  it("wildcards allow, notActions take away", () => {
    expect(isActionAllowed([{ actions: ["Microsoft.Network/*"] }], "Microsoft.Network/routeTables/write")).toBe(true);
    expect(isActionAllowed([{ actions: ["Microsoft.Network/*"], notActions: ["Microsoft.Network/routeTables/write"] }], "Microsoft.Network/routeTables/write")).toBe(false);
    expect(isActionAllowed([{ actions: ["*/read"] }], "Microsoft.Network/routeTables/write")).toBe(false);
    expect(isActionAllowed([], "Microsoft.Network/routeTables/read")).toBe(false);
  });
  it("lists every operation's actions, sorted and unique", () => {
    for (const action of Object.values(AZURE_OPERATION_ACTIONS).flat()) expect(AZURE_REQUIRED_ACTIONS).toContain(action);
    expect([...AZURE_REQUIRED_ACTIONS].sort()).toEqual(AZURE_REQUIRED_ACTIONS);
    expect(new Set(AZURE_REQUIRED_ACTIONS).size).toBe(AZURE_REQUIRED_ACTIONS.length);
  });
});

describe("the Azure plan", () => {
  it("one whole-table update per route table and one NIC-pair move per role, all in one wave", () => {
    const plan = planFailover(example, "b");
    expect(plan.waves).toHaveLength(1);
    expect(plan.waves[0]!.map((op) => op.action).sort()).toEqual(["MoveIpConfigurations", "UpdateRouteTable"]);
    const move = plan.waves[0]!.find((op) => op.action === "MoveIpConfigurations");
    expect(move).toMatchObject({ fromNetworkInterfaceId: example.nodes.a.interfaces.external!.id, toNetworkInterfaceId: example.nodes.b.interfaces.external!.id });
    const table = plan.waves[0]!.find((op) => op.action === "UpdateRouteTable");
    expect(table).toMatchObject({ routes: example.routes![0]!.addressPrefixes.map((addressPrefix) => ({ addressPrefix, nextHopIpAddress: "10.0.2.5" })) });
  });
  it("skips what already points to the node", () => {
    const nicB = example.nodes.b.interfaces;
    const observed: ObservedState = {
      privateIps: { "10.0.1.10": nicB.external!.id },
      elasticIps: { [example.addresses!.ipConfigurations![0]!.publicIpAddressId!]: { networkInterfaceId: nicB.external!.id, privateIp: "10.0.1.10" } },
      routes: Object.fromEntries(example.routes![0]!.addressPrefixes.map((p) => [routeKey(example.routes![0]!.routeTableId, p), { networkInterfaceId: nicB.internal!.id, target: "VirtualAppliance 10.0.2.5", state: "Succeeded" }])),
    };
    expect(planFailover(example, "b", observed).waves).toEqual([]);
  });
});

describe("the Azure branch of the config", () => {
  const errors = (mutate: (c: AzureAgentConfig) => void) => {
    const config = structuredClone(example);
    mutate(config);
    const result = validateConfig(config);
    return result.ok ? [] : result.errors;
  };
  it("the example is valid", () => expect(errors(() => undefined)).toEqual([]));
  it.each([
    ["a resource in another subscription", (c: AzureAgentConfig) => (c.routes![0]!.routeTableId = c.routes![0]!.routeTableId.replace(c.subscriptionId, "00000000-0000-0000-0000-000000000001")), "/routes/0/routeTableId", "not in /subscriptionId"],
    ["the same VM twice", (c: AzureAgentConfig) => (c.nodes.b.instanceId = c.nodes.a.instanceId), "/nodes/b/instanceId", "same VM"],
    ["a moving IP that is a NIC's own", (c: AzureAgentConfig) => (c.addresses!.ipConfigurations![0]!.privateIp = "10.0.1.4"), "/addresses/ipConfigurations/0/privateIp", "primary ipConfiguration cannot move"],
    ["a role one node lacks", (c: AzureAgentConfig) => (c.routes![0]!.nextHop.role = "mgmt"), "/routes/0/nextHop/role", 'role "mgmt"'],
    ["a route listed twice", (c: AzureAgentConfig) => c.routes![0]!.addressPrefixes.push("0.0.0.0/0"), "/routes/0/addressPrefixes", "list each once"],
    ["a NIC ID that is not one", (c: AzureAgentConfig) => (c.nodes.a.interfaces.external!.id = "eni-0123456789abcdef0"), "/nodes/a/interfaces/external/id", "network interface resource ID"],
    ["an AWS field in an Azure config", (c: AzureAgentConfig) => ((c as unknown as Record<string, unknown>).region = "westeurope"), "/region", "not a known property"],
    ["ARM over plain http off this machine", (c: AzureAgentConfig) => (c.endpoints = { arm: "http://management.example.net" }), "/endpoints/arm", "must be https"],
    ["an S3 state store", (c: AzureAgentConfig) => ((c as unknown as Record<string, unknown>).stateStore = { type: "s3", bucket: "b", key: "k" }), "/stateStore", "azureBlob"],
  ])("%s is an error at its JSON path", (_name, mutate, path, text) => {
    const found = errors(mutate);
    expect(found.some((e) => e.path.startsWith(path) && e.message.includes(text)), JSON.stringify(found)).toBe(true);
  });
  it("plain http to any loopback address the bearer policy accepts is valid", () => {
    for (const host of ["127.0.0.1", "127.8.9.1", "[::1]", "[0:0:0:0:0:0:0:1]", "localhost"]) {
      expect(errors((c) => (c.endpoints = { arm: `http://${host}:4000`, blob: `http://${host}:10000` })), host).toEqual([]);
    }
  });
});

describe("the ARM retry loop", () => {
  const failure = (status: number, code: string, retryAfter?: string) => ({
    statusCode: status,
    response: { headers: { get: (name: string) => (name === "retry-after" ? retryAfter : undefined) }, bodyAsText: JSON.stringify({ error: { code, message: code } }) },
  });
  const context = { action: "update route table", resource: "/subscriptions/s/resourceGroups/r/providers/Microsoft.Network/routeTables/t" };

  it("waits at least the Retry-After of a 429, then succeeds", async () => {
    const { withArmRetries } = await import("../runtime/azure/retry.js");
    let n = 0;
    const started = performance.now();
    const result = await withArmRetries(context, AbortSignal.timeout(10_000), async () => {
      n += 1;
      if (n === 1) throw failure(429, "RetryableErrorDueToAnotherOperation", "1");
      return "done";
    }, { random: () => 0 });
    expect(result).toEqual({ value: "done", attempts: 2 });
    expect(performance.now() - started).toBeGreaterThanOrEqual(990);
  });

  it("a permanent error stops at once; the deadline ends transient retries with DeadlineExceeded", async () => {
    const { withArmRetries } = await import("../runtime/azure/retry.js");
    let n = 0;
    await expect(withArmRetries(context, AbortSignal.timeout(10_000), async () => {
      n += 1;
      throw failure(403, "AuthorizationFailed");
    })).rejects.toMatchObject({ code: "AuthorizationFailed", errorClass: "permanent" });
    expect(n).toBe(1);
    await expect(withArmRetries(context, AbortSignal.timeout(300), async () => {
      throw failure(409, "AnotherOperationInProgress", "10");
    })).rejects.toMatchObject({ code: "DeadlineExceeded", errorClass: "deadline" });
  });
});
