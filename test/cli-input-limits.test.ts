// Hostile or mistaken input never crashes, hangs or floods: every bad config and every bad
// command line ends with exit 2 and a clear error (issue 9, defect 6), and output to a reader
// that went away is dropped quietly (issue 10, item 5).
import { execFileSync, spawn } from "node:child_process";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startExampleSim, type AwsSim } from "./helpers/aws-sim.js";
import { cleanEnv, runCli, tempFile } from "./helpers/cli.js";
import { sampleConfig } from "./helpers/sample-config.js";

const BIN = join(import.meta.dirname, "..", "bin", "ha-pair.cjs");

let sim: AwsSim;
let configFile: string;
let env: NodeJS.ProcessEnv;

beforeAll(async () => {
  sim = await startExampleSim();
  configFile = tempFile("c.json", sim.agentConfig());
  env = cleanEnv({ AWS_ENDPOINT_URL: sim.endpoint });
});
afterAll(async () => {
  await sim.stop();
});

describe("config files: only a small regular file of plain, shallow JSON", () => {
  it("a config nested 5,000 levels deep is exit 2 with the path where it got too deep, not a RangeError", async () => {
    const file = tempFile("deep.json", `{"label": ${'{"a":'.repeat(5000)}1${"}".repeat(5000)}}`);
    const result = await runCli(["validate", file, "--json"], env);
    expect(result.code).toBe(2);
    const [error] = result.json<{ errors: { path: string; message: string }[] }>().errors;
    expect(error!.message).toMatch(/nested deeper than \d+ levels/);
    expect(error!.path).toMatch(/^\/label(\/a)+$/);
    expect(result.stderr).not.toMatch(/RangeError|at /);
    // Arrays too, and in the human output.
    const arrays = await runCli(["validate", tempFile("deep.json", `${"[".repeat(6000)}${"]".repeat(6000)}`)], env);
    expect(arrays.code).toBe(2);
    expect(arrays.stderr).toMatch(/nested deeper than \d+ levels/);
  });

  it.each([
    ["/dev/zero", "a character device"],
    ["a named pipe", "a named pipe"],
    ["a directory", "a directory"],
  ])("validate %s is refused at once (exit 2), nothing is read from it", async (what, kind) => {
    let file = what;
    if (what === "a named pipe") {
      file = join(tempFile("x", ""), "..", "fifo");
      execFileSync("mkfifo", [file]);
    } else if (what === "a directory") {
      file = join(tempFile("x", ""), "..");
    }
    // A FIFO nobody writes to would block a reader for ever: the test's own timeout catches a hang.
    const result = await runCli(["validate", file], env);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain(`is not a regular file (${kind})`);
  });

  it("a file over 1 MiB is refused before it is parsed", async () => {
    const file = tempFile("big.json", `{"label": "${"x".repeat(1024 * 1024)}"}`);
    const result = await runCli(["validate", file, "--json"], env);
    expect(result.code).toBe(2);
    expect(result.json<{ errors: { message: string }[] }>().errors[0]!.message).toMatch(/larger than the 1048576-byte limit/);
  });

  it("a key given twice (a second stateStore appended) is refused with its JSON path, even where each copy is valid", async () => {
    const text = JSON.stringify(sampleConfig(), null, 2);
    const appended = `${text.slice(0, text.lastIndexOf("}")).trimEnd()},\n  "stateStore": { "type": "s3", "bucket": "someone-elses-bucket", "key": "state.json" }\n}\n`;
    expect((JSON.parse(appended) as { stateStore: { bucket: string } }).stateStore.bucket).toBe("someone-elses-bucket");
    const result = await runCli(["validate", tempFile("dup.json", appended), "--json"], env);
    expect(result.code).toBe(2);
    expect(result.json()).toMatchObject({ valid: false, errors: [{ path: "/stateStore", message: expect.stringContaining("twice") }] });
    // Nested duplicates name their full path; the same key in different objects is fine.
    const nested = text.replace('"instanceId": "i-0aaaaaaaaaaaaaaa1",', '"instanceId": "i-0aaaaaaaaaaaaaaa1", "instanceId": "i-0aaaaaaaaaaaaaaa1",');
    const nestedResult = await runCli(["validate", tempFile("dup.json", nested), "--json"], env);
    expect(nestedResult.json()).toMatchObject({ errors: [{ path: "/nodes/a/instanceId" }] });
    expect((await runCli(["validate", tempFile("ok.json", text)], env)).code).toBe(0);
  });

  it("eight thousand repeats of one IP list 50 errors and say how many more there are", async () => {
    const config = sampleConfig();
    config.addresses!.secondaryIps = Array.from({ length: 8_000 }, () => ({ role: "external", ips: ["10.0.1.10"] }));
    const file = tempFile("dups.json", config);
    const text = await runCli(["validate", file], env);
    expect(text.code).toBe(2);
    const lines = text.stderr.trim().split("\n");
    expect(lines.length).toBeLessThanOrEqual(52);
    expect(lines[0]).toMatch(/\(7999 errors\)/);
    expect(lines.at(-1)).toMatch(/and \d+ more not listed/);
    const json = await runCli(["validate", file, "--json"], env);
    const document = json.json<{ errors: unknown[]; omittedErrors: number }>();
    expect(document.errors).toHaveLength(50);
    expect(document.errors.length + document.omittedErrors).toBe(7_999);
  });
});

describe("command lines: a flag that takes one value is given once", () => {
  it("--activate a --activate b is exit 2 and makes no API call (it moved the pair to b)", async () => {
    const before = sim.calls.length;
    const result = await runCli(["failover", "--config", configFile, "--activate", "a", "--activate", "b", "--json"], env);
    expect(result.code).toBe(2);
    expect(result.json()).toMatchObject({ ok: false, error: { code: "Usage", message: expect.stringContaining("--activate is given more than once") } });
    expect(sim.calls.length).toBe(before);
    const config = await runCli(["inspect", "--config", configFile, "-c", configFile], env);
    expect(config.code).toBe(2);
    expect(config.stderr).toContain("--config is given more than once");
  });
});

describe("output to a closed pipe (`ha-pair inspect | head -1`)", () => {
  /** Run with stdout a pipe whose reader is gone before the command writes anything. */
  function withClosedStdout(args: string[]): Promise<{ code: number | null; stderr: string }> {
    return new Promise((resolve) => {
      const child = spawn(process.execPath, [BIN, ...args], { env, stdio: ["ignore", "pipe", "pipe"] });
      child.stdout.destroy();
      let stderr = "";
      child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
      child.on("close", (code) => resolve({ code, stderr }));
    });
  }

  it.each([
    ["inspect", () => ["inspect", "--config", configFile]],
    ["inspect --json", () => ["inspect", "--config", configFile, "--json"]],
    ["plan", () => ["plan", "--config", configFile, "--activate", "b"]],
    ["validate", () => ["validate", configFile]],
    ["--version", () => ["--version"]],
    ["help", () => ["help"]],
    ["sim --help", () => ["sim", "--help"]],
  ])("%s exits with its own code and no EPIPE stack", async (_name, args) => {
    const run = await withClosedStdout(args());
    expect(run.stderr).not.toMatch(/EPIPE|Error|at /);
    expect(run.code).toBe(0);
  });

  it("a failover whose reader went away still finishes: the pair converges and the exit code says so", async () => {
    const run = await withClosedStdout(["failover", "--config", configFile, "--activate", "b"]);
    expect(run.stderr).not.toMatch(/EPIPE/);
    expect(run.code).toBe(0);
    const inspect = await runCli(["inspect", "--config", configFile, "--json"], env);
    expect(inspect.json()).toMatchObject({ activeNode: "b" });
    expect((await runCli(["failover", "--config", configFile, "--activate", "a", "--json"], env)).json()).toMatchObject({ converged: true });
  });
});
