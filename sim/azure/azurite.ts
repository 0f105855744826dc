/**
 * The real Azure Storage emulator (Azurite's blob service) as a child process on a free
 * 127.0.0.1 port, in memory, for the pair's state blob: it enforces If-Match and If-None-Match
 * as Azure Storage does, which is what fencing rests on.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { createRequire } from "node:module";
import { join } from "node:path";

export const AZURITE_ACCOUNT = "devstoreaccount1";

export interface Azurite {
  /** The account's blob endpoint, e.g. http://127.0.0.1:41234/devstoreaccount1 */
  blobEndpoint: string;
  stop(): Promise<void>;
}

/** Azurite is resolved from the running program (bin/ha-pair.cjs, or the test runner), then from the working directory. */
function azuriteBlobMain(): string {
  for (const from of [process.argv[1], join(process.cwd(), "package.json")]) {
    if (!from) continue;
    try {
      return createRequire(from).resolve("azurite/dist/src/blob/main.js");
    } catch {
      // try the next place
    }
  }
  throw new Error("the simulated Azure keeps its blob state in the Azurite emulator, which is not installed here (it is a devDependency of ha-pair, not bundled). Fix: in a checkout run npm ci; with the installed package run npm install azurite@3.35.0 in the directory you start ha-pair sim azure from");
}

/** Port 0: Azurite binds an ephemeral port and says which ("successfully listens on http://127.0.0.1:PORT"). */
export async function startAzurite(): Promise<Azurite> {
  const child = spawn(process.execPath, [azuriteBlobMain(), "--blobHost", "127.0.0.1", "--blobPort", "0", "--inMemoryPersistence", "--skipApiVersionCheck", "--disableTelemetry"], {
    stdio: ["ignore", "pipe", "pipe"],
  });
  try {
    const url = await listening(child);
    return { blobEndpoint: `${url}/${AZURITE_ACCOUNT}`, stop: () => stopChild(child) };
  } catch (err) {
    await stopChild(child);
    throw new Error(`Azurite did not start: ${err instanceof Error ? err.message : String(err)}`);
  }
}

function listening(child: ChildProcess): Promise<string> {
  return new Promise((resolve, reject) => {
    let output = "";
    const timer = setTimeout(() => reject(new Error(`no "listening" from Azurite within 20 s: ${output.slice(-500)}`)), 20_000);
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      const match = /successfully listens on (http:\/\/127\.0\.0\.1:\d+)/i.exec(output);
      if (match) {
        clearTimeout(timer);
        resolve(match[1]!);
      }
    };
    child.stdout?.on("data", onData);
    child.stderr?.on("data", onData);
    child.once("exit", (code) => {
      clearTimeout(timer);
      reject(new Error(`Azurite exited with code ${code}: ${output.slice(-500)}`));
    });
  });
}

function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    child.once("exit", () => resolve());
    child.kill("SIGTERM");
    setTimeout(() => child.kill("SIGKILL"), 3_000).unref();
  });
}
