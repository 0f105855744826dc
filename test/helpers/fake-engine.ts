/**
 * The smallest Pulumi engine a plugin's Construct needs, over real gRPC on 127.0.0.1: the Engine
 * service (logs, root resource) and a ResourceMonitor whose registrations and invokes are answered
 * by Pulumi's own MockMonitor (@pulumi/pulumi/runtime/mocks) with the given mocks — the same
 * answers `pulumi.runtime.setMocks` gives in-process, here on the wire. Uses the proto stubs
 * shipped in @pulumi/pulumi/proto and the @grpc/grpc-js they were generated for.
 */
import { createRequire } from "node:module";
import * as pulumi from "@pulumi/pulumi";

const require = createRequire(import.meta.url);
const pulumiRequire = createRequire(require.resolve("@pulumi/pulumi/package.json"));
export const grpc = pulumiRequire("@grpc/grpc-js") as typeof import("@grpc/grpc-js");
const engineRpc = require("@pulumi/pulumi/proto/engine_grpc_pb.js");
const engineProto = require("@pulumi/pulumi/proto/engine_pb.js");
const resourceRpc = require("@pulumi/pulumi/proto/resource_grpc_pb.js");
const resourceProto = require("@pulumi/pulumi/proto/resource_pb.js");
const { Empty } = pulumiRequire("google-protobuf/google/protobuf/empty_pb.js");
const { MockMonitor } = require("@pulumi/pulumi/runtime/mocks.js");

export interface EngineLog {
  severity: number;
  message: string;
  urn: string;
}

export interface FakeEngine {
  /** host:port, for the plugin's command line (engine) and ConstructRequest.monitorEndpoint. */
  address: string;
  logs: EngineLog[];
  /** What was registered, by URN, with the state the mocks gave (component outputs as the plugin registered them). */
  registered(): Map<string, { urn: string; id: string | null; state: unknown }>;
  stop(): Promise<void>;
}

type Callback = (error: Error | null, response?: unknown) => void;

export async function startFakeEngine(mocks: pulumi.runtime.Mocks, project = "project", stack = "stack"): Promise<FakeEngine> {
  // MockMonitor names URNs after this process's project and stack.
  pulumi.runtime.setMocks(mocks, project, stack, false);
  const monitor = new MockMonitor(mocks);
  const logs: EngineLog[] = [];
  const server = new grpc.Server();
  const viaMock = (method: string) => (call: { request: unknown }, callback: Callback) => monitor[method](call.request, callback);
  const empty = (_call: unknown, callback: Callback) => callback(null, new Empty());

  server.addService(engineRpc.EngineService, {
    log: (call: { request: any }, callback: Callback) => {
      logs.push({ severity: call.request.getSeverity(), message: call.request.getMessage(), urn: call.request.getUrn() });
      callback(null, new Empty());
    },
    getRootResource: (_call: unknown, callback: Callback) => callback(null, new engineProto.GetRootResourceResponse()),
    setRootResource: (_call: unknown, callback: Callback) => callback(null, new engineProto.SetRootResourceResponse()),
  });
  server.addService(resourceRpc.ResourceMonitorService, {
    // As MockMonitor: every feature but output values (so the mocks see plain inputs).
    supportsFeature: (call: { request: any }, callback: Callback) => {
      const response = new resourceProto.SupportsFeatureResponse();
      response.setHassupport(call.request.getId() !== "outputValues");
      callback(null, response);
    },
    invoke: viaMock("invoke"),
    readResource: viaMock("readResource"),
    registerResource: viaMock("registerResource"),
    registerResourceOutputs: (call: { request: unknown }, callback: Callback) => monitor.registerResourceOutputs(call.request, (error: Error | null) => callback(error, error ? undefined : new Empty())),
    registerPackage: viaMock("registerPackage"),
    signalAndWaitForShutdown: empty,
  });
  const port = await new Promise<number>((resolve, reject) => server.bindAsync("127.0.0.1:0", grpc.ServerCredentials.createInsecure(), (error, bound) => (error ? reject(error) : resolve(bound))));
  return {
    address: `127.0.0.1:${port}`,
    logs,
    registered: () => monitor.getRegisteredResources(),
    stop: () => new Promise<void>((resolve) => server.tryShutdown(() => resolve())),
  };
}
