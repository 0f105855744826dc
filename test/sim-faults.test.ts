import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  AssignPrivateIpAddressesCommand,
  AssociateAddressCommand,
  DescribeNetworkInterfacesCommand,
  DescribeRouteTablesCommand,
  EC2Client,
  EC2ServiceException,
  ReplaceRouteCommand,
} from "@aws-sdk/client-ec2";
import { GetObjectCommand, PutObjectCommand, S3Client } from "@aws-sdk/client-s3";
import { type CallDescription, type FaultConfig, FaultInjector, type FaultOutcome } from "../sim/faults.js";
import { startAwsSim, type AwsSim } from "../sim/index.js";

function run(injector: FaultInjector, calls: CallDescription[]): { latencyMs: number; outcome: FaultOutcome }[] {
  return calls.map((call) => {
    const faults = injector.begin(call);
    return { latencyMs: faults.latencyMs, outcome: faults.outcome() };
  });
}

const mixedCalls: CallDescription[] = Array.from({ length: 300 }, (_, i) => ({
  service: i % 3 === 0 ? "s3" : "ec2",
  action: ["ReplaceRoute", "AssociateAddress", "PutObject"][i % 3] as string,
  targets: [`target-${i % 7}`],
  mutating: true,
}));

describe("fault injection is reproducible from the seed", () => {
  const config: FaultConfig = { seed: 42, latencyMs: { min: 5, max: 50 }, serverErrorRate: 0.2, timeoutRate: 0.1, throttle: false };

  it("same seed → the same faults, call for call; another seed → others", () => {
    const first = run(new FaultInjector(config), mixedCalls);
    const again = run(new FaultInjector(config), mixedCalls);
    const other = run(new FaultInjector({ ...config, seed: 43 }), mixedCalls);
    expect(again).toEqual(first);
    expect(other).not.toEqual(first);
    const kinds = new Set(first.map((r) => (r.outcome.kind === "error" ? r.outcome.error.code : r.outcome.kind)));
    expect(kinds).toEqual(new Set(["pass", "timeout", "InternalError", "Unavailable", "ServiceUnavailable"]));
    for (const r of first) expect(r.latencyMs).toBeGreaterThanOrEqual(5);
    for (const r of first) expect(r.latencyMs).toBeLessThanOrEqual(50);
  });

  it("does not depend on the order in which parallel calls arrive", () => {
    const inOrder = run(new FaultInjector(config), mixedCalls);
    const order = mixedCalls.map((_, i) => i).sort((x, y) => (mixedCalls[x]?.action ?? "").localeCompare(mixedCalls[y]?.action ?? "") || x - y);
    const shuffled = run(new FaultInjector(config), order.map((i) => mixedCalls[i] as CallDescription));
    const byOriginalIndex = new Map(order.map((original, position) => [original, shuffled[position]]));
    expect(mixedCalls.map((_, i) => byOriginalIndex.get(i))).toEqual(inOrder);
  });

  it("restricts random faults to the listed actions", () => {
    const results = run(new FaultInjector({ ...config, serverErrorRate: 1, actions: ["AssociateAddress"] }), mixedCalls);
    mixedCalls.forEach((call, i) => {
      const outcome = results[i]?.outcome;
      if (call.action === "AssociateAddress") expect(outcome?.kind).not.toBe("pass");
      else expect(outcome).toEqual({ kind: "pass" });
    });
  });

  it("a targeted failure fails exactly `times` matching calls", () => {
    const injector = new FaultInjector({ throttle: false, failures: [{ action: "ReplaceRoute", target: "rtb-1", code: "InternalError", times: 2 }] });
    const call = (target: string): CallDescription => ({ service: "ec2", action: "ReplaceRoute", targets: [target], mutating: true });
    const outcomes = run(injector, [call("rtb-2"), call("rtb-1"), call("rtb-1"), call("rtb-1")]).map((r) => r.outcome);
    expect(outcomes).toEqual([
      { kind: "pass" },
      { kind: "error", error: { status: 500, code: "InternalError", message: "Injected failure of ReplaceRoute." } },
      { kind: "error", error: { status: 500, code: "InternalError", message: "Injected failure of ReplaceRoute." } },
      { kind: "pass" },
    ]);
  });
});

describe("EC2 request throttling: a token bucket per API action", () => {
  const ec2Call = (action: string, mutating: boolean): CallDescription => ({ service: "ec2", action, targets: [], mutating });
  const throttled = (outcome: FaultOutcome) => outcome.kind === "error" && outcome.error.code === "RequestLimitExceeded" && outcome.error.status === 503;

  it("mutating actions: 50 at once, then 5 per second (EC2's defaults)", () => {
    let now = 1_000_000;
    const injector = new FaultInjector({}, () => now);
    const take = (action = "ReplaceRoute") => injector.begin(ec2Call(action, true)).outcome();
    for (let i = 0; i < 50; i++) expect(take()).toEqual({ kind: "pass" });
    expect(throttled(take())).toBe(true);
    expect(take("AssociateAddress")).toEqual({ kind: "pass" }); // another action has its own bucket
    now += 200; // one token back
    expect(take()).toEqual({ kind: "pass" });
    expect(throttled(take())).toBe(true);
    now += 1000;
    for (let i = 0; i < 5; i++) expect(take()).toEqual({ kind: "pass" });
    expect(throttled(take())).toBe(true);
  });

  it("non-mutating actions: 100 at once, then 20 per second; S3 is not throttled", () => {
    let now = 0;
    const injector = new FaultInjector({}, () => now);
    const take = () => injector.begin(ec2Call("DescribeRouteTables", false)).outcome();
    for (let i = 0; i < 100; i++) expect(take()).toEqual({ kind: "pass" });
    expect(throttled(take())).toBe(true);
    now += 1000;
    for (let i = 0; i < 20; i++) expect(take()).toEqual({ kind: "pass" });
    expect(throttled(take())).toBe(true);
    for (let i = 0; i < 200; i++) expect(injector.begin({ service: "s3", action: "GetObject", targets: [], mutating: false }).outcome()).toEqual({ kind: "pass" });
  });
});

describe("faults through the real SDK", () => {
  let sim: AwsSim;
  let ec2: EC2Client;
  let s3: S3Client;
  const bucket = "ha-pair-state-demo";
  const node = (id: "a" | "b") => sim.topology.instances.find((i) => i.node === id);
  const eni = (id: "a" | "b", role: string) => node(id)?.interfaces.find((n) => n.role === role)?.id as string;

  async function ec2Failure(promise: Promise<unknown>): Promise<EC2ServiceException> {
    try {
      await promise;
    } catch (err) {
      if (err instanceof EC2ServiceException) return err;
      throw err;
    }
    throw new Error("expected the call to fail");
  }

  beforeAll(async () => {
    sim = await startAwsSim({ seed: 3 });
    const common = { endpoint: sim.endpoint, region: sim.region, credentials: sim.credentials, maxAttempts: 1 };
    ec2 = new EC2Client({ ...common, requestHandler: { requestTimeout: 400, throwOnRequestTimeout: true } });
    s3 = new S3Client({ ...common, forcePathStyle: true });
  });
  afterAll(async () => {
    ec2.destroy();
    s3.destroy();
    await sim.stop();
  });

  it("answers RequestLimitExceeded (503) once an action's bucket is empty", async () => {
    sim.setFaults({ throttle: { mutating: { burst: 3, refillPerSecond: 0.001 }, nonMutating: { burst: 100, refillPerSecond: 20 } } });
    try {
      const table = sim.topology.routeTables[0]?.id as string;
      const replace = () => ec2.send(new ReplaceRouteCommand({ RouteTableId: table, DestinationCidrBlock: "0.0.0.0/0", NetworkInterfaceId: eni("a", "internal") }));
      for (let i = 0; i < 3; i++) await replace();
      const err = await ec2Failure(replace());
      expect(err.name).toBe("RequestLimitExceeded");
      expect(err.$metadata.httpStatusCode).toBe(503);
    } finally {
      sim.setFaults({ throttle: undefined });
    }
  });

  it("applies latency to every call", async () => {
    sim.setFaults({ latencyMs: 150 });
    try {
      sim.clearCalls();
      const started = performance.now();
      await s3.send(new PutObjectCommand({ Bucket: bucket, Key: "slow", Body: "x" }));
      expect(performance.now() - started).toBeGreaterThanOrEqual(145);
      expect(sim.calls[0]?.ms).toBeGreaterThanOrEqual(145);
    } finally {
      sim.setFaults({ latencyMs: 0 });
    }
  });

  it("holds a timed-out request unanswered until the client gives up", async () => {
    sim.setFaults({ timeoutRate: 1, actions: ["DescribeRouteTables"] });
    try {
      sim.clearCalls();
      const started = performance.now();
      await expect(ec2.send(new DescribeRouteTablesCommand({}))).rejects.toMatchObject({ name: "TimeoutError" });
      expect(performance.now() - started).toBeGreaterThanOrEqual(380);
      expect(sim.calls).toMatchObject([{ service: "ec2", action: "DescribeRouteTables", status: 0, errorCode: "Timeout" }]);
      await ec2.send(new DescribeNetworkInterfacesCommand({ NetworkInterfaceIds: [eni("a", "external")] }));
    } finally {
      sim.setFaults({ timeoutRate: 0, actions: undefined });
    }
  });

  it("a deny rule makes EC2 answer UnauthorizedOperation, for DryRun too", async () => {
    const allocationId = sim.topology.elasticIps[0]?.allocationId as string;
    sim.setFaults({ deny: [{ action: "ec2:AssociateAddress", target: allocationId }] });
    try {
      const request = { AllocationId: allocationId, NetworkInterfaceId: eni("b", "external"), PrivateIpAddress: "10.0.1.12", AllowReassociation: true };
      const denied = await ec2Failure(ec2.send(new AssociateAddressCommand(request)));
      expect(denied.name).toBe("UnauthorizedOperation");
      expect(denied.$metadata.httpStatusCode).toBe(403);
      const dryRun = await ec2Failure(ec2.send(new AssociateAddressCommand({ ...request, DryRun: true })));
      expect(dryRun.name).toBe("UnauthorizedOperation");
      expect(sim.world.eipAssociation(allocationId)?.networkInterfaceId).toBe(eni("a", "external"));
    } finally {
      sim.setFaults({ deny: [] });
    }
  });

  it("injects a specific error on one target, `times` times", async () => {
    sim.setFaults({ failures: [{ action: "GetObject", target: `${bucket}/flaky`, code: "InternalError", times: 1 }] });
    try {
      await s3.send(new PutObjectCommand({ Bucket: bucket, Key: "flaky", Body: "x" }));
      await expect(s3.send(new GetObjectCommand({ Bucket: bucket, Key: "flaky" }))).rejects.toMatchObject({ name: "InternalError", $metadata: { httpStatusCode: 500 } });
      expect(await (await s3.send(new GetObjectCommand({ Bucket: bucket, Key: "flaky" }))).Body?.transformToString()).toBe("x");
    } finally {
      sim.setFaults({ failures: [] });
    }
  });

  it("Describe calls right after a write see the world as it was staleReadMs ago; S3 stays consistent", async () => {
    sim.setFaults({ staleReadMs: 60_000 });
    try {
      const moving = "10.0.1.100";
      const target = eni("b", "external");
      await ec2.send(new AssignPrivateIpAddressesCommand({ NetworkInterfaceId: target, PrivateIpAddresses: [moving], AllowReassignment: true }));
      expect(sim.world.whereIsPrivateIp(moving)).toBe(target);
      const stale = await ec2.send(new DescribeNetworkInterfacesCommand({ NetworkInterfaceIds: [target] }));
      expect(stale.NetworkInterfaces?.[0]?.PrivateIpAddresses?.map((p) => p.PrivateIpAddress)).not.toContain(moving);
      await s3.send(new PutObjectCommand({ Bucket: bucket, Key: "consistent", Body: "new" }));
      expect(await (await s3.send(new GetObjectCommand({ Bucket: bucket, Key: "consistent" }))).Body?.transformToString()).toBe("new");
      sim.setFaults({ staleReadMs: 0 });
      const fresh = await ec2.send(new DescribeNetworkInterfacesCommand({ NetworkInterfaceIds: [target] }));
      expect(fresh.NetworkInterfaces?.[0]?.PrivateIpAddresses?.map((p) => p.PrivateIpAddress)).toContain(moving);
    } finally {
      sim.setFaults({ staleReadMs: 0 });
    }
  });

  it("refuses an unknown access key with 401 AuthFailure", async () => {
    const stranger = new EC2Client({ endpoint: sim.endpoint, region: sim.region, maxAttempts: 1, credentials: { accessKeyId: "AKIAUNKNOWN000000000", secretAccessKey: "x" } });
    const err = await ec2Failure(stranger.send(new DescribeRouteTablesCommand({})));
    expect(err.name).toBe("AuthFailure");
    expect(err.$metadata.httpStatusCode).toBe(401);
    stranger.destroy();
  });
});
