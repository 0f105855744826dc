/**
 * A source-based Node.js plugin started as the engine starts it: the Node.js language host runs
 * `node <@pulumi/pulumi/cmd/run-plugin, resolved from the plugin's directory> <plugin directory>
 * <engine address>` in that directory; the plugin prints the port of its ResourceProvider gRPC
 * server on its first line of output. Then GetSchema and Construct, over gRPC, as the engine calls them.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { createRequire } from "node:module";
import { join } from "node:path";
import { grpc } from "./fake-engine.js";

const require = createRequire(import.meta.url);
const providerRpc = require("@pulumi/pulumi/proto/provider_grpc_pb.js");
const providerProto = require("@pulumi/pulumi/proto/provider_pb.js");
const pulumiRequire = createRequire(require.resolve("@pulumi/pulumi/package.json"));
const { Struct } = pulumiRequire("google-protobuf/google/protobuf/struct_pb.js");

export interface ConstructCall {
  type: string;
  name: string;
  inputs: Record<string, unknown>;
  monitorEndpoint: string;
  project?: string;
  stack?: string;
  dryRun?: boolean;
}

export interface LaunchedPlugin {
  getSchema(): Promise<any>;
  construct(call: ConstructCall): Promise<{ urn: string; state: Record<string, any> }>;
  /** Everything the plugin wrote to stderr so far (for failure messages). */
  stderr(): string;
  stop(): Promise<void>;
}

export async function launchPlugin(pluginDir: string, engineAddress: string, timeoutMs = 60_000): Promise<LaunchedPlugin> {
  // What the language host's locateModule does: resolve the launcher from the plugin's own directory.
  const runPlugin = createRequire(join(pluginDir, "package.json")).resolve("@pulumi/pulumi/cmd/run-plugin");
  const child: ChildProcess = spawn(process.execPath, [runPlugin, pluginDir, engineAddress], { cwd: pluginDir, stdio: ["ignore", "pipe", "pipe"] });
  let stderr = "";
  child.stderr!.on("data", (chunk) => (stderr += chunk));
  const port = await new Promise<number>((resolve, reject) => {
    let stdout = "";
    const timer = setTimeout(() => reject(new Error(`the plugin in ${pluginDir} printed no port within ${timeoutMs} ms; stderr:\n${stderr}`)), timeoutMs);
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
      reject(new Error(`the plugin in ${pluginDir} exited (${code}) before serving; stdout:\n${stdout}\nstderr:\n${stderr}`));
    });
  });
  const client = new providerRpc.ResourceProviderClient(`127.0.0.1:${port}`, grpc.credentials.createInsecure());
  const unary = <T>(method: string, request: unknown) =>
    new Promise<T>((resolve, reject) => client[method](request, (error: Error | null, response: T) => (error ? reject(new Error(`${method}: ${error.message}\nplugin stderr:\n${stderr}`)) : resolve(response))));

  return {
    async getSchema() {
      const response = await unary<any>("getSchema", new providerProto.GetSchemaRequest());
      return JSON.parse(response.getSchema());
    },
    async construct(call) {
      const request = new providerProto.ConstructRequest();
      request.setProject(call.project ?? "project");
      request.setStack(call.stack ?? "stack");
      request.setOrganization("organization");
      request.setParallel(1);
      request.setDryrun(call.dryRun ?? false);
      request.setMonitorendpoint(call.monitorEndpoint);
      request.setType(call.type);
      request.setName(call.name);
      request.setInputs(Struct.fromJavaScript(call.inputs));
      const response = await unary<any>("construct", request);
      return { urn: response.getUrn(), state: response.getState()?.toJavaScript() ?? {} };
    },
    stderr: () => stderr,
    async stop() {
      client.close();
      if (child.exitCode !== null) return;
      const exited = new Promise((resolve) => child.once("exit", resolve));
      child.kill("SIGTERM");
      await exited;
    },
  };
}
