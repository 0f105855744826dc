/**
 * From what the cloud holds (inventory) and what the source says belongs to the pair (scope) to
 * the agent config a greenfield stack would generate for the same pair. Pure: no API calls.
 * Anything that cannot be decided is a problem naming the resources and the fix; all of them
 * are reported at once.
 */
import type { AwsAgentConfig as AgentConfig, ElasticIpConfig, NodeId, RouteConfig, SecondaryIpGroup } from "../../config/types.js";
import { NODE_IDS } from "../../config/types.js";
import { validateConfig } from "../../config/validate.js";
import { configTagKeys } from "../tag-keys.js";
import { ProblemList } from "../errors.js";
import type { AwsInventory, FoundInterface, FoundRoute } from "./inventory.js";
import { defaultStateKey, type AwsPairScope } from "./scope.js";
import { cidrContains } from "../cidr.js";

export interface ResolvedNode {
  instanceId: string;
  name?: string;
  instanceProfileArn?: string;
  interfaces: Record<string, FoundInterface>;
}

export interface ResolvedAwsPair {
  config: AgentConfig;
  nodes: Record<NodeId, ResolvedNode>;
  vpcId?: string;
  /** Roles that addresses or routes follow: their interfaces must forward (source/dest check off). */
  routingRoles: string[];
  bucket: string;
  endpoints: AwsInventory["endpoints"];
  notes: string[];
}

const list = (items: string[]) => items.join(", ");

export function resolveAwsPair(inventory: AwsInventory, scope: AwsPairScope, bucketOverride?: string): ResolvedAwsPair {
  const problems = new ProblemList();
  const { keys, label } = scope;
  const notes = [...inventory.notes, ...(scope.notes ?? [])];

  // --- nodes: the interfaces' instances, and each node's interfaces by nic-map role
  const byInstance = new Map<string, FoundInterface[]>();
  for (const nic of inventory.interfaces) {
    const role = nic.tags[keys.nicMapKey];
    if (role === undefined) {
      problems.add(`${nic.id} belongs to pair "${label}" but has no ${keys.nicMapKey} tag, so its role is unknown`, `tag it ${keys.nicMapKey}=ROLE (the same value on the other node's interface of that role), or pass --nic-map-key if the pair uses another key`, [nic.id]);
      continue;
    }
    if (!nic.attachment) {
      problems.add(`${nic.id} (${keys.nicMapKey}=${role}) is not attached to any instance`, `attach it to its node, or remove its ${keys.labelKey} tag if it is not part of the pair`, [nic.id]);
      continue;
    }
    byInstance.set(nic.attachment.instanceId, [...(byInstance.get(nic.attachment.instanceId) ?? []), nic]);
  }
  const instanceIds = [...byInstance.keys()];
  if (instanceIds.length !== 2) {
    const found = instanceIds.length === 0 ? "no interface" : `interfaces of ${instanceIds.length} instance${instanceIds.length === 1 ? "" : "s"} (${list(instanceIds)})`;
    problems.add(`${keys.labelKey}=${label} tags ${found}; a pair is exactly two instances`, instanceIds.length < 2 ? `tag both nodes' interfaces ${keys.labelKey}=${label} and ${keys.nicMapKey}=ROLE, or check --label and --region` : `remove the ${keys.labelKey} tag from the interfaces of the instances that are not the pair's`, instanceIds);
    problems.throwIfAny(label);
  }
  const instances = new Map(inventory.instances.map((i) => [i.id, i]));
  const nameOf = (id: string) => instances.get(id)?.tags.Name;
  let order = [...instanceIds].sort((x, y) => (nameOf(x) ?? "").localeCompare(nameOf(y) ?? "") || x.localeCompare(y));
  if (scope.nodeA !== undefined) {
    if (!instanceIds.includes(scope.nodeA)) problems.add(`--node-a ${scope.nodeA} is not one of the pair's instances (${list(instanceIds)})`, `pass one of ${list(instanceIds)}`, [scope.nodeA]);
    else order = [scope.nodeA, ...instanceIds.filter((id) => id !== scope.nodeA)];
  }
  const nodes = {} as Record<NodeId, ResolvedNode>;
  NODE_IDS.forEach((node, i) => {
    const instanceId = order[i]!;
    const interfaces: Record<string, FoundInterface> = {};
    for (const nic of (byInstance.get(instanceId) ?? []).sort((x, y) => x.attachment!.deviceIndex - y.attachment!.deviceIndex)) {
      const role = nic.tags[keys.nicMapKey]!;
      const other = interfaces[role];
      if (other) {
        problems.add(`instance ${instanceId} has two interfaces with ${keys.nicMapKey}=${role}: ${other.id} and ${nic.id}`, `give one of them another ${keys.nicMapKey} value (it must match the other node's interface of that role), or remove its ${keys.labelKey} tag`, [instanceId, other.id, nic.id]);
        continue;
      }
      interfaces[role] = nic;
    }
    const instance = instances.get(instanceId);
    nodes[node] = { instanceId, interfaces, ...(nameOf(instanceId) ? { name: nameOf(instanceId) } : {}), ...(instance?.instanceProfileArn ? { instanceProfileArn: instance.instanceProfileArn } : {}) };
  });
  for (const [node, other] of [["a", "b"], ["b", "a"]] as const) {
    for (const [role, nic] of Object.entries(nodes[node].interfaces)) {
      if (!nodes[other].interfaces[role]) {
        problems.add(`${keys.nicMapKey}=${role} pairs nothing: ${nic.id} on ${nodes[node].instanceId} has no counterpart on ${nodes[other].instanceId}`, `tag ${nodes[other].instanceId}'s interface of that role ${keys.nicMapKey}=${role} and ${keys.labelKey}=${label}, or remove the tags from ${nic.id}`, [nic.id, nodes[other].instanceId]);
      }
    }
  }
  problems.throwIfAny(label);

  const pairNics = new Map<string, { node: NodeId; role: string; nic: FoundInterface }>();
  for (const node of NODE_IDS) for (const [role, nic] of Object.entries(nodes[node].interfaces)) pairNics.set(nic.id, { node, role, nic });
  const ipOwner = new Map<string, { node: NodeId; role: string; primary: boolean; nicId: string }>();
  for (const { node, role, nic } of pairNics.values()) {
    ipOwner.set(nic.primaryIp, { node, role, primary: true, nicId: nic.id });
    for (const ip of nic.secondaryIps) ipOwner.set(ip, { node, role, primary: false, nicId: nic.id });
  }
  const roles = Object.keys(nodes.a.interfaces);
  const sameSubnet = (role: string) => nodes.a.interfaces[role]!.subnetId === nodes.b.interfaces[role]!.subnetId;

  // --- Elastic IPs: which private IP on each node
  const elasticIps: ElasticIpConfig[] = [];

  const targetsOf = (allocationId: string, publicIp: string): string[] | undefined => {
    const named = scope.elasticIpTargets?.[allocationId] ?? scope.elasticIpTargets?.[publicIp];
    if (named) return named;
    const tag = inventory.elasticIps.find((e) => e.allocationId === allocationId)?.tags[keys.vipsKey];
    return tag === undefined ? undefined : tag.split(/[\s,]+/).filter(Boolean);
  };
  const eipPlans: { allocationId: string; publicIp: string; targets?: string[]; associated?: string }[] = inventory.elasticIps.map((e) => ({
    allocationId: e.allocationId,
    publicIp: e.publicIp,
    targets: targetsOf(e.allocationId, e.publicIp),
    associated: e.association?.privateIp,
  }));
  // --- secondary IPs that float: named by the source, or every secondary IP of a same-subnet role that is not a node's own EIP target
  const eipTargetIps = new Set(eipPlans.flatMap((p) => p.targets ?? []));
  const secondaryIps: SecondaryIpGroup[] = [];
  const movingIps = new Set<string>();
  if (scope.movingIps) {
    const byRole = new Map<string, string[]>();
    for (const ip of scope.movingIps) {
      const owner = ipOwner.get(ip);
      if (!owner) {
        problems.add(`${ip} (a floating address of the ${scope.source} source) is on none of the pair's interfaces (${list([...pairNics.keys()])})`, `assign it to the active node's interface of its role, or remove it from the source`, [ip]);
        continue;
      }
      if (owner.primary) {
        problems.add(`${ip} is the primary IP of ${owner.nicId}; a primary IP cannot move`, `remove it from the floating addresses, or make it a secondary IP`, [ip, owner.nicId]);
        continue;
      }
      byRole.set(owner.role, [...(byRole.get(owner.role) ?? []), ip]);
      movingIps.add(ip);
    }
    for (const [role, ips] of byRole) secondaryIps.push({ role, ips });
  } else {
    for (const role of roles) {
      if (!sameSubnet(role)) continue;
      const held = NODE_IDS.map((node) => ({ node, nic: nodes[node].interfaces[role]!, ips: nodes[node].interfaces[role]!.secondaryIps.filter((ip) => !eipTargetIps.has(ip) || eipPlans.some((p) => p.targets && p.targets.length === 1 && p.targets[0] === ip)) }));
      const holders = held.filter((h) => h.ips.length > 0);
      if (holders.length === 2) {
        problems.add(`both nodes hold secondary IPs of role ${role} (${holders.map((h) => `${h.nic.id}: ${list(h.ips)}`).join("; ")}); from tags alone it is unknown which of them float`, `move all floating IPs to one node first, or pass --cfe DECLARATION whose failoverAddresses.addressGroupDefinitions name them`, holders.map((h) => h.nic.id));
        continue;
      }
      if (holders.length === 1) {
        secondaryIps.push({ role, ips: [...holders[0]!.ips] });
        for (const ip of holders[0]!.ips) movingIps.add(ip);
      }
    }
  }
  for (const plan of eipPlans) {
    const problemsBefore = problems.items.length;
    const eip = inventory.elasticIps.find((e) => e.allocationId === plan.allocationId)!;
    const privateIp = {} as Record<NodeId, string>;
    let role: string | undefined;
    if (plan.targets && plan.targets.length > 0) {
      if (plan.targets.length === 1 && movingIps.has(plan.targets[0]!)) {
        const ip = plan.targets[0]!;
        privateIp.a = ip;
        privateIp.b = ip;
        role = ipOwner.get(ip)!.role;
      } else {
        for (const ip of plan.targets) {
          const owner = ipOwner.get(ip);
          if (!owner) {
            problems.add(`${plan.allocationId} (${plan.publicIp}) names ${ip} (${keys.vipsKey} or the CFE declaration), which is on none of the pair's interfaces`, `fix the ${keys.vipsKey} tag to list one private IP of each node's interface, comma-separated`, [plan.allocationId, ip]);
            continue;
          }
          if (privateIp[owner.node]) {
            problems.add(`${plan.allocationId} (${plan.publicIp}) names two private IPs of node ${owner.node} (${privateIp[owner.node]}, ${ip})`, `list exactly one private IP per node in ${keys.vipsKey}`, [plan.allocationId]);
            continue;
          }
          privateIp[owner.node] = ip;
          if (role !== undefined && role !== owner.role) problems.add(`${plan.allocationId} (${plan.publicIp}) maps to interfaces of two roles (${role}, ${owner.role})`, `list private IPs of the same role on both nodes`, [plan.allocationId]);
          role ??= owner.role;
        }
      }
    } else if (plan.associated !== undefined && ipOwner.has(plan.associated)) {
      const owner = ipOwner.get(plan.associated)!;
      role = owner.role;
      if (movingIps.has(plan.associated)) {
        privateIp.a = plan.associated;
        privateIp.b = plan.associated;
      } else if (owner.primary) {
        privateIp[owner.node] = plan.associated;
        const other = owner.node === "a" ? "b" : "a";
        privateIp[other] = nodes[other].interfaces[owner.role]!.primaryIp;
      } else {
        problems.add(`${plan.allocationId} (${plan.publicIp}) is on ${plan.associated}, a secondary IP of ${owner.nicId} that does not float; the other node's IP for it is unknown`, `tag the EIP ${keys.vipsKey}=IP_A,IP_B (one private IP of each node)`, [plan.allocationId, owner.nicId]);
      }
    } else {
      const where = eip.association?.networkInterfaceId ? `associated with ${eip.association.networkInterfaceId}, which is neither node's` : "not associated";
      problems.add(`${plan.allocationId} (${plan.publicIp}) carries ${keys.labelKey}=${label} but is ${where}`, `tag it ${keys.vipsKey}=IP_A,IP_B (one private IP of each node), associate it with the active node, or remove its ${keys.labelKey} tag`, [plan.allocationId]);
    }
    if (privateIp.a && privateIp.b && role) {
      elasticIps.push({ allocationId: plan.allocationId, publicIp: plan.publicIp, role, privateIp: { a: privateIp.a, b: privateIp.b } });
    } else if (problems.items.length === problemsBefore) {
      problems.add(`${plan.allocationId} (${plan.publicIp}) maps to ${list(plan.targets ?? [])}, not to one private IP on each node`, `list one private IP of each node in ${keys.vipsKey}`, [plan.allocationId]);
    }
  }

  // --- routes: those of the scoped tables whose target is a pair interface
  const routes: RouteConfig[] = [];
  const scopeOf = (table: AwsInventory["routeTables"][number]) =>
    scope.routeScopes.find((s) => s.routeTableId === table.id) ??
    scope.routeScopes.find((s) => s.routeTableId === undefined && s.tags !== undefined && Object.entries(s.tags).every(([k, v]) => table.tags[k] === v));
  for (const table of [...inventory.routeTables].sort((x, y) => x.id.localeCompare(y.id))) {
    const routeScope = scopeOf(table);
    const selfIps = routeScope?.nextHopIps ?? table.tags[keys.selfIpsKey]?.split(/[\s,]+/).filter(Boolean);
    const nextHopNics = selfIps ? new Set(selfIps.map((ip) => ipOwner.get(ip)?.nicId).filter((id): id is string => id !== undefined)) : undefined;
    const byRole = new Map<string, string[]>();
    const inRange = (route: FoundRoute) => !routeScope?.ranges || routeScope.ranges.some((range) => cidrContains(range, route.destination));
    for (const route of table.routes) {
      if (!route.networkInterfaceId || !inRange(route)) continue;
      const pair = pairNics.get(route.networkInterfaceId);
      if (nextHopNics && !nextHopNics.has(route.networkInterfaceId)) {
        if (pair && selfIps) notes.push(`route ${route.destination} in ${table.id} points at ${route.networkInterfaceId} (node ${pair.node}, ${pair.role}), whose IPs are not in the table's next hops (${list(selfIps)}); left alone`);
        continue;
      }
      if (!pair) {
        problems.add(`route ${route.destination} in ${table.id} points at ${route.networkInterfaceId}, which is neither node's interface`, `point it at a node's interface, list the nodes' next hops in the table's ${keys.selfIpsKey} tag (routes at other targets are then left alone), or remove the table's ${keys.labelKey} tag`, [table.id, route.networkInterfaceId]);
        continue;
      }
      byRole.set(pair.role, [...(byRole.get(pair.role) ?? []), route.destination]);
    }
    if (byRole.size === 0) notes.push(`route table ${table.id} is in the pair's scope but no route in it points at a pair interface; nothing of it follows the pair`);
    for (const [role, destinations] of byRole) routes.push({ routeTableId: table.id, destinations, nextHop: { role } });
  }

  // --- the state bucket
  let bucket = bucketOverride;
  if (bucket === undefined) {
    if (inventory.buckets.length === 1) bucket = inventory.buckets[0]!.name;
    else if (inventory.buckets.length === 0) problems.add(`no S3 bucket of pair "${label}" found (none tagged ${keys.labelKey}=${label}, none named by the source)`, `pass --state-bucket NAME (the bucket the agent keeps its state in), or tag the bucket ${keys.labelKey}=${label}`, []);
    else problems.add(`${inventory.buckets.length} S3 buckets are tagged ${keys.labelKey}=${label}: ${list(inventory.buckets.map((b) => b.name))}`, `pass --state-bucket NAME to choose one`, inventory.buckets.map((b) => b.name));
  }
  problems.throwIfAny(label);

  const routingRoles = [...new Set([...secondaryIps.map((g) => g.role), ...elasticIps.map((e) => e.role), ...routes.map((r) => r.nextHop.role)])];
  const config: AgentConfig = {
    version: 1,
    cloud: "aws",
    label,
    region: inventory.region,
    ...configTagKeys(keys),
    nodes: {
      a: { instanceId: nodes.a.instanceId, interfaces: Object.fromEntries(Object.entries(nodes.a.interfaces).map(([role, nic]) => [role, { id: nic.id }])) },
      b: { instanceId: nodes.b.instanceId, interfaces: Object.fromEntries(Object.entries(nodes.b.interfaces).map(([role, nic]) => [role, { id: nic.id }])) },
    },
    ...(secondaryIps.length > 0 || elasticIps.length > 0
      ? { addresses: { ...(secondaryIps.length > 0 ? { secondaryIps } : {}), ...(elasticIps.length > 0 ? { elasticIps } : {}) } }
      : {}),
    ...(routes.length > 0 ? { routes } : {}),
    stateStore: { type: "s3", bucket: bucket!, key: scope.stateKey ?? defaultStateKey(label) },
  };
  const checked = validateConfig(config);
  if (!checked.ok) {
    for (const error of checked.errors) problems.add(`the discovered config breaks the contract at ${error.path || "/"}: ${error.message}`, "fix the pair's tags or the source so the resources above make a valid pair", []);
    problems.throwIfAny(label);
  }
  return { config, nodes, vpcId: nodes.a.interfaces[roles[0]!]?.vpcId, routingRoles, bucket: bucket!, endpoints: inventory.endpoints, notes };
}
