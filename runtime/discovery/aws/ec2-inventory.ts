/**
 * Reads the candidate resources of a pair from EC2 and S3 with the official SDK (Describe* by
 * the label tag and by the IDs a source names; ListBuckets + GetBucketTagging for the state
 * bucket). Read-only: discovery never changes the cloud.
 */
import {
  DescribeAddressesCommand,
  DescribeInstancesCommand,
  DescribeRouteTablesCommand,
  DescribeSubnetsCommand,
  DescribeVpcEndpointsCommand,
  EC2Client,
  paginateDescribeNetworkInterfaces,
  paginateDescribeRouteTables,
  type Filter,
  type Tag,
} from "@aws-sdk/client-ec2";
import { GetBucketTaggingCommand, ListBucketsCommand, S3Client } from "@aws-sdk/client-s3";
import type { AwsInventory, FoundBucket, FoundElasticIp, FoundInterface, FoundRouteTable, Tags } from "./inventory.js";
import type { AwsPairScope } from "./scope.js";

export interface DiscoveryClients {
  ec2: EC2Client;
  s3: S3Client;
}

function tagsOf(set: Tag[] | undefined): Tags {
  return Object.fromEntries((set ?? []).filter((t) => t.Key !== undefined).map((t) => [t.Key!, t.Value ?? ""]));
}

const tagFilters = (tags: Record<string, string>): Filter[] => Object.entries(tags).map(([key, value]) => ({ Name: `tag:${key}`, Values: [value] }));

function errorCode(err: unknown): string | undefined {
  return (err as { name?: string; Code?: string })?.Code ?? (err as { name?: string })?.name;
}

async function interfacesBy(ec2: EC2Client, request: { Filters?: Filter[]; NetworkInterfaceIds?: string[] }): Promise<FoundInterface[]> {
  const found: FoundInterface[] = [];
  for await (const page of paginateDescribeNetworkInterfaces({ client: ec2 }, request)) {
    for (const eni of page.NetworkInterfaces ?? []) {
      const primary = eni.PrivateIpAddresses?.find((ip) => ip.Primary)?.PrivateIpAddress ?? eni.PrivateIpAddress ?? "";
      found.push({
        id: eni.NetworkInterfaceId!,
        subnetId: eni.SubnetId ?? "",
        ...(eni.VpcId ? { vpcId: eni.VpcId } : {}),
        ...(eni.AvailabilityZone ? { availabilityZone: eni.AvailabilityZone } : {}),
        ...(eni.Attachment?.InstanceId ? { attachment: { instanceId: eni.Attachment.InstanceId, deviceIndex: eni.Attachment.DeviceIndex ?? 0 } } : {}),
        primaryIp: primary,
        secondaryIps: (eni.PrivateIpAddresses ?? []).filter((ip) => !ip.Primary && ip.PrivateIpAddress).map((ip) => ip.PrivateIpAddress!),
        ...(eni.SourceDestCheck !== undefined ? { sourceDestCheck: eni.SourceDestCheck } : {}),
        tags: tagsOf(eni.TagSet),
      });
    }
  }
  return found;
}

async function routeTablesBy(ec2: EC2Client, request: { Filters?: Filter[]; RouteTableIds?: string[] }): Promise<FoundRouteTable[]> {
  const found: FoundRouteTable[] = [];
  for await (const page of paginateDescribeRouteTables({ client: ec2 }, request)) {
    for (const table of page.RouteTables ?? []) {
      found.push({
        id: table.RouteTableId!,
        ...(table.VpcId ? { vpcId: table.VpcId } : {}),
        tags: tagsOf(table.Tags),
        routes: (table.Routes ?? [])
          .filter((route) => route.Origin !== "CreateRouteTable")
          .map((route) => {
            const destination = route.DestinationCidrBlock ?? route.DestinationIpv6CidrBlock ?? route.DestinationPrefixListId ?? "";
            const other = route.GatewayId ?? route.NatGatewayId ?? route.TransitGatewayId ?? route.VpcPeeringConnectionId ?? route.InstanceId;
            return { destination, ...(route.NetworkInterfaceId ? { networkInterfaceId: route.NetworkInterfaceId } : other ? { otherTarget: other } : {}) };
          }),
      });
    }
  }
  return found;
}

async function addressesBy(ec2: EC2Client, request: { Filters?: Filter[]; AllocationIds?: string[]; PublicIps?: string[] }): Promise<FoundElasticIp[]> {
  const { Addresses = [] } = await ec2.send(new DescribeAddressesCommand(request));
  return Addresses.filter((a) => a.AllocationId).map((a) => ({
    allocationId: a.AllocationId!,
    publicIp: a.PublicIp ?? "",
    ...(a.NetworkInterfaceId || a.PrivateIpAddress ? { association: { ...(a.NetworkInterfaceId ? { networkInterfaceId: a.NetworkInterfaceId } : {}), ...(a.PrivateIpAddress ? { privateIp: a.PrivateIpAddress } : {}) } } : {}),
    tags: tagsOf(a.Tags),
  }));
}

function unique<T>(items: T[], key: (item: T) => string): T[] {
  const seen = new Map<string, T>();
  for (const item of items) if (!seen.has(key(item))) seen.set(key(item), item);
  return [...seen.values()];
}

async function bucketsBy(s3: S3Client, query: AwsPairScope["query"], labelTag: Record<string, string>): Promise<FoundBucket[]> {
  const tagsOfBucket = async (name: string): Promise<Tags> => {
    try {
      return tagsOf((await s3.send(new GetBucketTaggingCommand({ Bucket: name }))).TagSet);
    } catch (err) {
      if (errorCode(err) === "NoSuchTagSet") return {};
      throw err;
    }
  };
  if (query.bucketName) return [{ name: query.bucketName, tags: await tagsOfBucket(query.bucketName) }];
  const wanted = query.bucketTags ?? (query.byTags.buckets ? labelTag : undefined);
  if (!wanted) return [];
  const { Buckets = [] } = await s3.send(new ListBucketsCommand({}));
  const found: FoundBucket[] = [];
  for (const bucket of Buckets) {
    if (!bucket.Name) continue;
    const tags = await tagsOfBucket(bucket.Name);
    if (Object.entries(wanted).every(([k, v]) => tags[k] === v)) found.push({ name: bucket.Name, tags });
  }
  return found;
}

export async function readAwsInventory(clients: DiscoveryClients, scope: AwsPairScope): Promise<AwsInventory> {
  const { ec2, s3 } = clients;
  const { query, keys, label } = scope;
  const labelTag = { [keys.labelKey]: label };
  const notes: string[] = [];

  const [interfaces, routeTables, elasticIps, buckets] = await Promise.all([
    (async () => [
      ...(query.byTags.interfaces ? await interfacesBy(ec2, { Filters: tagFilters(labelTag) }) : []),
      ...(query.interfaceIds.length > 0 ? await interfacesBy(ec2, { NetworkInterfaceIds: query.interfaceIds }) : []),
    ])(),
    (async () => [
      ...(query.byTags.routeTables ? await routeTablesBy(ec2, { Filters: tagFilters(labelTag) }) : []),
      ...(query.routeTableIds.length > 0 ? await routeTablesBy(ec2, { RouteTableIds: query.routeTableIds }) : []),
      ...(await Promise.all(query.routeTableTags.map((tags) => routeTablesBy(ec2, { Filters: tagFilters(tags) })))).flat(),
    ])(),
    (async () => [
      ...(query.byTags.elasticIps ? await addressesBy(ec2, { Filters: tagFilters(labelTag) }) : []),
      ...(query.allocationIds.length > 0 ? await addressesBy(ec2, { AllocationIds: query.allocationIds }) : []),
      ...(query.publicIps.length > 0 ? await addressesBy(ec2, { PublicIps: query.publicIps }) : []),
    ])(),
    bucketsBy(s3, query, labelTag),
  ]);
  const nics = unique(interfaces, (n) => n.id);
  const instanceIds = [...new Set(nics.map((n) => n.attachment?.instanceId).filter((id): id is string => id !== undefined))];
  const instances =
    instanceIds.length === 0
      ? []
      : ((await ec2.send(new DescribeInstancesCommand({ InstanceIds: instanceIds }))).Reservations ?? []).flatMap((r) =>
          (r.Instances ?? []).map((i) => ({ id: i.InstanceId!, tags: tagsOf(i.Tags), ...(i.IamInstanceProfile?.Arn ? { instanceProfileArn: i.IamInstanceProfile.Arn } : {}) })),
        );

  let endpoints: AwsInventory["endpoints"] = [];
  try {
    const requests = [...(query.byTags.endpoints ? [{ Filters: tagFilters(labelTag) }] : []), ...(query.endpointIds.length > 0 ? [{ VpcEndpointIds: query.endpointIds }] : [])];
    for (const request of requests) {
      const { VpcEndpoints = [] } = await ec2.send(new DescribeVpcEndpointsCommand(request));
      endpoints.push(...VpcEndpoints.map((e) => ({ id: e.VpcEndpointId!, serviceName: e.ServiceName ?? "", type: String(e.VpcEndpointType ?? ""), ...(e.VpcId ? { vpcId: e.VpcId } : {}), dnsNames: (e.DnsEntries ?? []).map((d) => d.DnsName ?? "").filter(Boolean), tags: tagsOf(e.Tags) })));
    }
    endpoints = unique(endpoints, (e) => e.id);
  } catch (err) {
    if (errorCode(err) !== "InvalidAction" && errorCode(err) !== "UnsupportedOperation") throw err;
    notes.push(`this EC2 endpoint does not answer DescribeVpcEndpoints (${errorCode(err)}); the pair's VPC endpoints were not looked for, so import.json adopts none (the stack then creates its own, or pass their IDs in pair-args.json)`);
  }

  return {
    region: await ec2.config.region(),
    interfaces: nics,
    instances,
    elasticIps: unique(elasticIps, (e) => e.allocationId),
    routeTables: unique(routeTables, (t) => t.id),
    buckets: unique(buckets, (b) => b.name),
    endpoints,
    notes,
  };
}

export interface PairNetwork {
  subnets: { id: string; cidr: string; availabilityZone?: string }[];
  /** Route tables of the nodes' subnets (their explicit association, else the VPC's main table). */
  nodeRouteTableIds: string[];
}

/** The subnets of the pair's interfaces and their route tables, for the component's `network` args. */
export async function readPairNetwork(ec2: EC2Client, subnetIds: string[], vpcId: string | undefined): Promise<PairNetwork> {
  const { Subnets = [] } = await ec2.send(new DescribeSubnetsCommand({ SubnetIds: subnetIds }));
  const subnets = Subnets.map((s) => ({ id: s.SubnetId!, cidr: s.CidrBlock ?? "", ...(s.AvailabilityZone ? { availabilityZone: s.AvailabilityZone } : {}) }));
  const { RouteTables: associated = [] } = await ec2.send(new DescribeRouteTablesCommand({ Filters: [{ Name: "association.subnet-id", Values: subnetIds }] }));
  const tables = new Set(associated.map((t) => t.RouteTableId!));
  const covered = new Set(associated.flatMap((t) => (t.Associations ?? []).map((a) => a.SubnetId)));
  // A subnet without an explicit association uses the VPC's main route table.
  if (subnetIds.some((id) => !covered.has(id)) && vpcId) {
    const { RouteTables: main = [] } = await ec2.send(new DescribeRouteTablesCommand({ Filters: [{ Name: "association.main", Values: ["true"] }, { Name: "vpc-id", Values: [vpcId] }] }));
    for (const t of main) tables.add(t.RouteTableId!);
  }
  return { subnets, nodeRouteTableIds: [...tables].sort() };
}
