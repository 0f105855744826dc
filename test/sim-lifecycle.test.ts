import { request } from "node:http";
import { execFile } from "node:child_process";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";
import { DescribeRouteTablesCommand, EC2Client } from "@aws-sdk/client-ec2";
import { validateConfig } from "../runtime/config/validate.js";
import { startAwsSim } from "../sim/index.js";
import { exampleTopology, pairTopology } from "../sim/topologies.js";
import { loadTopologyFile, TopologyFileError } from "../sim/topology-file.js";

/** Sockets, servers and timers alive now (what would keep vitest from exiting). */
function openHandles(): number {
  return process.getActiveResourcesInfo().filter((kind) => kind === "TCPSocketWrap" || kind === "TCPServerWrap" || kind === "Timeout").length;
}

describe("start and stop", () => {
  it("listens on 127.0.0.1 only, and stop closes every socket, held requests included", async () => {
    const before = openHandles();
    const sim = await startAwsSim({ faults: { timeoutRate: 1, latencyMs: 0 } });
    expect(sim.endpoint).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(sim.imds.a).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(sim.imds.b).not.toBe(sim.imds.a);
    const ec2 = new EC2Client({ endpoint: sim.endpoint, region: sim.region, credentials: sim.credentials, maxAttempts: 1 });
    const held = ec2.send(new DescribeRouteTablesCommand({})).catch((err: Error) => err);
    // A raw request whose client never gives up: only stop() can end it.
    const raw = new Promise<string>((resolve) => {
      const req = request(`${sim.endpoint}/ha-pair-state-demo/k`, { method: "GET" }, () => resolve("answered"));
      req.on("error", (err) => resolve(err.message));
      req.end();
    });
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(sim.calls.filter((c) => c.status === 0)).toHaveLength(1); // the signed EC2 call is held; the unsigned GET is refused
    const stopStarted = performance.now();
    await sim.stop();
    expect(performance.now() - stopStarted).toBeLessThan(1000);
    expect(await held).toBeInstanceOf(Error);
    expect(await raw).toBe("answered");
    ec2.destroy();
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(openHandles()).toBeLessThanOrEqual(before);
  });

  it("stop also cuts injected latency short", async () => {
    const sim = await startAwsSim({ faults: { latencyMs: 60_000 } });
    const pending = fetch(`${sim.imds.a}/latest/api/token`, { method: "PUT" }).catch((err: Error) => err);
    await new Promise((resolve) => setTimeout(resolve, 50));
    const started = performance.now();
    await sim.stop();
    expect(await pending).toBeInstanceOf(Error);
    expect(performance.now() - started).toBeLessThan(1000);
  });
});

describe("agent config of a topology", () => {
  it("the example pair's config passes the contract's validation and speaks as node a", async () => {
    const sim = await startAwsSim({ topology: exampleTopology() });
    try {
      const config = sim.agentConfig();
      expect(validateConfig(config)).toEqual({ ok: true, config });
      expect(config.endpoints).toEqual({ ec2: sim.endpoint, s3: sim.endpoint, imds: sim.imds.a });
      expect(config.region).toBe("us-east-1");
      expect(Object.keys(config.nodes.a.interfaces)).toEqual(["mgmt", "external", "internal"]);
      expect(config.addresses?.secondaryIps).toEqual([{ role: "external", ips: ["10.0.1.100", "10.0.1.101", "10.0.1.102"] }]);
      expect(config.routes).toHaveLength(2);
      const file = join(mkdtempSync(join(tmpdir(), "ha-pair-sim-")), "config.json");
      sim.writeAgentConfig(file);
      expect(JSON.parse(readFileSync(file, "utf8"))).toEqual(config);
    } finally {
      await sim.stop();
    }
  });

  it.each([
    { secondaryIps: 10, elasticIps: 1, routeTables: 3, routesPerTable: 2 },
    { secondaryIps: 0, elasticIps: 3, routeTables: 5, routesPerTable: 100, acrossAz: true },
    { secondaryIps: 200, elasticIps: 2, routeTables: 1, routesPerTable: 500 },
  ])("pairTopology(%o) makes a valid config and a world the EC2 model accepts", async (params) => {
    const topology = pairTopology(params);
    expect(pairTopology(params)).toEqual(topology); // deterministic IDs
    const sim = await startAwsSim({ topology });
    try {
      expect(validateConfig(sim.agentConfig()).ok).toBe(true);
      const a = topology.instances.find((i) => i.node === "a");
      const internal = a?.interfaces.find((n) => n.role === "internal")?.id;
      const table = topology.routeTables.at(-1)?.id as string;
      expect(sim.world.routeTarget(table, "0.0.0.0/0")?.networkInterfaceId).toBe(internal);
      if (params.secondaryIps > 0) expect(sim.world.whereIsPrivateIp(topology.pair.secondaryIps[0]?.ips.at(-1) as string)).toBe(a?.interfaces[0]?.id);
    } finally {
      await sim.stop();
    }
  });
});

describe("topology files", () => {
  const dir = mkdtempSync(join(tmpdir(), "ha-pair-topology-"));
  const write = (name: string, text: string) => {
    const file = join(dir, name);
    writeFileSync(file, text);
    return file;
  };
  const errorsOf = (file: string): string[] => {
    try {
      loadTopologyFile(file);
    } catch (err) {
      expect(err).toBeInstanceOf(TopologyFileError);
      return (err as TopologyFileError).errors.map((e) => `${e.path}: ${e.message}`);
    }
    throw new Error("expected the file to be refused");
  };

  it("loads a valid file", () => {
    expect(loadTopologyFile(write("ok.json", JSON.stringify(exampleTopology())))).toEqual(exampleTopology());
  });

  it("reports a missing file, bad JSON with line and column, unknown properties and dangling references", () => {
    expect(errorsOf(join(dir, "absent.json"))[0]).toMatch(/file not found/);
    expect(errorsOf(write("bad.json", '{\n  "region": ,\n}'))[0]).toMatch(/^: is not valid JSON/);
    const broken = exampleTopology() as unknown as Record<string, unknown> & ReturnType<typeof exampleTopology>;
    broken.instances[1]!.interfaces[0]!.subnetId = "subnet-0000000000000dead";
    broken.pair.routes[0]!.destinations.push("10.200.0.0/16");
    broken.pair.stateStore.bucket = "other-bucket";
    expect(errorsOf(write("refs.json", JSON.stringify(broken)))).toEqual([
      expect.stringMatching(/^\/instances\/1\/interfaces\/0\/subnetId: subnet-0000000000000dead is not a subnet of this topology; add it under \/subnets/),
      "/pair/stateStore/bucket: other-bucket is not a bucket of this topology; add {\"name\": \"other-bucket\"} under /buckets",
      expect.stringMatching(/^\/pair\/routes\/0\/destinations\/2: rtb-\w+ has no route to 10.200.0.0\/16/),
    ]);
    expect(errorsOf(write("extra.json", JSON.stringify({ ...exampleTopology(), colour: "blue" })))).toEqual([
      "/colour: is not a known property here; remove it or fix its spelling",
    ]);
  });
});

describe("the AWS CLI against the sim", () => {
  it("aws s3api put-object / get-object and aws ec2 describe-route-tables work unmodified", async () => {
    const sim = await startAwsSim();
    const run = promisify(execFile);
    const env = {
      PATH: process.env.PATH ?? "",
      HOME: process.env.HOME ?? "/tmp",
      AWS_ACCESS_KEY_ID: sim.credentials.accessKeyId,
      AWS_SECRET_ACCESS_KEY: sim.credentials.secretAccessKey,
      AWS_DEFAULT_REGION: sim.region,
      AWS_CONFIG_FILE: "/nonexistent/ha-pair-test/config",
      AWS_SHARED_CREDENTIALS_FILE: "/nonexistent/ha-pair-test/credentials",
      AWS_EC2_METADATA_DISABLED: "true",
    };
    try {
      const body = join(mkdtempSync(join(tmpdir(), "ha-pair-cli-")), "body.txt");
      writeFileSync(body, "from the cli");
      const put = await run("aws", ["--endpoint-url", sim.endpoint, "s3api", "put-object", "--bucket", "ha-pair-state-demo", "--key", "cli/key", "--body", body], { env });
      expect(JSON.parse(put.stdout).ETag).toBe(sim.s3.getObject("ha-pair-state-demo", "cli/key")?.etag);
      expect(sim.s3.getObjectText("ha-pair-state-demo", "cli/key")).toBe("from the cli");
      const tables = await run("aws", ["--endpoint-url", sim.endpoint, "ec2", "describe-route-tables", "--output", "json"], { env });
      const ids = (JSON.parse(tables.stdout) as { RouteTables: { RouteTableId: string }[] }).RouteTables.map((t) => t.RouteTableId);
      expect(ids).toEqual(expect.arrayContaining(sim.topology.routeTables.map((t) => t.id)));
    } finally {
      await sim.stop();
    }
  });
});
