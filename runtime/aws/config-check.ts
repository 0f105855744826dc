/**
 * The config checked against the cloud before fencing (issue 9, defects 2 and 3). A config can
 * validate and still name the wrong things: the two nodes' `internal` interfaces swapped, an
 * instance ID that does not exist, a secondary IP outside its interface's subnet, a route that
 * is not in its table. Any of these makes a failover move the wrong thing or fail half-way, and
 * a half-moved pair is split. One parallel round of Describe calls, each filtered by ID (a
 * filter answers an empty list for a missing ID where an ID list would fail the whole call).
 */
import {
  DescribeAddressesCommand,
  DescribeInstancesCommand,
  DescribeNetworkInterfacesCommand,
  DescribeRouteTablesCommand,
  DescribeSubnetsCommand,
  type EC2Client,
  type NetworkInterface,
} from "@aws-sdk/client-ec2";
import { BlockList, isIP } from "node:net";
import type { AwsAgentConfig as AgentConfig } from "../config/types.js";
import { NODE_IDS } from "../config/types.js";
import { parseDestination } from "../core/operations.js";
import type { CallListener, ConfigCheck, ConfigProblem, PermissionCheck } from "../core/provider.js";
import { awsErrorCode, iamAction } from "./errors.js";
import { refusal, type PermissionContext } from "./permissions.js";
import type { Ec2ReadAction } from "./api-actions.js";
import { tracked } from "./calls.js";

interface CloudFacts {
  interfaces: NetworkInterface[];
  instanceIds: Set<string>;
  subnetCidrs: Map<string, string[]>;
  allocationIds: Set<string>;
  routes: Map<string, Set<string> | undefined>;
}

export async function checkConfigAgainstCloud(
  ec2: EC2Client,
  config: AgentConfig,
  signal: AbortSignal,
  context: PermissionContext,
  classify: (err: unknown, action: Ec2ReadAction, target: string) => Error,
): Promise<ConfigCheck> {
  const refused: PermissionCheck[] = [];
  const facts = await readFacts(ec2, config, signal, context.onCall, classify, (err, action, target) => {
    if (awsErrorCode(err) !== "UnauthorizedOperation") return false;
    // Describe actions take no resource ARN: IAM evaluates them on "*".
    refused.push(refusal(err, action, target, iamAction(action), ["*"], context, false));
    return true;
  });
  // With a read refused the facts are incomplete: no problem can be told from a missing answer.
  return refused.length > 0 ? { problems: [], refused } : { problems: analyse(config, facts), refused: [] };
}

async function readFacts(
  ec2: EC2Client,
  config: AgentConfig,
  signal: AbortSignal,
  onCall: CallListener | undefined,
  classify: (err: unknown, action: Ec2ReadAction, target: string) => Error,
  refuse: (err: unknown, action: Ec2ReadAction, target: string) => boolean,
): Promise<CloudFacts> {
  const options = { abortSignal: signal };
  const read = async <T extends { $metadata: { attempts?: number } }>(action: Ec2ReadAction, ids: string[], send: () => Promise<T>): Promise<T | undefined> => {
    if (ids.length === 0) return undefined;
    const target = ids.join(",");
    try {
      return await tracked(onCall, { service: "ec2", action, target, check: true }, send);
    } catch (err) {
      if (refuse(err, action, target)) return undefined;
      throw classify(err, action, target);
    }
  };
  const interfaceIds = unique(NODE_IDS.flatMap((node) => Object.values(config.nodes[node].interfaces).map((nic) => nic.id)));
  const instanceIds = unique(NODE_IDS.map((node) => config.nodes[node].instanceId));
  const allocationIds = unique((config.addresses?.elasticIps ?? []).map((eip) => eip.allocationId));
  const tableIds = unique((config.routes ?? []).map((route) => route.routeTableId));
  const [nics, instances, addresses, tables] = await Promise.all([
    read("DescribeNetworkInterfaces", interfaceIds, () => ec2.send(new DescribeNetworkInterfacesCommand({ Filters: [{ Name: "network-interface-id", Values: interfaceIds }] }), options)),
    read("DescribeInstances", instanceIds, () => ec2.send(new DescribeInstancesCommand({ Filters: [{ Name: "instance-id", Values: instanceIds }] }), options)),
    read("DescribeAddresses", allocationIds, () => ec2.send(new DescribeAddressesCommand({ Filters: [{ Name: "allocation-id", Values: allocationIds }] }), options)),
    read("DescribeRouteTables", tableIds, () => ec2.send(new DescribeRouteTablesCommand({ Filters: [{ Name: "route-table-id", Values: tableIds }] }), options)),
  ]);
  const interfaces = nics?.NetworkInterfaces ?? [];
  // The subnets of the interfaces that carry moving secondary IPs, for the range check.
  const subnetIds = unique(interfaces.map((nic) => nic.SubnetId).filter((id): id is string => id !== undefined));
  const subnets = await read("DescribeSubnets", subnetIds, () => ec2.send(new DescribeSubnetsCommand({ Filters: [{ Name: "subnet-id", Values: subnetIds }] }), options));
  const routes = new Map<string, Set<string> | undefined>();
  for (const id of tableIds) routes.set(id, undefined);
  for (const table of tables?.RouteTables ?? []) {
    if (!table.RouteTableId) continue;
    const destinations = new Set<string>();
    for (const route of table.Routes ?? []) {
      for (const d of [route.DestinationCidrBlock, route.DestinationIpv6CidrBlock, route.DestinationPrefixListId]) if (d) destinations.add(d);
    }
    routes.set(table.RouteTableId, destinations);
  }
  return {
    interfaces,
    instanceIds: new Set((instances?.Reservations ?? []).flatMap((r) => r.Instances ?? []).map((i) => i.InstanceId).filter((id): id is string => id !== undefined)),
    subnetCidrs: new Map((subnets?.Subnets ?? []).map((s) => [s.SubnetId ?? "", [s.CidrBlock, ...(s.Ipv6CidrBlockAssociationSet ?? []).map((a) => a.Ipv6CidrBlock)].filter((c): c is string => c !== undefined)])),
    allocationIds: new Set((addresses?.Addresses ?? []).map((a) => a.AllocationId).filter((id): id is string => id !== undefined)),
    routes,
  };
}

/** Pure: what the facts read from the cloud say about the config. */
export function analyse(config: AgentConfig, facts: CloudFacts): ConfigProblem[] {
  const problems: ConfigProblem[] = [];
  const nodeOfInstance = (instanceId: string | undefined) => NODE_IDS.find((n) => config.nodes[n].instanceId === instanceId);
  const byId = new Map(facts.interfaces.map((nic) => [nic.NetworkInterfaceId, nic]));

  for (const node of NODE_IDS) {
    const instanceId = config.nodes[node].instanceId;
    if (!facts.instanceIds.has(instanceId)) {
      problems.push({
        severity: "error",
        path: `/nodes/${node}/instanceId`,
        resource: instanceId,
        message: `Instance ${instanceId} (node ${node}) does not exist in this account and region.`,
        fix: `Set nodes.${node}.instanceId to node ${node}'s instance ID (\`aws ec2 describe-instances\`), or regenerate the config from the stack.`,
      });
    }
    for (const [role, nic] of Object.entries(config.nodes[node].interfaces)) {
      const path = `/nodes/${node}/interfaces/${role}/id`;
      const found = byId.get(nic.id);
      if (!found) {
        problems.push({ severity: "error", path, resource: nic.id, message: `Interface ${nic.id} (node ${node}, role ${role}) does not exist.`, fix: `Set ${path.slice(1).replaceAll("/", ".")} to the ID of node ${node}'s ${role} interface, or regenerate the config from the stack.` });
        continue;
      }
      const attached = found.Attachment?.InstanceId;
      if (attached !== instanceId) {
        const owner = nodeOfInstance(attached);
        const where = attached ? `attached to ${attached}${owner ? ` (node ${owner}'s instance)` : ""} as device ${found.Attachment?.DeviceIndex ?? "?"}` : "not attached to any instance";
        problems.push({
          severity: "error",
          path,
          resource: nic.id,
          message: `Interface ${nic.id} (node ${node}, role ${role}) is ${where}, not to node ${node}'s instance ${instanceId}: a failover to node ${node} would move the pair to the wrong node.`,
          fix: owner && owner !== node
            ? `The nodes' interfaces are mixed up in the config: give nodes.${node}.interfaces.${role} the ID of the ${role} interface attached to ${instanceId}.`
            : `Attach ${nic.id} to ${instanceId}, or set ${path.slice(1).replaceAll("/", ".")} to the interface that is.`,
        });
      }
    }
  }
  // A role on one node at another device index than on the other suggests roles mixed up within a node.
  const roles = new Set(NODE_IDS.flatMap((node) => Object.keys(config.nodes[node].interfaces)));
  for (const role of roles) {
    const devices = NODE_IDS.map((node) => byId.get(config.nodes[node].interfaces[role]?.id ?? "")?.Attachment?.DeviceIndex);
    if (devices[0] !== undefined && devices[1] !== undefined && devices[0] !== devices[1]) {
      problems.push({
        severity: "warning",
        path: `/nodes/b/interfaces/${role}/id`,
        resource: NODE_IDS.map((node) => config.nodes[node].interfaces[role]?.id).join(","),
        message: `Role ${role} is device ${devices[0]} on node a but device ${devices[1]} on node b: are two roles swapped on one node?`,
        fix: `Check that nodes.a.interfaces and nodes.b.interfaces name the same network (subnet) for role ${role}.`,
      });
    }
  }

  (config.addresses?.secondaryIps ?? []).forEach((group, g) => {
    for (const node of NODE_IDS) {
      const nic = byId.get(config.nodes[node].interfaces[group.role]?.id ?? "");
      const cidrs = nic?.SubnetId ? facts.subnetCidrs.get(nic.SubnetId) : undefined;
      if (!nic || !cidrs || cidrs.length === 0) continue;
      group.ips.forEach((ip, i) => {
        if (inAny(ip, cidrs)) return;
        problems.push({
          severity: "error",
          path: `/addresses/secondaryIps/${g}/ips/${i}`,
          resource: ip,
          message: `Secondary IP ${ip} is outside subnet ${nic.SubnetId} (${cidrs.join(", ")}) of node ${node}'s ${group.role} interface ${nic.NetworkInterfaceId}: EC2 cannot assign it there.`,
          fix: `Use an address of ${cidrs.join(" or ")} that both nodes' ${group.role} interfaces share (a secondary IP moves only within one subnet), or move it to an elasticIps entry.`,
        });
      });
    }
  });

  (config.addresses?.elasticIps ?? []).forEach((eip, e) => {
    if (facts.allocationIds.has(eip.allocationId)) return;
    problems.push({ severity: "error", path: `/addresses/elasticIps/${e}/allocationId`, resource: eip.allocationId, message: `Elastic IP allocation ${eip.allocationId} does not exist.`, fix: "Set the allocation ID of the pair's Elastic IP (`aws ec2 describe-addresses`), or regenerate the config from the stack." });
  });

  (config.routes ?? []).forEach((route, r) => {
    const destinations = facts.routes.get(route.routeTableId);
    if (!destinations) {
      problems.push({ severity: "error", path: `/routes/${r}/routeTableId`, resource: route.routeTableId, message: `Route table ${route.routeTableId} does not exist.`, fix: "Set the route table's ID, or regenerate the config from the stack." });
      return;
    }
    route.destinations.forEach((destination, d) => {
      const parsed = parseDestination(destination);
      const key = parsed.kind === "prefixList" ? parsed.prefixListId : parsed.cidr;
      if (destinations.has(key)) return;
      problems.push({
        severity: "error",
        path: `/routes/${r}/destinations/${d}`,
        resource: `${route.routeTableId} ${destination}`,
        message: `Route table ${route.routeTableId} has no route to ${destination}: ReplaceRoute only changes an existing route.`,
        fix: `Create the route (\`aws ec2 create-route --route-table-id ${route.routeTableId} ...\` pointing at the active node's interface), or remove the destination from the config.`,
      });
    });
  });
  return problems;
}

function inAny(ip: string, cidrs: string[]): boolean {
  const family = isIP(ip);
  if (family === 0) return true; // validation already refused it; nothing to add here
  return cidrs.some((cidr) => {
    const [net, prefix] = cidr.split("/");
    if (!net || !prefix || isIP(net) !== family) return false;
    const list = new BlockList();
    list.addSubnet(net, Number(prefix), family === 4 ? "ipv4" : "ipv6");
    return list.check(ip, family === 4 ? "ipv4" : "ipv6");
  });
}

function unique(values: string[]): string[] {
  return [...new Set(values)];
}


