/**
 * The simulated AWS cloud, started and stopped from code: EC2 and S3 on one 127.0.0.1 port, and
 * an IMDSv2 server per pair node on ports of their own. Tests, the demo and the bench run the
 * unmodified AWS SDK (or the AWS CLI) against it.
 */
import { setMaxListeners } from "node:events";
import type { AwsAgentConfig as AgentConfig, NodeId } from "../runtime/config/types.js";
import { buildAgentConfig, writeAgentConfig } from "./agent-config.js";
import { type AccessKey, CredentialRegistry } from "./auth.js";
import { CallLog, type CallRecord } from "./call-log.js";
import { Ec2World, EC2_MUTATING_ACTIONS, handleEc2, type Authorizer } from "./ec2/index.js";
import { type FaultConfig, FaultInjector } from "./faults.js";
import { ec2ResourceContext, IdentityPolicies, type PolicyDocument } from "./iam/index.js";
import { type ImdsServer, type InstanceIdentity, startImds } from "./imds.js";
import { S3Store } from "./s3/store.js";
import { startAwsServer } from "./server.js";
import { exampleTopology } from "./topologies.js";
import type { Topology } from "./topology.js";

export type { CallRecord } from "./call-log.js";
export type { FaultConfig } from "./faults.js";
export type { Topology } from "./topology.js";
export type { PolicyDocument, PolicyStatement } from "./iam/index.js";
export { SIM_USER_POLICY_KEY } from "./iam/index.js";

export interface AwsSimOptions {
  /** Default: exampleTopology(). */
  topology?: Topology;
  /** Seed of the fault streams and the IDs the EC2 model issues; faults.seed wins if both are given. Default 0. */
  seed?: number;
  faults?: FaultConfig;
  /** 0 (default) = an ephemeral port. */
  port?: number;
  /**
   * IAM identity policies by principal: an instance role's name (the `roleName` of a topology
   * instance, whose IMDS hands out its credentials), or SIM_USER_POLICY_KEY for the static
   * user. A principal with none keeps the sim's allow-all; with some, EC2 and S3 evaluate
   * them as AWS does (explicit deny wins, no allow = implicit deny).
   */
  identityPolicies?: Record<string, PolicyDocument[]>;
  /** aws:SecureTransport in IAM conditions (the sim stands for TLS endpoints). Default true. */
  secureTransport?: boolean;
}

export interface AwsSim {
  /** EC2 and S3 (path-style), e.g. http://127.0.0.1:40123. */
  readonly endpoint: string;
  /** Each pair node's own IMDSv2. */
  readonly imds: Record<NodeId, string>;
  readonly region: string;
  readonly accountId: string;
  /** The static IAM user's key the sim accepts (e.g. AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY). */
  readonly credentials: AccessKey;
  readonly topology: Topology;
  readonly world: Ec2World;
  /** Buckets and objects, for inspection (and setup) by tests. */
  readonly s3: S3Store;
  /** The fault config in force. */
  readonly faults: Readonly<FaultConfig>;
  /** Changes fault injection at run time; only the fields given change. */
  setFaults(partial: Partial<FaultConfig>): void;
  /** Late-landing writes (faults.lateWrites): held now, landed so far, when the last one landed (epoch ms). */
  lateWrites(): Readonly<{ pending: number; landed: number; lastLandedAt: number | undefined }>;
  /** Replaces a principal's identity policies (validated as IAM would); null restores allow-all. */
  setIdentityPolicies(principal: string, documents: PolicyDocument[] | null): void;
  /** The policies set for a principal, if any. */
  identityPolicies(principal: string): readonly PolicyDocument[] | undefined;
  /** Every request received (EC2, S3, IMDS), in order of completion. */
  readonly calls: CallRecord[];
  clearCalls(): void;
  /** The agent config of the topology's pair, speaking as node a (endpoints.imds = node a's IMDS). */
  agentConfig(): AgentConfig;
  /** Writes agentConfig() to a file after validating it against the contract. */
  writeAgentConfig(file: string): AgentConfig;
  /** Closes every socket (held requests and idle keep-alive connections too). */
  stop(): Promise<void>;
}

function identityOf(topology: Topology, node: NodeId): InstanceIdentity {
  const instance = topology.instances.find((candidate) => candidate.node === node);
  if (!instance) throw new Error(`topology has no instance with "node": "${node}"; a pair needs instances for nodes a and b`);
  const primary = [...instance.interfaces].sort((x, y) => x.deviceIndex - y.deviceIndex)[0];
  if (!primary) throw new Error(`instance ${instance.id} (node ${node}) has no network interface; give it one with deviceIndex 0`);
  const subnet = topology.subnets.find((candidate) => candidate.id === primary.subnetId);
  if (!subnet) throw new Error(`interface ${primary.id} of instance ${instance.id} names subnet ${primary.subnetId}, which the topology does not have`);
  return {
    instanceId: instance.id,
    region: topology.region,
    availabilityZone: subnet.availabilityZone,
    accountId: topology.accountId,
    privateIp: primary.primaryIp,
    instanceType: "c5.xlarge",
    imageId: "ami-0abcdef1234567890",
    ...(instance.roleName ? { roleName: instance.roleName } : {}),
  };
}

export async function startAwsSim(options: AwsSimOptions = {}): Promise<AwsSim> {
  const topology = options.topology ?? exampleTopology();
  const seed = options.faults?.seed ?? options.seed ?? 0;
  const faults = new FaultInjector({ ...options.faults, seed });
  const calls = new CallLog();
  const credentials = new CredentialRegistry(topology.accountId);
  const world = new Ec2World(topology, { idSeed: `ha-pair-sim-${seed}` });
  const s3 = new S3Store(topology.buckets);
  const stopping = new AbortController();
  // Every request sleeping in injected latency listens on it: many at once is normal, not a leak.
  setMaxListeners(0, stopping.signal);
  const identities = { a: identityOf(topology, "a"), b: identityOf(topology, "b") };

  const iam = new IdentityPolicies({ region: topology.region, ...(options.secureTransport !== undefined ? { secureTransport: options.secureTransport } : {}) }, options.identityPolicies);

  // The fault config's deny rules first (a test's targeted refusal), then the caller's IAM policies.
  const authorize: Authorizer = ({ action, resources, caller, context }) => {
    const denial = faults.denial(action, resources.map((resource) => resource.arn));
    if (denial) {
      return { allowed: false, reason: "an explicit deny in the simulator's fault config", ...(denial.resource ? { resourceArn: denial.resource } : {}) };
    }
    const decision = iam.authorize({
      callerArn: caller.arn,
      action: `ec2:${action}`,
      resources: resources.map((resource) => ({ arn: resource.arn, context: ec2ResourceContext(world.state, resource.arn, resource.tags) })),
      ...(context ? { context: new Map(Object.entries(context).map(([key, values]) => [key.toLowerCase(), values])) } : {}),
    });
    return decision.allowed ? { allowed: true } : { allowed: false, reason: decision.reason, resourceArn: decision.resourceArn };
  };
  const authorizeS3 = (caller: { arn: string }, action: string, resourceArn: string, context?: Record<string, string[]>) => {
    const decision = iam.authorize({
      callerArn: caller.arn,
      action,
      resources: [{ arn: resourceArn }],
      ...(context ? { context: new Map(Object.entries(context).map(([key, values]) => [key.toLowerCase(), values])) } : {}),
    });
    return decision.allowed ? ({ allowed: true } as const) : ({ allowed: false, reason: decision.reason } as const);
  };

  const servers: { stop(): Promise<void> }[] = [];
  try {
    const server = await startAwsServer({
      region: topology.region,
      port: options.port ?? 0,
      ec2: { handle: (request) => handleEc2(world, request, authorize), mutatingActions: EC2_MUTATING_ACTIONS },
      s3,
      credentials,
      faults,
      calls,
      stopping: stopping.signal,
      authorizeS3,
    });
    servers.push(server);
    const imds: Partial<Record<NodeId, ImdsServer>> = {};
    for (const node of ["a", "b"] as const) {
      imds[node] = await startImds({ node, identity: identities[node], credentials, faults, calls, stopping: stopping.signal });
      servers.push(imds[node]);
    }
    const imdsUrls = { a: (imds.a as ImdsServer).url, b: (imds.b as ImdsServer).url };
    const agentConfig = () => buildAgentConfig(topology, { ec2: server.endpoint, s3: server.endpoint, imds: imdsUrls.a });
    let stopped: Promise<void> | undefined;

    return {
      endpoint: server.endpoint,
      imds: imdsUrls,
      region: topology.region,
      accountId: topology.accountId,
      credentials: credentials.staticUser,
      topology,
      world,
      s3,
      get faults() {
        return faults.config;
      },
      setFaults: (partial) => faults.update(partial),
      lateWrites: () => faults.lateWrites,
      setIdentityPolicies: (principal, documents) => iam.set(principal, documents),
      identityPolicies: (principal) => iam.get(principal),
      calls: calls.records,
      clearCalls: () => calls.clear(),
      agentConfig,
      writeAgentConfig: (file) => {
        const config = agentConfig();
        writeAgentConfig(file, config);
        return config;
      },
      stop: () => {
        stopped ??= (async () => {
          stopping.abort();
          await Promise.all(servers.map((s) => s.stop()));
        })();
        return stopped;
      },
    };
  } catch (err) {
    stopping.abort();
    await Promise.all(servers.map((s) => s.stop()));
    throw err;
  }
}
