import { EC2Client, ReplaceRouteCommand, CreateTagsCommand, DescribeRouteTablesCommand } from "@aws-sdk/client-ec2";
import { GetObjectCommand, HeadObjectCommand, ListObjectsV2Command, S3Client } from "@aws-sdk/client-s3";
import { afterEach, describe, expect, it } from "vitest";
import { planFailover } from "../runtime/core/planner.js";
import { planOperations } from "../runtime/core/operations.js";
import { SIM_USER_POLICY_KEY, type PolicyDocument } from "../sim/index.js";
import { MalformedPolicyError } from "../sim/iam/index.js";
import { exampleTopology } from "../sim/topologies.js";
import { agentOn, startExampleSim, type AwsSim } from "./helpers/aws-sim.js";
import { pairPolicy, pairResourceArns } from "./helpers/sim-iam-policy.js";

const ROLE = "ha-pair-demo-node";
const topology = exampleTopology();
const arns = pairResourceArns(topology);
const [firstTable, secondTable] = topology.pair.routes.map((route) => route.routeTableId) as [string, string];

let sim: AwsSim | undefined;
afterEach(async () => {
  await sim?.stop();
  sim = undefined;
});

async function failure(promise: Promise<unknown>): Promise<{ name: string; message: string; status?: number }> {
  try {
    await promise;
  } catch (err) {
    const e = err as { name: string; message: string; $metadata?: { httpStatusCode?: number } };
    return { name: e.name, message: e.message, ...(e.$metadata?.httpStatusCode ? { status: e.$metadata.httpStatusCode } : {}) };
  }
  throw new Error("expected the call to fail");
}

function userClients(s: AwsSim) {
  const common = { endpoint: s.endpoint, region: s.region, credentials: s.credentials, maxAttempts: 1 };
  return { ec2: new EC2Client(common), s3: new S3Client({ ...common, forcePathStyle: true }) };
}

describe("sim IAM through the real SDK", () => {
  it("a role without policies keeps allow-all; with the least-privilege policy the agent's checks all pass", async () => {
    sim = await startExampleSim();
    const { provider, config } = agentOn(sim, "b");
    const ops = [...planOperations(planFailover(config, "a")), ...planOperations(planFailover(config, "b"))];
    expect((await provider.checkPermissions(ops, AbortSignal.timeout(10_000))).every((c) => c.allowed)).toBe(true);
    sim.setIdentityPolicies(ROLE, [pairPolicy(topology)]);
    const checks = await provider.checkPermissions(ops, AbortSignal.timeout(10_000));
    expect(checks.filter((c) => !c.allowed)).toEqual([]);
    expect(await provider.stateStore.read(AbortSignal.timeout(10_000))).toBeNull();
  });

  it("an implicit deny names the action, the resource ARN and why, as EC2 words it", async () => {
    sim = await startExampleSim({ identityPolicies: { [ROLE]: [pairPolicy(topology, { withoutResource: arns.routeTables[1] })] } });
    const { provider, config } = agentOn(sim, "b");
    const checks = await provider.checkPermissions(planOperations(planFailover(config, "b")), AbortSignal.timeout(10_000));
    const denied = checks.filter((c) => !c.allowed);
    expect(denied.length).toBeGreaterThan(0);
    expect(denied.every((c) => c.action === "ReplaceRoute" && c.target.startsWith(secondTable))).toBe(true);
    expect(denied[0]?.detail).toContain(
      `is not authorized to perform: ec2:ReplaceRoute on resource: ${arns.routeTables[1]} because no identity-based policy allows the ec2:ReplaceRoute action`,
    );
    expect(denied[0]?.detail).toContain(`assumed-role/${ROLE}/`);
    // The other table is still allowed.
    expect(checks.filter((c) => c.target.startsWith(firstTable)).every((c) => c.allowed)).toBe(true);
  });

  it("an explicit deny wins over an allow, and says so", async () => {
    sim = await startExampleSim();
    sim.setIdentityPolicies(SIM_USER_POLICY_KEY, [
      { Statement: { Effect: "Allow", Action: "ec2:*", Resource: "*" } },
      { Statement: { Effect: "Deny", Action: "ec2:replaceroute", Resource: arns.routeTables[0] as string } },
    ]);
    const { ec2 } = userClients(sim);
    const err = await failure(ec2.send(new ReplaceRouteCommand({ RouteTableId: firstTable, DestinationCidrBlock: "0.0.0.0/0", NetworkInterfaceId: topology.instances[1]!.interfaces[2]!.id, DryRun: true })));
    expect(err.name).toBe("UnauthorizedOperation");
    expect(err.message).toContain(`User: arn:aws:iam::123456789012:user/ha-pair-sim is not authorized to perform: ec2:ReplaceRoute on resource: ${arns.routeTables[0]} with an explicit deny in an identity-based policy`);
    const other = await failure(ec2.send(new ReplaceRouteCommand({ RouteTableId: secondTable, DestinationCidrBlock: "0.0.0.0/0", NetworkInterfaceId: topology.instances[1]!.interfaces[2]!.id, DryRun: true })));
    expect(other.name).toBe("DryRunOperation");
    ec2.destroy();
  });

  it("conditions on resource tags, region and request tags are evaluated against the sim's resources", async () => {
    sim = await startExampleSim();
    const tagged = (label: string): PolicyDocument => ({
      Version: "2012-10-17",
      Statement: [
        { Effect: "Allow", Action: "ec2:DescribeRouteTables", Resource: "*", Condition: { StringEquals: { "aws:RequestedRegion": "us-east-1" } } },
        { Effect: "Allow", Action: "ec2:ReplaceRoute", Resource: "arn:aws:ec2:*:*:route-table/*", Condition: { StringEquals: { "ec2:ResourceTag/f5_cloud_failover_label": label } } },
        {
          Effect: "Allow",
          Action: "ec2:CreateTags",
          Resource: "*",
          Condition: { "ForAllValues:StringEquals": { "aws:TagKeys": ["Name"] }, ArnLike: { "ec2:Vpc": `arn:aws:ec2:*:*:vpc/${topology.vpcs[0]!.id}` } },
        },
      ],
    });
    const { ec2 } = userClients(sim);
    const replace = () => ec2.send(new ReplaceRouteCommand({ RouteTableId: firstTable, DestinationCidrBlock: "0.0.0.0/0", NetworkInterfaceId: topology.instances[1]!.interfaces[2]!.id, DryRun: true }));
    sim.setIdentityPolicies(SIM_USER_POLICY_KEY, [tagged("demo")]);
    expect((await failure(replace())).name).toBe("DryRunOperation");
    expect((await ec2.send(new DescribeRouteTablesCommand({}))).RouteTables?.length).toBeGreaterThan(0);
    sim.setIdentityPolicies(SIM_USER_POLICY_KEY, [tagged("other-pair")]);
    expect((await failure(replace())).name).toBe("UnauthorizedOperation");
    // aws:TagKeys: only the Name tag may be set; ec2:Vpc of the route table matches.
    const tag = (key: string) => ec2.send(new CreateTagsCommand({ Resources: [firstTable], Tags: [{ Key: key, Value: "x" }], DryRun: true }));
    expect((await failure(tag("Name"))).name).toBe("DryRunOperation");
    expect((await failure(tag("f5_cloud_failover_label"))).name).toBe("UnauthorizedOperation");
    ec2.destroy();
  });

  it("S3: object ARNs for Get/Put, the bucket ARN with s3:prefix for ListBucket; a missing key is 403 without ListBucket", async () => {
    sim = await startExampleSim();
    const { s3 } = userClients(sim);
    const bucket = topology.pair.stateStore.bucket;
    const key = topology.pair.stateStore.key;
    const getOnly: PolicyDocument = { Statement: [{ Effect: "Allow", Action: "s3:GetObject", Resource: `${arns.bucket}/*` }] };
    sim.setIdentityPolicies(SIM_USER_POLICY_KEY, [getOnly]);
    const missing = await failure(s3.send(new GetObjectCommand({ Bucket: bucket, Key: key })));
    expect(missing).toMatchObject({ name: "AccessDenied", status: 403 });
    expect(missing.message).toContain(`not authorized to perform: s3:ListBucket on resource: "${arns.bucket}"`);
    expect(await failure(s3.send(new HeadObjectCommand({ Bucket: bucket, Key: key })))).toMatchObject({ status: 403 });

    sim.setIdentityPolicies(SIM_USER_POLICY_KEY, [getOnly, { Statement: [{ Effect: "Allow", Action: "s3:ListBucket", Resource: arns.bucket }] }]);
    expect(await failure(s3.send(new GetObjectCommand({ Bucket: bucket, Key: key })))).toMatchObject({ name: "NoSuchKey", status: 404 });

    const listUnderPrefix: PolicyDocument = { Statement: [{ Effect: "Allow", Action: "s3:ListBucket", Resource: arns.bucket, Condition: { StringLike: { "s3:prefix": "ha-pair/*" } } }] };
    sim.setIdentityPolicies(SIM_USER_POLICY_KEY, [getOnly, listUnderPrefix]);
    expect((await s3.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: "ha-pair/demo/" }))).KeyCount).toBe(0);
    expect((await failure(s3.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: "other/" })))).name).toBe("AccessDenied");
    expect((await failure(s3.send(new ListObjectsV2Command({ Bucket: bucket })))).name).toBe("AccessDenied");
    s3.destroy();
  });

  it("refuses a malformed policy when it is set", async () => {
    sim = await startExampleSim();
    expect(() => sim?.setIdentityPolicies(ROLE, [{ Statement: [{ Effect: "Allow", Action: "ec2:*" } as never] }])).toThrow(MalformedPolicyError);
  });
});
