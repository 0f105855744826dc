/**
 * The AWS provider through the real SDK over HTTP, against a scripted 127.0.0.1 server that
 * answers exactly what a test needs (one error code, a delay, a 503). The simulated cloud
 * covers the semantics (test/aws-sim.test.ts); this covers the client configuration: endpoint
 * precedence, path style, per-request timeouts, what is retried and what is not, and how
 * answers map to results and errors.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { createAwsProvider, type AwsProvider } from "../runtime/aws/index.js";
import type { AwsAgentConfig as AgentConfig } from "../runtime/config/types.js";
import { FencingConflictError, HaPairError } from "../runtime/core/errors.js";
import type { ApiCallRecord } from "../runtime/core/provider.js";
import type { PairState } from "../runtime/core/state.js";

interface SeenRequest {
  method: string;
  url: string;
  host: string;
  headers: IncomingMessage["headers"];
  body: string;
  action: string | null;
}

interface Answer {
  status?: number;
  body?: string;
  headers?: Record<string, string>;
  /** Hold the answer this long (to trip the client's request timeout). */
  delayMs?: number;
  /** Cut the connection without answering. */
  destroy?: boolean;
}

interface FakeServer {
  url: string;
  seen: SeenRequest[];
  close(): Promise<void>;
}

async function fakeServer(answer: (req: SeenRequest, index: number) => Answer): Promise<FakeServer> {
  const seen: SeenRequest[] = [];
  const server: Server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const body = Buffer.concat(chunks).toString("utf8");
      const action = new URLSearchParams(body).get("Action");
      const request = { method: req.method ?? "", url: req.url ?? "", host: req.headers.host ?? "", headers: req.headers, body, action };
      seen.push(request);
      const a = answer(request, seen.length - 1);
      const send = () => {
        if (a.destroy) {
          req.socket.destroy();
          return;
        }
        res.writeHead(a.status ?? 200, { "content-type": "text/xml", ...a.headers });
        res.end(a.body ?? "");
      };
      if (a.delayMs) setTimeout(send, a.delayMs);
      else send();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    seen,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

const ec2Error = (code: string, message = `${code} message`) =>
  `<?xml version="1.0" encoding="UTF-8"?><Response><Errors><Error><Code>${code}</Code><Message>${message}</Message></Error></Errors><RequestID>req-1</RequestID></Response>`;
const s3Error = (code: string, message = `${code} message`) => `<?xml version="1.0" encoding="UTF-8"?><Error><Code>${code}</Code><Message>${message}</Message><RequestId>r</RequestId></Error>`;
const ok = (action: string, inner = "<return>true</return>") =>
  `<?xml version="1.0" encoding="UTF-8"?><${action}Response xmlns="http://ec2.amazonaws.com/doc/2016-11-15/"><requestId>req-1</requestId>${inner}</${action}Response>`;

function config(overrides: Partial<AgentConfig> = {}): AgentConfig {
  return {
    version: 1,
    cloud: "aws",
    label: "wire-pair",
    region: "us-east-1",
    nodes: {
      a: { instanceId: "i-0aaaaaaaaaaaaaaa1", interfaces: { ext: { id: "eni-0aaaaaaaaaaaaaa01" } } },
      b: { instanceId: "i-0bbbbbbbbbbbbbbb1", interfaces: { ext: { id: "eni-0bbbbbbbbbbbbbb01" } } },
    },
    routes: [{ routeTableId: "rtb-0ccccccccccccccc1", destinations: ["0.0.0.0/0"], nextHop: { role: "ext" } }],
    stateStore: { type: "s3", bucket: "wire-state", key: "pairs/wire/state.json" },
    timeouts: { requestMs: 400, connectMs: 200 },
    ...overrides,
  };
}

const route = {
  action: "ReplaceRoute" as const,
  target: "rtb-0ccccccccccccccc1 0.0.0.0/0",
  node: "b" as const,
  routeTableId: "rtb-0ccccccccccccccc1",
  destination: { kind: "ipv4" as const, cidr: "0.0.0.0/0" },
  networkInterfaceId: "eni-0bbbbbbbbbbbbbb01",
  role: "ext",
};

const state: PairState = {
  schemaVersion: 1,
  label: "wire-pair",
  generation: 1,
  activeNode: "a",
  taskId: "t-1",
  taskState: "SUCCEEDED",
  owner: { node: "a" },
  startedAt: "2025-01-01T00:00:00.000Z",
  deadlineAt: "2025-01-01T00:00:30.000Z",
  operations: [],
};

const saved = { ...process.env };
let servers: FakeServer[] = [];
let providers: AwsProvider[] = [];
let calls: ApiCallRecord[] = [];

beforeEach(() => {
  process.env.AWS_ACCESS_KEY_ID = "AKIDWIRETEST";
  process.env.AWS_SECRET_ACCESS_KEY = "wire-secret";
  calls = [];
});
afterEach(async () => {
  for (const p of providers) p.close();
  await Promise.all(servers.map((s) => s.close()));
  servers = [];
  providers = [];
  for (const name of Object.keys(process.env)) if (!(name in saved)) delete process.env[name];
  Object.assign(process.env, saved);
});

async function serve(answer: (req: SeenRequest, index: number) => Answer): Promise<FakeServer> {
  const s = await fakeServer(answer);
  servers.push(s);
  return s;
}

function provider(cfg: AgentConfig): AwsProvider {
  const p = createAwsProvider(cfg, { onCall: (c) => calls.push(c) });
  providers.push(p);
  return p;
}

const signal = () => AbortSignal.timeout(20_000);

describe("endpoint precedence on the wire", () => {
  it("AWS_ENDPOINT_URL_EC2 wins over config.endpoints.ec2", async () => {
    const fromEnv = await serve(() => ({ body: ok("ReplaceRoute") }));
    const fromConfig = await serve(() => ({ body: ok("ReplaceRoute") }));
    process.env.AWS_ENDPOINT_URL_EC2 = fromEnv.url;
    await provider(config({ endpoints: { ec2: fromConfig.url } })).execute(route, signal());
    expect(fromEnv.seen.map((r) => r.action)).toEqual(["ReplaceRoute"]);
    expect(fromConfig.seen).toHaveLength(0);
  });

  it("AWS_ENDPOINT_URL wins over config too; the service-specific variable wins over it", async () => {
    const global = await serve(() => ({ body: ok("ReplaceRoute") }));
    const specific = await serve(() => ({ body: ok("ReplaceRoute") }));
    const fromConfig = await serve(() => ({ body: ok("ReplaceRoute") }));
    process.env.AWS_ENDPOINT_URL = global.url;
    await provider(config({ endpoints: { ec2: fromConfig.url } })).execute(route, signal());
    expect(global.seen).toHaveLength(1);
    process.env.AWS_ENDPOINT_URL_EC2 = specific.url;
    await provider(config({ endpoints: { ec2: fromConfig.url } })).execute(route, signal());
    expect(specific.seen).toHaveLength(1);
    expect(fromConfig.seen).toHaveLength(0);
  });

  it("config.endpoints is used when no variable is set", async () => {
    const fromConfig = await serve(() => ({ body: ok("ReplaceRoute") }));
    await provider(config({ endpoints: { ec2: fromConfig.url } })).execute(route, signal());
    expect(fromConfig.seen[0]?.body).toContain("Action=ReplaceRoute");
  });

  it("S3 on an IP endpoint is path style (the SDK's own rule), and on localhost it is forced", async () => {
    const s3 = await serve(() => ({ status: 404, body: s3Error("NoSuchKey") }));
    expect(await provider(config({ endpoints: { s3: s3.url } })).stateStore.read(signal())).toBeNull();
    const local = s3.url.replace("127.0.0.1", "localhost");
    const p = provider(config({ endpoints: { s3: local } }));
    expect(p.settings.s3.forcePathStyle).toBe(true);
    expect(await p.stateStore.read(signal())).toBeNull();
    expect(s3.seen.map((r) => r.url.split("?")[0])).toEqual(["/wire-state/pairs/wire/state.json", "/wire-state/pairs/wire/state.json"]);
  });
});

describe("operations on the wire", () => {
  it("ReplaceRoute sends exactly the documented parameters and reports one call", async () => {
    const ec2 = await serve(() => ({ body: ok("ReplaceRoute") }));
    const result = await provider(config({ endpoints: { ec2: ec2.url } })).execute(route, signal());
    expect(result).toEqual({ attempts: 1 });
    const params = new URLSearchParams(ec2.seen[0]?.body);
    expect(params.get("RouteTableId")).toBe("rtb-0ccccccccccccccc1");
    expect(params.get("DestinationCidrBlock")).toBe("0.0.0.0/0");
    expect(params.get("NetworkInterfaceId")).toBe("eni-0bbbbbbbbbbbbbb01");
    expect(params.has("DryRun")).toBe(false);
    expect(calls).toEqual([expect.objectContaining({ service: "ec2", action: "ReplaceRoute", target: route.target, ok: true, attempts: 1 })]);
  });

  it("AssignPrivateIpAddresses carries every IP and AllowReassignment in one call", async () => {
    const ec2 = await serve(() => ({ body: ok("AssignPrivateIpAddresses", "<networkInterfaceId>eni-0bbbbbbbbbbbbbb01</networkInterfaceId>") }));
    await provider(config({ endpoints: { ec2: ec2.url } })).execute(
      { action: "AssignPrivateIpAddresses", target: "eni-0bbbbbbbbbbbbbb01", node: "b", networkInterfaceId: "eni-0bbbbbbbbbbbbbb01", role: "ext", privateIps: ["10.0.1.10", "10.0.1.11"] },
      signal(),
    );
    const params = new URLSearchParams(ec2.seen[0]?.body);
    expect(params.get("AllowReassignment")).toBe("true");
    expect(params.getAll("PrivateIpAddress.1")).toEqual(["10.0.1.10"]);
    expect(params.getAll("PrivateIpAddress.2")).toEqual(["10.0.1.11"]);
    expect(ec2.seen).toHaveLength(1);
  });

  it("AssociateAddress names the private IP explicitly and allows reassociation", async () => {
    const ec2 = await serve(() => ({ body: ok("AssociateAddress", "<associationId>eipassoc-1</associationId>") }));
    await provider(config({ endpoints: { ec2: ec2.url } })).execute(
      { action: "AssociateAddress", target: "eipalloc-1", node: "b", allocationId: "eipalloc-1", networkInterfaceId: "eni-0bbbbbbbbbbbbbb01", privateIp: "10.0.1.5", role: "ext" },
      signal(),
    );
    const params = new URLSearchParams(ec2.seen[0]?.body);
    expect([params.get("AllocationId"), params.get("NetworkInterfaceId"), params.get("PrivateIpAddress"), params.get("AllowReassociation")]).toEqual([
      "eipalloc-1",
      "eni-0bbbbbbbbbbbbbb01",
      "10.0.1.5",
      "true",
    ]);
  });
});

describe("retries and timeouts", () => {
  it("a 503 is retried by the SDK and the attempts are reported", async () => {
    const ec2 = await serve((_req, i) => (i < 2 ? { status: 503, body: ec2Error("Unavailable") } : { body: ok("ReplaceRoute") }));
    const result = await provider(config({ endpoints: { ec2: ec2.url } })).execute(route, signal());
    expect(result.attempts).toBe(3);
    expect(calls[0]).toMatchObject({ ok: true, attempts: 3 });
  });

  it("throttling (RequestLimitExceeded) is retried", async () => {
    const ec2 = await serve((_req, i) => (i === 0 ? { status: 503, body: ec2Error("RequestLimitExceeded", "Request limit exceeded.") } : { body: ok("ReplaceRoute") }));
    expect((await provider(config({ endpoints: { ec2: ec2.url } })).execute(route, signal())).attempts).toBe(2);
  });

  it("a request that exceeds requestMs times out on its own and is retried", async () => {
    const ec2 = await serve((_req, i) => (i === 0 ? { delayMs: 1_500, body: ok("ReplaceRoute") } : { body: ok("ReplaceRoute") }));
    const started = performance.now();
    const result = await provider(config({ endpoints: { ec2: ec2.url } })).execute(route, signal());
    expect(result.attempts).toBe(2);
    // The first attempt was cut at requestMs (400 ms), not left hanging for the server's 1.5 s.
    expect(performance.now() - started).toBeLessThan(1_400);
  });

  it("a reset connection is retried", async () => {
    const ec2 = await serve((_req, i) => (i === 0 ? { destroy: true } : { body: ok("ReplaceRoute") }));
    expect((await provider(config({ endpoints: { ec2: ec2.url } })).execute(route, signal())).attempts).toBe(2);
  });

  it("a permanent error is not retried and comes back classified with the fix", async () => {
    const ec2 = await serve(() => ({ status: 400, body: ec2Error("InvalidRoute.NotFound", "no route with destination-cidr-block 0.0.0.0/0 in route table rtb-0ccccccccccccccc1") }));
    const err = await provider(config({ endpoints: { ec2: ec2.url } }))
      .execute(route, signal())
      .catch((e: unknown) => e);
    expect(ec2.seen).toHaveLength(1);
    expect(err).toBeInstanceOf(HaPairError);
    const e = err as HaPairError;
    expect(e.errorClass).toBe("permanent");
    expect(e.code).toBe("InvalidRoute.NotFound");
    expect(e.attempts).toBe(1);
    expect(e.describe()).toContain("the route 0.0.0.0/0 does not exist in rtb-0ccccccccccccccc1");
    expect(e.describe()).toContain("the agent only replaces routes");
    expect(calls[0]).toMatchObject({ ok: false, errorCode: "InvalidRoute.NotFound", attempts: 1 });
  });

  it("a server that keeps failing ends as a transient error after the SDK's attempts", async () => {
    const ec2 = await serve(() => ({ status: 500, body: ec2Error("InternalError", "An internal error has occurred") }));
    const err = (await provider(config({ endpoints: { ec2: ec2.url } }))
      .execute(route, signal())
      .catch((e: unknown) => e)) as HaPairError;
    expect(err.errorClass).toBe("transient");
    expect(ec2.seen.length).toBe(8);
    expect(err.attempts).toBe(8);
  }, 60_000);

  it("the deadline (the signal) bounds a call, not the attempt count", async () => {
    const ec2 = await serve(() => ({ status: 503, body: ec2Error("RequestLimitExceeded") }));
    const started = performance.now();
    const err = (await provider(config({ endpoints: { ec2: ec2.url } }))
      .execute(route, AbortSignal.timeout(700))
      .catch((e: unknown) => e)) as HaPairError;
    expect(err.errorClass).toBe("deadline");
    expect(err.code).toBe("DeadlineExceeded");
    expect(performance.now() - started).toBeLessThan(1_500);
  });

  it("an unreachable endpoint fails as transient, never hangs past the deadline", async () => {
    const err = (await provider(config({ endpoints: { ec2: "http://127.0.0.1:9" } }))
      .execute(route, AbortSignal.timeout(5_000))
      .catch((e: unknown) => e)) as HaPairError;
    expect(["transient", "deadline"]).toContain(err.errorClass);
    expect(err.message).toContain("ec2:ReplaceRoute on rtb-0ccccccccccccccc1 0.0.0.0/0");
  });
});

describe("DryRun", () => {
  it("maps DryRunOperation to allowed and UnauthorizedOperation to a grant naming the action and ARN", async () => {
    const ec2 = await serve((req) => {
      const params = new URLSearchParams(req.body);
      if (params.get("DryRun") !== "true") return { status: 500, body: ec2Error("InternalError", "DryRun missing") };
      return params.get("RouteTableId") === "rtb-denied"
        ? { status: 403, body: ec2Error("UnauthorizedOperation", "You are not authorized to perform this operation. Encoded authorization failure message: AAAAbbbbCCCC") }
        : { status: 412, body: ec2Error("DryRunOperation", "Request would have succeeded, but DryRun flag is set.") };
    });
    const checks = await provider(config({ endpoints: { ec2: ec2.url } })).checkPermissions(
      [route, { ...route, routeTableId: "rtb-denied", target: "rtb-denied 0.0.0.0/0" }],
      signal(),
    );
    expect(checks[0]).toEqual({ action: "ReplaceRoute", target: route.target, allowed: true });
    expect(checks[1]?.allowed).toBe(false);
    expect(checks[1]?.detail).toContain("ec2:ReplaceRoute");
    expect(checks[1]?.detail).toContain("arn:aws:ec2:us-east-1:ACCOUNT:route-table/rtb-denied");
    expect(checks[1]?.detail).not.toContain("AAAAbbbbCCCC");
    // Both routes, and the verification wave's reads (interfaces, route tables), all with DryRun.
    expect(ec2.seen.map((req) => req.action).sort()).toEqual(["DescribeNetworkInterfaces", "DescribeRouteTables", "ReplaceRoute", "ReplaceRoute"]);
    expect(checks.slice(2).map((c) => [c.action, c.allowed])).toEqual([
      ["DescribeNetworkInterfaces", true],
      ["DescribeRouteTables", true],
    ]);
  });
});

describe("AssignPrivateIpAddresses permission check (the API has no DryRun)", () => {
  it("asks the interface to take its own primary IP without reassignment, so nothing can move", async () => {
    const ec2 = await serve((req) => {
      if (req.action === "DescribeNetworkInterfaces") {
        return {
          body: ok(
            "DescribeNetworkInterfaces",
            "<networkInterfaceSet><item><networkInterfaceId>eni-0bbbbbbbbbbbbbb01</networkInterfaceId><privateIpAddress>10.0.1.12</privateIpAddress><privateIpAddressesSet><item><privateIpAddress>10.0.1.12</privateIpAddress><primary>true</primary></item></privateIpAddressesSet></item></networkInterfaceSet>",
          ),
        };
      }
      return { status: 403, body: ec2Error("UnauthorizedOperation", "You are not authorized to perform this operation.") };
    });
    const [check] = await provider(config({ endpoints: { ec2: ec2.url } })).checkPermissions(
      [{ action: "AssignPrivateIpAddresses", target: "eni-0bbbbbbbbbbbbbb01", node: "b", networkInterfaceId: "eni-0bbbbbbbbbbbbbb01", role: "ext", privateIps: ["10.0.1.100"] }],
      signal(),
    );
    const assign = new URLSearchParams(ec2.seen.find((r) => r.action === "AssignPrivateIpAddresses")?.body);
    expect(assign.get("PrivateIpAddress.1")).toBe("10.0.1.12");
    expect(assign.get("AllowReassignment")).toBe("false");
    expect(assign.has("DryRun")).toBe(false);
    expect(check).toMatchObject({ action: "AssignPrivateIpAddresses", allowed: false });
    expect(check?.detail).toContain("ec2:AssignPrivateIpAddresses is not allowed on arn:aws:ec2:us-east-1:ACCOUNT:network-interface/eni-0bbbbbbbbbbbbbb01");
  });
});

describe("S3 state store on the wire", () => {
  it("writes with If-None-Match / If-Match and JSON content type, reads back with the ETag", async () => {
    let stored: { body: string; etag: string } | undefined;
    const s3 = await serve((req): Answer => {
      if (req.method === "PUT") {
        stored = { body: req.body, etag: '"e1"' };
        return { headers: { etag: '"e1"' } };
      }
      return stored ? { body: stored.body, headers: { etag: stored.etag, "content-type": "application/json" } } : { status: 404, body: s3Error("NoSuchKey") };
    });
    const p = provider(config({ endpoints: { s3: s3.url } }));
    expect(await p.stateStore.write(state, { ifNoneMatch: "*" }, signal())).toBe('"e1"');
    expect(s3.seen[0]?.headers["if-none-match"]).toBe("*");
    expect(s3.seen[0]?.headers["content-type"]).toBe("application/json");
    await p.stateStore.write(state, { ifMatch: '"e1"' }, signal());
    expect(s3.seen[1]?.headers["if-match"]).toBe('"e1"');
    expect(await p.stateStore.read(signal())).toEqual({ state, etag: '"e1"' });
  });

  it("412 and 409 become FencingConflictError", async () => {
    const s3 = await serve((_req, i) => (i === 0 ? { status: 412, body: s3Error("PreconditionFailed", "At least one of the pre-conditions you specified did not hold") } : { status: 409, body: s3Error("ConditionalRequestConflict") }));
    const p = provider(config({ endpoints: { s3: s3.url } }));
    await expect(p.stateStore.write(state, { ifMatch: '"old"' }, signal())).rejects.toBeInstanceOf(FencingConflictError);
    await expect(p.stateStore.write(state, { ifNoneMatch: "*" }, signal())).rejects.toBeInstanceOf(FencingConflictError);
  });

  it("a retried write that met its own committed first attempt is a win, not a conflict", async () => {
    let committed = "";
    const s3 = await serve((req, i) => {
      if (req.method === "PUT" && i === 0) {
        committed = req.body;
        return { delayMs: 1_000 }; // committed, but the answer comes too late: the client times out
      }
      if (req.method === "PUT") return { status: 412, body: s3Error("PreconditionFailed") };
      return { body: committed, headers: { etag: '"mine"' } };
    });
    const etag = await provider(config({ endpoints: { s3: s3.url } })).stateStore.write(state, { ifMatch: '"before"' }, signal());
    expect(etag).toBe('"mine"');
  });

  it("corrupt JSON names the object and the fix", async () => {
    const s3 = await serve(() => ({ body: "{not json", headers: { etag: '"x"' } }));
    const err = (await provider(config({ endpoints: { s3: s3.url } }))
      .stateStore.read(signal())
      .catch((e: unknown) => e)) as HaPairError;
    expect(err.code).toBe("StateCorrupt");
    expect(err.describe()).toContain("s3://wire-state/pairs/wire/state.json");
    expect(err.describe()).toContain("ha-pair reset");
  });

  it("probeWrite: 412 and 404 prove permission; 403 names s3:PutObject and the object ARN", async () => {
    let answer: Answer = { status: 412, body: s3Error("PreconditionFailed") };
    const s3 = await serve(() => answer);
    const p = provider(config({ endpoints: { s3: s3.url } }));
    await p.stateStore.probeWrite(signal());
    expect(s3.seen[0]?.method).toBe("PUT");
    expect(s3.seen[0]?.headers["if-match"]).toMatch(/^"[0-9a-f]{32}"$/);
    answer = { status: 404, body: s3Error("NoSuchKey") };
    await p.stateStore.probeWrite(signal());
    answer = { status: 403, body: s3Error("AccessDenied", "Access Denied") };
    const err = (await p.stateStore.probeWrite(signal()).catch((e: unknown) => e)) as HaPairError;
    expect(err).toBeInstanceOf(HaPairError);
    expect(err.errorClass).toBe("permanent");
    expect(err.describe()).toContain("s3:PutObject");
    expect(err.describe()).toContain("arn:aws:s3:::wire-state/pairs/wire/state.json");
  });

  it("a store that ignores If-Match fails the probe loudly", async () => {
    const s3 = await serve(() => ({ headers: { etag: '"any"' } }));
    const err = (await provider(config({ endpoints: { s3: s3.url } }))
      .stateStore.probeWrite(signal())
      .catch((e: unknown) => e)) as HaPairError;
    expect(err.code).toBe("ConditionalWritesUnsupported");
  });
});

describe("identity", () => {
  it("reads the identity document with an IMDSv2 token", async () => {
    const imds = await serve((req) => {
      if (req.method === "PUT" && req.url === "/latest/api/token") return { body: "tok-1" };
      if (req.headers["x-aws-ec2-metadata-token"] !== "tok-1") return { status: 401 };
      return { body: JSON.stringify({ instanceId: "i-0bbbbbbbbbbbbbbb1", region: "eu-west-1", availabilityZone: "eu-west-1b", accountId: "123456789012" }) };
    });
    process.env.AWS_EC2_METADATA_SERVICE_ENDPOINT = imds.url;
    const id = await provider(config()).identity(signal());
    expect(id).toEqual({ instanceId: "i-0bbbbbbbbbbbbbbb1", region: "eu-west-1", availabilityZone: "eu-west-1b" });
    expect(imds.seen.map((r) => `${r.method} ${r.url}`)).toEqual(["PUT /latest/api/token", "GET /latest/dynamic/instance-identity/document"]);
  });

  it("the region comes from IMDS when neither the config nor AWS_REGION names it", async () => {
    const imds = await serve((req) =>
      req.method === "PUT" ? { body: "tok" } : { body: JSON.stringify({ instanceId: "i-0aaaaaaaaaaaaaaa1", region: "ap-southeast-2", accountId: "210987654321" }) },
    );
    const ec2 = await serve(() => ({ status: 403, body: ec2Error("UnauthorizedOperation", "You are not authorized to perform this operation.") }));
    process.env.AWS_EC2_METADATA_SERVICE_ENDPOINT = imds.url;
    const { region: _omit, ...noRegion } = config({ endpoints: { ec2: ec2.url } });
    const err = (await provider(noRegion)
      .execute(route, signal())
      .catch((e: unknown) => e)) as HaPairError;
    // The SigV4 scope carries the region the SDK used; the message's ARN the region and account from IMDS.
    expect(ec2.seen[0]?.headers.authorization).toContain("/ap-southeast-2/ec2/aws4_request");
    expect(err.describe()).toContain("arn:aws:ec2:ap-southeast-2:210987654321:route-table/rtb-0ccccccccccccccc1");
  });

  it("the config's IMDS endpoint is used when AWS_EC2_METADATA_SERVICE_ENDPOINT is unset", async () => {
    const imds = await serve((req) => (req.method === "PUT" ? { body: "tok" } : { body: JSON.stringify({ instanceId: "i-0aaaaaaaaaaaaaaa1", region: "us-east-1" }) }));
    delete process.env.AWS_EC2_METADATA_SERVICE_ENDPOINT;
    const p = provider(config({ endpoints: { imds: imds.url } }));
    expect((await p.identity(signal())).instanceId).toBe("i-0aaaaaaaaaaaaaaa1");
    // ... and published for the SDK's credential chain (instance-role credentials from the same IMDS).
    expect(process.env.AWS_EC2_METADATA_SERVICE_ENDPOINT).toBe(imds.url);
  });

  it("an unreachable IMDS fails fast with the endpoint and what to do", async () => {
    process.env.AWS_EC2_METADATA_SERVICE_ENDPOINT = "http://127.0.0.1:9";
    const started = performance.now();
    const err = (await provider(config())
      .identity(signal())
      .catch((e: unknown) => e)) as HaPairError;
    expect(performance.now() - started).toBeLessThan(3_000);
    expect(err).toBeInstanceOf(HaPairError);
    expect(err.code).toBe("ImdsUnreachable");
    expect(err.message).toContain("http://127.0.0.1:9");
    expect(err.message).toContain("not an EC2 instance");
    expect(err.message).toContain("hop limit");
    expect(err.fix).toContain("--activate a|b");
    expect(err.fix).toContain("AWS_EC2_METADATA_SERVICE_ENDPOINT");
  });

  it("without a region and without IMDS, a call says the region is missing and how to set it", async () => {
    process.env.AWS_EC2_METADATA_SERVICE_ENDPOINT = "http://127.0.0.1:9";
    const ec2 = await serve(() => ({ body: ok("ReplaceRoute") }));
    const { region: _omit, ...noRegion } = config({ endpoints: { ec2: ec2.url } });
    const err = (await provider(noRegion)
      .execute(route, signal())
      .catch((e: unknown) => e)) as HaPairError;
    expect(err.code).toBe("ImdsUnreachable");
    expect(err.message).toContain("No region is configured");
    expect(err.fix).toContain("AWS_REGION");
    expect(ec2.seen).toHaveLength(0);
  });

  it("an IMDS that does not answer is cut off by the ~1 s timeouts", async () => {
    const imds = await serve(() => ({ delayMs: 10_000, body: "late" }));
    process.env.AWS_EC2_METADATA_SERVICE_ENDPOINT = imds.url;
    const started = performance.now();
    const err = (await provider(config())
      .identity()
      .catch((e: unknown) => e)) as HaPairError;
    expect(err.code).toBe("ImdsUnreachable");
    // Token attempt + one retry, ~1 s each.
    expect(performance.now() - started).toBeLessThan(3_500);
    expect(imds.seen.length).toBeLessThanOrEqual(2);
  });
});
