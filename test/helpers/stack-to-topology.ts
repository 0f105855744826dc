/**
 * Exactly the resources a Pulumi program declared (as the mock harness recorded them), as a
 * simulated-cloud Topology, so an end-to-end test runs the agent against the stack itself and
 * not against a hand-made picture of it.
 *
 * Strict by design: every declared resource is either translated or listed as not modelled by
 * the simulator (with the reason); a resource type, or an input of a translated type, that this
 * module does not know is an error naming the resource, so nothing the stack declares can be
 * dropped silently. The agent config (the component's generated output) is checked against the
 * declared resources: an ID it names that no declared resource has, an address or route it moves
 * that the resources do not hold, a tag the policy's condition needs that a resource lacks — each
 * is a disagreement, and they are all thrown together.
 */
import { readFileSync } from "node:fs";
import type { AwsAgentConfig as AgentConfig, NodeId } from "../../runtime/config/types.js";
import { DEFAULT_LABEL_KEY, DEFAULT_NIC_MAP_KEY } from "../../runtime/config/types.js";
import type { PolicyDocument } from "../../sim/index.js";
import type { Topology, TopologyElasticIp, TopologyInstance, TopologyInterface, TopologyRoute, TopologyRouteTable } from "../../sim/topology.js";
import type { RegisteredResource } from "./pulumi-mocks.js";

export const T = {
  vpc: "aws:ec2/vpc:Vpc",
  subnet: "aws:ec2/subnet:Subnet",
  igw: "aws:ec2/internetGateway:InternetGateway",
  routeTable: "aws:ec2/routeTable:RouteTable",
  route: "aws:ec2/route:Route",
  routeTableAssociation: "aws:ec2/routeTableAssociation:RouteTableAssociation",
  securityGroup: "aws:ec2/securityGroup:SecurityGroup",
  eni: "aws:ec2/networkInterface:NetworkInterface",
  eniAttachment: "aws:ec2/networkInterfaceAttachment:NetworkInterfaceAttachment",
  instance: "aws:ec2/instance:Instance",
  eip: "aws:ec2/eip:Eip",
  vpcEndpoint: "aws:ec2/vpcEndpoint:VpcEndpoint",
  bucket: "aws:s3/bucket:Bucket",
  bucketObject: "aws:s3/bucketObjectv2:BucketObjectv2",
  bucketPolicy: "aws:s3/bucketPolicy:BucketPolicy",
  bucketOwnership: "aws:s3/bucketOwnershipControls:BucketOwnershipControls",
  bucketPublicAccessBlock: "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock",
  bucketVersioning: "aws:s3/bucketVersioning:BucketVersioning",
  bucketEncryption: "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration",
  role: "aws:iam/role:Role",
  instanceProfile: "aws:iam/instanceProfile:InstanceProfile",
  rolePolicy: "aws:iam/rolePolicy:RolePolicy",
  awsHaPair: "ha-pair:index:AwsHaPair",
} as const;

/** Declared but not part of the simulated cloud: why each type is left out (a gap is a gap, said here). */
export const NOT_MODELLED: Readonly<Record<string, string>> = {
  [T.awsHaPair]: "a component resource: no cloud resource of its own (its children are translated)",
  [T.igw]: "the simulator has no gateways; its ID is accepted as a route target",
  [T.securityGroup]: "the simulator has no packet path, so no security groups",
  [T.vpcEndpoint]: "the agent reaches the simulator directly (its config's endpoints point there); aws:sourceVpce is not evaluated",
  [T.bucketPolicy]: "the simulator evaluates identity policies only: the bucket policy (TLS only; the role only through the S3 gateway endpoint) is NOT proven here",
  [T.bucketOwnership]: "bucket setting (object ownership) the simulated S3 does not model",
  [T.bucketPublicAccessBlock]: "bucket setting (public access block) the simulated S3 does not model",
  [T.bucketVersioning]: "bucket setting (versioning) the simulated S3 does not model",
  [T.bucketEncryption]: "bucket setting (default encryption) the simulated S3 does not model",
};

/**
 * Per translated type: the inputs it reads, and the inputs it knowingly leaves out (with why).
 * Any other input is an error: the translation would not know what the stack meant by it.
 */
const INPUTS: Record<string, { read: string[]; ignored?: Record<string, string> }> = {
  [T.vpc]: { read: ["cidrBlock", "enableDnsSupport", "enableDnsHostnames"], ignored: { tags: "the topology's VPCs carry no tags" } },
  [T.subnet]: {
    read: ["vpcId", "cidrBlock", "availabilityZone"],
    ignored: { mapPublicIpOnLaunch: "no launches in the simulator", tags: "the topology's subnets carry no tags" },
  },
  [T.routeTable]: { read: ["vpcId", "routes", "tags"] },
  [T.route]: { read: ["routeTableId", "destinationCidrBlock", "destinationIpv6CidrBlock", "destinationPrefixListId", "networkInterfaceId", "gatewayId"] },
  [T.routeTableAssociation]: { read: ["routeTableId", "subnetId"] },
  [T.eni]: {
    read: ["subnetId", "privateIpLists", "privateIps", "privateIp", "privateIpListEnabled", "sourceDestCheck", "tags"],
    ignored: { securityGroups: "no security groups in the simulator", description: "the simulator writes its own description" },
  },
  [T.eniAttachment]: { read: ["instanceId", "networkInterfaceId", "deviceIndex"] },
  [T.instance]: {
    read: ["primaryNetworkInterface", "iamInstanceProfile", "tags"],
    ignored: {
      ami: "the simulator's instances run nothing",
      instanceType: "the simulator's IMDS reports a fixed type",
      userData: "nothing boots in the simulator",
      metadataOptions: "the simulator's IMDS is IMDSv2 (token required) whatever the options",
      keyName: "no SSH in the simulator",
    },
  },
  [T.eip]: { read: ["domain", "networkInterface", "associateWithPrivateIp", "tags"] },
  [T.bucket]: { read: ["bucket", "bucketPrefix", "tags"], ignored: { forceDestroy: "nothing is destroyed in the simulator" } },
  [T.bucketObject]: { read: ["bucket", "key", "content", "source", "contentType"] },
  [T.role]: { read: ["assumeRolePolicy"], ignored: { description: "display only", maxSessionDuration: "the simulator's IMDS credentials do not expire during a test", tags: "IAM tags are not evaluated" } },
  [T.instanceProfile]: { read: ["role"], ignored: { tags: "IAM tags are not evaluated" } },
  [T.rolePolicy]: { read: ["role", "policy"] },
};

const ROUTE_DESTINATIONS = ["cidrBlock", "ipv6CidrBlock", "destinationPrefixListId"];
const ROUTE_TARGETS = ["gatewayId", "networkInterfaceId"];

export interface DeclaredObject {
  bucket: string;
  key: string;
  body: Buffer;
  contentType?: string;
}

export interface StackTranslation {
  topology: Topology;
  /** The declared role policies, by role name (the principal the simulator evaluates for that role's instances). */
  identityPolicies: Record<string, PolicyDocument[]>;
  /** What `pulumi up` uploads into the declared buckets. */
  objects: DeclaredObject[];
  /** Declared resources left out of the simulation, each with the reason. */
  notModelled: { type: string; name: string; reason: string }[];
  /** The declared resources translated (type "name"). */
  translated: string[];
}

export interface TranslateOptions {
  region: string;
  accountId: string;
}

class Problems {
  readonly list: string[] = [];
  add(message: string): void {
    this.list.push(message);
  }
  throwIfAny(what: string): void {
    if (this.list.length > 0) throw new Error(`${what}:\n${this.list.map((p) => `  - ${p}`).join("\n")}`);
  }
}

const where = (r: RegisteredResource) => `${r.type} "${r.name}"${r.id ? ` (${r.id})` : ""}`;

/** The private IPs an interface declares: the primary first. */
function interfaceIps(eni: RegisteredResource, problems: Problems): string[] {
  const { privateIpLists, privateIps, privateIp, privateIpListEnabled } = eni.inputs;
  if (privateIpLists !== undefined && privateIpListEnabled !== true) {
    problems.add(`${where(eni)}: privateIpLists without privateIpListEnabled (AWS ignores the list then)`);
  }
  if (Array.isArray(privateIpLists) && privateIpLists.length > 0) return [...privateIpLists];
  if (Array.isArray(privateIps) && privateIps.length > 0) {
    // An unordered set: the primary is privateIp if given, else the one AWS picks (the state's).
    const primary: string = privateIp ?? eni.state.privateIp;
    return [primary, ...privateIps.filter((ip: string) => ip !== primary)];
  }
  const primary = privateIp ?? eni.state.privateIp;
  if (!primary) problems.add(`${where(eni)}: declares no private IP and the mock cloud gave it none`);
  return primary ? [primary] : [];
}

/** Translate every declared resource; throws listing everything not understood, then every disagreement with the agent config. */
export async function stackToTopology(resources: readonly RegisteredResource[], config: AgentConfig, options: TranslateOptions): Promise<StackTranslation> {
  const unknown = new Problems();
  const notModelled: StackTranslation["notModelled"] = [];
  const translated: string[] = [];
  const of = (type: string) => resources.filter((r) => r.type === type);

  for (const r of resources) {
    if (NOT_MODELLED[r.type]) {
      notModelled.push({ type: r.type, name: r.name, reason: NOT_MODELLED[r.type]! });
      continue;
    }
    const known = INPUTS[r.type];
    if (!known) {
      unknown.add(`${where(r)}: a resource type the translator does not understand; translate it or list it in NOT_MODELLED with the reason`);
      continue;
    }
    for (const field of Object.keys(r.inputs)) {
      if (r.inputs[field] === undefined) continue;
      if (!known.read.includes(field) && !(known.ignored && field in known.ignored)) {
        unknown.add(`${where(r)}: input "${field}" is not understood by the translator`);
      }
    }
    translated.push(`${r.type} "${r.name}"`);
  }
  unknown.throwIfAny("the stack declares what the topology translator does not understand");

  const problems = new Problems();
  const idOf = (type: string) => new Set(of(type).map((r) => r.id!));

  // --- VPCs and subnets
  const vpcs = of(T.vpc).map((r) => ({
    id: r.id!,
    cidr: r.inputs.cidrBlock as string,
    enableDnsSupport: r.state.enableDnsSupport as boolean,
    enableDnsHostnames: r.state.enableDnsHostnames as boolean,
  }));
  const vpcIds = idOf(T.vpc);
  const subnets = of(T.subnet).map((r) => {
    if (!vpcIds.has(r.inputs.vpcId)) problems.add(`${where(r)}: VPC ${r.inputs.vpcId} is not declared`);
    if (!r.inputs.availabilityZone) problems.add(`${where(r)}: no availabilityZone (the translation needs the AZ EC2 would pick)`);
    return { id: r.id!, vpcId: r.inputs.vpcId as string, cidr: r.inputs.cidrBlock as string, availabilityZone: r.inputs.availabilityZone as string };
  });
  const subnetIds = idOf(T.subnet);
  const gatewayIds = idOf(T.igw);

  // --- IAM: instance profile -> role name; role name -> its inline policies
  const roles = new Map(of(T.role).map((r) => [r.state.name as string, r]));
  for (const [name, role] of roles) {
    const trust = JSON.parse(role.inputs.assumeRolePolicy ?? "{}");
    const byEc2 = [trust.Statement ?? []].flat().some((s: any) => s.Effect === "Allow" && [s.Principal?.Service ?? []].flat().some((p: string) => p.startsWith("ec2.amazonaws.com")) && [s.Action].flat().includes("sts:AssumeRole"));
    if (!byEc2) problems.add(`${where(role)}: role ${name} cannot be assumed by EC2, so no instance profile could hand out its credentials`);
  }
  const profiles = new Map(
    of(T.instanceProfile).map((r) => {
      if (!roles.has(r.inputs.role)) problems.add(`${where(r)}: role ${r.inputs.role} is not declared`);
      return [r.state.name as string, r.inputs.role as string];
    }),
  );
  const identityPolicies: Record<string, PolicyDocument[]> = {};
  for (const r of of(T.rolePolicy)) {
    if (!roles.has(r.inputs.role)) problems.add(`${where(r)}: role ${r.inputs.role} is not declared`);
    (identityPolicies[r.inputs.role] ??= []).push(JSON.parse(r.inputs.policy) as PolicyDocument);
  }

  // --- interfaces and what they are attached to (device 0: the instance's primary interface)
  const enis = new Map(of(T.eni).map((r) => [r.id!, r]));
  const attachedTo = new Map<string, { instanceId: string; deviceIndex: number; by: string }>();
  const attach = (eniId: string, instanceId: string, deviceIndex: number, by: RegisteredResource) => {
    if (!enis.has(eniId)) problems.add(`${where(by)}: interface ${eniId} is not declared`);
    const earlier = attachedTo.get(eniId);
    if (earlier) problems.add(`${where(by)}: interface ${eniId} is already attached by ${earlier.by}`);
    attachedTo.set(eniId, { instanceId, deviceIndex, by: where(by) });
  };
  const instanceIds = idOf(T.instance);
  for (const r of of(T.instance)) {
    const primary = r.inputs.primaryNetworkInterface?.networkInterfaceId;
    if (!primary) {
      problems.add(`${where(r)}: no primaryNetworkInterface; an interface EC2 would create at launch is not a declared resource the translator can follow`);
      continue;
    }
    attach(primary, r.id!, 0, r);
  }
  for (const r of of(T.eniAttachment)) {
    if (!instanceIds.has(r.inputs.instanceId)) problems.add(`${where(r)}: instance ${r.inputs.instanceId} is not declared`);
    if (r.inputs.deviceIndex === 0) problems.add(`${where(r)}: device index 0 is the instance's primary interface, given at launch`);
    attach(r.inputs.networkInterfaceId, r.inputs.instanceId, r.inputs.deviceIndex, r);
  }

  // --- the pair, from the agent config
  const labelKey = config.tags?.labelKey ?? DEFAULT_LABEL_KEY;
  const nicMapKey = config.tags?.nicMapKey ?? DEFAULT_NIC_MAP_KEY;
  const nodeOfInstance = new Map<string, NodeId>();
  const roleOfInterface = new Map<string, { node: NodeId; role: string }>();
  for (const node of ["a", "b"] as const) {
    nodeOfInstance.set(config.nodes[node].instanceId, node);
    for (const [role, nic] of Object.entries(config.nodes[node].interfaces)) roleOfInterface.set(nic.id, { node, role });
  }

  const ipsOf = new Map<string, string[]>();
  const instances: TopologyInstance[] = of(T.instance).map((r) => {
    const profile: string | undefined = r.inputs.iamInstanceProfile;
    const roleName = profile === undefined ? undefined : profiles.get(profile);
    if (profile !== undefined && roleName === undefined) problems.add(`${where(r)}: instance profile ${profile} is not declared`);
    const interfaces: TopologyInterface[] = [];
    for (const [eniId, at] of [...attachedTo].filter(([, at]) => at.instanceId === r.id).sort(([, x], [, y]) => x.deviceIndex - y.deviceIndex)) {
      const eni = enis.get(eniId);
      if (!eni) continue;
      const ips = interfaceIps(eni, problems);
      ipsOf.set(eniId, ips);
      if (!subnetIds.has(eni.inputs.subnetId)) problems.add(`${where(eni)}: subnet ${eni.inputs.subnetId} is not declared`);
      const tags: Record<string, string> = { ...(eni.inputs.tags ?? {}) };
      interfaces.push({
        id: eniId,
        // The nic-map role the pair knows it by; an interface outside the pair by its own tag.
        role: roleOfInterface.get(eniId)?.role ?? tags[nicMapKey] ?? `device-${at.deviceIndex}`,
        subnetId: eni.inputs.subnetId,
        deviceIndex: at.deviceIndex,
        primaryIp: ips[0]!,
        ...(ips.length > 1 ? { secondaryIps: ips.slice(1) } : {}),
        sourceDestCheck: eni.inputs.sourceDestCheck ?? true,
        tags,
      });
    }
    const node = nodeOfInstance.get(r.id!);
    return {
      id: r.id!,
      ...(node ? { node } : {}),
      ...(r.inputs.tags?.Name ? { name: r.inputs.tags.Name as string } : {}),
      ...(roleName ? { roleName } : {}),
      interfaces,
    };
  });
  for (const [eniId, eni] of enis) {
    if (!attachedTo.has(eniId)) problems.add(`${where(eni)}: attached to no declared instance (the simulator holds only attached interfaces)`);
  }

  // --- Elastic IPs (an association without a private IP goes to the interface's primary, as in EC2)
  const elasticIps: TopologyElasticIp[] = of(T.eip).map((r) => {
    if (r.inputs.domain !== "vpc") problems.add(`${where(r)}: domain ${r.inputs.domain ?? "(none)"}; only VPC Elastic IPs are understood`);
    const eniId: string | undefined = r.inputs.networkInterface;
    let association: TopologyElasticIp["association"];
    if (eniId !== undefined) {
      const privateIp: string | undefined = r.inputs.associateWithPrivateIp ?? ipsOf.get(eniId)?.[0];
      if (!enis.has(eniId)) problems.add(`${where(r)}: interface ${eniId} is not declared`);
      else if (!privateIp || !ipsOf.get(eniId)?.includes(privateIp)) problems.add(`${where(r)}: associated with ${privateIp}, which interface ${eniId} does not declare`);
      if (privateIp) association = { networkInterfaceId: eniId, privateIp };
    } else if (r.inputs.associateWithPrivateIp !== undefined) {
      problems.add(`${where(r)}: associateWithPrivateIp without networkInterface`);
    }
    return { allocationId: r.state.allocationId ?? r.id!, publicIp: r.state.publicIp as string, ...(association ? { association } : {}), tags: { ...(r.inputs.tags ?? {}) } };
  });

  // --- route tables: inline routes, aws.ec2.Route resources, subnet associations
  const tables = new Map<string, TopologyRouteTable>();
  const routeTarget = (r: RegisteredResource, route: Record<string, any>, destinationKeys: string[], targetKeys: string[]): TopologyRoute | undefined => {
    const destinations = destinationKeys.filter((k) => route[k] !== undefined && route[k] !== "");
    const extra = Object.keys(route).filter((k) => route[k] !== undefined && route[k] !== "" && !destinationKeys.includes(k) && !targetKeys.includes(k) && k !== "routeTableId");
    const targets = targetKeys.filter((k) => route[k] !== undefined && route[k] !== "");
    if (extra.length > 0) problems.add(`${where(r)}: route field(s) ${extra.join(", ")} not understood (the simulator's routes target interfaces and gateways)`);
    if (destinations.length !== 1 || targets.length !== 1) {
      problems.add(`${where(r)}: a route needs exactly one destination and one target, got ${JSON.stringify(route)}`);
      return undefined;
    }
    const [targetKey] = targets as [string];
    const target = route[targetKey] as string;
    if (targetKey === "gatewayId" && !gatewayIds.has(target) && target !== "local") problems.add(`${where(r)}: gateway ${target} is not declared`);
    if (targetKey === "networkInterfaceId" && !enis.has(target)) problems.add(`${where(r)}: interface ${target} is not declared`);
    return { destination: route[destinations[0]!] as string, ...(targetKey === "gatewayId" ? { gatewayId: target } : { networkInterfaceId: target }) };
  };
  for (const r of of(T.routeTable)) {
    if (!vpcIds.has(r.inputs.vpcId)) problems.add(`${where(r)}: VPC ${r.inputs.vpcId} is not declared`);
    const routes = ((r.inputs.routes ?? []) as Record<string, any>[]).flatMap((route) => routeTarget(r, route, ROUTE_DESTINATIONS, ROUTE_TARGETS) ?? []);
    tables.set(r.id!, { id: r.id!, vpcId: r.inputs.vpcId, routes, subnetIds: [], tags: { ...(r.inputs.tags ?? {}) } });
  }
  for (const r of of(T.route)) {
    const table = tables.get(r.inputs.routeTableId);
    if (!table) {
      problems.add(`${where(r)}: route table ${r.inputs.routeTableId} is not declared`);
      continue;
    }
    const route = routeTarget(r, r.inputs, ["destinationCidrBlock", "destinationIpv6CidrBlock", "destinationPrefixListId"], ROUTE_TARGETS);
    if (!route) continue;
    if (table.routes.some((existing) => existing.destination === route.destination)) problems.add(`${where(r)}: ${table.id} already has a route to ${route.destination}`);
    table.routes.push(route);
  }
  const associated = new Map<string, string>();
  for (const r of of(T.routeTableAssociation)) {
    const table = tables.get(r.inputs.routeTableId);
    if (!table) problems.add(`${where(r)}: route table ${r.inputs.routeTableId} is not declared`);
    if (!subnetIds.has(r.inputs.subnetId)) problems.add(`${where(r)}: subnet ${r.inputs.subnetId} is not declared`);
    const earlier = associated.get(r.inputs.subnetId);
    if (earlier) problems.add(`${where(r)}: subnet ${r.inputs.subnetId} is already associated with ${earlier} (a subnet has one route table)`);
    associated.set(r.inputs.subnetId, r.inputs.routeTableId);
    table?.subnetIds!.push(r.inputs.subnetId);
  }

  // --- buckets and what is uploaded into them
  const buckets = of(T.bucket).map((r) => ({ name: r.state.bucket as string }));
  const bucketNames = new Set(buckets.map((b) => b.name));
  const objects: DeclaredObject[] = [];
  for (const r of of(T.bucketObject)) {
    if (!bucketNames.has(r.inputs.bucket)) problems.add(`${where(r)}: bucket ${r.inputs.bucket} is not declared`);
    let body: Buffer | undefined;
    if (typeof r.inputs.content === "string") body = Buffer.from(r.inputs.content, "utf8");
    else if (r.inputs.source !== undefined) {
      const path = await r.inputs.source.path;
      if (typeof path === "string") body = readFileSync(path);
      else problems.add(`${where(r)}: a source that is not a file asset is not understood`);
    } else problems.add(`${where(r)}: neither content nor source`);
    if (body) objects.push({ bucket: r.inputs.bucket, key: r.inputs.key, body, ...(r.inputs.contentType ? { contentType: r.inputs.contentType } : {}) });
  }

  // --- the agent config against the declared resources
  checkConfig(config, { labelKey, nicMapKey, instances, elasticIps, tables, enis, ipsOf, bucketNames, attachedTo }, problems);
  problems.throwIfAny("the stack's agent config and its declared resources disagree (or a declared resource is not what EC2 could hold)");

  const topology: Topology = {
    region: options.region,
    accountId: options.accountId,
    vpcs,
    subnets,
    instances,
    elasticIps,
    routeTables: [...tables.values()],
    buckets,
    pair: {
      label: config.label,
      ...(config.tags?.labelKey ? { labelKey: config.tags.labelKey } : {}),
      ...(config.tags?.nicMapKey ? { nicMapKey: config.tags.nicMapKey } : {}),
      stateStore: { bucket: config.stateStore.bucket, key: config.stateStore.key },
      secondaryIps: (config.addresses?.secondaryIps ?? []).map((g) => ({ role: g.role, ips: [...g.ips] })),
      elasticIps: (config.addresses?.elasticIps ?? []).map((e) => ({ allocationId: e.allocationId, role: e.role, privateIp: { ...e.privateIp } })),
      routes: (config.routes ?? []).map((r) => ({ routeTableId: r.routeTableId, destinations: [...r.destinations], nextHopRole: r.nextHop.role })),
    },
  };
  return { topology, identityPolicies, objects, notModelled, translated };
}

function checkConfig(
  config: AgentConfig,
  d: {
    labelKey: string;
    nicMapKey: string;
    instances: TopologyInstance[];
    elasticIps: TopologyElasticIp[];
    tables: Map<string, TopologyRouteTable>;
    enis: Map<string, RegisteredResource>;
    ipsOf: Map<string, string[]>;
    bucketNames: Set<string>;
    attachedTo: Map<string, { instanceId: string; deviceIndex: number }>;
  },
  problems: Problems,
): void {
  const labelled = (what: string, tags: Record<string, string> | undefined) => {
    if (tags?.[d.labelKey] !== config.label) problems.add(`${what} lacks the tag ${d.labelKey}=${config.label} (the policy's aws:ResourceTag condition needs it)`);
  };
  const nodeInterface = (node: NodeId, role: string) => config.nodes[node].interfaces[role]?.id;
  for (const node of ["a", "b"] as const) {
    const { instanceId, interfaces } = config.nodes[node];
    if (!d.instances.some((i) => i.id === instanceId)) problems.add(`agent config nodes.${node}.instanceId ${instanceId}: no declared instance has this ID`);
    for (const [role, { id }] of Object.entries(interfaces)) {
      const eni = d.enis.get(id);
      if (!eni) {
        problems.add(`agent config nodes.${node}.interfaces.${role} ${id}: no declared network interface has this ID`);
        continue;
      }
      if (d.attachedTo.get(id)?.instanceId !== instanceId) problems.add(`agent config nodes.${node}.interfaces.${role} ${id}: declared attached to ${d.attachedTo.get(id)?.instanceId ?? "no instance"}, not to node ${node}'s ${instanceId}`);
      labelled(`interface ${id} (nodes.${node}.interfaces.${role})`, eni.inputs.tags);
      if (eni.inputs.tags?.[d.nicMapKey] !== role) problems.add(`interface ${id} (nodes.${node}.interfaces.${role}) has ${d.nicMapKey}=${eni.inputs.tags?.[d.nicMapKey]}, not ${role}`);
    }
  }
  for (const group of config.addresses?.secondaryIps ?? []) {
    for (const ip of group.ips) {
      const holders = (["a", "b"] as const).filter((node) => d.ipsOf.get(nodeInterface(node, group.role) ?? "")?.slice(1).includes(ip));
      if (holders.length !== 1) problems.add(`agent config secondary IP ${ip} (role ${group.role}): declared as a secondary IP on ${holders.length} of the nodes' ${group.role} interfaces, not exactly one`);
    }
  }
  const moving = new Set((config.addresses?.secondaryIps ?? []).flatMap((g) => g.ips));
  for (const eip of config.addresses?.elasticIps ?? []) {
    const declared = d.elasticIps.find((e) => e.allocationId === eip.allocationId);
    if (!declared) {
      problems.add(`agent config Elastic IP ${eip.allocationId}: no declared Elastic IP has this allocation ID`);
      continue;
    }
    labelled(`Elastic IP ${eip.allocationId}`, declared.tags);
    if (eip.publicIp !== undefined && eip.publicIp !== declared.publicIp) problems.add(`agent config Elastic IP ${eip.allocationId}: public IP ${eip.publicIp}, declared ${declared.publicIp}`);
    for (const node of ["a", "b"] as const) {
      const eniId = nodeInterface(node, eip.role);
      const ip = eip.privateIp[node];
      // Node's own address of that role, or a moving secondary IP it takes over.
      if (!eniId || !(d.ipsOf.get(eniId)?.includes(ip) || moving.has(ip))) problems.add(`agent config Elastic IP ${eip.allocationId}: privateIp.${node} ${ip} is neither declared on node ${node}'s ${eip.role} interface nor a moving secondary IP`);
    }
    const at = declared.association;
    const holder = at && (["a", "b"] as const).find((node) => nodeInterface(node, eip.role) === at.networkInterfaceId && eip.privateIp[node] === at.privateIp);
    if (!holder) problems.add(`agent config Elastic IP ${eip.allocationId}: declared associated with ${at ? `${at.privateIp} on ${at.networkInterfaceId}` : "nothing"}, which is neither node's ${eip.role} mapping`);
  }
  for (const route of config.routes ?? []) {
    const table = d.tables.get(route.routeTableId);
    if (!table) {
      problems.add(`agent config route table ${route.routeTableId}: no declared route table has this ID`);
      continue;
    }
    labelled(`route table ${route.routeTableId}`, table.tags);
    for (const destination of route.destinations) {
      const declared = table.routes.find((r) => r.destination === destination);
      const hops = (["a", "b"] as const).map((node) => nodeInterface(node, route.nextHop.role));
      if (!declared) problems.add(`agent config route ${route.routeTableId} ${destination}: not declared (the agent replaces routes, never creates them)`);
      else if (!hops.includes(declared.networkInterfaceId)) problems.add(`agent config route ${route.routeTableId} ${destination}: declared next hop ${declared.networkInterfaceId ?? declared.gatewayId} is neither node's ${route.nextHop.role} interface`);
    }
  }
  if (!d.bucketNames.has(config.stateStore.bucket)) problems.add(`agent config state bucket ${config.stateStore.bucket}: no declared bucket has this name`);
}

/**
 * The identity policy against the declared resources and the agent config: every EC2 ARN it
 * allows is a declared resource of that type, every S3 ARN is in a declared bucket, and the
 * mutating grants cover exactly the interfaces, Elastic IPs and route tables the config moves.
 */
export function policyDisagreements(policy: PolicyDocument, translation: StackTranslation, config: AgentConfig): string[] {
  const found: string[] = [];
  const { topology } = translation;
  const declared: Record<string, Set<string>> = {
    "network-interface": new Set(topology.instances.flatMap((i) => i.interfaces.map((n) => n.id))),
    "elastic-ip": new Set(topology.elasticIps.map((e) => e.allocationId)),
    "route-table": new Set(topology.routeTables.map((t) => t.id)),
  };
  const buckets = new Set(topology.buckets.map((b) => b.name));
  const prefix = `arn:aws:ec2:${topology.region}:${topology.accountId}:`;
  for (const statement of [policy.Statement].flat()) {
    if (statement.Effect !== "Allow") continue;
    for (const arn of [statement.Resource ?? []].flat() as string[]) {
      if (arn === "*") continue;
      if (arn.startsWith("arn:aws:ec2:")) {
        const [type, id] = arn.slice(prefix.length).split("/") as [string, string];
        if (!arn.startsWith(prefix) || !declared[type]?.has(id)) found.push(`${statement.Sid}: ${arn} is not a declared resource of this account and Region`);
      } else if (arn.startsWith("arn:aws:s3:::")) {
        const bucket = arn.slice("arn:aws:s3:::".length).split("/")[0]!;
        if (!buckets.has(bucket)) found.push(`${statement.Sid}: ${arn} is not in a declared bucket`);
      } else found.push(`${statement.Sid}: ${arn} is neither an EC2 nor an S3 ARN`);
    }
  }
  // Interfaces that addresses move onto (route next hops are not: ReplaceRoute is authorized
  // on the route table alone).
  const followRoles = new Set([...(config.addresses?.secondaryIps ?? []).map((g) => g.role), ...(config.addresses?.elasticIps ?? []).map((e) => e.role)]);
  const moved = {
    "network-interface": (["a", "b"] as const).flatMap((node) => Object.entries(config.nodes[node].interfaces).filter(([role]) => followRoles.has(role)).map(([, nic]) => nic.id)),
    "elastic-ip": (config.addresses?.elasticIps ?? []).map((e) => e.allocationId),
    "route-table": (config.routes ?? []).map((r) => r.routeTableId),
  };
  const granted = (type: string) =>
    new Set(
      [policy.Statement]
        .flat()
        .filter((s) => s.Effect === "Allow" && ([s.Action].flat() as string[]).some((a) => a.startsWith("ec2:") && !a.startsWith("ec2:Describe")))
        .flatMap((s) => [s.Resource ?? []].flat() as string[])
        .filter((arn) => arn.startsWith(`${prefix}${type}/`))
        .map((arn) => arn.slice(`${prefix}${type}/`.length)),
    );
  for (const [type, ids] of Object.entries(moved)) {
    const grants = granted(type);
    for (const id of ids) if (!grants.has(id)) found.push(`the config moves ${type} ${id}, which no mutating grant names`);
    for (const id of grants) if (!ids.includes(id)) found.push(`a mutating grant names ${type} ${id}, which the config does not move`);
  }
  return found;
}
