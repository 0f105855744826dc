import { createHash, timingSafeEqual } from "node:crypto";
import { closeSync, constants, fstatSync, openSync, readSync } from "node:fs";

/** The daemon cannot start: what is wrong, where, and what to do. Mapped to exit code 2. */
export class AgentStartError extends Error {
  constructor(
    message: string,
    readonly fix: string,
  ) {
    super(message);
    this.name = "AgentStartError";
  }
}

/**
 * The API's bearer token. Read once at start from a file only its owner can read: a token
 * readable by other local users would let any of them move the pair. Only a digest is kept,
 * so the token itself is in no object a log line or a response could serialise.
 */
export class BearerToken {
  private constructor(private readonly digest: Buffer) {}

  static fromFile(file: string): BearerToken {
    const token = readTokenFile(file);
    if (token.length === 0) throw new AgentStartError(`token file ${file} is empty`, `write a token into it: umask 077; openssl rand -hex 32 > ${file}`);
    if (/\s/.test(token)) throw new AgentStartError(`token file ${file} holds more than one word; a bearer token is one line without spaces`, `write a single token: umask 077; openssl rand -hex 32 > ${file}`);
    return new BearerToken(sha256(token));
  }

  /**
   * Whether an Authorization header carries the token, in constant time: digests of equal
   * length are compared with timingSafeEqual, so neither the token's content nor its length leaks.
   */
  accepts(authorization: string | undefined): boolean {
    const match = /^Bearer +(\S+) *$/i.exec(authorization ?? "");
    const presented = sha256(match?.[1] ?? "");
    return timingSafeEqual(presented, this.digest) && match !== null;
  }

  toJSON(): string {
    return "[redacted]";
  }
}

/** A token is 64 hex characters; a file far larger is not a token file. */
const MAX_TOKEN_FILE_BYTES = 4096;

/**
 * The token file's text without surrounding whitespace (a trailing LF or CRLF from an editor
 * on another system included). Checked on the opened descriptor, which it is then read from, so
 * the file checked is the file read: a regular file, owned by the user the agent runs as (a file
 * another user owns, they could rewrite or chmod at will), readable by nobody else.
 */
function readTokenFile(file: string): string {
  const create = `umask 077; openssl rand -hex 32 > ${file}`;
  let fd: number;
  try {
    fd = openSync(file, constants.O_RDONLY | constants.O_NONBLOCK);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code ?? String(err);
    throw new AgentStartError(`cannot read token file ${file} (${code})`, `create it readable by the agent's user only: ${create}; or pass --token-file / set agent.tokenFile`);
  }
  try {
    const stat = fstatSync(fd);
    if (!stat.isFile()) throw new AgentStartError(`token file ${file} is not a regular file`, `put the token in a file: ${create}`);
    const uid = typeof process.getuid === "function" ? process.getuid() : stat.uid;
    if (stat.uid !== uid) {
      throw new AgentStartError(
        `token file ${file} is owned by uid ${stat.uid}, not by the agent's user (uid ${uid}): its owner could change the token or let anyone read it`,
        `chown the file to the agent's user (e.g. chown ha-pair:ha-pair ${file}) and chmod 600 ${file}`,
      );
    }
    const mode = stat.mode & 0o777;
    if ((mode & 0o077) !== 0) {
      throw new AgentStartError(
        `token file ${file} has mode ${mode.toString(8).padStart(4, "0")}: group or others may read or write it, so any local user could trigger failovers`,
        `chmod 600 ${file}`,
      );
    }
    if (stat.size > MAX_TOKEN_FILE_BYTES) throw new AgentStartError(`token file ${file} is ${stat.size} bytes: a token is one short line`, `write a single token: ${create}`);
    const buffer = Buffer.alloc(MAX_TOKEN_FILE_BYTES);
    let length = 0;
    for (let read = -1; read !== 0 && length < buffer.length; length += read) read = readSync(fd, buffer, length, buffer.length - length, null);
    return buffer.subarray(0, length).toString("utf8").trim();
  } finally {
    closeSync(fd);
  }
}

function sha256(text: string): Buffer {
  return createHash("sha256").update(text, "utf8").digest();
}
