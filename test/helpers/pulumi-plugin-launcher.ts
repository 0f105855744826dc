/**
 * A source-based Node.js plugin started as the engine starts it: the Node.js language host runs
 * `node <@pulumi/pulumi/cmd/run-plugin, resolved from the plugin's directory> <plugin directory>
 * <engine address>` in that directory; the plugin prints the port of its ResourceProvider gRPC
 * server on its first line of output. Then GetSchema and Construct, over gRPC, as the engine calls them.
 */
import { createRequire } from "node:module";
import { join } from "node:path";
import { grpc } from "./fake-engine.js";
import { startGrpcChild, unaryCall } from "./grpc-child.js";

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
  const plugin = await startGrpcChild(`the plugin in ${pluginDir}`, [runPlugin, pluginDir, engineAddress], pluginDir, timeoutMs);
  const client = new providerRpc.ResourceProviderClient(`127.0.0.1:${plugin.port}`, grpc.credentials.createInsecure());
  const unary = <T>(method: string, request: unknown) => unaryCall<T>(client, method, request, plugin);

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
    stderr: plugin.stderr,
    async stop() {
      client.close();
      await plugin.stop();
    },
  };
}
