/**
 * The head of dist/ha-pair-agent.cjs. The agent ships as ONE file — this loader, followed by
 * the bundled agent as a string (`AGENT_CODE`, written in front of it by scripts/build.mjs) —
 * because keepalived's notify script starts it at every transition: compiling the ~0.9 MB bundle
 * costs more than the rest of its start, and a V8 code cache (vm.Script `cachedData`) removes
 * most of that. Node 18/20 have no built-in compile cache (module.enableCompileCache is Node 22).
 *
 * The cache is an optimisation only. Every failure — no cache dir, a cache that is missing,
 * truncated, corrupt, rejected by V8 or unwritable — falls back silently to a normal compile of
 * the same code, and nothing here ever throws into the agent:
 * - it is keyed by the SHA-256 of the code actually compiled (computed here, not trusted from
 *   the build: V8 itself only checks the source *length*), the Node version, the architecture
 *   and the V8 flags, so a changed bundle or runtime never meets an old cache;
 * - the file carries an HMAC-SHA-256 of its payload keyed by a secret only this user can read
 *   (scripts/code-cache-trust.ts), checked before V8 sees it: release builds of V8 do not
 *   checksum code caches (a flipped bit must not crash every later failover), and a plain digest
 *   anyone could recompute for a poisoned cache;
 * - it lives in a directory this user owns and nobody else can write, under directories only
 *   this user or root can write (never in a home this user does not own), and is read from a
 *   descriptor checked for owner and mode (a code cache is code);
 * - it is written only when none was usable (or once more, see Coverage), after the command
 *   finished, atomically (temp file + rename), so a failover never waits for it and two
 *   concurrent starts cannot tear it.
 *
 * HA_PAIR_CODE_CACHE=off disables it; HA_PAIR_CACHE_DIR chooses the directory; otherwise
 * $CACHE_DIRECTORY (systemd CacheDirectory=), $XDG_CACHE_HOME/ha-pair, ~/.cache/ha-pair, and
 * last a private directory under the system temp dir.
 */
import { createHash, createHmac } from "node:crypto";
import { readdirSync, renameSync, unlinkSync } from "node:fs";
import { homedir, tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { Script } from "node:vm";
import { cacheKeySecret, currentUid, readTrustedFile, trustedCacheDir, writePrivateFile } from "./code-cache-trust.js";

declare const AGENT_CODE: string;

// v2: the digest became an HMAC (v1 files are removed as stale at the next write).
const CACHE_FORMAT = "v2";
const DIGEST_BYTES = 32;
/** "untrusted": a cache file this user does not own alone (or a symlink) was found and not read. */
type CacheState = "off" | "hit" | "missing" | "corrupt" | "rejected" | "untrusted";

const sha256 = (data: string | Uint8Array) => createHash("sha256").update(data);

/** Candidate directories, most specific first; only a directory that passes `trustedCacheDir` is used. */
function cacheDirs(env: NodeJS.ProcessEnv): string[] {
  if (env.HA_PAIR_CACHE_DIR) return [env.HA_PAIR_CACHE_DIR];
  const dirs: string[] = [];
  // systemd passes CacheDirectory= as a colon-separated list of absolute paths.
  const systemd = env.CACHE_DIRECTORY?.split(":")[0];
  if (systemd) dirs.push(systemd);
  if (env.XDG_CACHE_HOME) dirs.push(join(env.XDG_CACHE_HOME, "ha-pair"));
  try {
    const home = homedir();
    if (home && home !== "/") dirs.push(join(home, ".cache", "ha-pair"));
  } catch {
    // No home directory for this user (a system user): the next candidate.
  }
  dirs.push(join(tmpdir(), `ha-pair-cache-${currentUid() ?? "user"}`));
  return dirs;
}

/** What the cached code depends on besides the source: V8 rejects a cache made under other flags anyway, and would then thrash. */
function cacheKey(codeDigest: string): string {
  const flags = sha256(JSON.stringify([process.execArgv, process.env.NODE_OPTIONS ?? ""])).digest("hex").slice(0, 12);
  return `agent-${codeDigest.slice(0, 32)}-node${process.versions.node}-v8-${process.versions.v8}-${process.arch}-${flags}`.replace(/[^\w.-]/g, "_");
}

/**
 * How much of the agent a cache covers. V8 caches the functions compiled so far, so a cache
 * written after `validate` or `--version` lacks the SDK paths a failover runs. The first command
 * that reaches the cloud after such a run replaces it once (if it compiled more); a cache written
 * by a cloud command is final for its key.
 */
const enum Coverage {
  Local = 0,
  Cloud = 1,
}
const LOCAL_COMMANDS = new Set([undefined, "validate", "version", "--version", "help", "--help", "-h"]);
const coverageOf = (argv: string[]) => (LOCAL_COMMANDS.has(argv[2]) || argv.includes("--help") ? Coverage.Local : Coverage.Cloud);

interface CacheFile {
  /** V8 cached data; empty when the file is there but damaged or forged. */
  payload: Buffer;
  coverage: Coverage;
}

/** Layout: HMAC(secret; key, coverage byte, payload) | coverage byte | payload. The key in the MAC makes a renamed file no match. */
function digestOf(secret: Buffer, key: string, coverage: Coverage, payload: Buffer): Buffer {
  return createHmac("sha256", secret).update(key).update(Buffer.of(coverage)).update(payload).digest();
}

function readCache(file: string, key: string, secret: Buffer | undefined): CacheFile | "untrusted" | undefined {
  const read = readTrustedFile(file);
  if (!read.ok) return read.reason === "untrusted" ? "untrusted" : undefined;
  const data = read.data;
  const damaged = { payload: Buffer.alloc(0), coverage: Coverage.Local };
  // Without the secret (removed, unreadable) no cache can be verified: as good as damaged.
  if (!secret || data.length <= DIGEST_BYTES + 1) return damaged;
  const coverage = data[DIGEST_BYTES] === Coverage.Cloud ? Coverage.Cloud : Coverage.Local;
  const payload = data.subarray(DIGEST_BYTES + 1);
  return digestOf(secret, key, data[DIGEST_BYTES]!, payload).equals(data.subarray(0, DIGEST_BYTES)) ? { payload, coverage } : damaged;
}

function writeCache(dir: string, file: string, key: string, coverage: Coverage, payload: Buffer): void {
  const temp = `${file}.${process.pid}.tmp`;
  try {
    const secret = cacheKeySecret(dir, true);
    if (!secret) return;
    writePrivateFile(temp, digestOf(secret, key, coverage, payload), Buffer.of(coverage), payload);
    renameSync(temp, file);
    // Caches of earlier bundles or runtimes are dead weight (~1 MB each): remove them.
    for (const name of readdirSync(dir)) {
      if (/^v\d+-agent-.*\.v8cache$/.test(name) && join(dir, name) !== file) unlinkSync(join(dir, name));
    }
  } catch {
    try {
      unlinkSync(temp);
    } catch {
      // Nothing was written.
    }
  }
}

function compile(code: string, filename: string): { script: Script; state: CacheState; save?: () => void } {
  // The bundle is a CommonJS module body: compile it inside the same wrapper Node's loader uses.
  const source = `(function (exports, require, module, __filename, __dirname) {${code}\n})`;
  const env = process.env;
  if (env.HA_PAIR_CODE_CACHE === "off") return { script: new Script(source, { filename }), state: "off" };
  let dir: string | undefined;
  let key = "";
  let cached: CacheFile | "untrusted" | undefined;
  try {
    for (const candidate of cacheDirs(env)) {
      dir = trustedCacheDir(candidate);
      if (dir) break;
    }
    if (dir) {
      key = `${CACHE_FORMAT}-${cacheKey(sha256(source).digest("hex"))}`;
      cached = readCache(join(dir, `${key}.v8cache`), key, cacheKeySecret(dir, false));
    }
  } catch {
    dir = undefined;
  }
  const usable = cached && cached !== "untrusted" && cached.payload.length > 0 ? cached : undefined;
  const script = new Script(source, { filename, ...(usable ? { cachedData: usable.payload } : {}) });
  const state: CacheState = usable ? (script.cachedDataRejected ? "rejected" : "hit") : cached === "untrusted" ? "untrusted" : cached ? "corrupt" : "missing";
  const coverage = coverageOf(process.argv);
  const upgrade = state === "hit" && usable!.coverage === Coverage.Local && coverage === Coverage.Cloud;
  if (!dir || (state === "hit" && !upgrade)) return { script, state };
  const cacheDir = dir;
  return {
    script,
    state,
    save: () => {
      try {
        // At exit the functions this run compiled lazily are in the cache too, not only the top level.
        const payload = script.createCachedData();
        if (upgrade && payload.length <= usable!.payload.length) return;
        writeCache(cacheDir, join(cacheDir, `${key}.v8cache`), key, coverage, payload);
      } catch {
        // A cache that cannot be produced or written only costs the next start its compile.
      }
    },
  };
}

const filename = __filename;
const { script, state, save } = compile(AGENT_CODE, filename);
// For the bench and the tests: whether this start used the cache (never printed by the agent).
if (process.env.HA_PAIR_CODE_CACHE_REPORT) process.stderr.write(`ha-pair code cache: ${state}\n`);
if (save) process.once("exit", save);
const wrapper = script.runInThisContext() as (exports: unknown, require: NodeJS.Require, module: NodeJS.Module, filename: string, dirname: string) => void;
wrapper(module.exports, require, module, filename, dirname(filename));
