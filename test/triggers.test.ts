// The HA trigger snippets of packaging/triggers, run with `sh` as keepalived, VyOS and BIG-IP run
// them: against a fake agent daemon on 127.0.0.1 (what they send), and against a closed port
// (they fall back to the one-shot failover, here a stub named by HA_PAIR_BIN / HA_PAIR_NODE).
import { execFile, execFileSync } from "node:child_process";
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { createServer, type IncomingMessage, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";

const TRIGGERS = join(import.meta.dirname, "..", "packaging", "triggers");
const SNIPPETS = ["keepalived-notify-master", "vyos-vrrp-master", "bigip-tgactive", "bigip-tgrefresh"] as const;
// Quote and backslash: the snippets must hand any one-word token to curl intact.
const TOKEN = 'tok-3f9a"c\\0d1e';

const CURL = (() => {
  try {
    return execFileSync("sh", ["-c", "command -v curl"], { encoding: "utf8" }).trim();
  } catch {
    return "";
  }
})();

interface Received {
  method: string | undefined;
  url: string | undefined;
  authorization: string | undefined;
  contentType: string | undefined;
  body: string;
}

let server: Server;
let port: number;
let closedPort: number;
const received: Received[] = [];
/** Status codes the fake daemon answers with, in order; 202 once they run out. */
let answers: number[] = [];

let work: string;
let stubs: string;

async function readBody(request: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of request) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString("utf8");
}

beforeAll(async () => {
  server = createServer((request, response) => {
    readBody(request).then((body) => {
      received.push({ method: request.method, url: request.url, authorization: request.headers.authorization, contentType: request.headers["content-type"], body });
      const status = answers.shift() ?? 202;
      response.writeHead(status, { "content-type": "application/json" });
      response.end(JSON.stringify(status === 202 ? { taskId: 1, state: "running", activate: "a", joined: false, status: "/trigger" } : { error: { code: `Status${status}` } }));
    }, () => response.destroy());
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  port = (server.address() as AddressInfo).port;
  // A port nothing listens on: bind, note it, close.
  const probe = createServer();
  await new Promise<void>((resolve) => probe.listen(0, "127.0.0.1", resolve));
  closedPort = (probe.address() as AddressInfo).port;
  await new Promise<void>((resolve) => probe.close(() => resolve()));

  work = mkdtempSync(join(tmpdir(), "ha-pair-triggers-"));
  stubs = join(work, "bin");
  mkdirSync(stubs);
  const stub = (name: string, body: string) => {
    writeFileSync(join(stubs, name), `#!/bin/sh\n${body}\n`);
    chmodSync(join(stubs, name), 0o755);
  };
  // logger: one line per message into $LOG, with its flags.
  stub("logger", `printf '%s\\n' "$*" >> "$LOG"`);
  // curl: record the command line (the token must not be in it), then the real curl.
  if (CURL) stub("curl", `printf '%s\\n' "$*" >> "$CURL_ARGS"\nexec ${CURL} "$@"`);
  // The one-shot `ha-pair failover`: records its arguments, prints like the agent, exits $STUB_EXIT.
  stub("ha-pair", `printf '%s\\n' "$*" >> "$ONESHOT_ARGS"\necho "failover of pair \\"demo\\" to node a"\necho "converged: node a is active"\nexit "\${STUB_EXIT:-0}"`);
});

afterAll(async () => {
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

beforeEach(() => {
  received.length = 0;
  answers = [];
});

interface SnippetRun {
  code: number;
  stdout: string;
  stderr: string;
  log: string;
  curlArgs: string;
  oneshot: string[] | undefined;
}

function runSnippet(name: string, env: Record<string, string> = {}): Promise<SnippetRun> {
  const dir = mkdtempSync(join(work, `${name}-`));
  const tokenFile = join(dir, "token");
  writeFileSync(tokenFile, `${TOKEN}\n`, { mode: 0o600 });
  const status = join(dir, "ps1");
  writeFileSync(status, "Active\n");
  const files = { LOG: join(dir, "log"), CURL_ARGS: join(dir, "curl-args"), ONESHOT_ARGS: join(dir, "oneshot-args") };
  const fullEnv = {
    PATH: `${stubs}:/usr/bin:/bin`,
    ...files,
    HA_PAIR_PORT: String(port),
    HA_PAIR_TOKEN_FILE: tokenFile,
    HA_PAIR_CONFIG: "/etc/ha-pair/config.json",
    HA_PAIR_BIN: join(stubs, "ha-pair"),
    HA_PAIR_BIGIP_STATUS_FILE: status,
    HA_PAIR_TRIGGER_WAIT_SECONDS: "3",
    ...env,
  };
  const read = (file: string) => (existsSync(file) ? readFileSync(file, "utf8") : "");
  return new Promise((resolve) => {
    execFile("sh", [join(TRIGGERS, name)], { env: fullEnv, timeout: 30_000 }, (error, stdout, stderr) => {
      const oneshot = read(files.ONESHOT_ARGS);
      resolve({
        code: error ? (typeof error.code === "number" ? error.code : 1) : 0,
        stdout,
        stderr,
        log: read(files.LOG),
        curlArgs: read(files.CURL_ARGS),
        oneshot: oneshot ? oneshot.trim().split(" ") : undefined,
      });
    });
  });
}

/** Exit 0, quiet, and the token nowhere: not on stdout/stderr, not in the log, not on curl's command line. */
function expectClean(run: SnippetRun): void {
  expect(run.code).toBe(0);
  expect(run.stdout).toBe("");
  expect(run.stderr).toBe("");
  for (const text of [run.log, run.curlArgs]) expect(text).not.toContain("tok-3f9a");
}

describe("every snippet", () => {
  it("shares the same trigger core, byte for byte, and is POSIX sh with set -eu", () => {
    const cores = SNIPPETS.map((name) => {
      const text = readFileSync(join(TRIGGERS, name), "utf8");
      expect(text.startsWith("#!/bin/sh\n")).toBe(true);
      expect(text).toMatch(/^set -eu$/m);
      const start = text.indexOf("# --- ha-pair trigger core");
      const end = text.indexOf("# --- end of the ha-pair trigger core ---");
      expect(start).toBeGreaterThan(0);
      expect(end).toBeGreaterThan(start);
      return text.slice(start, end);
    });
    expect(new Set(cores).size).toBe(1);
    for (const name of SNIPPETS) execFileSync("sh", ["-n", join(TRIGGERS, name)]);
  });

  describe.skipIf(!CURL).each(SNIPPETS)("%s", (name) => {
    it("POSTs /trigger to the daemon on 127.0.0.1 with the bearer token, and runs nothing else", async () => {
      const run = await runSnippet(name);
      expectClean(run);
      expect(received).toEqual([{ method: "POST", url: "/trigger", authorization: `Bearer ${TOKEN}`, contentType: "application/json", body: "{}" }]);
      expect(run.oneshot).toBeUndefined();
      expect(run.log).toMatch(/-t ha-pair -p daemon\.notice -- .*accepted the trigger \(HTTP 202\)/);
    });

    it("falls back to the one-shot failover when nothing answers, and logs its output", async () => {
      const run = await runSnippet(name, { HA_PAIR_PORT: String(closedPort) });
      expectClean(run);
      expect(received).toEqual([]);
      expect(run.oneshot).toEqual(["failover", "--config", "/etc/ha-pair/config.json"]);
      expect(run.log).toContain("does not answer on 127.0.0.1");
      expect(run.log).toContain("converged: node a is active");
      expect(run.log).toContain("one-shot failover converged");
    });
  });
});

describe.skipIf(!CURL)("keepalived-notify-master: the other answers", () => {
  const name = "keepalived-notify-master";

  it("a failed one-shot is logged as an error and still exits 0", async () => {
    const run = await runSnippet(name, { HA_PAIR_PORT: String(closedPort), STUB_EXIT: "1" });
    expectClean(run);
    expect(run.oneshot).toEqual(["failover", "--config", "/etc/ha-pair/config.json"]);
    expect(run.log).toMatch(/daemon\.err -- .*one-shot failover failed \(exit 1\)/);
  });

  it("without HA_PAIR_BIN, the one-shot is HA_PAIR_NODE running the agent bundle", async () => {
    const run = await runSnippet(name, { HA_PAIR_PORT: String(closedPort), HA_PAIR_BIN: "", HA_PAIR_NODE: join(stubs, "ha-pair"), HA_PAIR_AGENT: "/opt/ha-pair/ha-pair-agent.cjs" });
    expectClean(run);
    expect(run.oneshot).toEqual(["/opt/ha-pair/ha-pair-agent.cjs", "failover", "--config", "/etc/ha-pair/config.json"]);
  });

  it("a daemon that refuses the trigger (401) does not leave the pair unmoved: one-shot", async () => {
    answers = [401];
    const run = await runSnippet(name);
    expectClean(run);
    expect(received).toHaveLength(1);
    expect(run.log).toContain("refused the trigger (HTTP 401)");
    expect(run.oneshot).toEqual(["failover", "--config", "/etc/ha-pair/config.json"]);
  });

  it("a busy daemon (409: a failover to the other node runs) is asked again, not bypassed", async () => {
    answers = [409, 202];
    const run = await runSnippet(name);
    expectClean(run);
    expect(received.map((r) => r.url)).toEqual(["/trigger", "/trigger"]);
    expect(run.oneshot).toBeUndefined();
    expect(run.log).toContain("busy (HTTP 409)");
    expect(run.log).toContain("accepted the trigger (HTTP 202)");
  });

  it("gives up on a daemon that stays busy, with an error in the log, exit 0", async () => {
    answers = [409, 409, 409, 409, 409, 409];
    const run = await runSnippet(name, { HA_PAIR_TRIGGER_WAIT_SECONDS: "1" });
    expectClean(run);
    expect(received).toHaveLength(2);
    expect(run.oneshot).toBeUndefined();
    expect(run.log).toMatch(/daemon\.err -- .*still busy/);
  });

  it("an unreadable token file skips the daemon and runs the one-shot", async () => {
    const run = await runSnippet(name, { HA_PAIR_TOKEN_FILE: join(work, "no-such-token") });
    expectClean(run);
    expect(received).toEqual([]);
    expect(run.log).toContain("cannot read the token file");
    expect(run.oneshot).toEqual(["failover", "--config", "/etc/ha-pair/config.json"]);
  });
});

describe.skipIf(!CURL)("bigip-tgrefresh", () => {
  it("does nothing on the standby unit: no trigger, no one-shot", async () => {
    const standby = join(work, "ps1-standby");
    writeFileSync(standby, "Standby\n");
    const run = await runSnippet("bigip-tgrefresh", { HA_PAIR_BIGIP_STATUS_FILE: standby });
    expectClean(run);
    expect(received).toEqual([]);
    expect(run.oneshot).toBeUndefined();
    expect(run.log).toContain("not active (state: Standby)");
  });

  it("does nothing when the unit's state cannot be read", async () => {
    const run = await runSnippet("bigip-tgrefresh", { HA_PAIR_BIGIP_STATUS_FILE: join(work, "no-ps1"), HA_PAIR_PORT: String(closedPort) });
    expectClean(run);
    expect(run.oneshot).toBeUndefined();
  });
});
