/** The daemon's loopback API against the simulated cloud, the daemon running in this process. */
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { validateConfig } from "../runtime/config/validate.js";
import { configDigest } from "../runtime/config/digest.js";
import { holderInCloud, startExampleSim, type AwsSim } from "./helpers/aws-sim.js";
import { finishedTask, mutations, startTestDaemon, type TestDaemon } from "./helpers/agent-daemon.js";
import { sampleConfig } from "./helpers/sample-config.js";

let sim: AwsSim;
let d: TestDaemon;
beforeEach(async () => {
  sim = await startExampleSim();
  d = await startTestDaemon(sim, { node: "b" });
});
afterEach(async () => {
  await d.daemon.stop("test");
  await sim.stop();
});

/** Prometheus text exposition format, line by line: comments, or `name{labels} value`. */
function parsePrometheus(text: string): Map<string, number> {
  const samples = new Map<string, number>();
  const sample = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{(?:[a-zA-Z_][a-zA-Z0-9_]*="(?:[^"\\]|\\.)*",?)*\})? (-?[0-9.e+-]+|[Nn]a[Nn]|[+-]Inf)$/; // Go's ParseFloat: NaN in any case
  for (const line of text.split("\n")) {
    if (line === "") continue;
    if (line.startsWith("# HELP ") || line.startsWith("# TYPE ")) continue;
    const m = sample.exec(line);
    if (!m) throw new Error(`not a Prometheus sample line: ${line}`);
    samples.set(`${m[1]}${m[2] ?? ""}`, Number(m[3]));
  }
  return samples;
}

describe("agent API: authentication and routing", () => {
  it("answers 401 with WWW-Authenticate without a token or with a wrong one, on every path, and never logs the token", async () => {
    for (const [method, path] of [["GET", "/info"], ["POST", "/trigger"], ["GET", "/metrics"], ["GET", "/nowhere"]] as const) {
      const none = await d.request(method, path, { token: null });
      expect(none.status).toBe(401);
      expect(none.headers.get("www-authenticate")).toMatch(/^Bearer/);
      expect(none.json.error).toMatchObject({ code: "Unauthorized", where: "Authorization header" });
      expect(none.json.error.fix).toContain("Bearer");
      const wrong = await d.request(method, path, { token: `${d.token}x` });
      expect(wrong.status).toBe(401);
    }
    expect((await d.request("GET", "/info", { token: d.token.slice(0, -1) })).status).toBe(401);
    // Nothing was triggered by the refused POSTs.
    expect((await d.request("GET", "/trigger")).json).toEqual({ task: null });
    expect(d.logText()).not.toContain(d.token);
  });

  it("answers 404 for an unknown path and 405 with Allow for a wrong method, errors saying what, where and how to fix", async () => {
    const missing = await d.request("GET", "/nope");
    expect(missing.status).toBe(404);
    expect(missing.json.error).toMatchObject({ code: "NotFound", where: "GET /nope" });
    expect(missing.json.error.fix).toContain("/trigger");
    const wrong = await d.request("DELETE", "/trigger");
    expect(wrong.status).toBe(405);
    expect(wrong.headers.get("allow")).toBe("POST, GET");
    const bad = await d.request("POST", "/trigger", { body: { activate: "c" } });
    expect(bad.status).toBe(400);
    expect(bad.json.error).toMatchObject({ code: "BadActivate", where: "POST /trigger body: activate" });
    expect((await d.request("POST", "/trigger", { body: "{not json" })).status).toBe(400);
    expect((await d.request("POST", "/trigger", { body: { activte: "a" } })).json.error.code).toBe("UnknownProperty");
  });

  it("listens on 127.0.0.1 only; the config accepts no other address and wants the role command by absolute path", () => {
    expect(new URL(d.url).hostname).toBe("127.0.0.1");
    const bad = validateConfig({ ...sampleConfig(), agent: { listen: { address: "0.0.0.0", port: 8787 }, reconcile: { roleCommand: ["is-active"], intervalSeconds: 5, timeoutSeconds: 5 } } });
    expect(bad.ok).toBe(false);
    const paths = bad.ok ? [] : bad.errors.map((e) => e.path);
    expect(paths).toEqual(expect.arrayContaining(["/agent/listen/address", "/agent/reconcile/roleCommand/0", "/agent/reconcile/timeoutSeconds"]));
    expect(validateConfig({ ...sampleConfig(), agent: { listen: { port: 0 } } }).ok).toBe(false);
  });
});

describe("agent API: endpoints", () => {
  it("GET /info names the node, instance, version, config digest, uptime and pid", async () => {
    const info = await d.request("GET", "/info");
    expect(info.status).toBe(200);
    expect(info.headers.get("content-type")).toContain("application/json");
    const config = sim.agentConfig();
    expect(info.json).toMatchObject({
      version: "0.0.0-test",
      node: "b",
      instanceId: config.nodes.b.instanceId,
      label: config.label,
      configDigest: configDigest(config),
      pid: process.pid,
      listen: { address: "127.0.0.1", port: d.daemon.port },
      reconcile: { enabled: false },
    });
    expect(info.json.configDigest).toMatch(/^sha256:[0-9a-f]{64}$/);
    expect(info.json.uptimeSeconds).toBeGreaterThanOrEqual(0);
  });

  it("POST /trigger answers 202 at once while the failover runs; GET /trigger then shows SUCCEEDED and the cloud is on the node", async () => {
    expect(await holderInCloud(sim)).toBe("a");
    sim.setFaults({ latencyMs: 150 });
    const accepted = await d.request("POST", "/trigger");
    expect(accepted.status).toBe(202);
    expect(accepted.headers.get("location")).toBe("/trigger");
    expect(accepted.json).toMatchObject({ state: "RUNNING", activate: "b", joined: false, status: "/trigger" });
    // Answered before the failover finished: it is still running now.
    const during = await d.request("GET", "/trigger");
    expect(during.json.task).toMatchObject({ id: accepted.json.taskId, state: "RUNNING", activate: "b", source: "api" });
    const task = await finishedTask(d);
    sim.setFaults({ latencyMs: 0 });
    expect(task).toMatchObject({ id: accepted.json.taskId, state: "SUCCEEDED", report: { outcome: "converged", converged: true, activeNode: "b", generation: 1, taskId: accepted.json.taskId } });
    expect(await holderInCloud(sim)).toBe("b");
    // The cached read went straight to the fencing write: no GetObject before it.
    const calls = d.recorder.calls.slice(d.recorder.calls.findIndex((c) => c.action === "PutObject" && c.ok));
    expect(calls[0]!.action).toBe("PutObject");
    // Logged: trigger, phases, each call, result.
    for (const event of ["failover-started", "phase", "api-call", "failover-finished"]) {
      expect(d.logs.some((l) => l.event === event && l.taskId === accepted.json.taskId), event).toBe(true);
    }
    // The agent's own time on the critical path is logged for every failover (the bench judges it).
    const finished = d.logs.find((l) => l.event === "failover-finished")!;
    expect(finished).toMatchObject({ cachedRead: true, agentMs: { beforeFence: expect.any(Number), fenceToMutation: expect.any(Number) } });
  });

  it("concurrent triggers join one task: one task id, one fencing write, one generation", async () => {
    sim.setFaults({ latencyMs: 100 });
    const mark = d.recorder.calls.length;
    const answers = await Promise.all([d.request("POST", "/trigger"), d.request("POST", "/trigger", { body: { activate: "b" } }), d.request("POST", "/trigger", { body: {} })]);
    expect(answers.map((a) => a.status)).toEqual([202, 202, 202]);
    expect(new Set(answers.map((a) => a.json.taskId)).size).toBe(1);
    expect(answers.filter((a) => a.json.joined)).toHaveLength(2);
    // A trigger for the other node while this one runs is refused, not joined and not started.
    const other = await d.request("POST", "/trigger", { body: { activate: "a" } });
    expect(other.status).toBe(409);
    expect(other.json.error.code).toBe("FailoverRunning");
    const task = await finishedTask(d);
    sim.setFaults({ latencyMs: 0 });
    expect(task).toMatchObject({ state: "SUCCEEDED", triggers: 3, report: { generation: 1 } });
    const puts = d.recorder.since(mark).filter((c) => c.action === "PutObject");
    expect(puts).toHaveLength(2); // the fencing write and the result
    expect(d.recorder.since(mark).filter((c) => c.action === "AssignPrivateIpAddresses").length).toBe(task.report.apiCallsByAction.AssignPrivateIpAddresses);
  });

  it("GET /metrics is Prometheus text carrying the failover metrics after a trigger", async () => {
    await d.request("POST", "/trigger");
    await finishedTask(d);
    const response = await d.request("GET", "/metrics");
    expect(response.status).toBe(200);
    expect(response.headers.get("content-type")).toContain("text/plain");
    const samples = parsePrometheus(response.text);
    expect(samples.get('ha_pair_failover_duration_seconds_count{outcome="converged"}')).toBe(1);
    expect(samples.get('ha_pair_failovers_total{outcome="converged",source="api"}')).toBe(1);
    expect(samples.get('ha_pair_last_failover_result{outcome="converged"}')).toBe(1);
    expect(samples.get('ha_pair_last_failover_result{outcome="lost-race"}')).toBe(0);
    expect(samples.get("ha_pair_last_failover_success")).toBe(1);
    expect(samples.get("ha_pair_last_failover_timestamp_seconds")).toBeGreaterThan(Date.now() / 1000 - 60);
    // The start-up write probe (a PutObject whose condition cannot hold), the fencing write, the result.
    expect(samples.get('ha_pair_api_calls_total{service="s3",action="PutObject",outcome="ok"}')).toBe(3);
    expect(samples.get('ha_pair_api_calls_total{service="ec2",action="ReplaceRoute",outcome="ok"}')).toBeGreaterThan(0);
    // The generation is read back after the failover's own write (off the trigger path).
    for (let i = 0; i < 100 && parsePrometheus((await d.request("GET", "/metrics")).text).get("ha_pair_owner_generation") !== 1; i++) await new Promise((r) => setTimeout(r, 20));
    expect(parsePrometheus((await d.request("GET", "/metrics")).text).get("ha_pair_owner_generation")).toBe(1);
  });

  it("GET /inspect shows where everything points and the state; POST /reset removes the state", async () => {
    await d.request("POST", "/trigger");
    await finishedTask(d);
    const inspect = await d.request("GET", "/inspect");
    expect(inspect.status).toBe(200);
    expect(inspect.json).toMatchObject({ node: "b", activeNode: "b", state: { generation: 1, activeNode: "b", taskState: "SUCCEEDED" } });
    expect(inspect.json.items.length).toBeGreaterThan(0);
    const reset = await d.request("POST", "/reset");
    expect(reset.status).toBe(200);
    expect(reset.json).toMatchObject({ reset: true, previous: { generation: 1 } });
    expect((await d.request("GET", "/inspect")).json.state).toBeNull();
    expect((await d.request("POST", "/reset", { body: { force: "yes" } })).status).toBe(400);
    // Nothing mutating happened outside the one failover.
    expect(mutations(d.recorder.calls).length).toBeGreaterThan(0);
  });
});
