// The agent bundle as shipped to nodes: dist/ha-pair-agent.cjs, one file that must run alone
// (no node_modules, no dist/ beside it) and whose V8 code cache may speed it up but never change
// what it does.
import { execFile } from "node:child_process";
import { createHash, createHmac } from "node:crypto";
import { chmodSync, chownSync, copyFileSync, lstatSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, symlinkSync, truncateSync, writeFileSync } from "node:fs";
import { isBuiltin } from "node:module";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startExampleSim, type AwsSim } from "./helpers/aws-sim.js";
import { cleanEnv } from "./helpers/cli.js";

const DIST = join(import.meta.dirname, "..", "dist");
const BUNDLE = join(DIST, "ha-pair-agent.cjs");
const VERSION = (JSON.parse(readFileSync(join(import.meta.dirname, "..", "package.json"), "utf8")) as { version: string }).version;

interface Run {
  code: number;
  stdout: string;
  stderr: string;
  /** What the loader did with the code cache: hit, missing, corrupt, rejected or off. */
  cache: string | undefined;
}

function runAgent(file: string, args: string[], env: NodeJS.ProcessEnv, cwd: string, node = process.execPath): Promise<Run> {
  return new Promise((resolve) => {
    execFile(node, [file, ...args], { env: { ...env, HA_PAIR_CODE_CACHE_REPORT: "1" }, cwd, timeout: 60_000 }, (error, stdout, stderr) => {
      const code = error ? (typeof error.code === "number" ? error.code : 1) : 0;
      resolve({ code, stdout, stderr, cache: /ha-pair code cache: (\w+)/.exec(stderr)?.[1] });
    });
  });
}

/** A copy of the bundle alone in a new empty directory, as on a node. */
function isolatedBundle(): { dir: string; file: string } {
  const dir = mkdtempSync(join(tmpdir(), "ha-pair-bundle-"));
  const file = join(dir, "ha-pair-agent.cjs");
  copyFileSync(BUNDLE, file);
  return { dir, file };
}

const cacheFiles = (dir: string) => readdirSync(dir).filter((name) => name.endsWith(".v8cache"));

/** The cache file's key (its name without .v8cache): part of what its MAC covers. */
const keyOf = (cacheFile: string) => cacheFile.slice(cacheFile.lastIndexOf("/") + 1, -".v8cache".length);

/** A cache file as the loader writes it, for `payload`, MAC'd with the directory's secret (only its owner — here root — can read it). */
function authenticCache(cacheFile: string, payload: Buffer, coverage = 1): Buffer {
  const secret = readFileSync(join(cacheFile, "..", "code-cache.key"));
  const mac = createHmac("sha256", secret).update(keyOf(cacheFile)).update(Buffer.of(coverage)).update(payload).digest();
  return Buffer.concat([mac, Buffer.of(coverage), payload]);
}

describe("what the agent bundle contains", () => {
  const meta = JSON.parse(readFileSync(join(DIST, "meta", "ha-pair-agent.json"), "utf8")) as {
    inputs: Record<string, unknown>;
    outputs: Record<string, { imports: { path: string; external?: boolean }[]; inputs: Record<string, { bytesInOutput: number }> }>;
  };
  const inputs = Object.keys(meta.inputs);

  it("runtime code and its dependencies only: no simulator, no tools, no Pulumi", () => {
    expect(inputs).toContain("runtime/cli/agent-entry.ts");
    expect(inputs.filter((path) => /^(sim|tools|bench|components|stacks|policies)\//.test(path))).toEqual([]);
    expect(inputs.filter((path) => path.includes("@pulumi"))).toEqual([]);
    expect(inputs.filter((path) => !/^(runtime\/|node_modules\/|dist\/gen\/|config-validator:)/.test(path))).toEqual([]);
  });

  it("stays lean: the SDK's aggregated EC2 client (every command and shape) is tree-shaken away", () => {
    // A dynamic import() of a module that is also in the static graph (e.g. `await import("../main.js")`)
    // makes esbuild wrap that graph lazily and keep every export: the EC2 shapes come back (+2 MB).
    // `inputs` lists every file esbuild read; what reaches the output is in the output's own inputs.
    const emitted = Object.values(meta.outputs).flatMap((output) => Object.entries(output.inputs).filter(([, input]) => input.bytesInOutput > 0).map(([path]) => path));
    expect(emitted).toContain("runtime/cli/agent-entry.ts");
    expect(emitted.filter((path) => path.endsWith("client-ec2/dist-es/EC2.js"))).toEqual([]);
    // AWS was 1.5 MB; the Azure half adds ~1.1 MB (storage-blob, MSAL through @azure/identity, core-client),
    // and must not bring the arm-network client (1.8 MB of serializers for ~200 operation groups).
    expect(emitted.filter((path) => path.includes("@azure/arm-network/"))).toEqual([]);
    expect(statSync(BUNDLE).size).toBeLessThan(2.75 * 1024 * 1024);
  });

  it("is an executable script that needs nothing but node", () => {
    const text = readFileSync(BUNDLE, "utf8");
    expect(text.startsWith("#!/usr/bin/env node\n")).toBe(true);
    expect(statSync(BUNDLE).mode & 0o111).toBe(0o111);
    // Everything the bundle leaves to require() at run time is a Node built-in.
    const external = Object.values(meta.outputs).flatMap((output) => output.imports.filter((i) => i.external).map((i) => i.path));
    expect(external.length).toBeGreaterThan(0);
    expect(external.filter((path) => !isBuiltin(path))).toEqual([]);
  });
});

describe("the bundle alone in an empty directory", () => {
  let sim: AwsSim;
  let alone: { dir: string; file: string };
  let env: NodeJS.ProcessEnv;

  beforeAll(async () => {
    sim = await startExampleSim();
    alone = isolatedBundle();
    writeFileSync(join(alone.dir, "c.json"), JSON.stringify(sim.agentConfig()));
    env = cleanEnv({ AWS_ENDPOINT_URL: sim.endpoint, HA_PAIR_CACHE_DIR: join(alone.dir, "cache") });
  });
  afterAll(async () => {
    await sim.stop();
  });

  it("validates a config", async () => {
    const run = await runAgent(alone.file, ["validate", "c.json", "--json"], env, alone.dir);
    expect(run.code).toBe(0);
    expect(JSON.parse(run.stdout)).toMatchObject({ valid: true, label: "demo" });
  });

  it("fails the pair over against the simulated cloud, first without and then with the code cache", async () => {
    rmSync(join(alone.dir, "cache"), { recursive: true, force: true });
    const first = await runAgent(alone.file, ["failover", "--config", "c.json", "--activate", "b", "--json"], env, alone.dir);
    expect(first.code).toBe(0);
    expect(first.cache).toBe("missing");
    expect(JSON.parse(first.stdout)).toMatchObject({ converged: true, activeNode: "b" });
    expect(cacheFiles(join(alone.dir, "cache"))).toHaveLength(1);

    const second = await runAgent(alone.file, ["failover", "--config", "c.json", "--activate", "a", "--json"], env, alone.dir);
    expect(second.code).toBe(0);
    expect(second.cache).toBe("hit");
    expect(JSON.parse(second.stdout)).toMatchObject({ converged: true, activeNode: "a" });
  });

  it("a cache written by a local command (validate) is replaced once by the first cloud command", async () => {
    const cacheDir = join(alone.dir, "cache-upgrade");
    const local = { ...env, HA_PAIR_CACHE_DIR: cacheDir };
    expect((await runAgent(alone.file, ["validate", "c.json"], local, alone.dir)).cache).toBe("missing");
    const [name] = cacheFiles(cacheDir);
    const file = join(cacheDir, name!);
    const afterValidate = statSync(file);

    const first = await runAgent(alone.file, ["failover", "--config", "c.json", "--activate", "b", "--json"], local, alone.dir);
    expect([first.code, first.cache]).toEqual([0, "hit"]);
    const afterFailover = statSync(file);
    expect(afterFailover.size).toBeGreaterThan(afterValidate.size);

    const second = await runAgent(alone.file, ["failover", "--config", "c.json", "--activate", "a", "--json"], local, alone.dir);
    expect([second.code, second.cache]).toEqual([0, "hit"]);
    expect(statSync(file).mtimeMs).toBe(afterFailover.mtimeMs);
    expect(cacheFiles(cacheDir)).toEqual([name]);
  });

  // Node 18 is the oldest runtime the bundle supports; CI machines have Node 20 only. Point
  // HA_PAIR_TEST_NODE18 at a Node 18 binary (e.g. from `npm install node@18`) to run this.
  it.skipIf(!process.env.HA_PAIR_TEST_NODE18)("runs on Node 18 (HA_PAIR_TEST_NODE18)", async () => {
    const node18 = process.env.HA_PAIR_TEST_NODE18!;
    const cache = { ...env, HA_PAIR_CACHE_DIR: join(alone.dir, "cache18") };
    const validate = await runAgent(alone.file, ["validate", "c.json"], cache, alone.dir, node18);
    expect([validate.code, validate.cache]).toEqual([0, "missing"]);
    for (const [node, state] of [["b", "hit"], ["a", "hit"]] as const) {
      const run = await runAgent(alone.file, ["failover", "--config", "c.json", "--activate", node, "--json"], cache, alone.dir, node18);
      expect(run.cache).toBe(state);
      expect(JSON.parse(run.stdout)).toMatchObject({ converged: true, activeNode: node });
    }
  });
});

describe("the code cache never changes what runs", () => {
  const version = (bundle: { file: string; dir: string }, cacheDir: string, extra: NodeJS.ProcessEnv = {}) =>
    runAgent(bundle.file, ["--version"], cleanEnv({ HA_PAIR_CACHE_DIR: cacheDir, ...extra }), bundle.dir);

  /** A bundle copy, its cache directory, and the cache file after one run wrote it. */
  async function warmed(): Promise<{ bundle: { file: string; dir: string }; cacheDir: string; cacheFile: string }> {
    const bundle = isolatedBundle();
    const cacheDir = join(bundle.dir, "cache");
    const first = await version(bundle, cacheDir);
    expect(first.cache).toBe("missing");
    const [name] = cacheFiles(cacheDir);
    expect(name).toBeDefined();
    return { bundle, cacheDir, cacheFile: join(cacheDir, name!) };
  }

  it("a corrupt or truncated cache is detected, not fed to V8, and rewritten", async () => {
    const { bundle, cacheDir, cacheFile } = await warmed();
    const data = readFileSync(cacheFile);
    data[Math.floor(data.length / 2)]! ^= 0xff;
    writeFileSync(cacheFile, data);
    const corrupt = await version(bundle, cacheDir);
    expect([corrupt.code, corrupt.stdout.trim(), corrupt.cache]).toEqual([0, VERSION, "corrupt"]);
    expect((await version(bundle, cacheDir)).cache).toBe("hit");

    truncateSync(cacheFile, 40);
    const truncated = await version(bundle, cacheDir);
    expect([truncated.code, truncated.stdout.trim(), truncated.cache]).toEqual([0, VERSION, "corrupt"]);
    expect((await version(bundle, cacheDir)).cache).toBe("hit");
  });

  it("a cache V8 rejects falls back to a normal compile and is rewritten", async () => {
    const { bundle, cacheDir, cacheFile } = await warmed();
    // Intact as a file (its MAC matches: made with the directory's secret), but not V8 code-cache data.
    writeFileSync(cacheFile, authenticCache(cacheFile, Buffer.alloc(4096, 7)));
    const rejected = await version(bundle, cacheDir);
    expect([rejected.code, rejected.stdout.trim(), rejected.cache]).toEqual([0, VERSION, "rejected"]);
    expect((await version(bundle, cacheDir)).cache).toBe("hit");
  });

  it("a changed bundle (same length) never meets the old cache, which is then removed", async () => {
    const { bundle, cacheDir } = await warmed();
    const text = readFileSync(bundle.file, "utf8");
    const patched = VERSION.replace(/\d/g, (d) => (d === "7" ? "8" : "7"));
    // The version constants inside the embedded (JSON-escaped) code: VERSION="x.y.z", maybe renamed VERSION2, VERSION3...
    const edited = text.replace(new RegExp(`(VERSION\\d*=\\\\")${VERSION.replace(/\./g, "\\.")}(\\\\")`, "g"), `$1${patched}$2`);
    expect(edited).not.toBe(text);
    expect(edited.length).toBe(text.length);
    writeFileSync(bundle.file, edited);
    const run = await version(bundle, cacheDir);
    expect([run.code, run.stdout.trim(), run.cache]).toEqual([0, patched, "missing"]);
    expect(cacheFiles(cacheDir)).toHaveLength(1);
    expect((await version(bundle, cacheDir)).stdout.trim()).toBe(patched);
  });

  it("an unusable cache directory or unwritable cache file only costs the cache", async () => {
    const { bundle, cacheDir, cacheFile } = await warmed();
    // A directory others can write is not trusted: a code cache is code.
    const shared = join(bundle.dir, "shared");
    mkdirSync(shared);
    chmodSync(shared, 0o777);
    const untrusted = await version(bundle, shared);
    expect([untrusted.code, untrusted.stdout.trim(), untrusted.cache]).toEqual([0, VERSION, "missing"]);
    expect(readdirSync(shared)).toEqual([]);
    // A path that cannot be a directory.
    const notADir = await version(bundle, join(bundle.file, "cache"));
    expect([notADir.code, notADir.stdout.trim()]).toEqual([0, VERSION]);
    // The cache file's name is taken by a directory: neither readable nor writable.
    rmSync(cacheFile);
    mkdirSync(cacheFile);
    for (let i = 0; i < 2; i += 1) {
      const blocked = await version(bundle, cacheDir);
      expect([blocked.code, blocked.stdout.trim(), blocked.cache]).toEqual([0, VERSION, "untrusted"]);
    }
    expect(readdirSync(cacheDir).filter((name) => name.endsWith(".tmp"))).toEqual([]);
  });

  it("HA_PAIR_CODE_CACHE=off compiles without reading or writing a cache", async () => {
    const bundle = isolatedBundle();
    const cacheDir = join(bundle.dir, "cache");
    const run = await version(bundle, cacheDir, { HA_PAIR_CODE_CACHE: "off" });
    expect([run.code, run.stdout.trim(), run.cache]).toEqual([0, VERSION, "off"]);
    expect(() => readdirSync(cacheDir)).toThrow();
  });
});

describe("a planted code cache never runs (a code cache is code)", () => {
  // Ownership is exercised by handing files to another uid, which needs root (the tests run as root in CI).
  const asRoot = typeof process.getuid === "function" && process.getuid() === 0;
  const OTHER_UID = 4242;
  const version = (bundle: { file: string; dir: string }, env: NodeJS.ProcessEnv) => runAgent(bundle.file, ["--version"], cleanEnv(env as Record<string, string>), bundle.dir);

  async function warmed(cacheDir: string): Promise<{ bundle: { file: string; dir: string }; cacheFile: string }> {
    const bundle = isolatedBundle();
    const dir = join(bundle.dir, cacheDir);
    expect((await version(bundle, { HA_PAIR_CACHE_DIR: dir })).cache).toBe("missing");
    expect((await version(bundle, { HA_PAIR_CACHE_DIR: dir })).cache).toBe("hit");
    return { bundle, cacheFile: join(dir, cacheFiles(dir)[0]!) };
  }

  it("a cache whose plain SHA-256 digest was recomputed (anyone can) is not fed to V8; the MAC's secret is private", async () => {
    const { bundle, cacheFile } = await warmed("cache");
    const dir = join(cacheFile, "..");
    // Genuine V8 data for this very bundle, so V8 itself would accept it: only the MAC stands in the way.
    const payload = readFileSync(cacheFile).subarray(33);
    const coverage = Buffer.of(1);
    writeFileSync(cacheFile, Buffer.concat([createHash("sha256").update(keyOf(cacheFile)).update(coverage).update(payload).digest(), coverage, payload]));
    const forged = await version(bundle, { HA_PAIR_CACHE_DIR: dir });
    expect([forged.code, forged.stdout.trim(), forged.cache]).toEqual([0, VERSION, "corrupt"]);
    expect((await version(bundle, { HA_PAIR_CACHE_DIR: dir })).cache).toBe("hit");
    const secret = statSync(join(dir, "code-cache.key"));
    expect([secret.mode & 0o777, secret.uid, secret.size]).toEqual([0o600, process.getuid!(), 32]);
  });

  it("a symlink in place of the cache file is not followed, even to an authentic cache", async () => {
    const { bundle, cacheFile } = await warmed("cache");
    const elsewhere = join(bundle.dir, "elsewhere.v8cache");
    copyFileSync(cacheFile, elsewhere);
    chmodSync(elsewhere, 0o600);
    rmSync(cacheFile);
    symlinkSync(elsewhere, cacheFile);
    const run = await version(bundle, { HA_PAIR_CACHE_DIR: join(cacheFile, "..") });
    expect([run.code, run.stdout.trim(), run.cache]).toEqual([0, VERSION, "untrusted"]);
    // Replaced by a real file of our own (the rename replaces the link, not its target).
    expect(lstatSync(cacheFile).isSymbolicLink()).toBe(false);
    expect((await version(bundle, { HA_PAIR_CACHE_DIR: join(cacheFile, "..") })).cache).toBe("hit");
  });

  it.runIf(asRoot)("a cache file owned by another user, or readable by others, is not read, and is replaced by our own", async () => {
    const { bundle, cacheFile } = await warmed("cache");
    const env = { HA_PAIR_CACHE_DIR: join(cacheFile, "..") };
    chownSync(cacheFile, OTHER_UID, OTHER_UID);
    const foreign = await version(bundle, env);
    expect([foreign.code, foreign.stdout.trim(), foreign.cache]).toEqual([0, VERSION, "untrusted"]);
    expect(statSync(cacheFile).uid).toBe(0);
    expect((await version(bundle, env)).cache).toBe("hit");
    chmodSync(cacheFile, 0o666);
    expect((await version(bundle, env)).cache).toBe("untrusted");
  });

  it.runIf(asRoot)("a cache directory, or any directory above it, owned by another user is not used at all", async () => {
    for (const owned of ["parent/cache", "parent"]) {
      const { bundle, cacheFile } = await warmed("parent/cache");
      const dir = join(cacheFile, "..");
      chownSync(join(bundle.dir, owned), OTHER_UID, OTHER_UID);
      const before = readFileSync(cacheFile);
      const run = await version(bundle, { HA_PAIR_CACHE_DIR: dir });
      expect([owned, run.code, run.stdout.trim(), run.cache]).toEqual([owned, 0, VERSION, "missing"]);
      expect(readFileSync(cacheFile).equals(before)).toBe(true);
      expect(readdirSync(dir).filter((name) => name.endsWith(".tmp"))).toEqual([]);
    }
  });

  it.runIf(asRoot)("root with HOME in a user's home (sudo -E) keeps no cache there: it uses its own private directory", async () => {
    const bundle = isolatedBundle();
    const home = join(bundle.dir, "home-of-a-user");
    mkdirSync(home, { mode: 0o755 });
    chownSync(home, OTHER_UID, OTHER_UID);
    const tmp = join(bundle.dir, "tmp");
    mkdirSync(tmp, { mode: 0o700 });
    const env = { HOME: home, TMPDIR: tmp };
    expect((await version(bundle, env)).cache).toBe("missing");
    expect(readdirSync(home)).toEqual([]);
    expect(cacheFiles(join(tmp, "ha-pair-cache-0"))).toHaveLength(1);
    // XDG_CACHE_HOME inside that home is refused the same way.
    expect((await version(bundle, { ...env, XDG_CACHE_HOME: join(home, ".cache") })).cache).toBe("hit");
    expect(readdirSync(home)).toEqual([]);
  });
});
