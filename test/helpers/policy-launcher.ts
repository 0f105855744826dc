/**
 * A policy pack started as the engine starts it for `pulumi preview --policy-pack <dir>` (and as
 * the service runs a published pack): `node <@pulumi/pulumi/cmd/run-policy-pack, resolved from the
 * pack's directory> <engine address> <pack directory>`, in that directory; the pack prints the port
 * of its Analyzer gRPC server. Then the engine's calls: GetAnalyzerInfo, Analyze (one resource, before
 * it is created) and AnalyzeStack (every resource, after the program ran).
 */
import { createRequire } from "node:module";
import { join } from "node:path";
import { buildResources, type ResourceSpec } from "../../policies/testing/harness.js";
import { grpc } from "./fake-engine.js";
import { startGrpcChild, unaryCall } from "./grpc-child.js";

const require = createRequire(import.meta.url);
const analyzerRpc = require("@pulumi/pulumi/proto/analyzer_grpc_pb.js");
const analyzerProto = require("@pulumi/pulumi/proto/analyzer_pb.js");
const pulumiRequire = createRequire(require.resolve("@pulumi/pulumi/package.json"));
const { Struct } = pulumiRequire("google-protobuf/google/protobuf/struct_pb.js");
const { Empty } = pulumiRequire("google-protobuf/google/protobuf/empty_pb.js");

export type Level = "advisory" | "mandatory" | "disabled" | "remediate";
const LEVELS: Record<number, Level> = { 0: "advisory", 1: "mandatory", 2: "disabled", 3: "remediate" };

export interface Diagnostic {
  policy: string;
  level: Level;
  message: string;
  urn: string;
}

export interface AnalyzerInfo {
  name: string;
  version: string;
  policies: { name: string; level: Level }[];
}

export interface LaunchedPolicyPack {
  info(): Promise<AnalyzerInfo>;
  /** Analyze: one resource's inputs, as the engine sends them before it registers the resource. */
  analyze(resource: ResourceSpec): Promise<Diagnostic[]>;
  /** AnalyzeStack: the whole stack's resources (outputs), as the engine sends them after the program. */
  analyzeStack(resources: readonly ResourceSpec[]): Promise<Diagnostic[]>;
  stderr(): string;
  stop(): Promise<void>;
}

/** The resources as the engine describes them: URNs, parents and options as the policy harness builds them. */
function analyzerResources(specs: readonly ResourceSpec[]): any[] {
  return buildResources(specs).map((resource, i) => {
    const spec = specs[i]!;
    const message = new analyzerProto.AnalyzerResource();
    message.setType(resource.type);
    message.setName(resource.name);
    message.setUrn(resource.urn);
    message.setProperties(Struct.fromJavaScript(spec.outputs ?? spec.props ?? {}));
    const options = new analyzerProto.AnalyzerResourceOptions();
    options.setProtect(resource.opts.protect);
    if (resource.opts.parent) {
      options.setParent(resource.opts.parent);
      message.setParent(resource.opts.parent);
    }
    message.setOptions(options);
    return message;
  });
}

const diagnostics = (response: any): Diagnostic[] =>
  response.getDiagnosticsList().map((d: any) => ({ policy: d.getPolicyname(), level: LEVELS[d.getEnforcementlevel()]!, message: d.getMessage(), urn: d.getUrn() }));

export async function launchPolicyPack(packDir: string, timeoutMs = 60_000): Promise<LaunchedPolicyPack> {
  const runPolicyPack = createRequire(join(packDir, "package.json")).resolve("@pulumi/pulumi/cmd/run-policy-pack");
  // The engine's address comes first; the launcher drops it (the pack does not call the engine).
  const pack = await startGrpcChild(`the policy pack in ${packDir}`, [runPolicyPack, "127.0.0.1:1", packDir], packDir, timeoutMs);
  const client = new analyzerRpc.AnalyzerClient(`127.0.0.1:${pack.port}`, grpc.credentials.createInsecure());
  const unary = <T>(method: string, request: unknown) => unaryCall<T>(client, method, request, pack);

  return {
    async info() {
      const info = await unary<any>("getAnalyzerInfo", new Empty());
      return {
        name: info.getName(),
        version: info.getVersion(),
        policies: info.getPoliciesList().map((p: any) => ({ name: p.getName(), level: LEVELS[p.getEnforcementlevel()]! })),
      };
    },
    async analyze(resource) {
      // Alone, a parent given by name has nothing to resolve to (a URN stays).
      const [described] = analyzerResources([{ ...resource, outputs: undefined, parent: resource.parent?.startsWith("urn:") ? resource.parent : undefined }]);
      const request = new analyzerProto.AnalyzeRequest();
      request.setType(described.getType());
      request.setName(described.getName());
      request.setUrn(described.getUrn());
      request.setProperties(described.getProperties());
      request.setOptions(described.getOptions());
      return diagnostics(await unary<any>("analyze", request));
    },
    async analyzeStack(resources) {
      const request = new analyzerProto.AnalyzeStackRequest();
      request.setResourcesList(analyzerResources(resources));
      return diagnostics(await unary<any>("analyzeStack", request));
    },
    stderr: pack.stderr,
    async stop() {
      client.close();
      await pack.stop();
    },
  };
}
