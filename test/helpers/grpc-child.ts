/**
 * A Pulumi plugin process (resource provider, policy pack) started as the engine starts one: it
 * prints the port of its gRPC server on 127.0.0.1 as its first line of output.
 */
import { spawn, type ChildProcess } from "node:child_process";

export interface GrpcChild {
  port: number;
  /** Everything the process wrote to stderr so far (for failure messages). */
  stderr(): string;
  stop(): Promise<void>;
}

export async function startGrpcChild(what: string, args: string[], cwd: string, timeoutMs = 60_000): Promise<GrpcChild> {
  const child: ChildProcess = spawn(process.execPath, args, { cwd, stdio: ["ignore", "pipe", "pipe"] });
  let stderr = "";
  child.stderr!.on("data", (chunk) => (stderr += chunk));
  const port = await new Promise<number>((resolve, reject) => {
    let stdout = "";
    const timer = setTimeout(() => {
      child.kill("SIGTERM");
      reject(new Error(`${what} printed no port within ${timeoutMs} ms; stderr:\n${stderr}`));
    }, timeoutMs);
    child.stdout!.on("data", (chunk) => {
      stdout += chunk;
      const line = /^(\d+)\s*\n/.exec(stdout);
      if (line) {
        clearTimeout(timer);
        resolve(Number(line[1]));
      }
    });
    child.on("exit", (code) => {
      clearTimeout(timer);
      reject(new Error(`${what} exited (${code}) before serving; stdout:\n${stdout}\nstderr:\n${stderr}`));
    });
  });
  return {
    port,
    stderr: () => stderr,
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      const exited = new Promise((resolve) => child.once("exit", resolve));
      child.kill("SIGTERM");
      await exited;
    },
  };
}

/** A unary call on a generated gRPC client, as a promise; a failure carries the process's stderr. */
export function unaryCall<T>(client: any, method: string, request: unknown, process: GrpcChild): Promise<T> {
  return new Promise<T>((resolve, reject) =>
    client[method](request, (error: Error | null, response: T) => (error ? reject(new Error(`${method}: ${error.message}\nstderr:\n${process.stderr()}`)) : resolve(response))),
  );
}
