// The npm package as users get it: `npm pack`, then a global install from the tarball alone
// (offline: the bundles carry every runtime dependency, so the install must pull nothing).
import { execFile } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";

const ROOT = join(import.meta.dirname, "..");
const PKG = JSON.parse(readFileSync(join(ROOT, "package.json"), "utf8")) as {
  version: string;
  scripts: Record<string, string>;
  dependencies?: Record<string, string>;
  bin: Record<string, string>;
};

function run(command: string, args: string[], options: { cwd?: string; env?: NodeJS.ProcessEnv } = {}): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(command, args, { cwd: options.cwd ?? ROOT, env: options.env ?? process.env, timeout: 120_000, maxBuffer: 16 * 1024 * 1024 }, (error, stdout, stderr) => {
      resolve({ code: error ? (typeof error.code === "number" ? error.code : 1) : 0, stdout, stderr });
    });
  });
}

// npm without the developer's registry, audit or update checks: everything must come from the tarball.
const npmEnv = (work: string): NodeJS.ProcessEnv => ({
  PATH: process.env.PATH,
  HOME: work,
  npm_config_cache: join(work, "npm-cache"),
  npm_config_offline: "true",
  npm_config_audit: "false",
  npm_config_fund: "false",
  npm_config_update_notifier: "false",
  npm_config_registry: "http://127.0.0.1:9/",
});

let work: string;
let tarball: string;
let files: string[];

beforeAll(async () => {
  work = mkdtempSync(join(tmpdir(), "ha-pair-pack-"));
  // dist/ is already built by the global setup; --ignore-scripts keeps `prepack` from rebuilding
  // it under the other suites that are running the bundles right now (that prepack builds is
  // checked below).
  const pack = await run("npm", ["pack", "--json", "--ignore-scripts", "--pack-destination", work], { env: { ...npmEnv(work), npm_config_offline: "false" } });
  expect(pack.code, pack.stderr).toBe(0);
  const [info] = JSON.parse(pack.stdout) as { filename: string; files: { path: string }[] }[];
  tarball = join(work, info!.filename);
  files = info!.files.map((f) => f.path).sort();
}, 120_000);

describe("npm pack", () => {
  it("builds before packing", () => {
    expect(PKG.scripts.prepack).toMatch(/scripts\/build\.mjs/);
    expect(PKG.scripts["build:agent"]).toMatch(/scripts\/build\.mjs/);
  });

  it("holds the bin, both bundles, the schema, the systemd unit and the trigger snippets — and no sources, tests or sim", () => {
    expect(files).toEqual(
      expect.arrayContaining([
        "package.json",
        "README.md",
        "bin/ha-pair.cjs",
        "dist/ha-pair.cjs",
        "dist/ha-pair-agent.cjs",
        "runtime/config/agent-config.schema.json",
        "packaging/systemd/ha-pair-agent.service",
        "packaging/triggers/keepalived-notify-master",
        "packaging/triggers/vyos-vrrp-master",
        "packaging/triggers/bigip-tgactive",
        "packaging/triggers/bigip-tgrefresh",
      ]),
    );
    expect(files.filter((path) => /\.ts$|^(test|sim|tools|bench|scripts|components|stacks|policies)\/|^dist\/(gen|meta)\/|^dist\/bench/.test(path))).toEqual([]);
  });

  it("declares no runtime dependencies: the bundles carry them", () => {
    expect(PKG.dependencies ?? {}).toEqual({});
  });
});

describe("npm install -g from the tarball, offline", () => {
  let prefix: string;
  beforeAll(async () => {
    prefix = join(work, "global");
    const install = await run("npm", ["install", "-g", "--prefix", prefix, tarball], { env: npmEnv(work) });
    expect(install.code, install.stderr).toBe(0);
  }, 120_000);

  it("installs nothing but the package itself", () => {
    const installed = join(prefix, "lib", "node_modules", "ha-pair");
    expect(existsSync(join(installed, "dist", "ha-pair-agent.cjs"))).toBe(true);
    expect(existsSync(join(installed, "node_modules"))).toBe(false);
    expect(readdirSync(join(prefix, "lib", "node_modules"))).toEqual(["ha-pair"]);
  });

  it("its ha-pair bin prints the version and validates a config", async () => {
    const bin = join(prefix, "bin", "ha-pair");
    const env = { PATH: process.env.PATH, HOME: work, HA_PAIR_CACHE_DIR: join(work, "cache") };
    const version = await run(bin, ["--version"], { cwd: work, env });
    expect(version).toMatchObject({ code: 0, stdout: `${PKG.version}\n` });
    const example = join(prefix, "lib", "node_modules", "ha-pair", "examples", "aws-same-az.json");
    const valid = await run(bin, ["validate", example, "--json"], { cwd: work, env });
    expect(valid.code, valid.stderr).toBe(0);
    expect(JSON.parse(valid.stdout)).toMatchObject({ valid: true });
    const help = await run(bin, ["--help"], { cwd: work, env });
    expect(help.code).toBe(0);
    expect(help.stdout).toMatch(/^\s+sim\s/m);
  });
});
