/**
 * A small mock cloud for an AwsHaPair around an existing pair (everything given by ID), shared by
 * the packaging proofs: compiled with `tsc` inside the temporary project that installed the packed
 * packages (so it may import nothing but @pulumi/pulumi's types), and served over gRPC as the fake
 * engine's resource monitor for the plugin's Construct. It records every registration.
 */
import type * as pulumi from "@pulumi/pulumi";

export const ACCOUNT = "123456789012";
export const REGION = "us-east-1";
const VPC = "vpc-0123456789abcdef0";
const ENI = { a: { external: "eni-0a0000000000000e1", internal: "eni-0a0000000000000e2" }, b: { external: "eni-0b0000000000000e1", internal: "eni-0b0000000000000e2" } };
const PRIVATE_IP: Record<string, string> = { [ENI.a.external]: "10.0.1.11", [ENI.b.external]: "10.0.1.12", [ENI.a.internal]: "10.0.2.11", [ENI.b.internal]: "10.0.2.12" };

/** AwsHaPair's args, plain JSON (IDs only), so the same value crosses the plugin's gRPC interface. */
export function existingPairArgs() {
  const node = (n: "a" | "b") => ({
    instanceId: `i-0${n}000000000000001`,
    interfaces: { external: { networkInterfaceId: ENI[n].external }, internal: { networkInterfaceId: ENI[n].internal, routing: true } },
  });
  return {
    label: "edge",
    region: REGION,
    vpcId: VPC,
    nodes: { a: node("a"), b: node("b") },
    secondaryIps: [{ role: "external", ips: ["10.0.1.100"] }],
    routes: [{ routeTableId: "rtb-0000000000000000a", destinations: ["0.0.0.0/0"], nextHopRole: "internal" }],
    network: { nodeRouteTableIds: ["rtb-0000000000000000b"], endpointSubnetIds: ["subnet-0000000000000000a"], nodeSubnetCidrs: ["10.0.0.0/24"] },
  };
}

export interface Registration {
  type: string;
  name: string;
  id: string;
  inputs: Record<string, any>;
}

export class RecordingMocks implements pulumi.runtime.Mocks {
  readonly registrations: Registration[] = [];

  newResource(args: pulumi.runtime.MockResourceArgs): pulumi.runtime.MockResourceResult {
    const { type, name, inputs } = args;
    const id = args.id || `${name}-id`;
    this.registrations.push({ type, name, id, inputs });
    const state: Record<string, any> = { ...inputs, arn: `arn:aws:mock:${REGION}:${ACCOUNT}:${name}` };
    if (type === "aws:s3/bucket:Bucket") state.bucket = inputs.bucket ?? `${name}-bucket`;
    if (type === "aws:iam/role:Role" || type === "aws:iam/instanceProfile:InstanceProfile") state.name = inputs.name ?? name;
    if (type === "aws:iam/role:Role") state.arn = `arn:aws:iam::${ACCOUNT}:role/${state.name}`;
    if (type === "aws:ec2/vpcEndpoint:VpcEndpoint") state.dnsEntries = [{ dnsName: `${id}.ec2.${REGION}.vpce.amazonaws.com`, hostedZoneId: "Z7HUB22UULQXV" }];
    if (type.startsWith("pulumi-nodejs:dynamic/")) Object.assign(state, { sourceDestCheck: false, previousSourceDestCheck: true });
    return { id, state };
  }

  call(args: pulumi.runtime.MockCallArgs): Record<string, any> {
    const { token, inputs } = args;
    switch (token) {
      case "aws:index/getRegion:getRegion":
        return { id: REGION, name: REGION, region: REGION };
      case "aws:index/getCallerIdentity:getCallerIdentity":
        return { id: ACCOUNT, accountId: ACCOUNT, arn: `arn:aws:iam::${ACCOUNT}:user/pulumi`, userId: "AIDAMOCK" };
      case "aws:index/getPartition:getPartition":
        return { id: "aws", partition: "aws", dnsSuffix: "amazonaws.com" };
      case "aws:ec2/getVpc:getVpc":
        return { id: inputs.id, cidrBlock: "10.0.0.0/16", enableDnsSupport: true, enableDnsHostnames: true };
      case "aws:ec2/getNetworkInterface:getNetworkInterface":
        return { id: inputs.id, privateIp: PRIVATE_IP[inputs.id] ?? "10.0.9.9", subnetId: "subnet-0000000000000000a", sourceDestCheck: false };
      default:
        throw new Error(`packed-pair-mocks: no answer for invoke ${token}`);
    }
  }
}
