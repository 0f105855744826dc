/** `ha-pair agent run` as systemd runs it: the built command in a child process. */
import { spawn, type ChildProcess } from "node:child_process";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { holderInCloud, startExampleSim, type AwsSim } from "./helpers/aws-sim.js";
import { cleanEnv, runCli, tempFile } from "./helpers/cli.js";
import { tokenFile } from "./helpers/agent-daemon.js";
import { sampleConfig } from "./helpers/sample-config.js";

const BIN = join(import.meta.dirname, "..", "bin", "ha-pair.cjs");

describe("agent run refuses to start with an unsafe or empty token file, before any cloud call", () => {
  const config = tempFile("config.json", sampleConfig());

  it("mode 0644: names the file, its mode and the chmod that fixes it", async () => {
    const token = tokenFile("secret-token-value", 0o644);
    const result = await runCli(["agent", "run", "--config", config, "--token-file", token, "--port", "0"]);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain(token);
    expect(result.stderr).toContain("0644");
    expect(result.stderr).toContain(`chmod 600 ${token}`);
    expect(result.stderr + result.stdout).not.toContain("secret-token-value");
  });

  it("an empty token file", async () => {
    const result = await runCli(["agent", "run", "--config", config, "--token-file", tokenFile("\n"), "--port", "0"]);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain("is empty");
  });

  it("a missing token file, a bad port", async () => {
    const missing = await runCli(["agent", "run", "--config", config, "--token-file", "/nonexistent/ha-pair/token"]);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain("/nonexistent/ha-pair/token");
    const port = await runCli(["agent", "run", "--config", config, "--token-file", tokenFile("t"), "--port", "http"]);
    expect(port.code).toBe(2);
    expect(port.stderr).toContain("--port");
  });
});

describe("agent run under SIGTERM", () => {
  let sim: AwsSim;
  beforeAll(async () => {
    sim = await startExampleSim();
  });
  afterAll(async () => {
    await sim.stop();
  });

  it("stops accepting, lets the running failover finish, logs JSON lines and exits 0", async () => {
    const configFile = tempFile("config.json", "{}");
    sim.writeAgentConfig(configFile);
    const token = "process-test-token";
    const child: ChildProcess = spawn(process.execPath, [BIN, "agent", "run", "--config", configFile, "--token-file", tokenFile(token), "--port", "0"], {
      env: cleanEnv({ AWS_EC2_METADATA_SERVICE_ENDPOINT: sim.imds.a }),
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    child.stdout!.on("data", (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr!.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
    const exited = new Promise<number | null>((resolve) => child.on("exit", (code) => resolve(code)));
    const lines = () => stdout.split("\n").filter(Boolean).map((l) => JSON.parse(l) as Record<string, unknown>);
    try {
      const until = Date.now() + 20_000;
      let started: Record<string, unknown> | undefined;
      while (!(started = lines().find((l) => l.event === "started"))) {
        if (Date.now() > until || child.exitCode !== null) throw new Error(`the agent did not start:\n${stdout}\n${stderr}`);
        await new Promise((r) => setTimeout(r, 25));
      }
      expect(started).toMatchObject({ node: "a", level: "info" });
      const url = String(started.url);
      expect(new URL(url).hostname).toBe("127.0.0.1");
      const auth = { authorization: `Bearer ${token}` };
      expect((await fetch(`${url}/info`, { headers: auth })).status).toBe(200);

      // A slow failover is running when SIGTERM arrives.
      sim.setFaults({ latencyMs: 150 });
      const trigger = await fetch(`${url}/trigger`, { method: "POST", headers: auth, body: JSON.stringify({ activate: "b" }) });
      expect(trigger.status).toBe(202);
      child.kill("SIGTERM");
      expect(await exited).toBe(0);
      sim.setFaults({ latencyMs: 0 });
    } finally {
      if (child.exitCode === null) child.kill("SIGKILL");
    }
    const events = lines().map((l) => l.event);
    expect(events.indexOf("stopping")).toBeGreaterThan(-1);
    expect(events.indexOf("failover-finished")).toBeGreaterThan(events.indexOf("stopping"));
    expect(events.at(-1)).toBe("stopped");
    expect(lines().find((l) => l.event === "failover-finished")).toMatchObject({ outcome: "converged", activate: "b" });
    expect(await holderInCloud(sim)).toBe("b");
    expect(stdout + stderr).not.toContain(token);
  });
});
