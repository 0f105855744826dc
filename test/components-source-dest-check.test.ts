// The source/dest-check dynamic provider's operations against the simulated cloud's EC2 API:
// it turns the check off on an interface it does not own, reads drift back, leaves the check off
// when deleted (restoring only on request), and calls EC2 with the credentials of the
// component's provider (its role, assumed through STS) rather than whatever the default chain finds.
import * as ec2 from "@aws-sdk/client-ec2";
import { defaultProvider } from "@aws-sdk/credential-provider-node";
import * as sts from "@aws-sdk/nested-clients/sts";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { DEFAULT_ASSUME_ROLE_SESSION, sourceDestCheckOperations, sourceDestCheckProvider, type Ec2Sdk, type StsSdk } from "../components/index.js";
import { SIM_USER_KEY } from "../sim/auth.js";
import { startExampleSim, type AwsSim } from "./helpers/aws-sim.js";

let sim: AwsSim;
let endpoint: string;
const sdk = ec2 as unknown as Ec2Sdk;
const stsSdk = sts as unknown as StsSdk;

const useKeys = (key: { accessKeyId: string; secretAccessKey: string }) => {
  process.env.AWS_ACCESS_KEY_ID = key.accessKeyId;
  process.env.AWS_SECRET_ACCESS_KEY = key.secretAccessKey;
};

beforeAll(async () => {
  sim = await startExampleSim();
  endpoint = sim.endpoint;
});
afterEach(() => useKeys(SIM_USER_KEY));
afterAll(async () => {
  delete process.env.AWS_ACCESS_KEY_ID;
  delete process.env.AWS_SECRET_ACCESS_KEY;
  await sim?.stop();
});

const checkOf = async (id: string) => {
  const client = new ec2.EC2Client({ region: "us-east-1", endpoint, credentials: SIM_USER_KEY });
  try {
    const answer = await client.send(new ec2.DescribeNetworkInterfacesCommand({ NetworkInterfaceIds: [id] }));
    return answer.NetworkInterfaces?.[0]?.SourceDestCheck;
  } finally {
    client.destroy();
  }
};
const setCheck = async (id: string, value: boolean) => {
  const client = new ec2.EC2Client({ region: "us-east-1", endpoint, credentials: SIM_USER_KEY });
  await client.send(new ec2.ModifyNetworkInterfaceAttributeCommand({ NetworkInterfaceId: id, SourceDestCheck: { Value: value } }));
  client.destroy();
};
const interfaceOf = (instance: number, role: string) => sim.topology.instances[instance]!.interfaces.find((i) => i.role === role)!.id;

describe("SourceDestCheckOff operations", () => {
  it("turns the check off, remembers it was on, reads drift, repairs it, and leaves it off when deleted", async () => {
    useKeys(SIM_USER_KEY);
    const eni = interfaceOf(0, "mgmt"); // check on in the example pair
    await setCheck(eni, true);
    const ops = sourceDestCheckOperations(sdk);
    const created = await ops.create({ networkInterfaceId: eni, region: "us-east-1", endpoint });
    expect(created).toEqual({ id: `${eni}/source-dest-check`, outs: { networkInterfaceId: eni, region: "us-east-1", endpoint, sourceDestCheck: false, previousSourceDestCheck: true } });
    expect(await checkOf(eni)).toBe(false);

    // Someone turns it back on: a refresh sees it, diff asks for an update, the update repairs it.
    await setCheck(eni, true);
    const read = await ops.read(created.id, created.outs);
    expect(read.props.sourceDestCheck).toBe(true);
    const diff = await sourceDestCheckProvider.diff!(created.id, read.props, { networkInterfaceId: eni, region: "us-east-1", endpoint });
    expect(diff).toMatchObject({ changes: true, replaces: [] });
    const updated = await ops.update(read.props, { networkInterfaceId: eni, region: "us-east-1", endpoint });
    expect(updated.outs).toMatchObject({ sourceDestCheck: false, previousSourceDestCheck: true });
    expect(await checkOf(eni)).toBe(false);

    // A delete (a rename without an alias deletes the old resource after creating the new one)
    // must not break a pair that still routes through this interface.
    await ops.delete(updated.outs);
    expect(await checkOf(eni)).toBe(false);
  });

  it("restores the value it found on delete only when asked to (restoreOnDelete)", async () => {
    useKeys(SIM_USER_KEY);
    const eni = interfaceOf(1, "mgmt");
    await setCheck(eni, true);
    const ops = sourceDestCheckOperations(sdk);
    const created = await ops.create({ networkInterfaceId: eni, region: "us-east-1", endpoint, restoreOnDelete: true });
    expect(await checkOf(eni)).toBe(false);
    await ops.delete(created.outs);
    expect(await checkOf(eni)).toBe(true);
    // Turning the opt-in on or off is an update of the resource, not a replacement.
    const diff = await sourceDestCheckProvider.diff!(created.id, created.outs, { networkInterfaceId: eni, region: "us-east-1", endpoint });
    expect(diff).toMatchObject({ changes: true, replaces: [] });
  });

  it("leaves an interface that already had the check off as it found it, on delete too", async () => {
    useKeys(SIM_USER_KEY);
    const eni = interfaceOf(1, "internal"); // off in the example pair
    const ops = sourceDestCheckOperations(sdk);
    const created = await ops.create({ networkInterfaceId: eni, region: "us-east-1", endpoint, restoreOnDelete: true });
    expect(created.outs.previousSourceDestCheck).toBe(false);
    await ops.delete(created.outs);
    expect(await checkOf(eni)).toBe(false);
  });

  it("says which interface does not exist", async () => {
    useKeys(SIM_USER_KEY);
    const ops = sourceDestCheckOperations(sdk);
    await expect(ops.create({ networkInterfaceId: "eni-0fffffffffffffff0", region: "us-east-1", endpoint })).rejects.toThrow(/eni-0fffffffffffffff0/);
  });
});

describe("SourceDestCheckOff credentials: the role of the component's aws.Provider", () => {
  /** An STS endpoint on 127.0.0.1 that hands out the simulated account's key for AssumeRole, recording each request. */
  let stsServer: Server;
  let stsEndpoint: string;
  const assumed: { params: URLSearchParams; signedWith: string | undefined }[] = [];
  beforeAll(async () => {
    stsServer = createServer((req, res) => {
      let body = "";
      req.on("data", (chunk) => (body += chunk));
      req.on("end", () => {
        const params = new URLSearchParams(body);
        assumed.push({ params, signedWith: /Credential=([A-Z0-9]+)\//.exec(req.headers.authorization ?? "")?.[1] });
        const expiration = new Date(Date.now() + 3600_000).toISOString();
        res.writeHead(200, { "content-type": "text/xml" });
        res.end(
          `<AssumeRoleResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><AssumeRoleResult>` +
            `<Credentials><AccessKeyId>${SIM_USER_KEY.accessKeyId}</AccessKeyId><SecretAccessKey>${SIM_USER_KEY.secretAccessKey}</SecretAccessKey><SessionToken>token</SessionToken><Expiration>${expiration}</Expiration></Credentials>` +
            `<AssumedRoleUser><Arn>arn:aws:sts::123456789012:assumed-role/pair-admin/${params.get("RoleSessionName")}</Arn><AssumedRoleId>AROA:x</AssumedRoleId></AssumedRoleUser>` +
            `</AssumeRoleResult><ResponseMetadata><RequestId>1</RequestId></ResponseMetadata></AssumeRoleResponse>`,
        );
      });
    });
    await new Promise<void>((resolve) => stsServer.listen(0, "127.0.0.1", resolve));
    stsEndpoint = `http://127.0.0.1:${(stsServer.address() as AddressInfo).port}`;
  });
  afterAll(() => new Promise<void>((resolve) => stsServer.close(() => resolve())));

  it("assumes the provider's role (ARN, session name, external ID) and calls EC2 with the role's credentials, not the default chain's", async () => {
    // The default chain holds a key the simulated EC2 does not know: only the assumed role's credentials work there.
    useKeys({ accessKeyId: "AKIADEFAULTCHAIN0001", secretAccessKey: "not-a-key-ec2-accepts" });
    const eni = interfaceOf(0, "external");
    await setCheck(eni, true);
    const inputs = { networkInterfaceId: eni, region: "us-east-1", endpoint, stsEndpoint, assumeRole: { roleArn: "arn:aws:iam::123456789012:role/pair-admin", sessionName: "pulumi-edge", externalId: "corp-ext-1" } };
    await expect(sourceDestCheckOperations(sdk).create({ networkInterfaceId: eni, region: "us-east-1", endpoint })).rejects.toThrow(/validate the provided access credentials/);

    const ops = sourceDestCheckOperations(sdk, { sts: stsSdk, credentialChain: defaultProvider });
    const created = await ops.create(inputs);
    expect(await checkOf(eni)).toBe(false);
    expect(assumed).toHaveLength(1);
    expect(Object.fromEntries(assumed[0]!.params)).toMatchObject({ Action: "AssumeRole", RoleArn: inputs.assumeRole.roleArn, RoleSessionName: "pulumi-edge", ExternalId: "corp-ext-1" });
    // The base credentials of AssumeRole are the default chain's (no profile given).
    expect(assumed[0]!.signedWith).toBe("AKIADEFAULTCHAIN0001");
    // Nothing secret in what Pulumi stores.
    expect(JSON.stringify(created.outs)).not.toMatch(/AKIA|Secret|token/i);
    expect(created.outs).toEqual({ ...inputs, sourceDestCheck: false, previousSourceDestCheck: true });
  });

  it("names the session ha-pair-source-dest-check when the provider names none, and says which role could not be assumed", async () => {
    useKeys(SIM_USER_KEY);
    const eni = interfaceOf(1, "external");
    const ops = sourceDestCheckOperations(sdk, { sts: stsSdk, credentialChain: defaultProvider });
    assumed.length = 0;
    await ops.create({ networkInterfaceId: eni, region: "us-east-1", endpoint, stsEndpoint, assumeRole: { roleArn: "arn:aws:iam::123456789012:role/pair-admin" } });
    expect(assumed[0]!.params.get("RoleSessionName")).toBe(DEFAULT_ASSUME_ROLE_SESSION);
    const unreachable = sourceDestCheckOperations(sdk, { sts: stsSdk, credentialChain: defaultProvider });
    await expect(
      unreachable.create({ networkInterfaceId: eni, region: "us-east-1", endpoint, stsEndpoint: "http://127.0.0.1:9", assumeRole: { roleArn: "arn:aws:iam::123456789012:role/other" } }),
    ).rejects.toThrow(/could not assume arn:aws:iam::123456789012:role\/other/);
  });
});
