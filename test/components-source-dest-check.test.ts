// The source/dest-check dynamic provider's operations against the simulated cloud's EC2 API:
// it turns the check off on an interface it does not own, reads drift back, and restores on delete.
import * as ec2 from "@aws-sdk/client-ec2";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { sourceDestCheckOperations, sourceDestCheckProvider, type Ec2Sdk } from "../components/index.js";
import { SIM_USER_KEY } from "../sim/auth.js";
import { startExampleSim, type AwsSim } from "./helpers/aws-sim.js";

let sim: AwsSim;
let endpoint: string;
const sdk = ec2 as unknown as Ec2Sdk;

beforeAll(async () => {
  sim = await startExampleSim();
  endpoint = sim.endpoint;
  process.env.AWS_ACCESS_KEY_ID = SIM_USER_KEY.accessKeyId;
  process.env.AWS_SECRET_ACCESS_KEY = SIM_USER_KEY.secretAccessKey;
});
afterAll(async () => {
  delete process.env.AWS_ACCESS_KEY_ID;
  delete process.env.AWS_SECRET_ACCESS_KEY;
  await sim?.stop();
});

const checkOf = async (id: string) => {
  const client = new ec2.EC2Client({ region: "us-east-1", endpoint });
  try {
    const answer = await client.send(new ec2.DescribeNetworkInterfacesCommand({ NetworkInterfaceIds: [id] }));
    return answer.NetworkInterfaces?.[0]?.SourceDestCheck;
  } finally {
    client.destroy();
  }
};

describe("SourceDestCheckOff operations", () => {
  it("turns the check off, remembers it was on, reads drift, repairs it, and restores it on delete", async () => {
    const eni = sim.topology.instances[0]!.interfaces.find((i) => i.role === "mgmt")!.id; // check on in the example pair
    expect(await checkOf(eni)).toBe(true);
    const ops = sourceDestCheckOperations(sdk);
    const created = await ops.create({ networkInterfaceId: eni, region: "us-east-1", endpoint });
    expect(created).toEqual({ id: `${eni}/source-dest-check`, outs: { networkInterfaceId: eni, region: "us-east-1", endpoint, sourceDestCheck: false, previousSourceDestCheck: true } });
    expect(await checkOf(eni)).toBe(false);

    // Someone turns it back on: a refresh sees it, diff asks for an update, the update repairs it.
    const client = new ec2.EC2Client({ region: "us-east-1", endpoint });
    await client.send(new ec2.ModifyNetworkInterfaceAttributeCommand({ NetworkInterfaceId: eni, SourceDestCheck: { Value: true } }));
    client.destroy();
    const read = await ops.read(created.id, created.outs);
    expect(read.props.sourceDestCheck).toBe(true);
    const diff = await sourceDestCheckProvider.diff!(created.id, read.props, { networkInterfaceId: eni, region: "us-east-1", endpoint });
    expect(diff).toMatchObject({ changes: true, replaces: [] });
    const updated = await ops.update(read.props, { networkInterfaceId: eni, region: "us-east-1", endpoint });
    expect(updated.outs).toMatchObject({ sourceDestCheck: false, previousSourceDestCheck: true });
    expect(await checkOf(eni)).toBe(false);

    await ops.delete(updated.outs);
    expect(await checkOf(eni)).toBe(true);
  });

  it("leaves an interface that already had the check off as it found it, on delete too", async () => {
    const eni = sim.topology.instances[1]!.interfaces.find((i) => i.role === "internal")!.id; // off in the example pair
    const ops = sourceDestCheckOperations(sdk);
    const created = await ops.create({ networkInterfaceId: eni, region: "us-east-1", endpoint });
    expect(created.outs.previousSourceDestCheck).toBe(false);
    await ops.delete(created.outs);
    expect(await checkOf(eni)).toBe(false);
  });

  it("says which interface does not exist", async () => {
    const ops = sourceDestCheckOperations(sdk);
    await expect(ops.create({ networkInterfaceId: "eni-0fffffffffffffff0", region: "us-east-1", endpoint })).rejects.toThrow(/eni-0fffffffffffffff0/);
  });
});
