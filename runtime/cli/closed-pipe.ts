/**
 * A reader that goes away (`ha-pair inspect | head -1`) closes our stdout: Node then emits
 * EPIPE as an 'error' event on the stream, and with no listener that is an uncaught exception
 * with a stack trace — and, worse, the end of a failover that was still running. Output to a
 * closed pipe is dropped instead: the command finishes its work and exits with its own code.
 */
const guarded = new WeakSet<NodeJS.WriteStream>();

export function dropOutputToClosedPipes(streams: NodeJS.WriteStream[] = [process.stdout, process.stderr]): void {
  for (const stream of streams) {
    if (guarded.has(stream)) continue;
    guarded.add(stream);
    stream.on("error", (err: NodeJS.ErrnoException) => {
      // Only a vanished reader is expected here; anything else is a real fault and stays loud.
      if (err.code !== "EPIPE") throw err;
    });
  }
}
