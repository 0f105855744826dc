/**
 * The three packages as users get them, once per test run: build @ha-pair/pulumi and
 * @ha-pair/policies (scripts/build-*.mjs, what their `prepack` runs), `npm pack` them and the root
 * `ha-pair`, and install the tarballs into a fresh project in the system temp directory, outside
 * the repository, with third-party dependencies from the registry (the npm cache `npm ci` filled).
 *
 * The package-*.test.ts files share that one install: the first to ask does the work under a lock
 * directory the global setup names for the run (inject("packedDir")), the others wait for its
 * result; the global setup's teardown removes the directory.
 */
import { execFile } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { inject } from "vitest";

export const ROOT = join(import.meta.dirname, "..", "..");

export interface PackedPackage {
  name: string;
  tarball: string;
  /** Paths inside the tarball, sorted. */
  files: string[];
}

export interface PackedInstall {
  /** The temporary project the tarballs are installed in. */
  app: string;
  packages: Record<"ha-pair" | "@ha-pair/pulumi" | "@ha-pair/policies", PackedPackage>;
  /** Where a package landed in the project (node_modules/<name>). */
  installed(name: string): string;
}

export function run(command: string, args: string[], cwd: string, env: NodeJS.ProcessEnv = process.env): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(command, args, { cwd, env, timeout: 240_000, maxBuffer: 64 * 1024 * 1024 }, (error, stdout, stderr) => {
      resolve({ code: error ? (typeof error.code === "number" ? error.code : 1) : 0, stdout, stderr });
    });
  });
}

async function must(command: string, args: string[], cwd: string): Promise<string> {
  const result = await run(command, args, cwd);
  if (result.code !== 0) throw new Error(`${command} ${args.join(" ")} (in ${cwd}) exited ${result.code}:\n${result.stderr || result.stdout}`);
  return result.stdout;
}

// npm without audit, funding or update checks; the cache is the developer's (or CI's, after `npm ci`).
const NPM_QUIET = ["--no-audit", "--no-fund", "--no-update-notifier"];
/** The ts-node this repository's lock holds (so the npm cache has it). */
const TS_NODE = (JSON.parse(readFileSync(join(ROOT, "package-lock.json"), "utf8")) as { packages: Record<string, { version: string }> }).packages["node_modules/ts-node"]!.version;

async function packAndInstall(base: string): Promise<Omit<PackedInstall, "installed">> {
  // dist/ (the agent bundle) is built by the global setup; the package builds reuse it. The
  // components are compiled again only if a source changed since (npm ci's prepare compiled them).
  await must(process.execPath, [join(ROOT, "scripts", "build-components.mjs"), "--reuse-agent", "--if-stale"], ROOT);
  await must(process.execPath, [join(ROOT, "scripts", "build-policies.mjs")], ROOT);
  // --ignore-scripts: the builds above are what prepack runs (test/package.test.ts checks the root's).
  const packJson = async (args: string[]) => JSON.parse(await must("npm", ["pack", "--json", "--ignore-scripts", "--pack-destination", base, ...args, ...NPM_QUIET], ROOT)) as { name: string; filename: string; files: { path: string }[] }[];
  const infos = [...(await packJson(["-w", "components", "-w", "policies"])), ...(await packJson([]))];
  const packages = Object.fromEntries(
    infos.map((info) => [info.name, { name: info.name, tarball: join(base, info.filename), files: info.files.map((f) => f.path).sort() }]),
  ) as PackedInstall["packages"];

  const app = join(base, "app");
  mkdirSync(app);
  writeFileSync(join(app, "package.json"), `${JSON.stringify({ name: "ha-pair-packed-app", private: true, type: "module" }, null, 2)}\n`);
  // ts-node next to the plugin, as in many TypeScript projects: @pulumi/pulumi's launchers then
  // register it (the set-up in which the plugin's TypeScript entry point failed with ERR_REQUIRE_ESM).
  await must("npm", ["install", "--prefer-offline", ...NPM_QUIET, ...Object.values(packages).map((p) => p.tarball), `ts-node@${TS_NODE}`], app);
  return { app, packages };
}

/** The shared install (built on the first call of the run, awaited by the others). */
export async function packedInstall(): Promise<PackedInstall> {
  const base = inject("packedDir");
  const result = join(base, "result.json");
  const failure = join(base, "error.txt");
  let owner = false;
  try {
    mkdirSync(base);
    owner = true;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== "EEXIST") throw err;
  }
  if (owner) {
    try {
      writeFileSync(result, JSON.stringify(await packAndInstall(base)));
    } catch (err) {
      writeFileSync(failure, (err as Error).stack ?? String(err));
      throw err;
    }
  }
  for (let waited = 0; !existsSync(result); waited += 250) {
    if (existsSync(failure)) throw new Error(`packing and installing the packages failed in another test file:\n${readFileSync(failure, "utf8")}`);
    if (waited > 400_000) throw new Error(`no packed install in ${base} after ${waited / 1000} s`);
    await sleep(250);
  }
  const shared = JSON.parse(readFileSync(result, "utf8")) as Omit<PackedInstall, "installed">;
  return { ...shared, installed: (name) => join(shared.app, "node_modules", ...name.split("/")) };
}
