import { createHash, timingSafeEqual } from "node:crypto";
import { readFileSync, statSync } from "node:fs";

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
    let mode: number;
    try {
      const stat = statSync(file);
      if (!stat.isFile()) throw new AgentStartError(`token file ${file} is not a regular file`, `put the token in a file: umask 077; openssl rand -hex 32 > ${file}`);
      mode = stat.mode & 0o777;
    } catch (err) {
      if (err instanceof AgentStartError) throw err;
      const code = (err as NodeJS.ErrnoException).code ?? String(err);
      throw new AgentStartError(`cannot read token file ${file} (${code})`, `create it readable by the agent's user only: umask 077; openssl rand -hex 32 > ${file}; or pass --token-file / set agent.tokenFile`);
    }
    if ((mode & 0o077) !== 0) {
      throw new AgentStartError(
        `token file ${file} has mode ${mode.toString(8).padStart(4, "0")}: group or others may read or write it, so any local user could trigger failovers`,
        `chmod 600 ${file}`,
      );
    }
    const token = readFileSync(file, "utf8").trim();
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

function sha256(text: string): Buffer {
  return createHash("sha256").update(text, "utf8").digest();
}
