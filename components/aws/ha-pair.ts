/**
 * AwsHaPair: the failover infrastructure around an existing (or same-program) pair of
 * appliances. It does not create the appliances: it takes references to the pair's VPC,
 * instances, interfaces by role, moving addresses and route tables, and adds the VPC endpoints,
 * the state bucket, the least-privilege role, the tags, source/dest check off and the agent's
 * delivery, and generates the agent config (validated against the contract) from the real IDs.
 *
 * Ownership: a resource passed as a resource object (`networkInterface`, `eip`, `routeTable`,
 * `vpc`) is created by the same program: its tags and source/dest check belong in its own args
 * (use pairTags()), and the component checks them at preview. A resource passed by ID is not
 * the stack's: the component tags it with aws.ec2.Tag and turns source/dest check off with
 * SourceDestCheckOff, and never takes ownership of it.
 */
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { existsSync } from "node:fs";
import { NODE_IDS, type NodeId, type TimeBudgets } from "../../runtime/config/index.js";
import { attachToExistingRole, manageModes, verifyExistingInterface, verifyExistingLabel, type AwsHaPairAdoptArgs, type AwsHaPairManageArgs } from "./adoption.js";
import { buildCfeDeclaration, validatedAgentConfig, type ResolvedPair, type ResolvedSubnetRouteTable } from "./agent-config.js";
import { DEFAULT_AGENT_BUNDLE, agentInstallScript, agentUserData, bigipTriggerSnippet, keepalivedTrigger, pairObjectKeys, systemdUnit } from "./delivery.js";
import { createEndpoints, vpcDnsProblem } from "./endpoints.js";
import { createAgentRole } from "./iam.js";
import { checkWhenKnown, declared } from "./preview-checks.js";
import type { PairPolicyInputs } from "./policy.js";
import { awsProviderOf, awsProviderSettings, sourceDestCheckConnection } from "./provider-settings.js";
import { associationGrant, createTwinRouteTables, routeModeProblems, subnetTagChecks, type AwsHaPairSubnetRouteTableArgs } from "./route-tables.js";
import { SourceDestCheckOff } from "./source-dest-check.js";
import { createStateBucket } from "./state-bucket.js";
import { tagById } from "./tag-by-id.js";
import { missingPairTagsProblem, pairTagKeys } from "./tags.js";

export const AWS_HA_PAIR_TYPE = "ha-pair:index:AwsHaPair";

/** One interface of a node. Exactly one of `networkInterface` (created in this program) or `networkInterfaceId` (existing). */
export interface AwsHaPairInterfaceArgs {
  /** An interface created in this program: tagged with pairTags(label, { role }) in its own args; checked at preview. */
  networkInterface?: aws.ec2.NetworkInterface;
  /** An existing interface: tagged with aws.ec2.Tag; source/dest check turned off by SourceDestCheckOff when routing. */
  networkInterfaceId?: pulumi.Input<string>;
  /** Its primary private IP, for the CFE declaration's next hops; looked up when absent (existing interfaces). */
  privateIp?: pulumi.Input<string>;
  /**
   * Whether it forwards traffic that is not addressed to it (source/dest check must be off).
   * Default: true for a role that addresses or routes follow, false otherwise (management).
   */
  routing?: boolean;
}

export interface AwsHaPairNodeArgs {
  /** The node's EC2 instance ID (may be a deferred output when the instance needs this component's outputs). */
  instanceId: pulumi.Input<string>;
  /** The nic map: this node's interfaces keyed by role (external, internal, mgmt...). */
  interfaces: Record<string, AwsHaPairInterfaceArgs>;
}

export interface AwsHaPairNodesArgs {
  a: AwsHaPairNodeArgs;
  b: AwsHaPairNodeArgs;
}

/** Same-subnet mode: secondary private IPs that move to the active node's interface of `role`. */
export interface AwsHaPairSecondaryIpGroupArgs {
  role: string;
  ips: pulumi.Input<string>[];
}

export interface AwsHaPairNodePrivateIpsArgs {
  a: pulumi.Input<string>;
  b: pulumi.Input<string>;
}

/** An Elastic IP that re-associates to the active node. Exactly one of `eip` (created in this program) or `allocationId`. */
export interface AwsHaPairElasticIpArgs {
  eip?: aws.ec2.Eip;
  allocationId?: pulumi.Input<string>;
  /** For display and the CFE declaration; taken from `eip` when given. */
  publicIp?: pulumi.Input<string>;
  role: string;
  /** The private IP it maps to on each node (equal for a moving secondary IP; each node's own across AZs). */
  privateIps: AwsHaPairNodePrivateIpsArgs;
}

/** Routes whose next hop follows the active node. Exactly one of `routeTable` (created in this program) or `routeTableId`. */
export interface AwsHaPairRouteArgs {
  routeTable?: aws.ec2.RouteTable;
  routeTableId?: pulumi.Input<string>;
  /** IPv4/IPv6 CIDRs or prefix list IDs of existing routes (the agent replaces routes, never creates them). */
  destinations: string[];
  nextHopRole: string;
}

export interface AwsHaPairNetworkArgs {
  /** Route tables of the nodes' own subnets (where the agent's traffic leaves): the S3 gateway endpoint goes on them. */
  nodeRouteTableIds: pulumi.Input<string>[];
  /** Subnets for the interface endpoints (one per AZ the nodes are in). */
  endpointSubnetIds: pulumi.Input<string>[];
  /** CIDRs of the nodes' subnets: the only sources allowed to the interface endpoints (TCP 443). */
  nodeSubnetCidrs: pulumi.Input<string>[];
}

export interface AwsHaPairEndpointsArgs {
  /** Reuse this S3 gateway endpoint instead of creating one. */
  s3EndpointId?: pulumi.Input<string>;
  /** Reuse this EC2 interface endpoint instead of creating one. */
  ec2EndpointId?: pulumi.Input<string>;
  /** Create an STS interface endpoint too (default false: the agent does not call STS). */
  sts?: boolean;
  /** Reuse this STS interface endpoint. */
  stsEndpointId?: pulumi.Input<string>;
}

export interface AwsHaPairStateBucketArgs {
  /** Use this existing bucket as is (nothing created; merge the bucketPolicyDocument output into its policy). */
  existingBucketName?: pulumi.Input<string>;
  /** Name of the bucket to create (generated from the component's name when absent). */
  bucketName?: pulumi.Input<string>;
  /** Customer managed KMS key for SSE-KMS (AES256 when absent); the role gets GenerateDataKey/Decrypt on it only. */
  kmsKeyArn?: pulumi.Input<string>;
  /** Let `pulumi destroy` delete a bucket that still holds objects (default false). */
  forceDestroy?: boolean;
  /**
   * Keep the bucket (and its public-access block, encryption, versioning and policy) in AWS when
   * Pulumi deletes them — `pulumi destroy`, a removed component — instead of deleting the pair's
   * state. Default true, false with forceDestroy.
   */
  retainOnDelete?: boolean;
}

export interface AwsHaPairAgentReconcileArgs {
  /** argv of the role command (absolute path first): exit 0 = active. */
  roleCommand: string[];
  intervalSeconds?: number;
  holdDownSeconds?: number;
  timeoutSeconds?: number;
}

/** The agent config's `agent` section (daemon settings). */
export interface AwsHaPairAgentArgs {
  port?: number;
  tokenFile?: string;
  stateRefreshSeconds?: number;
  reconcile?: AwsHaPairAgentReconcileArgs;
}

export interface AwsHaPairArgs {
  /** The pair's label: the value of the label tag on every resource of the pair. */
  label: string;
  /** Default f5_cloud_failover_label. */
  labelKey?: string;
  /** Default f5_cloud_failover_nic_map. */
  nicMapKey?: string;
  /** Default: the AWS provider's Region. */
  region?: string;
  /** The VPC created in this program (its DNS settings are checked at preview). Exactly one of vpc / vpcId. */
  vpc?: aws.ec2.Vpc;
  /** An existing VPC (its DNS attributes are looked up and checked at preview). */
  vpcId?: pulumi.Input<string>;
  nodes: AwsHaPairNodesArgs;
  secondaryIps?: AwsHaPairSecondaryIpGroupArgs[];
  elasticIps?: AwsHaPairElasticIpArgs[];
  routes?: AwsHaPairRouteArgs[];
  /**
   * "per-route" (default: ReplaceRoute per route of `routes`) or "association" (twin tables for
   * subnetRouteTables; see route-tables.ts). A string, not a union type: the plugin's schema
   * (other languages) takes no unions; any other value is refused with the list.
   */
  routeMode?: string;
  /** Association mode: subnets whose twin route tables (one per node) the component builds; one association swap per subnet at failover. */
  subnetRouteTables?: AwsHaPairSubnetRouteTableArgs[];
  network: AwsHaPairNetworkArgs;
  endpoints?: AwsHaPairEndpointsArgs;
  stateBucket?: AwsHaPairStateBucketArgs;
  /** Key prefix of the pair's objects in the bucket; default ha-pair/<label>. */
  statePrefix?: string;
  /** Path of the agent bundle to upload; default dist/ha-pair-agent.cjs of this checkout (`npm run build`). */
  agentBundlePath?: string;
  timeouts?: TimeBudgets;
  agent?: AwsHaPairAgentArgs;
  /** Extra tags on every resource the component creates. */
  tags?: Record<string, string>;
  /**
   * Turn source/dest check back on (to the value found) when a SourceDestCheckOff is deleted.
   * Default false: deleting it (a rename, a removed interface, `pulumi destroy`) leaves the
   * interface as it is, so a pair that still forwards traffic is never broken by a delete.
   */
  restoreSourceDestCheckOnDelete?: boolean;
  /** Brownfield: who writes tags and source/dest check on existing resources ("verify": another tool does; checked at preview). */
  manage?: AwsHaPairManageArgs;
  /** Brownfield: the nodes' existing instance role; only the agent's policy is added to it. */
  existingRoleName?: string;
  /** Brownfield: existing endpoints / bucket the stack adopts (import option, protect). */
  adopt?: AwsHaPairAdoptArgs;
}

/** Every problem with the args that can be seen before any resource exists, all at once. */
function argProblems(args: AwsHaPairArgs): string[] {
  const problems: string[] = [];
  const one = (what: string, a: unknown, b: unknown, aName: string, bName: string) => {
    if ((a === undefined) === (b === undefined)) problems.push(`${what}: give exactly one of ${aName} (created in this program) or ${bName} (existing)`);
  };
  one("vpc", args.vpc, args.vpcId, "vpc", "vpcId");
  for (const id of NODE_IDS) {
    const node = args.nodes?.[id];
    if (!node) {
      problems.push(`nodes.${id} is required`);
      continue;
    }
    const roles = Object.keys(node.interfaces ?? {});
    if (roles.length === 0) problems.push(`nodes.${id}.interfaces: list at least one interface by role`);
    for (const role of roles) one(`nodes.${id}.interfaces.${role}`, node.interfaces[role]!.networkInterface, node.interfaces[role]!.networkInterfaceId, "networkInterface", "networkInterfaceId");
  }
  (args.elasticIps ?? []).forEach((e, i) => one(`elasticIps[${i}]`, e.eip, e.allocationId, "eip", "allocationId"));
  (args.routes ?? []).forEach((r, i) => one(`routes[${i}]`, r.routeTable, r.routeTableId, "routeTable", "routeTableId"));
  const rolesOf = { a: Object.keys(args.nodes?.a?.interfaces ?? {}), b: Object.keys(args.nodes?.b?.interfaces ?? {}) };
  problems.push(...routeModeProblems(args.routeMode, args.subnetRouteTables, rolesOf));
  if (args.stateBucket?.existingBucketName !== undefined && args.stateBucket.bucketName !== undefined) {
    problems.push("stateBucket: give existingBucketName (use it) or bucketName (create it), not both");
  }
  if ((args.network?.nodeSubnetCidrs ?? []).length === 0) problems.push("network.nodeSubnetCidrs: list the nodes' subnet CIDRs (the only sources allowed to the endpoints)");
  if ((args.network?.nodeRouteTableIds ?? []).length === 0 && args.endpoints?.s3EndpointId === undefined) {
    problems.push("network.nodeRouteTableIds: list the route tables of the nodes' subnets (for the S3 gateway endpoint), or give endpoints.s3EndpointId");
  }
  return problems;
}

export class AwsHaPair extends pulumi.ComponentResource {
  /** The agent config (JSON), generated from the real resource IDs and validated against the contract. */
  public readonly agentConfig: pulumi.Output<string>;
  /** The equivalent F5 Cloud_Failover declaration (JSON). */
  public readonly cfeDeclaration: pulumi.Output<string>;
  public readonly roleArn: pulumi.Output<string>;
  public readonly roleName: pulumi.Output<string>;
  /** Resolves once the role's policy is attached, so instances launched with it have their permissions. */
  public readonly instanceProfileName: pulumi.Output<string>;
  public readonly bucketName: pulumi.Output<string>;
  public readonly stateKey: pulumi.Output<string>;
  public readonly s3EndpointId: pulumi.Output<string>;
  public readonly ec2EndpointId: pulumi.Output<string>;
  public readonly ec2EndpointDnsNames: pulumi.Output<string[]>;
  public readonly stsEndpointId: pulumi.Output<string | undefined>;
  public readonly endpointSecurityGroupId: pulumi.Output<string | undefined>;
  /** The agent role's identity policy (JSON). */
  public readonly policyDocument: pulumi.Output<string>;
  /** The state bucket's resource policy (JSON). */
  public readonly bucketPolicyDocument: pulumi.Output<string>;
  /** A complete cloud-init user-data script that installs the agent. */
  public readonly userData: pulumi.Output<string>;
  /** The same as a bash fragment, to embed in a node's own user data. */
  public readonly agentInstallScript: pulumi.Output<string>;
  /** What BIG-IP's /config/failover/tgactive should run. */
  public readonly bigipTriggerSnippet: pulumi.Output<string>;
  /** The VPC ID, once its DNS settings passed the check. */
  public readonly vpcId: pulumi.Output<string>;
  /** Association mode: each subnet with both nodes' twin tables (empty in per-route mode). */
  public readonly subnetRouteTables: pulumi.Output<ResolvedSubnetRouteTable[]>;

  constructor(name: string, args: AwsHaPairArgs, opts?: pulumi.ComponentResourceOptions) {
    super(AWS_HA_PAIR_TYPE, name, {}, opts);
    const problems = argProblems(args);
    if (problems.length > 0) throw new Error(`AwsHaPair "${name}": invalid args:\n${problems.map((p) => `  ${p}`).join("\n")}`);
    const parent = this;
    const childOpts = { parent };
    const { labelKey, nicMapKey } = pairTagKeys(args);
    const label = args.label;
    const labelTags = { ...args.tags, [labelKey]: label };
    const region = args.region !== undefined ? pulumi.output(args.region) : aws.getRegionOutput({}, childOpts).region;
    const accountId = aws.getCallerIdentityOutput({}, childOpts).accountId;
    const keys = pairObjectKeys(label, args.statePrefix);
    // SourceDestCheckOff runs outside the AWS provider: it gets that provider's non-secret settings (read once, when needed).
    let connection: ReturnType<typeof sourceDestCheckConnection> | undefined;
    const sourceDestCheckAccess = () => (connection ??= sourceDestCheckConnection(awsProviderSettings(name, awsProviderOf(this))));
    const manage = manageModes(name, args.manage);

    // --- what must hold before anything is built on it: problems are collected, then thrown together
    const checks: pulumi.Output<string[]>[] = [];
    const secondaryIps = args.secondaryIps ?? [];
    const elasticIps = args.elasticIps ?? [];
    const routes = args.routes ?? [];
    const subnetRouteTables = args.subnetRouteTables ?? [];
    const twinRouteRoles = subnetRouteTables.flatMap((group) => group.routes.map((r) => r.nextHopRole));
    const followRoles = new Set([...secondaryIps.map((g) => g.role), ...elasticIps.map((e) => e.role), ...routes.map((r) => r.nextHopRole), ...twinRouteRoles]);

    // --- VPC DNS (private DNS of an interface endpoint needs both attributes)
    const vpcId = args.vpc ? args.vpc.id : pulumi.output(args.vpcId!);
    const dns = args.vpc
      ? pulumi.all([declared(args.vpc, "aws.ec2.Vpc"), args.vpc.enableDnsSupport, args.vpc.enableDnsHostnames])
      : (() => {
          const found = aws.ec2.getVpcOutput({ id: args.vpcId! }, childOpts);
          return pulumi.all([found.id, found.enableDnsSupport, found.enableDnsHostnames]);
        })();
    checks.push(
      checkWhenKnown(this, name, "the DNS attributes of the VPC", dns, ([vpc, support, hostnames]) =>
        [vpcDnsProblem(vpc, support, hostnames, args.vpc !== undefined)].filter((p): p is string => p !== undefined),
      ),
    );

    // --- interfaces: tags and source/dest check
    const interfaceIds: pulumi.Output<string>[] = [];
    // Per action, the interfaces it may touch: secondary IPs and EIPs follow different roles.
    const secondaryIpRoles = new Set(secondaryIps.map((g) => g.role));
    const elasticIpRoles = new Set(elasticIps.map((e) => e.role));
    const secondaryIpInterfaceIds: pulumi.Output<string>[] = [];
    const elasticIpInterfaceIds: pulumi.Output<string>[] = [];
    const resolvedNodes = {} as Record<NodeId, pulumi.Output<{ instanceId: string; interfaces: Record<string, { id: string; privateIp?: string }> }>>;
    // Interface IDs alone (not through resolvedNodes, whose instance IDs may wait on this component's role).
    const interfaceIdOf: Record<NodeId, Record<string, pulumi.Output<string>>> = { a: {}, b: {} };
    for (const node of NODE_IDS) {
      const nodeArgs = args.nodes[node];
      const interfaces: Record<string, pulumi.Output<{ id: string; privateIp?: string }>> = {};
      for (const [role, nic] of Object.entries(nodeArgs.interfaces)) {
        const routing = nic.routing ?? followRoles.has(role);
        const where = `nodes.${node}.interfaces.${role}`;
        let id: pulumi.Output<string>;
        let privateIp: pulumi.Output<string | undefined>;
        if (nic.networkInterface) {
          const eni = nic.networkInterface;
          id = eni.id;
          privateIp = nic.privateIp !== undefined ? pulumi.output(nic.privateIp) : eni.privateIp;
          checks.push(
            checkWhenKnown(this, name, `the tags and source/dest check of ${where}`, pulumi.all([declared(eni, "aws.ec2.NetworkInterface"), eni.tags, eni.sourceDestCheck]), ([eniName, tags, sourceDestCheck]) => {
              const found: string[] = [];
              const tagProblem = missingPairTagsProblem(`${where} (${eniName})`, tags, { labelKey, nicMapKey }, label, role);
              if (tagProblem !== undefined) found.push(tagProblem);
              // sourceDestCheck defaults to true on a new interface.
              if (routing && sourceDestCheck !== false) {
                found.push(`${where} (${eniName}) forwards traffic (routing) but has source/dest check on; set sourceDestCheck: false in its args`);
              }
              return found;
            }),
          );
        } else {
          id = pulumi.output(nic.networkInterfaceId!);
          privateIp =
            nic.privateIp !== undefined
              ? pulumi.output(nic.privateIp)
              : followRoles.has(role)
                ? aws.ec2.getNetworkInterfaceOutput({ id: nic.networkInterfaceId! }, childOpts).privateIp
                : pulumi.output(undefined);
          const byId = { resourceId: id, where: `${where}.networkInterfaceId`, ownedArg: `${where}.networkInterface`, owner: name };
          if (manage.tags === "apply") {
            tagById(`${name}-${node}-${role}-label`, { ...byId, key: labelKey, value: label }, childOpts);
            tagById(`${name}-${node}-${role}-nic-map`, { ...byId, key: nicMapKey, value: role }, childOpts);
          }
          if (routing && manage.sourceDestCheck === "apply") {
            new SourceDestCheckOff(
              `${name}-${node}-${role}-source-dest-check`,
              { networkInterfaceId: id, region, ...sourceDestCheckAccess(), restoreOnDelete: args.restoreSourceDestCheckOnDelete ?? false },
              childOpts,
            );
          }
          if (manage.tags === "verify" || (routing && manage.sourceDestCheck === "verify")) {
            const tags = manage.tags === "verify" ? { [labelKey]: label, [nicMapKey]: role } : undefined;
            checks.push(verifyExistingInterface(where, id, { ...(tags ? { tags } : {}), sourceDestCheckOff: routing && manage.sourceDestCheck === "verify" }, childOpts));
          }
        }
        // The role gets mutating permissions only on interfaces something moves to (not management).
        interfaceIdOf[node][role] = id;
        if (followRoles.has(role)) interfaceIds.push(id);
        if (secondaryIpRoles.has(role)) secondaryIpInterfaceIds.push(id);
        if (elasticIpRoles.has(role)) elasticIpInterfaceIds.push(id);
        interfaces[role] = pulumi.all([id, privateIp]).apply(([i, ip]) => ({ id: i, ...(ip ? { privateIp: ip } : {}) }));
      }
      resolvedNodes[node] = pulumi.all([pulumi.output(nodeArgs.instanceId), pulumi.all(interfaces)]).apply(([instanceId, ifaces]) => ({ instanceId, interfaces: ifaces }));
    }

    // --- Elastic IPs and route tables: the label tag
    const resolvedEips = elasticIps.map((e, i) => {
      let allocationId: pulumi.Output<string>;
      let publicIp: pulumi.Output<string | undefined>;
      if (e.eip) {
        const eip = e.eip;
        allocationId = eip.allocationId;
        publicIp = e.publicIp !== undefined ? pulumi.output(e.publicIp) : eip.publicIp;
        checks.push(
          checkWhenKnown(this, name, `the tags of elasticIps[${i}]`, pulumi.all([declared(eip, "aws.ec2.Eip"), eip.tags]), ([eipName, tags]) =>
            [missingPairTagsProblem(`elasticIps[${i}] (${eipName})`, tags, { labelKey, nicMapKey }, label)].filter((p): p is string => p !== undefined),
          ),
        );
      } else {
        allocationId = pulumi.output(e.allocationId!);
        publicIp = pulumi.output(e.publicIp);
        if (manage.tags === "apply") tagById(`${name}-eip-${i}-label`, { resourceId: allocationId, key: labelKey, value: label, where: `elasticIps[${i}].allocationId`, ownedArg: `elasticIps[${i}].eip`, owner: name }, childOpts);
        else checks.push(verifyExistingLabel(`elasticIps[${i}]`, "eip", allocationId, labelKey, label, childOpts));
      }
      return pulumi.all([allocationId, publicIp, e.privateIps.a, e.privateIps.b]).apply(([id, pub, a, b]) => ({
        allocationId: id,
        ...(pub ? { publicIp: pub } : {}),
        role: e.role,
        privateIp: { a, b },
      }));
    });
    const resolvedRoutes = routes.map((r, i) => {
      let routeTableId: pulumi.Output<string>;
      if (r.routeTable) {
        const table = r.routeTable;
        routeTableId = table.id;
        checks.push(
          checkWhenKnown(this, name, `the tags of routes[${i}]`, pulumi.all([declared(table, "aws.ec2.RouteTable"), table.tags]), ([tableName, tags]) =>
            [missingPairTagsProblem(`routes[${i}] (${tableName})`, tags, { labelKey, nicMapKey }, label)].filter((p): p is string => p !== undefined),
          ),
        );
      } else {
        routeTableId = pulumi.output(r.routeTableId!);
        if (manage.tags === "apply") tagById(`${name}-rtb-${i}-label`, { resourceId: routeTableId, key: labelKey, value: label, where: `routes[${i}].routeTableId`, ownedArg: `routes[${i}].routeTable`, owner: name }, childOpts);
        else checks.push(verifyExistingLabel(`routes[${i}]`, "routeTable", routeTableId, labelKey, label, childOpts));
      }
      return routeTableId.apply((id) => ({ routeTableId: id, destinations: [...r.destinations], nextHopRole: r.nextHopRole }));
    });

    checks.push(...subnetTagChecks(this, name, subnetRouteTables, label, labelKey, manage.tags === "verify"));

    /** Resolves when every check passed; fails (at preview when the values are known) listing every problem. */
    const checked = pulumi.all(checks).apply((lists) => {
      const all = lists.flat();
      if (all.length > 0) throw new Error(`AwsHaPair "${name}": ${all.length} problem${all.length === 1 ? "" : "s"} with the pair's resources:\n${all.map((p) => `  ${p}`).join("\n")}`);
      return true;
    });
    const checkedVpcId = pulumi.all([vpcId, checked]).apply(([id]) => id);

    // --- association mode: each node's twin route table per group of subnets
    const twins = createTwinRouteTables(
      name,
      {
        vpcId: checkedVpcId,
        groups: subnetRouteTables,
        interfaceId: (node, role) => interfaceIdOf[node][role]!,
        label,
        labelKey,
        tags: labelTags,
        tagExisting: manage.tags === "apply",
      },
      parent,
    );

    // --- endpoints
    const endpoints = createEndpoints(
      name,
      {
        vpcId: checkedVpcId,
        region,
        nodeRouteTableIds: args.network.nodeRouteTableIds,
        endpointSubnetIds: args.network.endpointSubnetIds,
        nodeSubnetCidrs: args.network.nodeSubnetCidrs,
        tags: labelTags,
        labelKey,
        label,
        existing: { s3: args.endpoints?.s3EndpointId, ec2: args.endpoints?.ec2EndpointId, sts: args.endpoints?.stsEndpointId },
        tagExisting: manage.tags === "apply",
        ...(args.adopt ? { adopt: { s3: args.adopt.s3EndpointId, ec2: args.adopt.ec2EndpointId } } : {}),
        createSts: args.endpoints?.sts ?? false,
      },
      parent,
    );

    // --- role (its policy needs the bucket name; the bucket policy needs the role ARN: the name is resolved first)
    const bucketNameInput = args.stateBucket?.existingBucketName ?? args.stateBucket?.bucketName;
    const roleAndBucket = (() => {
      // The policy is built from the bucket's real name, known only once the bucket exists when it is generated.
      const bucketName = pulumi.output(bucketNameInput);
      let resolveBucket: ((name: pulumi.Output<string>) => void) | undefined;
      let bucketOutput: pulumi.Output<string>;
      if (bucketNameInput !== undefined) bucketOutput = bucketName as pulumi.Output<string>;
      else {
        const [deferred, resolve] = pulumi.deferredOutput<string>();
        bucketOutput = deferred;
        resolveBucket = resolve;
      }
      const policyInputs: pulumi.Output<PairPolicyInputs> = pulumi
        .all([
          region,
          accountId,
          pulumi.all(interfaceIds),
          pulumi.all(resolvedEips),
          pulumi.all(resolvedRoutes),
          bucketOutput,
          pulumi.output(args.stateBucket?.kmsKeyArn),
          pulumi.all([pulumi.all(secondaryIpInterfaceIds), pulumi.all(elasticIpInterfaceIds), twins.resolved]),
        ])
        .apply(([r, account, enis, eips, rts, bucket, kms, [secondaryIpEnis, elasticIpEnis, subnetTables]]) => ({
          region: r,
          accountId: account,
          label,
          labelKey,
          nicMapKey,
          networkInterfaceIds: enis,
          interfacesByAction: { AssignPrivateIpAddresses: secondaryIpEnis, AssociateAddress: elasticIpEnis },
          allocationIds: eips.map((e) => e.allocationId),
          routeTableIds: rts.map((t) => t.routeTableId),
          ...(subnetTables.length > 0 ? { routeTableAssociations: associationGrant(subnetTables) } : {}),
          bucket,
          stateKey: keys.state,
          artifactsPrefix: keys.artifactsPrefix,
          ...(kms ? { kmsKeyArn: kms } : {}),
        }));
      const agentRole = args.existingRoleName !== undefined ? attachToExistingRole(name, args.existingRoleName, policyInputs, parent) : createdRole(createAgentRole(name, { region, tags: labelTags, policy: policyInputs }, parent));
      const bucket = createStateBucket(
        name,
        {
          existingBucketName: args.stateBucket?.existingBucketName,
          bucketName: args.stateBucket?.bucketName,
          kmsKeyArn: args.stateBucket?.kmsKeyArn,
          forceDestroy: args.stateBucket?.forceDestroy,
          retainOnDelete: args.stateBucket?.retainOnDelete,
          region,
          tags: labelTags,
          s3EndpointId: endpoints.s3EndpointId,
          roleArn: agentRole.roleArn,
          ...(args.adopt?.stateBucketName !== undefined ? { adoptBucketName: args.adopt.stateBucketName } : {}),
          pairPrefix: keys.prefix,
        },
        parent,
      );
      resolveBucket?.(bucket.bucketName);
      return { agentRole, bucket };
    })();
    const { agentRole, bucket } = roleAndBucket;

    // --- the agent config, from the real IDs, checked against the contract
    const resources = pulumi.all([checked, region, resolvedNodes.a, resolvedNodes.b, pulumi.all(resolvedEips), pulumi.all(resolvedRoutes), twins.resolved]);
    const storage = pulumi.all([
      pulumi.all(secondaryIps.map((g) => pulumi.all(g.ips))),
      bucket.bucketName,
      pulumi.output(args.stateBucket?.kmsKeyArn),
      endpoints.ec2EndpointOverride,
    ]);
    const resolved: pulumi.Output<ResolvedPair> = pulumi
      .all([resources, storage])
      .apply(([[, r, a, b, eips, rts, subnetTables], [ipLists, bucketName, kms, ec2Override]]) => ({
        label,
        region: r,
        labelKey,
        nicMapKey,
        nodes: { a, b },
        secondaryIps: secondaryIps.map((g, i) => ({ role: g.role, ips: ipLists[i]! })),
        elasticIps: eips,
        routes: rts,
        ...(subnetTables.length > 0 ? { routeTableAssociations: subnetTables } : {}),
        bucket: bucketName,
        stateKey: keys.state,
        ...(kms ? { kmsKeyArn: kms } : {}),
        ...(ec2Override ? { endpoints: { ec2: ec2Override } } : {}),
        ...(args.timeouts ? { timeouts: args.timeouts } : {}),
        ...(args.agent ? { agent: agentSection(args.agent) } : {}),
      }));
    this.agentConfig = resolved.apply((pair) => `${JSON.stringify(validatedAgentConfig(name, pair), null, 2)}\n`);
    this.cfeDeclaration = resolved.apply((pair) => JSON.stringify(buildCfeDeclaration(pair), null, 2));

    // --- delivery: the bundle, the config and the unit under the pair's prefix
    const bundlePath = args.agentBundlePath ?? DEFAULT_AGENT_BUNDLE;
    if (!existsSync(bundlePath)) throw new Error(`AwsHaPair "${name}": the agent bundle ${bundlePath} does not exist; run \`npm run build\` in the ha-pair checkout, or set agentBundlePath`);
    const uploadOpts = { parent, dependsOn: bucket.ready };
    new aws.s3.BucketObjectv2(
      `${name}-agent-bundle`,
      { bucket: bucket.bucketName, key: keys.bundle, source: new pulumi.asset.FileAsset(bundlePath), contentType: "application/javascript" },
      uploadOpts,
    );
    new aws.s3.BucketObjectv2(`${name}-agent-config`, { bucket: bucket.bucketName, key: keys.config, content: this.agentConfig, contentType: "application/json" }, uploadOpts);
    const unit = systemdUnit();
    new aws.s3.BucketObjectv2(`${name}-agent-unit`, { bucket: bucket.bucketName, key: keys.unit, content: unit.text, contentType: "text/plain" }, uploadOpts);
    new aws.s3.BucketObjectv2(
      `${name}-keepalived-trigger`,
      { bucket: bucket.bucketName, key: keys.keepalivedTrigger, content: keepalivedTrigger(), contentType: "text/x-shellscript" },
      uploadOpts,
    );

    this.roleArn = agentRole.roleArn;
    this.roleName = agentRole.roleName;
    this.instanceProfileName = agentRole.instanceProfileName;
    this.bucketName = bucket.bucketName;
    this.stateKey = pulumi.output(keys.state);
    this.s3EndpointId = endpoints.s3EndpointId;
    this.ec2EndpointId = endpoints.ec2EndpointId;
    this.ec2EndpointDnsNames = endpoints.ec2EndpointDnsNames;
    this.stsEndpointId = endpoints.stsEndpointId;
    this.endpointSecurityGroupId = endpoints.securityGroupId;
    this.policyDocument = agentRole.policyDocument;
    this.bucketPolicyDocument = bucket.bucketPolicyDocument;
    this.userData = pulumi.all([bucket.bucketName, region]).apply(([b, r]) => agentUserData({ bucket: b, region: r, keys }));
    this.agentInstallScript = pulumi.all([bucket.bucketName, region]).apply(([b, r]) => agentInstallScript({ bucket: b, region: r, keys }));
    this.bigipTriggerSnippet = pulumi.output(bigipTriggerSnippet());
    this.vpcId = checkedVpcId;
    this.subnetRouteTables = twins.resolved;

    this.registerOutputs({
      agentConfig: this.agentConfig,
      cfeDeclaration: this.cfeDeclaration,
      roleArn: this.roleArn,
      roleName: this.roleName,
      instanceProfileName: this.instanceProfileName,
      bucketName: this.bucketName,
      stateKey: this.stateKey,
      s3EndpointId: this.s3EndpointId,
      ec2EndpointId: this.ec2EndpointId,
      ec2EndpointDnsNames: this.ec2EndpointDnsNames,
      stsEndpointId: this.stsEndpointId,
      endpointSecurityGroupId: this.endpointSecurityGroupId,
      policyDocument: this.policyDocument,
      bucketPolicyDocument: this.bucketPolicyDocument,
      userData: this.userData,
      agentInstallScript: this.agentInstallScript,
      bigipTriggerSnippet: this.bigipTriggerSnippet,
      vpcId: this.vpcId,
      subnetRouteTables: this.subnetRouteTables,
    });
  }
}

/** The created role in the shape of an existing one's: the profile name resolves once the policy is attached. */
function createdRole(role: ReturnType<typeof createAgentRole>) {
  return {
    roleArn: role.role.arn,
    roleName: role.role.name,
    instanceProfileName: pulumi.all([role.instanceProfile.name, role.rolePolicy.id]).apply(([profile]) => profile),
    policyDocument: role.policyDocument,
  };
}

function agentSection(agent: AwsHaPairAgentArgs) {
  return {
    ...(agent.port !== undefined ? { listen: { port: agent.port } } : {}),
    ...(agent.tokenFile !== undefined ? { tokenFile: agent.tokenFile } : {}),
    ...(agent.stateRefreshSeconds !== undefined ? { stateRefreshSeconds: agent.stateRefreshSeconds } : {}),
    ...(agent.reconcile !== undefined ? { reconcile: { ...agent.reconcile, roleCommand: [...agent.reconcile.roleCommand] } } : {}),
  };
}
