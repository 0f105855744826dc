/**
 * Whether a code-cache directory and its files may be trusted (used by scripts/agent-loader.ts).
 * A V8 code cache is code: whoever can change it runs code as the agent's user, root included.
 * So a cache is used only when nobody but this user (and root) can have put it there:
 * - every directory from / down to the cache directory is owned by this user or root and
 *   writable by nobody else (a root-owned sticky directory such as /tmp is fine above it: others
 *   cannot rename or delete what is ours in it), each checked on a descriptor opened without
 *   following a symlink. This is also what refuses a cache under a home this user does not own
 *   (`sudo -E` keeps the caller's HOME). Once that holds, nobody else can swap a path below;
 * - files are opened without following a symlink and checked on the opened descriptor (owner,
 *   mode), then read from that same descriptor: a file swapped after the check is never read;
 * - each file carries an HMAC keyed by a secret that only this user can read, kept beside the
 *   cache (created once, O_EXCL, mode 600): a plain digest anyone can recompute; the HMAC they cannot.
 */
import { randomBytes } from "node:crypto";
import { closeSync, constants, fstatSync, fsyncSync, linkSync, lstatSync, mkdirSync, openSync, readSync, realpathSync, unlinkSync, writeSync, type Stats } from "node:fs";
import { dirname, join, resolve, sep } from "node:path";

const KEY_FILE = "code-cache.key";
const KEY_BYTES = 32;
/** A code cache of the agent is ~1-3 MB; anything far larger is not ours. */
const MAX_FILE_BYTES = 64 * 1024 * 1024;
const STICKY = 0o1000;

/** The running user, or undefined where ownership cannot be checked (then no cache at all). */
export const currentUid = (): number | undefined => (typeof process.getuid === "function" ? process.getuid() : undefined);

/**
 * The cache directory as a real path (no symlinks), created private if missing, or undefined
 * when it cannot be trusted. Ancestors are checked before anything is created in them.
 */
export function trustedCacheDir(dir: string): string | undefined {
  const uid = currentUid();
  if (uid === undefined) return undefined;
  try {
    const wanted = resolve(dir);
    let existing = wanted;
    while (!exists(existing)) existing = dirname(existing);
    const realExisting = realpathSync(existing);
    if (!trustedChain(realExisting, uid, realExisting === realpathSafe(wanted))) return undefined;
    mkdirSync(wanted, { recursive: true, mode: 0o700 });
    const real = realpathSync(wanted);
    return trustedChain(real, uid, true) ? real : undefined;
  } catch {
    return undefined;
  }
}

function exists(path: string): boolean {
  try {
    lstatSync(path);
    return true;
  } catch {
    return false;
  }
}

function realpathSafe(path: string): string | undefined {
  try {
    return realpathSync(path);
  } catch {
    return undefined;
  }
}

/** Each directory of a real path, from the root down: ours or root's, nobody else may write it; the last one ours alone. */
function trustedChain(real: string, uid: number, isCacheDir: boolean): boolean {
  const parts = real.split(sep).filter(Boolean);
  for (let depth = 0; depth <= parts.length; depth++) {
    const path = sep + parts.slice(0, depth).join(sep);
    const stat = directoryStat(path);
    if (!stat) return false;
    const last = depth === parts.length;
    if (last && isCacheDir) {
      if (stat.uid !== uid || (stat.mode & 0o022) !== 0) return false;
    } else {
      if (stat.uid !== uid && stat.uid !== 0) return false;
      const othersMayWrite = (stat.mode & 0o022) !== 0;
      if (othersMayWrite && !(stat.uid === 0 && (stat.mode & STICKY) !== 0)) return false;
    }
  }
  return true;
}

/** A directory's owner and mode, from a descriptor opened on it without following a symlink (undefined if it is none). */
function directoryStat(path: string): Stats | undefined {
  let fd: number;
  try {
    fd = openSync(path, constants.O_RDONLY | constants.O_DIRECTORY | constants.O_NOFOLLOW);
  } catch {
    return undefined;
  }
  try {
    const stat = fstatSync(fd);
    return stat.isDirectory() ? stat : undefined;
  } finally {
    closeSync(fd);
  }
}

export type TrustedRead = { ok: true; data: Buffer } | { ok: false; reason: "missing" | "untrusted" };

/**
 * Read a file of the cache directory if it is a regular file owned by this user that nobody else
 * may read or write — checked on the descriptor the data is then read from. A symlink is untrusted.
 */
export function readTrustedFile(file: string): TrustedRead {
  const uid = currentUid();
  let fd: number;
  try {
    fd = openSync(file, constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK);
  } catch (err) {
    return { ok: false, reason: (err as NodeJS.ErrnoException).code === "ENOENT" ? "missing" : "untrusted" };
  }
  try {
    const stat = fstatSync(fd);
    if (!stat.isFile() || stat.uid !== uid || (stat.mode & 0o077) !== 0 || stat.size > MAX_FILE_BYTES) return { ok: false, reason: "untrusted" };
    const data = Buffer.alloc(stat.size);
    let length = 0;
    for (let read = -1; read !== 0 && length < data.length; length += read) read = readSync(fd, data, length, data.length - length, null);
    return { ok: true, data: data.subarray(0, length) };
  } catch {
    return { ok: false, reason: "untrusted" };
  } finally {
    closeSync(fd);
  }
}

/** Write a new private file (O_EXCL: never through an existing file or symlink), flushed to disk. */
export function writePrivateFile(file: string, ...chunks: Uint8Array[]): void {
  const fd = openSync(file, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW, 0o600);
  try {
    for (const chunk of chunks) writeSync(fd, chunk);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

/**
 * The directory's MAC key: undefined if there is none yet (and `create` is false) or if the key
 * file is not trustworthy. Created once, atomically: written to a private temp file, then
 * hard-linked to its name, which fails if another start got there first — then its key is used.
 */
export function cacheKeySecret(dir: string, create: boolean): Buffer | undefined {
  const file = join(dir, KEY_FILE);
  const existing = readTrustedFile(file);
  if (existing.ok) return existing.data.length === KEY_BYTES ? existing.data : undefined;
  if (existing.reason === "untrusted" || !create) return undefined;
  const temp = `${file}.${process.pid}.tmp`;
  try {
    writePrivateFile(temp, randomBytes(KEY_BYTES));
    try {
      linkSync(temp, file);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== "EEXIST") throw err;
    }
  } catch {
    return undefined;
  } finally {
    try {
      unlinkSync(temp);
    } catch {
      // Not created.
    }
  }
  const created = readTrustedFile(file);
  return created.ok && created.data.length === KEY_BYTES ? created.data : undefined;
}
