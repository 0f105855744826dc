/**
 * What EC2 and S3 said about the candidate resources of a pair, in a plain shape the resolver
 * reads (no SDK types past this point, so the resolver is a pure function and tests feed it
 * directly).
 */
export type Tags = Record<string, string>;

export interface FoundInterface {
  id: string;
  subnetId: string;
  vpcId?: string;
  availabilityZone?: string;
  /** Attached instance and its device index; absent when the interface is detached. */
  attachment?: { instanceId: string; deviceIndex: number };
  primaryIp: string;
  /** Secondary private IPs, in EC2's order. */
  secondaryIps: string[];
  sourceDestCheck?: boolean;
  tags: Tags;
}

export interface FoundInstance {
  id: string;
  tags: Tags;
  /** Instance profile ARN, if any. */
  instanceProfileArn?: string;
}

export interface FoundElasticIp {
  allocationId: string;
  publicIp: string;
  association?: { networkInterfaceId?: string; privateIp?: string };
  tags: Tags;
}

export interface FoundRoute {
  /** IPv4 CIDR, IPv6 CIDR or prefix list ID. */
  destination: string;
  networkInterfaceId?: string;
  /** Any other target (gateway, NAT, TGW, ...): never the pair's. */
  otherTarget?: string;
}

export interface FoundRouteTable {
  id: string;
  vpcId?: string;
  routes: FoundRoute[];
  tags: Tags;
}

export interface FoundBucket {
  name: string;
  tags: Tags;
}

export interface FoundEndpoint {
  id: string;
  serviceName: string;
  type: string;
  vpcId?: string;
  /** Its DNS names, the regional one first (what the agent is pointed at when the stack reuses it). */
  dnsNames: string[];
  tags: Tags;
}

export interface AwsInventory {
  region: string;
  interfaces: FoundInterface[];
  /** Every instance an interface above is attached to. */
  instances: FoundInstance[];
  elasticIps: FoundElasticIp[];
  routeTables: FoundRouteTable[];
  buckets: FoundBucket[];
  endpoints: FoundEndpoint[];
  /** What could not be looked at (an API the endpoint does not offer), said in the report. */
  notes: string[];
}
