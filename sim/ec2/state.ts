/**
 * The EC2 resources of the simulated cloud as plain data, so a whole state can be cloned with
 * structuredClone for every version kept for stale reads.
 */

export type Tags = Record<string, string>;

export interface Ec2State {
  region: string;
  accountId: string;
  vpcs: Record<string, VpcRecord>;
  subnets: Record<string, SubnetRecord>;
  instances: Record<string, InstanceRecord>;
  networkInterfaces: Record<string, NetworkInterfaceRecord>;
  /** Elastic IPs by allocation ID. */
  addresses: Record<string, AddressRecord>;
  routeTables: Record<string, RouteTableRecord>;
  prefixLists: Record<string, PrefixListRecord>;
  /** VPC endpoints (read-only here: DescribeVpcEndpoints, for brownfield discovery). */
  vpcEndpoints?: Record<string, VpcEndpointRecord>;
  /**
   * Every EIP association ID ever issued. DisassociateAddress is documented as idempotent, so an
   * association that has since been replaced is not "not found" — only one never issued is.
   */
  issuedAddressAssociations: Record<string, true>;
}

export interface VpcRecord {
  id: string;
  cidr: string;
  enableDnsSupport: boolean;
  enableDnsHostnames: boolean;
  tags: Tags;
}

export interface SubnetRecord {
  id: string;
  vpcId: string;
  cidr: string;
  availabilityZone: string;
  tags: Tags;
}

export interface InstanceRecord {
  id: string;
  vpcId: string;
  /** Subnet of the primary interface (device index 0). */
  subnetId: string;
  availabilityZone: string;
  imageId: string;
  launchTime: string;
  roleName?: string;
  tags: Tags;
}

export interface PrivateIpRecord {
  address: string;
  primary: boolean;
}

export interface NetworkInterfaceRecord {
  id: string;
  vpcId: string;
  subnetId: string;
  availabilityZone: string;
  description: string;
  macAddress: string;
  /** The primary address first. */
  privateIps: PrivateIpRecord[];
  sourceDestCheck: boolean;
  attachment?: { attachmentId: string; instanceId: string; deviceIndex: number; attachTime: string };
  tags: Tags;
}

export interface AddressAssociation {
  associationId: string;
  networkInterfaceId: string;
  privateIp: string;
}

export interface AddressRecord {
  allocationId: string;
  publicIp: string;
  association?: AddressAssociation;
  tags: Tags;
}

export type RouteDestination =
  | { kind: "ipv4"; cidr: string }
  | { kind: "ipv6"; cidr: string }
  | { kind: "prefixList"; prefixListId: string };

export type RouteTarget =
  | { kind: "local" }
  | { kind: "gateway"; gatewayId: string }
  | { kind: "networkInterface"; networkInterfaceId: string };

export interface RouteRecord {
  destination: RouteDestination;
  target: RouteTarget;
  /** CreateRouteTable for the VPC's local route, CreateRoute for the others. */
  origin: "CreateRouteTable" | "CreateRoute";
}

export interface RouteTableAssociationRecord {
  id: string;
  subnetId?: string;
  main: boolean;
}

export interface RouteTableRecord {
  id: string;
  vpcId: string;
  routes: RouteRecord[];
  associations: RouteTableAssociationRecord[];
  tags: Tags;
}

export interface PrefixListRecord {
  id: string;
  name: string;
  cidrs: string[];
}

export function destinationText(destination: RouteDestination): string {
  return destination.kind === "prefixList" ? destination.prefixListId : destination.cidr;
}

export function sameDestination(left: RouteDestination, right: RouteDestination): boolean {
  if (left.kind !== right.kind) return false;
  // IPv6 text is case-insensitive; EC2 compares the addresses, not the spelling.
  return left.kind === "ipv6" ? destinationText(left).toLowerCase() === destinationText(right).toLowerCase()
    : destinationText(left) === destinationText(right);
}

/** Which interface holds a private IP now, if any. */
export function interfaceHolding(state: Ec2State, privateIp: string): NetworkInterfaceRecord | undefined {
  return Object.values(state.networkInterfaces).find((eni) => eni.privateIps.some((ip) => ip.address === privateIp));
}

/** The Elastic IP associated with one private IP of one interface, if any. */
export function addressOn(state: Ec2State, networkInterfaceId: string, privateIp: string): AddressRecord | undefined {
  return Object.values(state.addresses).find(
    (address) =>
      address.association?.networkInterfaceId === networkInterfaceId && address.association.privateIp === privateIp,
  );
}

export function interfacesOfInstance(state: Ec2State, instanceId: string): NetworkInterfaceRecord[] {
  return Object.values(state.networkInterfaces)
    .filter((eni) => eni.attachment?.instanceId === instanceId)
    .sort((left, right) => left.attachment!.deviceIndex - right.attachment!.deviceIndex);
}

export function primaryIpOf(eni: NetworkInterfaceRecord): string | undefined {
  return eni.privateIps.find((ip) => ip.primary)?.address;
}

export interface VpcEndpointRecord {
  id: string;
  vpcId: string;
  serviceName: string;
  type: "Gateway" | "Interface";
  routeTableIds: string[];
  subnetIds: string[];
  privateDnsEnabled: boolean;
  tags: Tags;
}
