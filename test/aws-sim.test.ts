/**
 * The AWS provider end to end: the real SDK over HTTP against the simulated cloud (EC2 Query,
 * S3 REST, per-node IMDSv2 on 127.0.0.1), which enforces AWS's semantics, IAM denials and
 * faults. Nothing here may reach 169.254.169.254 or any address but 127.0.0.1: every test
 * points the SDK at the sim's IMDS and uses the sim's credentials, with no shared config files.
 */
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { AWS_REQUIRED_ACTIONS, createAwsProvider, type AwsProvider } from "../runtime/aws/index.js";
import type { AwsAgentConfig as AgentConfig, NodeId } from "../runtime/config/types.js";
import { differences, inspectPair } from "../runtime/core/desired.js";
import { FencingConflictError, HaPairError } from "../runtime/core/errors.js";
import { routeKey } from "../runtime/core/observed.js";
import { planOperations, type Operation } from "../runtime/core/operations.js";
import { planFailover } from "../runtime/core/planner.js";
import type { ApiCallRecord } from "../runtime/core/provider.js";
import type { PairState } from "../runtime/core/state.js";
import { startAwsSim, type AwsSim } from "../sim/index.js";
import { exampleTopology } from "../sim/topologies.js";

let sim: AwsSim;
let calls: ApiCallRecord[] = [];
const providers: AwsProvider[] = [];
const saved = { ...process.env };

beforeAll(async () => {
  sim = await startAwsSim({ topology: exampleTopology(), seed: 11 });
});
afterAll(async () => {
  await sim.stop();
});

function useSim(node: NodeId = "a", { staticCredentials = true } = {}): void {
  for (const name of Object.keys(process.env)) if (name.startsWith("AWS_")) delete process.env[name];
  process.env.AWS_EC2_METADATA_SERVICE_ENDPOINT = sim.imds[node];
  process.env.AWS_CONFIG_FILE = "/nonexistent/ha-pair-aws-test/config";
  process.env.AWS_SHARED_CREDENTIALS_FILE = "/nonexistent/ha-pair-aws-test/credentials";
  if (staticCredentials) {
    process.env.AWS_ACCESS_KEY_ID = sim.credentials.accessKeyId;
    process.env.AWS_SECRET_ACCESS_KEY = sim.credentials.secretAccessKey;
    if (sim.credentials.sessionToken) process.env.AWS_SESSION_TOKEN = sim.credentials.sessionToken;
  }
}

/** The sim's pair config, with short per-request timeouts so timeout tests are quick. */
function simConfig(overrides: Partial<AgentConfig> = {}): AgentConfig {
  return { ...sim.agentConfig(), timeouts: { requestMs: 300, connectMs: 200 }, ...overrides };
}

function provider(config: AgentConfig = simConfig()): AwsProvider {
  const p = createAwsProvider(config, { onCall: (c) => calls.push(c) });
  providers.push(p);
  return p;
}

beforeEach(() => {
  useSim("a");
  calls = [];
  sim.setFaults({ failures: [], deny: [], timeoutRate: 0, serverErrorRate: 0, throttle: false, actions: undefined, latencyMs: 0, staleReadMs: 0 });
  sim.clearCalls();
});
afterEach(() => {
  for (const p of providers.splice(0)) p.close();
  for (const name of Object.keys(process.env)) if (!(name in saved)) delete process.env[name];
  Object.assign(process.env, saved);
});

const deadline = () => AbortSignal.timeout(20_000);

async function run(p: AwsProvider, ops: Operation[]): Promise<void> {
  await Promise.all(ops.map((op) => p.execute(op, deadline())));
}

/** Fail over to `node` wave by wave, as the executor does. */
async function failoverTo(p: AwsProvider, config: AgentConfig, node: NodeId): Promise<void> {
  for (const wave of planFailover(config, node).waves) await run(p, wave);
}

describe("operations and observation against the simulated cloud", () => {
  it("observe reads only the pair's resources, one batched call per type, in parallel", async () => {
    const config = simConfig();
    const observed = await provider(config).observe(deadline());
    expect(calls.map((c) => c.action).sort()).toEqual(["DescribeAddresses", "DescribeNetworkInterfaces", "DescribeRouteTables"]);
    expect(calls.every((c) => c.ok && c.service === "ec2")).toBe(true);
    // Starting state of the example topology: everything on node a.
    expect(inspectPair(config, observed).activeNode).toBe("a");
    const a = config.nodes.a.interfaces;
    expect(observed.privateIps).toEqual({ "10.0.1.100": a.external?.id, "10.0.1.101": a.external?.id, "10.0.1.102": a.external?.id });
    const [rtb1, rtb2] = config.routes ?? [];
    const pl = rtb2?.destinations.find((d) => d.startsWith("pl-"));
    expect(pl).toBeDefined();
    expect(observed.routes[routeKey(rtb2?.routeTableId ?? "", pl ?? "")]).toMatchObject({ networkInterfaceId: a.internal?.id, state: "active" });
    expect(observed.routes[routeKey(rtb1?.routeTableId ?? "", "10.100.0.0/16")]).toMatchObject({ networkInterfaceId: a.internal?.id });
  });

  it("executes every operation of a failover to b (and back) and observes the result", async () => {
    const config = simConfig();
    const p = provider(config);
    await failoverTo(p, config, "b");
    const observed = await p.observe(deadline());
    expect(differences(config, "b", observed)).toEqual([]);
    const eip = config.addresses?.elasticIps?.[0];
    expect(observed.elasticIps[eip?.allocationId ?? ""]).toEqual({ networkInterfaceId: config.nodes.b.interfaces.external?.id, privateIp: eip?.privateIp.b });
    // The fewest calls: one Assign for all three IPs, one Associate, one ReplaceRoute per route.
    const mutations = calls.filter((c) => !c.action.startsWith("Describe"));
    expect(mutations.filter((c) => c.action === "AssignPrivateIpAddresses")).toHaveLength(1);
    expect(mutations.filter((c) => c.action === "AssociateAddress")).toHaveLength(1);
    expect(mutations.filter((c) => c.action === "ReplaceRoute")).toHaveLength(4);
    expect(mutations.every((c) => c.ok && c.attempts === 1)).toBe(true);

    // Idempotent: the same operations again change nothing and fail nothing.
    await failoverTo(p, config, "b");
    expect(differences(config, "b", await p.observe(deadline()))).toEqual([]);

    await failoverTo(p, config, "a");
    expect(differences(config, "a", await p.observe(deadline()))).toEqual([]);
  });

  it("a moving IP on none of the pair's interfaces observes as null; a missing route as null", async () => {
    const base = simConfig();
    const config: AgentConfig = {
      ...base,
      addresses: { ...base.addresses, secondaryIps: [{ role: "external", ips: ["10.0.1.100", "10.0.1.200"] }] },
      routes: [{ routeTableId: base.routes?.[0]?.routeTableId ?? "", destinations: ["0.0.0.0/0", "10.200.0.0/16"], nextHop: { role: "internal" } }],
    };
    const observed = await provider(config).observe(deadline());
    expect(observed.privateIps["10.0.1.200"]).toBeNull();
    expect(observed.routes[routeKey(config.routes?.[0]?.routeTableId ?? "", "10.200.0.0/16")]).toBeNull();
  });

  it("every action the provider calls is in AWS_REQUIRED_ACTIONS", async () => {
    const config = simConfig();
    const p = provider(config);
    await p.observe(deadline());
    await failoverTo(p, config, "b");
    await p.checkPermissions(planOperations(planFailover(config, "a")), deadline());
    await p.checkConfig!(deadline());
    await p.stateStore.read(deadline());
    const etag = await p.stateStore.write(sampleState(1), { ifNoneMatch: "*" }, deadline());
    await p.stateStore.write(sampleState(2), { ifMatch: etag }, deadline());
    await p.stateStore.probeWrite(deadline());
    await p.stateStore.remove(deadline());
    const all = new Set([...AWS_REQUIRED_ACTIONS.ec2Mutating, ...AWS_REQUIRED_ACTIONS.ec2Read, ...AWS_REQUIRED_ACTIONS.s3]);
    const used = new Set(calls.map((c) => `${c.service}:${c.action}`));
    expect([...used].filter((a) => !all.has(a))).toEqual([]);
    // ... and nothing listed is unused (the list is exact, not generous). Association mode's
    // swap needs twin tables this topology has not: test/association-mode.test.ts calls it.
    expect([...all].filter((a) => !used.has(a) && a !== "ec2:ReplaceRouteTableAssociation")).toEqual([]);
    // The sim saw the same actions (its own log, not our listener).
    const simActions = new Set(sim.calls.filter((c) => c.service !== "imds").map((c) => `${c.service}:${c.action}`));
    expect([...simActions].filter((a) => !all.has(a))).toEqual([]);
  });
});

describe("permissions (DryRun)", () => {
  it("allowed operations answer DryRunOperation and change nothing", async () => {
    const config = simConfig();
    const p = provider(config);
    const before = await p.observe(deadline());
    const ops = planOperations(planFailover(config, "b"));
    const checks = await p.checkPermissions(ops, deadline());
    // One per action and resource (ReplaceRoute once per route table, not per route), plus the
    // verification wave's reads (the interfaces are read for real by the AssignPrivateIpAddresses
    // check; addresses and route tables with DryRun).
    const tables = new Set(ops.flatMap((op) => (op.action === "ReplaceRoute" ? [op.routeTableId] : [])));
    const perResource = [...ops.filter((op) => op.action !== "ReplaceRoute").map((op) => op.action), ...[...tables].map(() => "ReplaceRoute")];
    expect(tables.size).toBeLessThan(ops.filter((op) => op.action === "ReplaceRoute").length);
    expect(checks.map((c) => c.action).sort()).toEqual([...perResource, "DescribeAddresses", "DescribeRouteTables"].sort());
    expect(checks.every((c) => c.allowed)).toBe(true);
    expect(checks.filter((c) => c.detail !== undefined)).toEqual([]);
    expect(await p.observe(deadline())).toEqual(before);
  });

  it("a denied action is reported with the IAM action and the resource ARN", async () => {
    sim.setFaults({ deny: [{ action: "ec2:ReplaceRoute" }] });
    const config = simConfig();
    const p = provider(config);
    await p.observe(deadline()); // learns the account from the interfaces
    const checks = await p.checkPermissions(planOperations(planFailover(config, "b")), deadline());
    const denied = checks.filter((c) => !c.allowed);
    // One check per route table (IAM decides ReplaceRoute on the table).
    const tables = new Set(config.routes?.map((r) => r.routeTableId));
    expect(denied.map((c) => c.action)).toEqual([...tables].map(() => "ReplaceRoute"));
    const rtb = config.routes?.[0]?.routeTableId;
    expect(denied[0]?.detail).toContain("ec2:ReplaceRoute");
    expect(denied[0]?.detail).toContain(`arn:aws:ec2:${sim.region}:${sim.accountId}:route-table/${rtb}`);
    expect(checks.filter((c) => c.allowed).map((c) => c.action).sort()).toEqual(["AssignPrivateIpAddresses", "AssociateAddress", "DescribeAddresses", "DescribeRouteTables"]);
  });

  it("a denied mutation fails permanently, at once, with the grant to make", async () => {
    sim.setFaults({ deny: [{ action: "AssociateAddress" }] });
    const config = simConfig();
    const op = planOperations(planFailover(config, "b")).find((o) => o.action === "AssociateAddress");
    expect(op).toBeDefined();
    const err = (await provider(config)
      .execute(op as Operation, deadline())
      .catch((e: unknown) => e)) as HaPairError;
    expect(err).toBeInstanceOf(HaPairError);
    expect(err.errorClass).toBe("permanent");
    expect(err.code).toBe("UnauthorizedOperation");
    expect(err.fix).toContain("Grant ec2:AssociateAddress on arn:aws:ec2:us-east-1:");
    expect(err.fix).toContain(":elastic-ip/");
    expect(sim.calls.filter((c) => c.action === "AssociateAddress")).toHaveLength(1);
  });
});

function sampleState(generation: number, activeNode: NodeId = "a"): PairState {
  return {
    schemaVersion: 1,
    label: "demo",
    generation,
    activeNode,
    taskId: `task-${generation}`,
    taskState: "RUNNING",
    owner: { node: activeNode },
    startedAt: new Date(0).toISOString(),
    deadlineAt: new Date(30_000).toISOString(),
    operations: [],
  };
}

describe("S3 state store", () => {
  it("read, conditional create, conditional update, conflict, remove", async () => {
    const store = provider().stateStore;
    await store.remove(deadline());
    expect(await store.read(deadline())).toBeNull();
    const e1 = await store.write(sampleState(1), { ifNoneMatch: "*" }, deadline());
    // A second create loses: the object exists now.
    await expect(store.write(sampleState(1, "b"), { ifNoneMatch: "*" }, deadline())).rejects.toBeInstanceOf(FencingConflictError);
    expect(await store.read(deadline())).toEqual({ state: sampleState(1), etag: e1 });
    const e2 = await store.write(sampleState(2, "b"), { ifMatch: e1 }, deadline());
    expect(e2).not.toBe(e1);
    // A writer holding the old ETag loses (412).
    await expect(store.write(sampleState(2), { ifMatch: e1 }, deadline())).rejects.toBeInstanceOf(FencingConflictError);
    expect((await store.read(deadline()))?.state.activeNode).toBe("b");
    await store.remove(deadline());
    expect(await store.read(deadline())).toBeNull();
    // If-Match against a removed object: the version read is gone, so the write is fenced off.
    await expect(store.write(sampleState(3), { ifMatch: e2 }, deadline())).rejects.toBeInstanceOf(FencingConflictError);
  });

  it("two nodes racing for the same version: exactly one wins", async () => {
    const a = provider().stateStore;
    const b = provider().stateStore;
    await a.remove(deadline());
    const results = await Promise.allSettled([a.write(sampleState(1, "a"), { ifNoneMatch: "*" }, deadline()), b.write(sampleState(1, "b"), { ifNoneMatch: "*" }, deadline())]);
    expect(results.filter((r) => r.status === "fulfilled")).toHaveLength(1);
    const lost = results.find((r) => r.status === "rejected") as PromiseRejectedResult;
    expect(lost.reason).toBeInstanceOf(FencingConflictError);
  });

  it("corrupt state names the object and how to fix it", async () => {
    const config = simConfig();
    const store = provider(config).stateStore;
    await store.remove(deadline());
    // Someone (or something) wrote garbage over the state object.
    sim.s3.putObject(config.stateStore.bucket, config.stateStore.key, "{ nope", { contentType: "application/json" });
    const err = (await store.read(deadline()).catch((e: unknown) => e)) as HaPairError;
    expect(err.code).toBe("StateCorrupt");
    expect(err.describe()).toContain(`s3://${config.stateStore.bucket}/${config.stateStore.key}`);
    expect(err.describe()).toContain("ha-pair reset");
  });

  it("probeWrite proves permission without changing anything, and names s3:PutObject and the ARN when denied", async () => {
    const config = simConfig();
    const store = provider(config).stateStore;
    await store.remove(deadline());
    await store.probeWrite(deadline()); // no object: 404
    expect(await store.read(deadline())).toBeNull();
    const etag = await store.write(sampleState(1), { ifNoneMatch: "*" }, deadline());
    await store.probeWrite(deadline()); // object: 412
    expect(await store.read(deadline())).toEqual({ state: sampleState(1), etag });

    sim.setFaults({ deny: [{ action: "s3:PutObject" }] });
    const err = (await store.probeWrite(deadline()).catch((e: unknown) => e)) as HaPairError;
    expect(err).toBeInstanceOf(HaPairError);
    expect(err.errorClass).toBe("permanent");
    expect(err.describe()).toContain("s3:PutObject");
    expect(err.describe()).toContain(`arn:aws:s3:::${config.stateStore.bucket}/${config.stateStore.key}`);
  });
});

describe("identity (IMDSv2)", () => {
  it("each node's IMDS names its own instance, region and AZ", async () => {
    const config = simConfig();
    for (const node of ["a", "b"] as const) {
      useSim(node);
      const id = await provider(config).identity(deadline());
      expect(id).toEqual({ instanceId: config.nodes[node].instanceId, region: sim.region, availabilityZone: "us-east-1a" });
    }
  });

  it("an unreachable IMDS is a clear error naming the endpoint", async () => {
    process.env.AWS_EC2_METADATA_SERVICE_ENDPOINT = "http://127.0.0.1:9";
    const err = (await provider().identity(deadline()).catch((e: unknown) => e)) as HaPairError;
    expect(err.code).toBe("ImdsUnreachable");
    expect(err.message).toContain("http://127.0.0.1:9");
    expect(err.fix).toContain("--activate a|b");
  });

  it("instance-role credentials come from the node's IMDS through the SDK's default chain", async () => {
    useSim("b", { staticCredentials: false });
    const config = simConfig();
    const observed = await provider(config).observe(deadline());
    expect(Object.keys(observed.routes).length).toBeGreaterThan(0);
    expect(sim.calls.some((c) => c.service === "imds" && c.action.toLowerCase().includes("credential"))).toBe(true);
  });

  it("with only config.endpoints.imds set, identity and credentials both use it", async () => {
    useSim("a", { staticCredentials: false });
    delete process.env.AWS_EC2_METADATA_SERVICE_ENDPOINT;
    const config = simConfig({ endpoints: { ...sim.agentConfig().endpoints, imds: sim.imds.b } });
    const p = provider(config);
    expect((await p.identity(deadline())).instanceId).toBe(config.nodes.b.instanceId);
    await p.observe(deadline()); // signed with node b's role credentials from the configured IMDS
    expect(process.env.AWS_EC2_METADATA_SERVICE_ENDPOINT).toBe(sim.imds.b);
  });
});

describe("faults: retries, timeouts, permanent errors", () => {
  const routeOp = (config: AgentConfig): Operation => {
    const op = planOperations(planFailover(config, "b")).find((o) => o.action === "ReplaceRoute");
    if (!op) throw new Error("no route in the example topology");
    return op;
  };

  it("5xx answers are retried by the SDK until the call succeeds", async () => {
    const config = simConfig();
    sim.setFaults({ failures: [{ action: "ReplaceRoute", code: "InternalError", times: 2 }] });
    const result = await provider(config).execute(routeOp(config), deadline());
    expect(result.attempts).toBe(3);
    expect(sim.calls.filter((c) => c.action === "ReplaceRoute")).toHaveLength(3);
  });

  it("throttling (RequestLimitExceeded) is retried with backoff", async () => {
    const config = simConfig();
    sim.setFaults({ throttle: { mutating: { burst: 2, refillPerSecond: 10 }, nonMutating: { burst: 100, refillPerSecond: 20 } } });
    const ops = planOperations(planFailover(config, "b"));
    await run(provider(config), ops);
    expect(calls.some((c) => c.attempts > 1)).toBe(true);
    expect(calls.every((c) => c.ok)).toBe(true);
    expect(sim.calls.some((c) => c.errorCode === "RequestLimitExceeded")).toBe(true);
  });

  it("held requests time out after requestMs each and are retried", async () => {
    const config = simConfig();
    sim.setFaults({ timeoutRate: 0.5, actions: ["ReplaceRoute"] });
    const ops = planOperations(planFailover(config, "b")).filter((o) => o.action === "ReplaceRoute");
    await run(provider(config), ops);
    expect(calls.every((c) => c.ok)).toBe(true);
    expect(calls.some((c) => c.attempts > 1)).toBe(true);
  });

  it("a request that never answers costs requestMs per attempt; the deadline ends it", async () => {
    const config = simConfig();
    sim.setFaults({ timeoutRate: 1, actions: ["ReplaceRoute"] });
    const started = performance.now();
    const err = (await provider(config)
      .execute(routeOp(config), AbortSignal.timeout(1_500))
      .catch((e: unknown) => e)) as HaPairError;
    expect(err.errorClass).toBe("deadline");
    expect(performance.now() - started).toBeLessThan(2_500);
    // More than one attempt fitted in the deadline: each was cut at 300 ms.
    expect(sim.calls.filter((c) => c.action === "ReplaceRoute").length).toBeGreaterThan(1);
  });

  it("a permanent error is not retried", async () => {
    const config = simConfig();
    sim.setFaults({ failures: [{ action: "ReplaceRoute", code: "InvalidParameterValue", message: "Value (eni-x) for parameter networkInterfaceId is invalid." }] });
    const err = (await provider(config)
      .execute(routeOp(config), deadline())
      .catch((e: unknown) => e)) as HaPairError;
    expect(err.errorClass).toBe("permanent");
    expect(err.attempts).toBe(1);
    expect(sim.calls.filter((c) => c.action === "ReplaceRoute")).toHaveLength(1);
  });

  it("a route that does not exist is InvalidRoute.NotFound from the cloud itself, with the fix", async () => {
    const base = simConfig();
    const rtb = base.routes?.[0]?.routeTableId ?? "";
    const op: Operation = {
      action: "ReplaceRoute",
      target: `${rtb} 10.250.0.0/16`,
      node: "b",
      routeTableId: rtb,
      destination: { kind: "ipv4", cidr: "10.250.0.0/16" },
      networkInterfaceId: base.nodes.b.interfaces.internal?.id ?? "",
      role: "internal",
    };
    const err = (await provider(base)
      .execute(op, deadline())
      .catch((e: unknown) => e)) as HaPairError;
    expect(err.code).toBe("InvalidRoute.NotFound");
    expect(err.describe()).toContain(`the route 10.250.0.0/16 does not exist in ${rtb}`);
  });
});
