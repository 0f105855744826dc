import { describeAction } from "./describe.js";
import { createHash } from "node:crypto";
import { tagSet, type Ec2Action } from "./context.js";
import { KINDS, notFound } from "./errors.js";
import type { FilterTable } from "./filters.js";
import { parseIpv4Cidr } from "./ip.js";
import type { Ec2State, SubnetRecord, VpcRecord } from "./state.js";
import type { XmlObject } from "./xml.js";

function stableSuffix(id: string): string {
  return createHash("sha256").update(id).digest("hex").slice(0, 17);
}

function freeAddressCount(state: Ec2State, subnet: SubnetRecord): number {
  const cidr = parseIpv4Cidr(subnet.cidr);
  if (!cidr) return 0;
  const used = Object.values(state.networkInterfaces)
    .filter((eni) => eni.subnetId === subnet.id)
    .reduce((total, eni) => total + eni.privateIps.length, 0);
  // Five addresses of every subnet are reserved by AWS.
  return Math.max(0, 2 ** (32 - cidr.prefixLength) - 5 - used);
}

function renderVpc(state: Ec2State, vpc: VpcRecord): XmlObject {
  return {
    ownerId: state.accountId,
    instanceTenancy: "default",
    cidrBlockAssociationSet: [
      { associationId: `vpc-cidr-assoc-${stableSuffix(vpc.id)}`, cidrBlock: vpc.cidr, cidrBlockState: { state: "associated" } },
    ],
    isDefault: false,
    tagSet: tagSet(vpc.tags),
    vpcId: vpc.id,
    state: "available",
    cidrBlock: vpc.cidr,
    dhcpOptionsId: `dopt-${stableSuffix(state.accountId + state.region)}`,
  };
}

function renderSubnet(state: Ec2State, subnet: SubnetRecord): XmlObject {
  return {
    ownerId: state.accountId,
    assignIpv6AddressOnCreation: false,
    ipv6CidrBlockAssociationSet: [],
    tagSet: tagSet(subnet.tags),
    subnetArn: `arn:aws:ec2:${state.region}:${state.accountId}:subnet/${subnet.id}`,
    subnetId: subnet.id,
    state: "available",
    vpcId: subnet.vpcId,
    cidrBlock: subnet.cidr,
    availableIpAddressCount: freeAddressCount(state, subnet),
    availabilityZone: subnet.availabilityZone,
    defaultForAz: false,
    mapPublicIpOnLaunch: false,
  };
}

const VPC_FILTERS: FilterTable<VpcRecord> = {
  "vpc-id": (vpc) => [vpc.id],
  "cidr": (vpc) => [vpc.cidr],
  "cidr-block-association.cidr-block": (vpc) => [vpc.cidr],
  "is-default": () => [false],
  "owner-id": (_vpc, state) => [state.accountId],
  state: () => ["available"],
};

const SUBNET_FILTERS: FilterTable<SubnetRecord> = {
  "subnet-id": (subnet) => [subnet.id],
  "vpc-id": (subnet) => [subnet.vpcId],
  "cidr-block": (subnet) => [subnet.cidr],
  "cidr": (subnet) => [subnet.cidr],
  "cidrBlock": (subnet) => [subnet.cidr],
  "availability-zone": (subnet) => [subnet.availabilityZone],
  "default-for-az": () => [false],
  "owner-id": (_subnet, state) => [state.accountId],
  state: () => ["available"],
};

const describeVpcs = describeAction({
  name: "DescribeVpcs",
  idParameter: "VpcId",
  resources: (state) => state.vpcs,
  notFound: (missing) => notFound(KINDS.vpc, missing),
  filters: VPC_FILTERS,
  respond: (page, state) => ({ vpcSet: page.map((vpc) => renderVpc(state, vpc)) }),
});

const describeSubnets = describeAction({
  name: "DescribeSubnets",
  idParameter: "SubnetId",
  resources: (state) => state.subnets,
  notFound: (missing) => notFound(KINDS.subnet, missing),
  filters: SUBNET_FILTERS,
  respond: (page, state) => ({ subnetSet: page.map((subnet) => renderSubnet(state, subnet)) }),
});

export const VPC_ACTIONS: Ec2Action[] = [describeVpcs, describeSubnets];
