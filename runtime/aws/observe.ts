/**
 * The verification wave: where the pair's moving IPs, EIPs and routes point now. Reads only
 * the resources the config names, one batched Describe call per resource type, all three in
 * parallel (one round trip), and skips a type the config does not use.
 */
import {
  DescribeAddressesCommand,
  DescribeNetworkInterfacesCommand,
  DescribeRouteTablesCommand,
  type Address,
  type EC2Client,
  type NetworkInterface,
  type Route,
  type RouteTable,
} from "@aws-sdk/client-ec2";
// The AWS half of the config union, under the name this module has always used.
import type { AwsAgentConfig as AgentConfig } from "../config/types.js";
import { NODE_IDS } from "../config/types.js";
import { routeKey, type ObservedState } from "../core/observed.js";
import { parseDestination } from "../core/operations.js";
import type { CallListener } from "../core/provider.js";
import { tracked } from "./calls.js";

import type { Ec2ReadAction } from "./api-actions.js";

export interface ObservedResources {
  interfaces: NetworkInterface[];
  addresses: Address[];
  routeTables: RouteTable[];
}

/** What the config asks to read. */
export function observedIds(config: AgentConfig): { interfaceIds: string[]; allocationIds: string[]; routeTableIds: string[] } {
  const interfaceIds = NODE_IDS.flatMap((node) => Object.values(config.nodes[node].interfaces).map((nic) => nic.id));
  const allocationIds = (config.addresses?.elasticIps ?? []).map((eip) => eip.allocationId);
  const routeTableIds = [...new Set((config.routes ?? []).map((route) => route.routeTableId))];
  return { interfaceIds: [...new Set(interfaceIds)], allocationIds: [...new Set(allocationIds)], routeTableIds };
}

export async function readResources(
  ec2: EC2Client,
  config: AgentConfig,
  signal: AbortSignal,
  onCall: CallListener | undefined,
  classify: (err: unknown, action: Ec2ReadAction, target: string) => Error,
): Promise<ObservedResources> {
  const ids = observedIds(config);
  const options = { abortSignal: signal };
  const read = async <T extends { $metadata: { attempts?: number } }>(action: Ec2ReadAction, list: string[], send: () => Promise<T>): Promise<T | undefined> => {
    if (list.length === 0) return undefined;
    const target = list.join(",");
    try {
      return await tracked(onCall, { service: "ec2", action, target }, send);
    } catch (err) {
      throw classify(err, action, target);
    }
  };
  // Interfaces are read only to find the secondary IPs (an EIP's association comes with the
  // address, a route's target with its table), so a config without them skips the call.
  const hasSecondaryIps = (config.addresses?.secondaryIps ?? []).some((group) => group.ips.length > 0);
  // Lists by ID are never paginated by EC2 unless MaxResults is given, so one call returns all.
  const [interfaces, addresses, routeTables] = await Promise.all([
    read("DescribeNetworkInterfaces", hasSecondaryIps ? ids.interfaceIds : [], () =>
      ec2.send(new DescribeNetworkInterfacesCommand({ NetworkInterfaceIds: ids.interfaceIds }), options),
    ),
    read("DescribeAddresses", ids.allocationIds, () => ec2.send(new DescribeAddressesCommand({ AllocationIds: ids.allocationIds }), options)),
    read("DescribeRouteTables", ids.routeTableIds, () => ec2.send(new DescribeRouteTablesCommand({ RouteTableIds: ids.routeTableIds }), options)),
  ]);
  return {
    interfaces: interfaces?.NetworkInterfaces ?? [],
    addresses: addresses?.Addresses ?? [],
    routeTables: routeTables?.RouteTables ?? [],
  };
}

export function buildObservedState(config: AgentConfig, resources: ObservedResources): ObservedState {
  const privateIps: ObservedState["privateIps"] = {};
  const holder = new Map<string, string>();
  for (const nic of resources.interfaces) {
    for (const address of nic.PrivateIpAddresses ?? []) {
      if (address.PrivateIpAddress && nic.NetworkInterfaceId) holder.set(address.PrivateIpAddress, nic.NetworkInterfaceId);
    }
  }
  for (const group of config.addresses?.secondaryIps ?? []) {
    // Only the pair's interfaces are read: an IP on none of them is, for the pair, on no interface.
    for (const ip of group.ips) privateIps[ip] = holder.get(ip) ?? null;
  }

  const elasticIps: ObservedState["elasticIps"] = {};
  for (const eip of config.addresses?.elasticIps ?? []) {
    const address = resources.addresses.find((a) => a.AllocationId === eip.allocationId);
    elasticIps[eip.allocationId] =
      address && (address.AssociationId || address.NetworkInterfaceId)
        ? { networkInterfaceId: address.NetworkInterfaceId ?? null, privateIp: address.PrivateIpAddress ?? null }
        : null;
  }

  const routes: ObservedState["routes"] = {};
  for (const configured of config.routes ?? []) {
    const table = resources.routeTables.find((t) => t.RouteTableId === configured.routeTableId);
    for (const destination of configured.destinations) {
      const route = table?.Routes?.find((r) => routeMatches(r, destination));
      routes[routeKey(configured.routeTableId, destination)] = route
        ? { networkInterfaceId: route.NetworkInterfaceId ?? null, target: routeTarget(route), state: route.State ?? "unknown" }
        : null;
    }
  }
  return { privateIps, elasticIps, routes };
}

/** The account that owns the pair's interfaces, when they were read. */
export function ownerAccount(resources: ObservedResources): string | undefined {
  return resources.interfaces.find((nic) => nic.OwnerId)?.OwnerId;
}

/** A configured destination matches the route EC2 lists for it, however either spells the CIDR. */
export function routeMatches(route: Route, destination: string): boolean {
  const d = parseDestination(destination);
  switch (d.kind) {
    case "prefixList":
      return route.DestinationPrefixListId === d.prefixListId;
    case "ipv4":
      return route.DestinationCidrBlock !== undefined && canonicalCidr(route.DestinationCidrBlock) === canonicalCidr(d.cidr);
    case "ipv6":
      return route.DestinationIpv6CidrBlock !== undefined && canonicalCidr(route.DestinationIpv6CidrBlock) === canonicalCidr(d.cidr);
  }
}

/**
 * EC2 lists IPv6 CIDRs in compressed lower case (2001:db8::/32) while a config may say
 * 2001:DB8:0::/32. The WHATWG URL parser serializes an IPv6 host canonically (RFC 5952), so it
 * does the normalization; IPv4 is compared without leading zeros.
 */
export function canonicalCidr(cidr: string): string {
  const [address = "", length] = cidr.trim().split("/");
  let canonical = address;
  if (address.includes(":")) {
    try {
      canonical = new URL(`http://[${address}]/`).hostname.slice(1, -1);
    } catch {
      canonical = address.toLowerCase();
    }
  } else {
    canonical = address.split(".").map((octet) => String(Number(octet))).join(".");
  }
  return length === undefined ? canonical : `${canonical}/${Number(length)}`;
}

function routeTarget(route: Route): string {
  return (
    route.NetworkInterfaceId ??
    route.InstanceId ??
    route.GatewayId ??
    route.NatGatewayId ??
    route.TransitGatewayId ??
    route.VpcPeeringConnectionId ??
    route.LocalGatewayId ??
    route.CarrierGatewayId ??
    route.EgressOnlyInternetGatewayId ??
    route.CoreNetworkArn ??
    "unknown"
  );
}
