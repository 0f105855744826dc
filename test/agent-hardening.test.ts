// The daemon as an attacker or a crash loop meets it (issue 9, defects 7 and 9): it binds its port
// before any cloud call, backs off its permission checks, holds its header timeout, answers only
// to a loopback Host, trusts only a token file of its own, and never echoes an endpoint's password.
import { execFile } from "node:child_process";
import { chownSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { createServer, request as httpRequest, type Server } from "node:http";
import { connect, type AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { cleanMessage } from "../runtime/aws/errors.js";
import { redactUrlUserinfo } from "../runtime/config/redact.js";
import type { CloudProvider } from "../runtime/core/provider.js";
import { nextCheckDelay } from "../runtime/server/permission-schedule.js";
import { startAgentDaemon } from "../runtime/server/daemon.js";
import { AgentStartError, BearerToken } from "../runtime/server/token.js";
import { startTestDaemon, tokenFile, type TestDaemon } from "./helpers/agent-daemon.js";
import { agentOn, startExampleSim, type AwsSim } from "./helpers/aws-sim.js";
import { cleanEnv, runCli, tempFile } from "./helpers/cli.js";

let sim: AwsSim;
beforeAll(async () => {
  sim = await startExampleSim();
});
afterAll(async () => {
  await sim.stop();
});

/** A port something else already listens on. */
async function busyPort(): Promise<{ port: number; close: () => Promise<void> }> {
  const server: Server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return { port: (server.address() as AddressInfo).port, close: () => new Promise((resolve) => server.close(() => resolve())) };
}

/** One raw HTTP request (whatever Host, or none), to see what the daemon answers. */
function rawRequest(port: number, text: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, "127.0.0.1", () => socket.write(text));
    let answer = "";
    socket.on("data", (chunk) => (answer += chunk.toString()));
    socket.on("close", () => resolve(answer));
    socket.on("error", reject);
  });
}

describe("agent run binds its port before any cloud call (defect 7)", () => {
  it("a port already in use: exit 2 naming the port, and not one API call", async () => {
    const busy = await busyPort();
    try {
      const config = tempFile("c.json", sim.agentConfig());
      const before = sim.calls.length;
      const result = await runCli(["agent", "run", "--config", config, "--token-file", tokenFile("tok-busy"), "--port", String(busy.port)], cleanEnv({ AWS_ENDPOINT_URL: sim.endpoint }));
      expect(result.code).toBe(2);
      expect(result.stderr).toContain(`port ${busy.port} on 127.0.0.1 is already in use`);
      expect(sim.calls.length).toBe(before);
    } finally {
      await busy.close();
    }
  });

  it("the unit does not restart a configuration error (exit 2)", () => {
    const unit = readFileSync(join(import.meta.dirname, "..", "packaging", "systemd", "ha-pair-agent.service"), "utf8");
    expect(unit).toMatch(/^RestartPreventExitStatus=2$/m);
    expect(unit).toMatch(/^Restart=on-failure$/m);
  });

  it("while it starts (identity not read yet) the bound port answers 503 with Retry-After, and then serves", async () => {
    let release!: () => void;
    const held = new Promise<void>((resolve) => (release = resolve));
    const { provider: base, recorder, config } = agentOn(sim, "a");
    const provider: CloudProvider = { ...base, identity: async (signal) => (await held, base.identity(signal)) };
    const token = "tok-starting";
    const lines: string[] = [];
    const starting = startAgentDaemon({
      configFile: "c.json",
      config,
      settings: { address: "127.0.0.1", port: 0, tokenFile: tokenFile(token), stateRefreshMs: 3_600_000 },
      provider,
      recorder,
      version: "0.0.0-test",
      logDestination: { write: (line: string) => void lines.push(line) },
    });
    const bound = async (): Promise<number> => {
      for (;;) {
        const line = lines.map((l) => JSON.parse(l) as { event: string; port?: number }).find((l) => l.event === "bound");
        if (line?.port) return line.port;
        await new Promise((r) => setTimeout(r, 10));
      }
    };
    const port = await bound();
    const answer = await fetch(`http://127.0.0.1:${port}/info`, { headers: { authorization: `Bearer ${token}` } });
    expect(answer.status).toBe(503);
    expect(answer.headers.get("retry-after")).toBe("1");
    expect((await answer.json()) as unknown).toMatchObject({ error: { code: "Starting" } });
    expect(recorder.calls.length).toBe(0);
    release();
    const daemon = await starting;
    try {
      const info = await fetch(`${daemon.url}/info`, { headers: { authorization: `Bearer ${token}` } });
      expect(info.status).toBe(200);
    } finally {
      await daemon.stop();
    }
  });

  it("permission checks that cannot be made are retried with a doubling pause, not in a tight loop", async () => {
    expect([1, 2, 3, 4, 5, 9].map((n) => nextCheckDelay(n, { retryMs: 60_000, intervalMs: 1_800_000 }))).toEqual([60_000, 120_000, 240_000, 480_000, 960_000, 1_800_000]);
    expect(nextCheckDelay(0, { retryMs: 60_000, intervalMs: 1_800_000 })).toBe(1_800_000);
    const at: number[] = [];
    const d = await startTestDaemon(sim, {
      settings: { permissionCheck: { retryMs: 40, intervalMs: 320 } },
      wrapProvider: (p) => ({
        ...p,
        checkPermissions: async () => {
          at.push(performance.now());
          throw new Error("throttled");
        },
      }),
    });
    try {
      while (at.length < 5) await new Promise((r) => setTimeout(r, 20));
      const gaps = at.slice(1).map((t, i) => t - at[i]!);
      // Timers never fire early (beyond a millisecond of rounding): each pause is at least the doubled one.
      gaps.forEach((gap, i) => expect(gap).toBeGreaterThanOrEqual(40 * 2 ** i - 2));
    } finally {
      await d.daemon.stop();
    }
  });
});

describe("the API's hardening (defect 9)", () => {
  let d: TestDaemon;
  beforeAll(async () => {
    d = await startTestDaemon(sim, { settings: { http: { headersTimeoutMs: 300, requestTimeoutMs: 30_000 } } });
  });
  afterAll(async () => {
    await d.daemon.stop();
  });

  it("the configured headersTimeout holds: a client that never finishes its headers is cut off after it, not 30 s later", async () => {
    const started = performance.now();
    const answer = await rawRequest(d.daemon.port, "GET /info HTTP/1.1\r\nHost: 127.0.0.1\r\n");
    const elapsed = performance.now() - started;
    expect(answer).toMatch(/^HTTP\/1\.1 408/);
    expect(elapsed).toBeGreaterThanOrEqual(290);
    // Node sweeps for the timeout every connectionsCheckingInterval (default 30 s); here a quarter of the timeout.
    expect(elapsed).toBeLessThan(300 + 2 * 75 + 1_000);
  });

  it("answers only to Host 127.0.0.1 or localhost (any port): 421 for another name (DNS rebinding), 400 for none", async () => {
    const ask = (host: string | undefined) =>
      new Promise<number>((resolve, reject) => {
        const req = httpRequest({ host: "127.0.0.1", port: d.daemon.port, path: "/info", headers: { authorization: `Bearer ${d.token}`, ...(host !== undefined ? { host } : {}) } }, (res) => {
          res.resume();
          resolve(res.statusCode ?? 0);
        });
        req.on("error", reject);
        req.end();
      });
    for (const host of ["127.0.0.1", `127.0.0.1:${d.daemon.port}`, "localhost", `LOCALHOST:${d.daemon.port}`]) expect([host, await ask(host)]).toEqual([host, 200]);
    for (const host of ["evil.example", `evil.example:${d.daemon.port}`, "127.0.0.1.nip.io", "localhost.evil.example", "127.0.0.2", "[::1]"]) {
      expect([host, await ask(host)]).toEqual([host, 421]);
    }
    // Refused before the token is looked at, and the refusal says what to do.
    const rebound = await rawRequest(d.daemon.port, `GET /info HTTP/1.1\r\nHost: attacker.example\r\nConnection: close\r\n\r\n`);
    expect(rebound).toMatch(/^HTTP\/1\.1 421/);
    expect(rebound).toContain("MisdirectedRequest");
    const noHost = await rawRequest(d.daemon.port, `GET /info HTTP/1.0\r\nAuthorization: Bearer ${d.token}\r\n\r\n`);
    expect(noHost).toMatch(/^HTTP\/1\.1 400/);
  });

  it.runIf(process.getuid?.() === 0)("a token file owned by another user is refused, naming the owner and the fix", () => {
    const file = tokenFile("tok-foreign");
    chownSync(file, 4242, 4242);
    expect(() => BearerToken.fromFile(file)).toThrow(AgentStartError);
    expect(() => BearerToken.fromFile(file)).toThrow(/owned by uid 4242, not by the agent's user \(uid 0\)/);
  });

  it("a token file with CRLF line ends: the trigger snippet reaches the daemon (202), no fallback to the one-shot", async () => {
    const crlfTokenFile = tokenFile("tok-crlf-1234\r\n");
    const crlf = await startTestDaemon(sim, { settings: { tokenFile: crlfTokenFile } });
    const dir = mkdtempSync(join(tmpdir(), "ha-pair-crlf-"));
    const oneshotMarker = join(dir, "oneshot-ran");
    const stub = join(dir, "ha-pair");
    writeFileSync(stub, `#!/bin/sh\ntouch ${oneshotMarker}\n`, { mode: 0o755 });
    try {
      await new Promise<void>((resolve) =>
        execFile("sh", [join(import.meta.dirname, "..", "packaging", "triggers", "keepalived-notify-master")], {
          env: { PATH: process.env.PATH, HA_PAIR_PORT: String(crlf.daemon.port), HA_PAIR_TOKEN_FILE: crlfTokenFile, HA_PAIR_BIN: stub },
          timeout: 30_000,
        }, () => resolve()),
      );
      const http = crlf.logs.filter((l) => l.event === "http" && l.path === "/trigger");
      expect(http.map((l) => l.status)).toEqual([202]);
      expect(() => readFileSync(oneshotMarker)).toThrow();
    } finally {
      await crlf.daemon.stop();
    }
  });
});

describe("endpoint URLs with a user:password are redacted wherever they are echoed (defect 9)", () => {
  it("in any text: every scheme://userinfo@ becomes [redacted], the host stays", () => {
    expect(redactUrlUserinfo('got "http://admin:s3cret@10.0.0.5:8080/x" and https://h.example/a@b')).toBe('got "http://[redacted]@10.0.0.5:8080/x" and https://h.example/a@b');
    expect(redactUrlUserinfo("http://u@x:p@host/")).toBe("http://[redacted]@host/");
    expect(cleanMessage("connect ECONNREFUSED at https://user:pw@ec2.internal/")).not.toContain("pw@");
  });

  it("preflight, failover and validate never print the password", async () => {
    const config = tempFile("c.json", sim.agentConfig());
    const secretUrl = sim.endpoint.replace("http://", "http://operator:s3cret-pw@");
    const env = cleanEnv({ AWS_ENDPOINT_URL: secretUrl });
    const preflight = await runCli(["preflight", "--config", config], env);
    expect(preflight.stdout + preflight.stderr).toContain("[redacted]@");
    const json = await runCli(["preflight", "--config", config, "--json"], env);
    const failover = await runCli(["failover", "--config", config, "--activate", "b", "--json"], cleanEnv({ AWS_ENDPOINT_URL: "http://operator:s3cret-pw@127.0.0.1:1" }));
    const invalid = tempFile("bad.json", { ...sim.agentConfig(), endpoints: { ec2: "http://operator:s3cret-pw@ec2.internal/" } });
    const validate = await runCli(["validate", invalid, "--json"], env);
    expect(validate.code).toBe(2);
    for (const run of [preflight, json, failover, validate]) expect(run.stdout + run.stderr).not.toContain("s3cret-pw");
  });
});
