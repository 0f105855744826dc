/**
 * Issue 4, end to end on the greenfield stack itself: stacks/aws-greenfield runs under the Pulumi
 * mocks (same-AZ and across-AZ), exactly the resources it declared become the simulated cloud
 * (test/helpers/stack-to-topology.ts: anything it cannot translate fails the suite, and the
 * generated agent config is checked against the declared resources), the declared role policy —
 * the component's generated policyDocument — is what the simulator evaluates for the nodes, and
 * the agent, configured by the generated agent config, fails over both ways from a new pair (no
 * state object yet). Then each Allow statement, and each action of a multi-action statement, is
 * removed in turn: `ha-pair preflight` names exactly the missing permission, and the failover
 * fails without moving anything.
 *
 * Relies on two changes made alongside it: s3:ListBucket granted on the state bucket without an
 * s3:prefix condition (a GET of a missing key carries none, so the conditioned grant made the
 * first failover of a new pair answer 403), and the prepare-time permission check covering the
 * verification reads (DescribeAddresses, DescribeRouteTables), without which their removal let
 * every mutation land and the failover end unverified.
 */
import { S3Client, GetObjectCommand } from "@aws-sdk/client-s3";
import { afterEach, describe, expect, it } from "vitest";
import type { AwsAgentConfig as AgentConfig, NodeId } from "../runtime/config/types.js";
import { validateConfig } from "../runtime/config/index.js";
import { failover } from "../runtime/core/executor.js";
import { planOperations } from "../runtime/core/operations.js";
import { planFailover } from "../runtime/core/planner.js";
import { startAwsSim, type PolicyDocument, type PolicyStatement } from "../sim/index.js";
import { createGreenfield, type GreenfieldMode } from "../stacks/aws-greenfield/program.js";
import { useSimEnvironment } from "../tools/sim-env.js";
import { agentOn, type AwsSim } from "./helpers/aws-sim.js";
import { cleanEnv, runCli, tempFile } from "./helpers/cli.js";
import { PulumiMockHarness, resolve, type RegisteredResource } from "./helpers/pulumi-mocks.js";
import { NOT_MODELLED, policyDisagreements, stackToTopology, T, type StackTranslation } from "./helpers/stack-to-topology.js";

const MODES = ["same-az", "across-az"] as const satisfies readonly GreenfieldMode[];

interface Built {
  mode: GreenfieldMode;
  resources: RegisteredResource[];
  config: AgentConfig;
  policy: PolicyDocument;
  translation: StackTranslation;
  roleName: string;
}

/** `pulumi up` of the greenfield program under the mocks, and its translation. */
async function build(mode: GreenfieldMode): Promise<Built> {
  const h = new PulumiMockHarness({ preview: false });
  const stack = await h.run(() => createGreenfield({ label: "gf", mode }));
  const config = JSON.parse(await resolve(stack.pair.agentConfig)) as AgentConfig;
  const policy = JSON.parse(await resolve(stack.pair.policyDocument)) as PolicyDocument;
  const roleName = await resolve(stack.pair.roleName);
  await h.finish();
  const translation = await stackToTopology(h.resources, config, { region: h.region, accountId: h.accountId });
  return { mode, resources: h.resources, config, policy, translation, roleName };
}

// Built once per mode at collection (one program run at a time: the mocks are process-global),
// so the removal cases below come from the policy the stack really generates.
const built: Record<GreenfieldMode, Built> = { "same-az": await build("same-az"), "across-az": await build("across-az") };

let sim: AwsSim | undefined;
afterEach(async () => {
  await sim?.stop();
  sim = undefined;
});

/** The simulated cloud holding exactly the stack's resources (and what `pulumi up` uploaded); the role evaluated under `policies`. */
async function startStackSim(b: Built, policies: PolicyDocument[] = [b.policy]): Promise<AwsSim> {
  const started = await startAwsSim({ topology: structuredClone(b.translation.topology), port: 0, seed: 7, identityPolicies: { [b.roleName]: policies } });
  for (const object of b.translation.objects) started.s3.putObject(object.bucket, object.key, object.body, object.contentType ? { contentType: object.contentType } : {});
  sim = started;
  return started;
}

/** The generated config, its endpoints pointed at the simulator (speaking as `node`). */
function configFor(b: Built, s: AwsSim, node: NodeId): AgentConfig {
  return { ...b.config, endpoints: { ec2: s.endpoint, s3: s.endpoint, imds: s.imds[node] } };
}

/** Where each item the config moves is, read from the simulator's own state (not the agent's view). */
function itemsInWorld(s: AwsSim, config: AgentConfig): { item: string; node: NodeId | null }[] {
  const state = s.world.state;
  const eni = (node: NodeId, role: string) => config.nodes[node].interfaces[role]!.id;
  const holder = (test: (node: NodeId) => boolean) => (["a", "b"] as const).find(test) ?? null;
  const items: { item: string; node: NodeId | null }[] = [];
  for (const group of config.addresses?.secondaryIps ?? []) {
    for (const ip of group.ips) items.push({ item: `secondary IP ${ip}`, node: holder((n) => state.networkInterfaces[eni(n, group.role)]!.privateIps.some((p) => p.address === ip && !p.primary)) });
  }
  for (const eip of config.addresses?.elasticIps ?? []) {
    const at = state.addresses[eip.allocationId]!.association;
    items.push({ item: `EIP ${eip.allocationId}`, node: holder((n) => at?.networkInterfaceId === eni(n, eip.role) && at.privateIp === eip.privateIp[n]) });
  }
  for (const route of config.routes ?? []) {
    for (const destination of route.destinations) {
      const found = state.routeTables[route.routeTableId]!.routes.find((r) => r.destination.kind !== "prefixList" && r.destination.cidr === destination);
      items.push({ item: `route ${route.routeTableId} ${destination}`, node: holder((n) => found?.target.kind === "networkInterface" && found.target.networkInterfaceId === eni(n, route.nextHop.role)) });
    }
  }
  return items;
}

interface PreflightJson {
  ok: boolean;
  checks: { name: string; status: string; detail: string }[];
}

async function preflight(b: Built, s: AwsSim, node: NodeId): Promise<PreflightJson & { code: number }> {
  const file = tempFile("config.json", configFor(b, s, node));
  const result = await runCli(["preflight", "--config", file, "--json"], cleanEnv());
  return { code: result.code, ...result.json<PreflightJson>() };
}

/** The permission and resource a failing check names (EC2's refusal as the agent words it, or the S3 refusal it quotes). */
function namedPermission(detail: string): { permission: string; resource: string } | undefined {
  const ec2 = /\b([a-z0-9]+:[A-Za-z]+) is not allowed on (\S+?): grant/.exec(detail);
  if (ec2) return { permission: ec2[1]!, resource: ec2[2]! };
  const quoted = /not authorized to perform: ([a-z0-9]+:[A-Za-z]+) on resource: "?([^"\s]+?)"?(?:\s|$)/.exec(detail);
  return quoted ? { permission: quoted[1]!, resource: quoted[2]! } : undefined;
}

const statements = (policy: PolicyDocument) => [policy.Statement].flat() as PolicyStatement[];
const actionsOf = (s: PolicyStatement) => [s.Action ?? []].flat() as string[];
const resourcesOf = (s: PolicyStatement) => [s.Resource ?? []].flat() as string[];

function without(policy: PolicyDocument, sid: string, action: string): PolicyDocument {
  return {
    ...policy,
    Statement: statements(policy).flatMap((s) => {
      if (s.Sid !== sid) return [s];
      const rest = actionsOf(s).filter((a) => a !== action);
      return rest.length > 0 ? [{ ...s, Action: rest }] : [];
    }),
  };
}

/** Who needs an allowed action: the failover (and so preflight), another command only, or nobody in this mode. */
type Need = "failover" | "reset" | "boot" | "unused";
function needOf(b: Built, statement: PolicyStatement, action: string): Need {
  if (action === "s3:DeleteObject") return "reset";
  if (action === "s3:GetObject" && resourcesOf(statement).every((arn) => arn.endsWith("/agent/*"))) return "boot";
  if (action.startsWith("ec2:") && !action.startsWith("ec2:Describe")) {
    const planned = new Set((["a", "b"] as const).flatMap((n) => planOperations(planFailover(b.config, n)).map((op) => `ec2:${op.action}`)));
    return planned.has(action) ? "failover" : "unused";
  }
  return "failover";
}

describe.each(MODES)("aws-greenfield (%s) in the simulated cloud", (mode) => {
  const b = built[mode];
  const { topology } = b.translation;

  it("translates every declared resource: VPC, subnets, instances with their role and interfaces, EIPs, route tables, bucket; the rest is named as not modelled", () => {
    const count = (type: string) => b.resources.filter((r) => r.type === type).length;
    expect(topology.vpcs).toEqual([{ id: expect.stringMatching(/^vpc-/), cidr: "10.0.0.0/16", enableDnsSupport: true, enableDnsHostnames: true }]);
    expect(topology.subnets).toHaveLength(count(T.subnet));
    expect(new Set(topology.subnets.map((s) => s.availabilityZone))).toEqual(new Set(mode === "same-az" ? ["us-east-1a"] : ["us-east-1a", "us-east-1b"]));
    // Both nodes, with the pair's role, their three interfaces by device index, the moving VIP on node a (same-AZ).
    expect(topology.instances.map((i) => [i.node, i.roleName])).toEqual([["a", b.roleName], ["b", b.roleName]]);
    for (const instance of topology.instances) {
      const node = instance.node!;
      expect(instance.id).toBe(b.config.nodes[node].instanceId);
      expect(instance.interfaces.map((n) => [n.deviceIndex, n.role, n.id, n.sourceDestCheck])).toEqual(
        ["mgmt", "external", "internal"].map((role, i) => [i, role, b.config.nodes[node].interfaces[role]!.id, role === "mgmt"]),
      );
      const external = instance.interfaces[1]!;
      expect(external.secondaryIps ?? []).toEqual(mode === "same-az" && node === "a" ? ["10.0.1.100"] : []);
      for (const nic of instance.interfaces) expect(nic.tags).toMatchObject({ f5_cloud_failover_label: "gf", f5_cloud_failover_nic_map: nic.role });
    }
    // The failover EIP on node a, the two management EIPs on their interfaces' primary IPs.
    expect(topology.elasticIps).toHaveLength(count(T.eip));
    const failoverEip = topology.elasticIps.find((e) => e.allocationId === b.config.addresses!.elasticIps![0]!.allocationId)!;
    expect(failoverEip.association).toEqual({ networkInterfaceId: b.config.nodes.a.interfaces.external!.id, privateIp: mode === "same-az" ? "10.0.1.100" : "10.0.1.11" });
    // Route tables: app (default route to node a's internal interface, both app subnets), mgmt and external (to the IGW).
    expect(topology.routeTables).toHaveLength(3);
    const app = topology.routeTables.find((t) => t.id === b.config.routes![0]!.routeTableId)!;
    expect(app.routes).toEqual([{ destination: "0.0.0.0/0", networkInterfaceId: b.config.nodes.a.interfaces.internal!.id }]);
    expect(app.subnetIds).toHaveLength(mode === "same-az" ? 1 : 2);
    // Every subnet but the internal ones has a declared table (those stay on the VPC's main table, which the stack does not declare).
    const internal = b.resources.filter((r) => r.type === T.subnet && r.name.includes("-internal-")).map((r) => r.id);
    expect(topology.routeTables.flatMap((t) => t.subnetIds ?? []).sort()).toEqual(topology.subnets.map((s) => s.id).filter((id) => !internal.includes(id)).sort());
    expect(topology.buckets).toEqual([{ name: b.config.stateStore.bucket }]);
    // What `pulumi up` uploads: the agent, its config, its unit, the keepalived trigger — no state object.
    expect(b.translation.objects.map((o) => o.key).sort()).toEqual(["ha-pair/gf/agent/config.json", "ha-pair/gf/agent/ha-pair-agent.cjs", "ha-pair/gf/agent/ha-pair-agent.service", "ha-pair/gf/agent/keepalived-notify-master"]);
    expect(topology.pair).toEqual({
      label: "gf",
      stateStore: { bucket: b.config.stateStore.bucket, key: "ha-pair/gf/state.json" },
      secondaryIps: mode === "same-az" ? [{ role: "external", ips: ["10.0.1.100"] }] : [],
      elasticIps: [{ allocationId: failoverEip.allocationId, role: "external", privateIp: mode === "same-az" ? { a: "10.0.1.100", b: "10.0.1.100" } : { a: "10.0.1.11", b: "10.0.17.12" } }],
      routes: [{ routeTableId: app.id, destinations: ["0.0.0.0/0"], nextHopRole: "internal" }],
    });
    // Every declared resource is accounted for: translated, or not modelled with its reason.
    const notModelled = b.translation.notModelled.map((r) => r.type);
    expect(new Set(notModelled)).toEqual(new Set(Object.keys(NOT_MODELLED)));
    expect(b.translation.translated.length + notModelled.length).toBe(b.resources.length);
  });

  it("the declared role policy is the component's policyDocument, names only declared resources, and covers exactly what the config moves", () => {
    expect(b.translation.identityPolicies).toEqual({ [b.roleName]: [b.policy] });
    expect(policyDisagreements(b.policy, b.translation, b.config)).toEqual([]);
    expect(validateConfig(b.config).ok).toBe(true);
  });

  it("the policy grants no mutating EC2 action on * (nor on any wildcard ARN)", () => {
    for (const statement of statements(b.policy).filter((s) => s.Effect === "Allow")) {
      const mutating = actionsOf(statement).filter((a) => a.startsWith("ec2:") && !/^ec2:(Describe|Get|List)/.test(a));
      if (mutating.length === 0) continue;
      expect(actionsOf(statement).some((a) => a.includes("*")), statement.Sid).toBe(false);
      for (const arn of resourcesOf(statement)) expect(arn, `${statement.Sid} ${mutating.join(",")}`).toMatch(/^arn:aws:ec2:us-east-1:123456789012:(network-interface|elastic-ip|route-table)\/[a-z]+-0[0-9a-f]{16}$/);
    }
    // Only the Describe reads (which accept no resource ARN) are allowed on "*", and only in the pair's Region.
    const onStar = statements(b.policy).filter((s) => s.Effect === "Allow" && resourcesOf(s).includes("*"));
    expect(onStar.flatMap(actionsOf).every((a) => /^ec2:Describe[A-Za-z]+$/.test(a))).toBe(true);
    expect(onStar.every((s) => s.Condition?.StringEquals?.["aws:RequestedRegion"] === "us-east-1")).toBe(true);
  });

  it("under the generated policy, a new pair (no state object) fails over a→b and b→a; preflight passes; the world shows every item on the active node", async () => {
    const s = await startStackSim(b);
    expect(itemsInWorld(s, b.config).every((i) => i.node === "a")).toBe(true);
    // The sim adds no tag the stack did not declare (the policy's tag conditions meet the stack's own tags).
    for (const instance of topology.instances) {
      for (const nic of instance.interfaces) expect(s.world.state.networkInterfaces[nic.id]!.tags).toEqual(nic.tags);
    }
    // (The sim also puts the nic-map tag on the pair's EIPs; no condition of the policy reads it.)
    const pairEips = new Map(topology.pair.elasticIps.map((e) => [e.allocationId, e.role]));
    for (const eip of topology.elasticIps) {
      const role = pairEips.get(eip.allocationId);
      expect(s.world.state.addresses[eip.allocationId]!.tags).toEqual({ ...eip.tags, ...(role ? { f5_cloud_failover_nic_map: role } : {}) });
    }
    for (const table of topology.routeTables) expect(s.world.state.routeTables[table.id]!.tags).toEqual(table.tags);

    const check = await preflight(b, s, "b");
    expect(check.checks.filter((c) => c.status === "fail")).toEqual([]);
    expect(check.checks.find((c) => c.name === "state read")!.detail).toContain("no state yet");
    expect(s.s3.getObject(b.config.stateStore.bucket, b.config.stateStore.key)).toBeUndefined();

    for (const node of ["b", "a"] as const) {
      const agent = agentOn(s, node, configFor(b, s, node));
      const report = await failover(agent.config, node, agent.provider, { recorder: agent.recorder });
      expect({ outcome: report.outcome, error: report.error }).toEqual({ outcome: "converged", error: undefined });
      const items = itemsInWorld(s, b.config);
      expect(items.length).toBe(mode === "same-az" ? 3 : 2);
      expect(items.filter((i) => i.node !== node)).toEqual([]);
    }
    expect(JSON.parse(s.s3.getObjectText(b.config.stateStore.bucket, b.config.stateStore.key)!)).toMatchObject({ activeNode: "a", generation: 2 });
  });

  it("the boot read (agent/*) is allowed under the generated policy", async () => {
    const s = await startStackSim(b);
    expect(await bootRead(b, s)).toBe("allowed");
  });

  // Every Allow statement, and each action of a multi-action statement, removed in turn.
  const cases = statements(b.policy)
    .filter((s) => s.Effect === "Allow")
    .flatMap((statement) => actionsOf(statement).map((action) => ({ sid: statement.Sid!, action, need: needOf(b, statement, action) })));

  it.each(cases)("without $action (statement $sid), needed by: $need", async ({ sid, action, need }) => {
    const statement = statements(b.policy).find((s) => s.Sid === sid)!;
    const s = await startStackSim(b, [without(b.policy, sid, action)]);
    const { bucket, key } = b.config.stateStore;
    const before = JSON.stringify(s.world.state);

    const check = await preflight(b, s, "b");
    const failing = check.checks.filter((c) => c.status === "fail");
    const agent = agentOn(s, "b", configFor(b, s, "b"));
    const report = await failover(agent.config, "b", agent.provider, { recorder: agent.recorder });
    const after = JSON.stringify(s.world.state);

    if (need === "failover") {
      // Preflight names exactly the missing permission: this action, on a resource of the removed statement.
      expect(check.code).toBe(1);
      expect(failing.length).toBeGreaterThan(0);
      const named = failing.map((c) => ({ check: c.name, ...namedPermission(c.detail) }));
      const resources = resourcesOf(statement);
      for (const n of named) {
        expect(n.permission, JSON.stringify(n)).toBe(action);
        expect(resources, JSON.stringify(n)).toContain(n.resource);
      }
      console.info(`[${mode}] without ${action} (${sid}): preflight ${named.map((n) => `${n.check}: ${n.permission} on ${n.resource}`).join("; ")}`);
      // The failover fails cleanly: nothing moved, nothing fenced.
      expect(report.outcome).toBe("failed");
      expect(JSON.stringify(report.error)).toContain(action);
      if (action.startsWith("ec2:")) {
        expect(report.error?.code).toBe("MissingPermission");
        expect(report.missingPermissions?.length).toBeGreaterThan(0);
        expect(report.missingPermissions?.every((p) => p.permission === action)).toBe(true);
      }
      expect(after).toBe(before);
      expect(s.s3.getObject(bucket, key)).toBeUndefined();
      expect(itemsInWorld(s, b.config).every((i) => i.node === "a")).toBe(true);
    } else {
      // Not needed to fail over: preflight passes and the failover converges; what needs it is shown here.
      expect(failing).toEqual([]);
      expect(report.outcome).toBe("converged");
      expect(itemsInWorld(s, b.config).every((i) => i.node === "b")).toBe(true);
      if (need === "reset") {
        const file = tempFile("config.json", configFor(b, s, "b"));
        const reset = await runCli(["reset", "--config", file, "--force", "--json"], cleanEnv());
        expect(reset.code).not.toBe(0);
        expect(reset.stdout + reset.stderr).toContain(`s3:DeleteObject`);
        expect(s.s3.getObject(bucket, key)).toBeDefined();
        console.info(`[${mode}] without ${action} (${sid}): failover unaffected; \`ha-pair reset\` refused (s3:DeleteObject)`);
      } else if (need === "boot") {
        expect(await bootRead(b, s)).toMatch(/^denied: .*s3:GetObject/);
        console.info(`[${mode}] without ${action} (${sid}): failover unaffected; the boot read of agent/config.json refused`);
      } else {
        // FINDING when it shows: a mutating action granted that this mode's failover never calls.
        console.warn(`[${mode}] FINDING: ${action} (${sid}) is granted but no planned operation calls it`);
      }
    }
  });
});

/** What a node does at boot: read its config from the bucket with the instance role (node a's IMDS). */
async function bootRead(b: Built, s: AwsSim): Promise<string> {
  useSimEnvironment(s, "a");
  const client = new S3Client({ endpoint: s.endpoint, forcePathStyle: true, region: s.region });
  try {
    const out = await client.send(new GetObjectCommand({ Bucket: b.config.stateStore.bucket, Key: "ha-pair/gf/agent/config.json" }));
    const text = await out.Body!.transformToString();
    return JSON.parse(text).label === "gf" ? "allowed" : "wrong content";
  } catch (err) {
    return `denied: ${(err as Error).message}`;
  } finally {
    client.destroy();
  }
}

describe("the translator fails loudly", () => {
  const b = built["same-az"];
  const region = { region: "us-east-1", accountId: "123456789012" };
  const eni = (resources: RegisteredResource[]) => resources.find((r) => r.type === T.eni)!;

  it("on a resource type it does not understand, naming it", async () => {
    const extra: RegisteredResource = { ...eni(b.resources), type: "aws:ec2/natGateway:NatGateway", name: "ha-gf-nat", id: "nat-0123456789abcdef0", inputs: {} };
    await expect(stackToTopology([...b.resources, extra], b.config, region)).rejects.toThrow(/aws:ec2\/natGateway:NatGateway "ha-gf-nat".*does not understand/);
  });

  it("on an input of a known type it does not understand, naming resource and input", async () => {
    const resources = b.resources.map((r) => (r === eni(b.resources) ? { ...r, inputs: { ...r.inputs, ipv6AddressCount: 1 } } : r));
    await expect(stackToTopology(resources, b.config, region)).rejects.toThrow(/NetworkInterface "ha-gf-[ab]-\w+".*input "ipv6AddressCount"/);
  });

  it("on an agent config naming an ID no declared resource has", async () => {
    const config = structuredClone(b.config);
    config.nodes.b.interfaces.internal!.id = "eni-0ffffffffffffffff";
    config.routes![0]!.routeTableId = "rtb-0ffffffffffffffff";
    const error = await stackToTopology(b.resources, config, region).then(() => undefined, (err: Error) => err.message);
    expect(error).toContain("nodes.b.interfaces.internal eni-0ffffffffffffffff: no declared network interface has this ID");
    expect(error).toContain("route table rtb-0ffffffffffffffff: no declared route table has this ID");
  });
});
