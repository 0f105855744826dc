import { closeSync, constants, fstatSync, openSync, readSync } from "node:fs";

/** A config is a few kilobytes; anything near this is a mistake or an attack. */
export const MAX_CONFIG_BYTES = 1024 * 1024;

/** Why a file could not be read as a config: the message for its ConfigError (path ""). */
export class UnreadableFileError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "UnreadableFileError";
  }
}

/**
 * Read a small regular file as UTF-8, refusing anything else before reading a byte of it:
 * /dev/zero would grow without end, a FIFO would block the command for ever, a directory or a
 * socket is no config. The checks are made on the opened descriptor (not the path, which could
 * change in between), and the open itself does not block on a FIFO (O_NONBLOCK).
 */
export function readSmallRegularFile(file: string, limit = MAX_CONFIG_BYTES): string {
  let fd: number;
  try {
    fd = openSync(file, constants.O_RDONLY | constants.O_NONBLOCK);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new UnreadableFileError(code === "ENOENT" ? "file not found" : `cannot be read (${code ?? String(err)})`);
  }
  try {
    const stat = fstatSync(fd);
    if (!stat.isFile()) {
      throw new UnreadableFileError(`is not a regular file (${kindOf(stat)}): pass the path of the JSON config file`);
    }
    if (stat.size > limit) throw tooLarge(stat.size, limit);
    // Read up to one byte past the limit: a file that grew since fstat must not slip through.
    const buffer = Buffer.alloc(limit + 1);
    let length = 0;
    for (let read = -1; read !== 0 && length < buffer.length; length += read) {
      read = readSync(fd, buffer, length, buffer.length - length, null);
    }
    if (length > limit) throw tooLarge(length, limit);
    return buffer.subarray(0, length).toString("utf8");
  } catch (err) {
    if (err instanceof UnreadableFileError) throw err;
    throw new UnreadableFileError(`cannot be read (${(err as NodeJS.ErrnoException).code ?? String(err)})`);
  } finally {
    closeSync(fd);
  }
}

function tooLarge(size: number, limit: number): UnreadableFileError {
  return new UnreadableFileError(`is larger than the ${limit}-byte limit (${size} bytes or more): an agent config is a few kilobytes; check that this is the right file`);
}

function kindOf(stat: ReturnType<typeof fstatSync>): string {
  if (stat.isDirectory()) return "a directory";
  if (stat.isFIFO()) return "a named pipe";
  if (stat.isCharacterDevice()) return "a character device";
  if (stat.isBlockDevice()) return "a block device";
  if (stat.isSocket()) return "a socket";
  return "not a file";
}
