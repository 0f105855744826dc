/**
 * The seed of the simulated AWS cloud: the resources that exist when it starts, and which of
 * them form the pair (so `--write-config` can write a matching agent config). A topology file
 * given to `ha-pair sim aws --topology FILE` has exactly this shape.
 */
import type { NodeId } from "../runtime/config/types.js";

export interface Topology {
  region: string;
  accountId: string;
  vpcs: { id: string; cidr: string; enableDnsSupport?: boolean; enableDnsHostnames?: boolean }[];
  /** A subnet's tags matter to IAM: ReplaceRouteTableAssociation is authorized on the subnet too. */
  subnets: { id: string; vpcId: string; cidr: string; availabilityZone: string; tags?: Record<string, string> }[];
  instances: TopologyInstance[];
  elasticIps: TopologyElasticIp[];
  routeTables: TopologyRouteTable[];
  /** Managed prefix lists a route may target by ID. */
  prefixLists?: { id: string; name: string; cidrs: string[] }[];
  /** S3 buckets; `tags` is the bucket's tag set (CFE finds its storage by the label tag). */
  buckets: { name: string; tags?: Record<string, string> }[];
  /** VPC endpoints that already exist (answered by DescribeVpcEndpoints). */
  vpcEndpoints?: TopologyVpcEndpoint[];
  /** Which resources form the pair; drives `--write-config`. */
  pair: TopologyPair;
}

export interface TopologyInstance {
  id: string;
  /** The pair node this instance is, if any. */
  node?: NodeId;
  /** Name tag, for display. */
  name?: string;
  /** IAM role name of the instance profile (its IMDS serves credentials for it). */
  roleName?: string;
  interfaces: TopologyInterface[];
}

export interface TopologyInterface {
  id: string;
  /** Role in the nic map (external, internal, mgmt); becomes the nic-map tag. */
  role: string;
  subnetId: string;
  deviceIndex: number;
  primaryIp: string;
  secondaryIps?: string[];
  sourceDestCheck?: boolean;
  tags?: Record<string, string>;
}

export interface TopologyElasticIp {
  allocationId: string;
  publicIp: string;
  association?: { networkInterfaceId: string; privateIp: string };
  tags?: Record<string, string>;
}

export interface TopologyRouteTable {
  id: string;
  vpcId: string;
  /** The VPC's local route is implied; these are the others. */
  routes: TopologyRoute[];
  subnetIds?: string[];
  /** The VPC's main route table (subnets without an explicit association use it). */
  main?: boolean;
  tags?: Record<string, string>;
}

export interface TopologyRoute {
  /** IPv4 CIDR, IPv6 CIDR or prefix list ID. */
  destination: string;
  networkInterfaceId?: string;
  gatewayId?: string;
}

export interface TopologyPair {
  label: string;
  labelKey?: string;
  nicMapKey?: string;
  stateStore: { bucket: string; key: string };
  secondaryIps: { role: string; ips: string[] }[];
  elasticIps: { allocationId: string; role: string; privateIp: Record<NodeId, string> }[];
  routes: { routeTableId: string; destinations: string[]; nextHopRole: string }[];
  /** Association mode: subnets whose whole route table follows the active node (each node's twin table). */
  routeTableAssociations?: { subnetId: string; routeTableIds: Record<NodeId, string>; routes: { destinations: string[]; nextHopRole: string }[] }[];
}

export interface TopologyVpcEndpoint {
  id: string;
  vpcId: string;
  /** e.g. com.amazonaws.us-east-1.s3 */
  serviceName: string;
  type: "Gateway" | "Interface";
  routeTableIds?: string[];
  subnetIds?: string[];
  privateDnsEnabled?: boolean;
  tags?: Record<string, string>;
}
