/**
 * The VPC endpoints that let the nodes reach the AWS APIs with no internet, NAT or public IP:
 * an S3 gateway endpoint on the nodes' route tables (the state bucket and the boot artifacts),
 * an EC2 interface endpoint with private DNS (so the SDK's default regional hostname resolves to
 * it, and the agent needs no endpoint override), optionally STS. Existing endpoints may be given
 * instead: they are reused and tagged, never duplicated.
 */
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { tagById } from "./tag-by-id.js";

export interface EndpointsInputs {
  vpcId: pulumi.Input<string>;
  region: pulumi.Input<string>;
  nodeRouteTableIds: pulumi.Input<string>[];
  endpointSubnetIds: pulumi.Input<string>[];
  nodeSubnetCidrs: pulumi.Input<string>[];
  tags: Record<string, string>;
  labelKey: string;
  label: string;
  existing: { s3?: pulumi.Input<string>; ec2?: pulumi.Input<string>; sts?: pulumi.Input<string> };
  createSts: boolean;
}

export interface EndpointsOutputs {
  s3EndpointId: pulumi.Output<string>;
  ec2EndpointId: pulumi.Output<string>;
  ec2EndpointDnsNames: pulumi.Output<string[]>;
  /** The EC2 endpoint URL to write into the agent config: only for a reused endpoint (its private DNS is unknown). */
  ec2EndpointOverride: pulumi.Output<string | undefined>;
  stsEndpointId: pulumi.Output<string | undefined>;
  securityGroupId: pulumi.Output<string | undefined>;
  createsInterfaceEndpoint: boolean;
}

/** Interface endpoint service names carry a `cn.` prefix in the China Regions; gateway endpoints do not. */
export function endpointServiceName(region: string, service: string, type: "Gateway" | "Interface"): string {
  return type === "Interface" && region.startsWith("cn-") ? `cn.com.amazonaws.${region}.${service}` : `com.amazonaws.${region}.${service}`;
}

export function createEndpoints(name: string, inputs: EndpointsInputs, parent: pulumi.Resource): EndpointsOutputs {
  const opts = { parent };
  const region = pulumi.output(inputs.region);
  const tag = (suffix: string, resourceId: pulumi.Input<string>) =>
    tagById(`${name}-${suffix}-label`, { resourceId, key: inputs.labelKey, value: inputs.label, where: `endpoints.${suffix.replace(/-endpoint$/, "")}EndpointId`, owner: name }, opts);

  let s3EndpointId: pulumi.Output<string>;
  if (inputs.existing.s3 !== undefined) {
    tag("s3-endpoint", inputs.existing.s3);
    s3EndpointId = pulumi.output(inputs.existing.s3);
  } else {
    const s3 = new aws.ec2.VpcEndpoint(
      `${name}-s3`,
      {
        vpcId: inputs.vpcId,
        serviceName: region.apply((r) => endpointServiceName(r, "s3", "Gateway")),
        vpcEndpointType: "Gateway",
        routeTableIds: inputs.nodeRouteTableIds,
        tags: { Name: `${name}-s3`, ...inputs.tags },
      },
      opts,
    );
    s3EndpointId = s3.id;
  }

  const needsInterface = inputs.existing.ec2 === undefined || (inputs.createSts && inputs.existing.sts === undefined);
  let securityGroupId: pulumi.Output<string | undefined> = pulumi.output(undefined);
  let securityGroup: aws.ec2.SecurityGroup | undefined;
  if (needsInterface) {
    securityGroup = new aws.ec2.SecurityGroup(
      `${name}-endpoints`,
      {
        vpcId: inputs.vpcId,
        description: "ha-pair: HTTPS from the pair's nodes to the AWS API interface endpoints",
        ingress: [{ protocol: "tcp", fromPort: 443, toPort: 443, cidrBlocks: inputs.nodeSubnetCidrs, description: "nodes' subnets" }],
        // An interface endpoint only answers; it never opens a connection.
        egress: [],
        tags: { Name: `${name}-endpoints`, ...inputs.tags },
      },
      opts,
    );
    securityGroupId = securityGroup.id;
  }
  const interfaceEndpoint = (service: string) =>
    new aws.ec2.VpcEndpoint(
      `${name}-${service}`,
      {
        vpcId: inputs.vpcId,
        serviceName: region.apply((r) => endpointServiceName(r, service, "Interface")),
        vpcEndpointType: "Interface",
        privateDnsEnabled: true,
        subnetIds: inputs.endpointSubnetIds,
        securityGroupIds: [securityGroup!.id],
        tags: { Name: `${name}-${service}`, ...inputs.tags },
      },
      opts,
    );

  let ec2EndpointId: pulumi.Output<string>;
  let ec2EndpointDnsNames: pulumi.Output<string[]>;
  let ec2EndpointOverride: pulumi.Output<string | undefined>;
  if (inputs.existing.ec2 !== undefined) {
    tag("ec2-endpoint", inputs.existing.ec2);
    ec2EndpointId = pulumi.output(inputs.existing.ec2);
    const found = aws.ec2.getVpcEndpointOutput({ id: inputs.existing.ec2 }, opts);
    ec2EndpointDnsNames = found.dnsEntries.apply((entries) => entries.map((e) => e.dnsName));
    // The first DNS entry is the endpoint's regional name, valid whether or not private DNS is on.
    ec2EndpointOverride = ec2EndpointDnsNames.apply((names) => (names[0] ? `https://${names[0]}` : undefined));
  } else {
    const ec2 = interfaceEndpoint("ec2");
    ec2EndpointId = ec2.id;
    ec2EndpointDnsNames = ec2.dnsEntries.apply((entries) => (entries ?? []).map((e) => e.dnsName));
    ec2EndpointOverride = pulumi.output(undefined);
  }

  let stsEndpointId: pulumi.Output<string | undefined> = pulumi.output(undefined);
  if (inputs.existing.sts !== undefined) {
    tag("sts-endpoint", inputs.existing.sts);
    stsEndpointId = pulumi.output(inputs.existing.sts);
  } else if (inputs.createSts) {
    stsEndpointId = interfaceEndpoint("sts").id;
  }

  return {
    s3EndpointId,
    ec2EndpointId,
    ec2EndpointDnsNames,
    ec2EndpointOverride,
    stsEndpointId,
    securityGroupId,
    createsInterfaceEndpoint: inputs.existing.ec2 === undefined || (inputs.createSts && inputs.existing.sts === undefined),
  };
}

/**
 * What a VPC without DNS support or DNS hostnames breaks, and the fix; undefined when it is fine.
 * `vpc` is the existing VPC's ID, or for a VPC of the same program how it was declared
 * (`aws.ec2.Vpc "name"`: its ID does not exist yet at preview).
 */
export function vpcDnsProblem(vpc: string, enableDnsSupport: boolean | undefined, enableDnsHostnames: boolean | undefined, owned: boolean): string | undefined {
  // AWS defaults for a VPC that does not set them: DNS support on, DNS hostnames off.
  const support = enableDnsSupport ?? true;
  const hostnames = enableDnsHostnames ?? false;
  if (support && hostnames) return undefined;
  const missing = [!support ? "enableDnsSupport" : undefined, !hostnames ? "enableDnsHostnames" : undefined].filter(Boolean).join(" and ");
  const fix = owned
    ? `set ${missing.split(" and ").map((k) => `${k}: true`).join(", ")} in the aws.ec2.Vpc's args`
    : `run: aws ec2 modify-vpc-attribute --vpc-id ${vpc} --enable-dns-support '{"Value":true}' && aws ec2 modify-vpc-attribute --vpc-id ${vpc} --enable-dns-hostnames '{"Value":true}'`;
  return `${owned ? vpc : `VPC ${vpc}`} has ${missing} off: an interface endpoint with private DNS needs both, or the nodes resolve the EC2 API to its public address and fail without internet; ${fix}`;
}
