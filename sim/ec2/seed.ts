import type { Topology } from "../topology.js";
import { DEFAULT_LABEL_KEY, DEFAULT_NIC_MAP_KEY } from "../../runtime/config/types.js";
import { macAddressFor, type IdGenerator } from "./ids.js";
import { cidrContains, isIpv6Cidr, isReservedInSubnet, parseIpv4, parseIpv4Cidr } from "./ip.js";
import type { Ec2State, NetworkInterfaceRecord, RouteDestination, RouteRecord, Tags } from "./state.js";

/** Builds the initial EC2 state of a topology, refusing topologies EC2 itself could never hold. */
export function seedState(topology: Topology, ids: IdGenerator, launchTime: string): Ec2State {
  const state: Ec2State = {
    region: topology.region,
    accountId: topology.accountId,
    vpcs: {},
    subnets: {},
    instances: {},
    networkInterfaces: {},
    addresses: {},
    routeTables: {},
    prefixLists: {},
    issuedAddressAssociations: {},
  };
  const pairTags = pairTagging(topology);

  for (const vpc of topology.vpcs) {
    state.vpcs[vpc.id] = {
      id: vpc.id,
      cidr: vpc.cidr,
      enableDnsSupport: vpc.enableDnsSupport ?? true,
      enableDnsHostnames: vpc.enableDnsHostnames ?? false,
      tags: {},
    };
  }
  for (const subnet of topology.subnets) {
    if (!state.vpcs[subnet.vpcId]) throw new Error(`topology: subnet ${subnet.id} names unknown VPC ${subnet.vpcId}`);
    state.subnets[subnet.id] = { id: subnet.id, vpcId: subnet.vpcId, cidr: subnet.cidr, availabilityZone: subnet.availabilityZone, tags: { ...subnet.tags } };
  }
  for (const list of topology.prefixLists ?? []) state.prefixLists[list.id] = { ...list, cidrs: [...list.cidrs] };
  if (topology.vpcEndpoints) {
    state.vpcEndpoints = {};
    for (const endpoint of topology.vpcEndpoints) {
      state.vpcEndpoints[endpoint.id] = {
        id: endpoint.id,
        vpcId: endpoint.vpcId,
        serviceName: endpoint.serviceName,
        type: endpoint.type,
        routeTableIds: [...(endpoint.routeTableIds ?? [])],
        subnetIds: [...(endpoint.subnetIds ?? [])],
        privateDnsEnabled: endpoint.privateDnsEnabled ?? endpoint.type === "Interface",
        tags: { ...endpoint.tags },
      };
    }
  }

  const holderOfIp = new Map<string, string>();
  for (const instance of topology.instances) {
    const primary = instance.interfaces.find((nic) => nic.deviceIndex === 0) ?? instance.interfaces[0];
    if (!primary) throw new Error(`topology: instance ${instance.id} has no interface`);
    const primarySubnet = state.subnets[primary.subnetId];
    if (!primarySubnet) throw new Error(`topology: interface ${primary.id} names unknown subnet ${primary.subnetId}`);
    state.instances[instance.id] = {
      id: instance.id,
      vpcId: primarySubnet.vpcId,
      subnetId: primarySubnet.id,
      availabilityZone: primarySubnet.availabilityZone,
      imageId: "ami-0abcdef1234567890",
      launchTime,
      ...(instance.roleName ? { roleName: instance.roleName } : {}),
      tags: instance.name ? { Name: instance.name } : {},
    };
    for (const nic of instance.interfaces) {
      const subnet = state.subnets[nic.subnetId];
      if (!subnet) throw new Error(`topology: interface ${nic.id} names unknown subnet ${nic.subnetId}`);
      const addresses = [nic.primaryIp, ...(nic.secondaryIps ?? [])];
      for (const address of addresses) {
        assertAssignable(address, subnet.cidr, `interface ${nic.id}`);
        const holder = holderOfIp.get(address);
        if (holder) throw new Error(`topology: ${address} is on both ${holder} and ${nic.id}`);
        holderOfIp.set(address, nic.id);
      }
      const eni: NetworkInterfaceRecord = {
        id: nic.id,
        vpcId: subnet.vpcId,
        subnetId: subnet.id,
        availabilityZone: subnet.availabilityZone,
        description: `${instance.name ?? instance.id} ${nic.role}`,
        macAddress: macAddressFor(nic.id),
        privateIps: addresses.map((address, index) => ({ address, primary: index === 0 })),
        sourceDestCheck: nic.sourceDestCheck ?? true,
        attachment: {
          attachmentId: ids.next("eni-attach"),
          instanceId: instance.id,
          deviceIndex: nic.deviceIndex,
          attachTime: launchTime,
        },
        tags: {
          ...(instance.node ? { ...pairTags.label, [pairTags.nicMapKey]: nic.role } : {}),
          ...nic.tags,
        },
      };
      state.networkInterfaces[nic.id] = eni;
    }
  }

  const pairElasticIps = new Map(topology.pair.elasticIps.map((eip) => [eip.allocationId, eip]));
  for (const eip of topology.elasticIps) {
    const pairEntry = pairElasticIps.get(eip.allocationId);
    const tags: Tags = { ...(pairEntry ? { ...pairTags.label, [pairTags.nicMapKey]: pairEntry.role } : {}), ...eip.tags };
    state.addresses[eip.allocationId] = { allocationId: eip.allocationId, publicIp: eip.publicIp, tags };
    if (eip.association) {
      const { networkInterfaceId, privateIp } = eip.association;
      if (holderOfIp.get(privateIp) !== networkInterfaceId) {
        throw new Error(`topology: EIP ${eip.allocationId} is associated with ${privateIp}, which ${networkInterfaceId} does not hold`);
      }
      const associationId = ids.next("eipassoc");
      state.addresses[eip.allocationId]!.association = { associationId, networkInterfaceId, privateIp };
      state.issuedAddressAssociations[associationId] = true;
    }
  }

  const pairRouteTables = new Set([
    ...topology.pair.routes.map((route) => route.routeTableId),
    ...(topology.pair.routeTableAssociations ?? []).flatMap((subnet) => [subnet.routeTableIds.a, subnet.routeTableIds.b]),
  ]);
  // As in AWS: one main table per VPC, and a subnet explicitly associated with one table at most.
  const mainOf = new Map<string, string>();
  const tableOfSubnet = new Map<string, string>();
  for (const table of topology.routeTables) {
    if (table.main) {
      const first = mainOf.get(table.vpcId);
      if (first) throw new Error(`topology: route tables ${first} and ${table.id} are both main tables of ${table.vpcId}; a VPC has one`);
      mainOf.set(table.vpcId, table.id);
    }
    for (const subnetId of table.subnetIds ?? []) {
      const first = tableOfSubnet.get(subnetId);
      if (first) throw new Error(`topology: subnet ${subnetId} is associated with both ${first} and ${table.id}; a subnet is associated with one route table`);
      tableOfSubnet.set(subnetId, table.id);
    }
  }
  for (const table of topology.routeTables) {
    const vpc = state.vpcs[table.vpcId];
    if (!vpc) throw new Error(`topology: route table ${table.id} names unknown VPC ${table.vpcId}`);
    const routes: RouteRecord[] = [
      { destination: { kind: "ipv4", cidr: vpc.cidr }, target: { kind: "local" }, origin: "CreateRouteTable" },
    ];
    for (const route of table.routes) {
      routes.push({
        destination: topologyDestination(route.destination, table.id),
        target: route.networkInterfaceId
          ? { kind: "networkInterface", networkInterfaceId: route.networkInterfaceId }
          : { kind: "gateway", gatewayId: route.gatewayId ?? "local" },
        origin: "CreateRoute",
      });
    }
    state.routeTables[table.id] = {
      id: table.id,
      vpcId: table.vpcId,
      routes,
      associations: [
        ...(table.main ? [{ id: ids.next("rtbassoc"), main: true }] : []),
        ...(table.subnetIds ?? []).map((subnetId) => ({ id: ids.next("rtbassoc"), subnetId, main: false })),
      ],
      tags: { ...(pairRouteTables.has(table.id) ? pairTags.label : {}), ...table.tags },
    };
  }
  return state;
}

function pairTagging(topology: Topology): { label: Tags; nicMapKey: string } {
  const labelKey = topology.pair.labelKey ?? DEFAULT_LABEL_KEY;
  return { label: { [labelKey]: topology.pair.label }, nicMapKey: topology.pair.nicMapKey ?? DEFAULT_NIC_MAP_KEY };
}

function assertAssignable(address: string, subnetCidr: string, owner: string): void {
  const value = parseIpv4(address);
  const cidr = parseIpv4Cidr(subnetCidr);
  if (value === null || cidr === null || !cidrContains(cidr, value) || isReservedInSubnet(cidr, value)) {
    throw new Error(`topology: ${owner} cannot hold ${address} (subnet ${subnetCidr})`);
  }
}

function topologyDestination(destination: string, routeTableId: string): RouteDestination {
  if (destination.startsWith("pl-")) return { kind: "prefixList", prefixListId: destination };
  if (isIpv6Cidr(destination)) return { kind: "ipv6", cidr: destination };
  if (parseIpv4Cidr(destination)) return { kind: "ipv4", cidr: destination };
  throw new Error(`topology: route table ${routeTableId} has an invalid destination ${destination}`);
}
