import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { MetadataService } from "@aws-sdk/ec2-metadata-service";
import { GetObjectCommand, PutObjectCommand, S3Client } from "@aws-sdk/client-s3";
import { DescribeNetworkInterfacesCommand, EC2Client } from "@aws-sdk/client-ec2";
import { startAwsSim, type AwsSim } from "../sim/index.js";

let sim: AwsSim;

async function token(url: string): Promise<string> {
  const response = await fetch(`${url}/latest/api/token`, { method: "PUT", headers: { "X-aws-ec2-metadata-token-ttl-seconds": "60" } });
  expect(response.status).toBe(200);
  return response.text();
}

beforeAll(async () => {
  sim = await startAwsSim({ faults: { throttle: false } });
});
afterAll(async () => {
  await sim.stop();
});

describe("simulated IMDSv2, one per pair node", () => {
  it("refuses GETs without a session token (IMDSv1 disabled) and serves them with one", async () => {
    const url = sim.imds.a;
    const without = await fetch(`${url}/latest/meta-data/instance-id`);
    expect(without.status).toBe(401);
    const withBadToken = await fetch(`${url}/latest/meta-data/instance-id`, { headers: { "X-aws-ec2-metadata-token": "forged" } });
    expect(withBadToken.status).toBe(401);
    const headers = { "X-aws-ec2-metadata-token": await token(url) };
    const instanceA = sim.topology.instances.find((i) => i.node === "a");
    expect(await (await fetch(`${url}/latest/meta-data/instance-id`, { headers })).text()).toBe(instanceA?.id);
    expect(await (await fetch(`${url}/latest/meta-data/placement/region`, { headers })).text()).toBe("us-east-1");
    expect(await (await fetch(`${url}/latest/meta-data/placement/availability-zone`, { headers })).text()).toBe("us-east-1a");
    const document = (await (await fetch(`${url}/latest/dynamic/instance-identity/document`, { headers })).json()) as Record<string, unknown>;
    expect(document).toMatchObject({ instanceId: instanceA?.id, region: "us-east-1", accountId: sim.accountId, availabilityZone: "us-east-1a" });
    expect((await fetch(`${url}/latest/meta-data/no-such-thing`, { headers })).status).toBe(404);
  });

  it("token requests need a TTL from 1 to 21600 seconds", async () => {
    expect((await fetch(`${sim.imds.a}/latest/api/token`, { method: "PUT" })).status).toBe(400);
    expect((await fetch(`${sim.imds.a}/latest/api/token`, { method: "PUT", headers: { "X-aws-ec2-metadata-token-ttl-seconds": "21601" } })).status).toBe(400);
  });

  it("each node's IMDS is its own instance", async () => {
    const b = sim.topology.instances.find((i) => i.node === "b");
    const headers = { "X-aws-ec2-metadata-token": await token(sim.imds.b) };
    expect(await (await fetch(`${sim.imds.b}/latest/meta-data/instance-id`, { headers })).text()).toBe(b?.id);
  });

  it("the SDK's default credential chain reaches the IMDS provider; S3 and EC2 accept its credentials as the instance role", async () => {
    // test/setup.ts cleared every AWS_* variable and points the shared config files nowhere, so
    // the clients' default chain ends at the instance metadata provider, as on a real node.
    process.env.AWS_EC2_METADATA_SERVICE_ENDPOINT = sim.imds.b;
    sim.clearCalls();
    const s3 = new S3Client({ endpoint: sim.endpoint, region: sim.region, forcePathStyle: true, maxAttempts: 1 });
    const credentials = await s3.config.credentials();
    expect(credentials.accessKeyId).toMatch(/^ASIA[A-Z2-7]{16}$/);
    expect(credentials.sessionToken).toBeTruthy();
    expect(credentials.expiration?.getTime()).toBeGreaterThan(Date.now() + 3600_000);

    await s3.send(new PutObjectCommand({ Bucket: "ha-pair-state-demo", Key: "from-role", Body: "x" }));
    expect(await (await s3.send(new GetObjectCommand({ Bucket: "ha-pair-state-demo", Key: "from-role" }))).Body?.transformToString()).toBe("x");
    s3.destroy();
    const b = sim.topology.instances.find((i) => i.node === "b");
    expect(sim.calls.filter((c) => c.service === "imds").map((c) => c.action)).toContain("/latest/api/token");
    expect(sim.calls.find((c) => c.service === "s3")?.caller).toBe(`arn:aws:sts::${sim.accountId}:assumed-role/ha-pair-demo-node/${b?.id}`);

    const ec2 = new EC2Client({ endpoint: sim.endpoint, region: sim.region, maxAttempts: 1 });
    const described = await ec2.send(new DescribeNetworkInterfacesCommand({ NetworkInterfaceIds: [b?.interfaces[0]?.id ?? ""] }));
    expect(described.NetworkInterfaces?.[0]?.NetworkInterfaceId).toBe(b?.interfaces[0]?.id);
    ec2.destroy();
  });

  it("@aws-sdk/ec2-metadata-service reads the identity through a token", async () => {
    const service = new MetadataService({ endpoint: sim.imds.a, ec2MetadataV1Disabled: true, httpOptions: { timeout: 2000 } });
    expect(await service.request("/latest/meta-data/placement/region", {})).toBe("us-east-1");
    const document = JSON.parse(await service.request("/latest/dynamic/instance-identity/document", {})) as { instanceId: string };
    expect(document.instanceId).toBe(sim.topology.instances.find((i) => i.node === "a")?.id);
  });
});
