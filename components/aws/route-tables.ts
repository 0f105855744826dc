/**
 * Association mode: twin route tables per node for the subnets whose routes follow the active
 * node, so a failover is one ReplaceRouteTableAssociation per subnet (O(subnets) calls, every
 * route of a subnet switching at once) instead of one ReplaceRoute per route.
 *
 * For each group of subnets the component creates two route tables, one per node, identical but
 * for the next hop of the pair's routes: in node X's table each of them points at X's interface
 * of its role. Everything else is mirrored by construction, from the same args into both tables:
 * - the other routes (internet/NAT/transit gateways, peering, ...) inline on the tables;
 * - VGW route propagation (`propagatingVgws` inline: the table owns the whole set, so a
 *   propagation enabled on one twin only is undone by the next `pulumi up`);
 * - gateway endpoint (S3, DynamoDB) associations, one VpcEndpointRouteTableAssociation per
 *   endpoint and twin. The provider leaves the routes those two add (vpce-... targets,
 *   propagated routes) out of the inline `routes`, so they never show as drift.
 * The twin tables stay fully Pulumi's: the agent never writes them, so `pulumi up` repairing a
 * route someone changed in one twin is what keeps them twins.
 *
 * Each subnet gets one aws.ec2.RouteTableAssociation onto node a's twin (node a is the node a
 * new pair starts on). After that the association belongs to the agent: every failover replaces
 * it (ReplaceRouteTableAssociation), which moves the subnet to the other twin and gives the
 * association a new ID. So:
 * - `ignoreChanges: ["routeTableId"]`: a `pulumi up` must never swap the subnet back to node a's
 *   table (the provider's update of routeTableId is itself a ReplaceRouteTableAssociation);
 * - `pulumi refresh` after a failover finds the recorded association ID gone and drops the
 *   resource from the state; the next `up` would then try AssociateRouteTable on a subnet that
 *   already has a table and fail (Resource.AlreadyAssociated), without moving anything. Leave
 *   them out of the refresh (`--exclude <association URNs>`, or `--target` the rest), or re-adopt the
 *   live association with `pulumi import` (ID `subnet-.../rtb-...`);
 * - `pulumi destroy` after a failover deletes a recorded association that no longer exists (a
 *   no-op) and then cannot delete the twin the subnet is on (DependencyViolation): disassociate
 *   the subnet first (`aws ec2 disassociate-route-table`) and destroy again.
 * The README (route modes) says the same for operators.
 */
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { NODE_IDS, type NodeId } from "../../runtime/config/index.js";
import type { ResolvedSubnetRouteTable } from "./agent-config.js";
import { checkWhenKnown, declared } from "./preview-checks.js";
import { tagById } from "./tag-by-id.js";

/** The pair's routes in the twin tables: in node X's table each points at X's interface of the role. */
export interface AwsHaPairTwinRouteArgs {
  /** IPv4/IPv6 CIDRs or managed prefix list IDs (pl-...). */
  destinations: string[];
  nextHopRole: string;
}

/**
 * A group of subnets that share one pair of twin route tables (association mode). Subnets with
 * different routes go in different groups. Give the subnets as resource objects (created in this
 * program: put ...pairTags(label) in their tags, checked at preview) or by ID (existing: the
 * component adds the label tag with aws.ec2.Tag). The label tag matters: the agent's grant of
 * ReplaceRouteTableAssociation is conditioned on it, on the subnet as on the table.
 */
export interface AwsHaPairSubnetRouteTableArgs {
  subnets?: aws.ec2.Subnet[];
  subnetIds?: pulumi.Input<string>[];
  routes: AwsHaPairTwinRouteArgs[];
  /** Every other route of these subnets (internet/NAT/transit gateway, peering...): the same in both twins. */
  otherRoutes?: pulumi.Input<aws.types.input.ec2.RouteTableRoute>[];
  /** Virtual private gateways whose routes propagate into both twins. */
  propagatingVgws?: pulumi.Input<string>[];
  /** Gateway VPC endpoints (S3, DynamoDB) associated with both twins. */
  gatewayEndpointIds?: pulumi.Input<string>[];
}

/**
 * How the pair's routes follow the active node:
 * - "per-route" (default): the agent replaces each route of `routes` (one ReplaceRoute per route;
 *   EC2's bucket of 50 mutating calls refilled at 5/s bounds it beyond ~50 routes);
 * - "association": the component builds twin tables for `subnetRouteTables` and the agent swaps
 *   each subnet's association (one call per subnet). `routes` may still list tables shared with
 *   subnets outside the pair, which stay per-route.
 */
export type RouteMode = "per-route" | "association";
export const ROUTE_MODES: readonly RouteMode[] = ["per-route", "association"];

/** The route mode against the args that depend on it, then the groups' own problems. */
export function routeModeProblems(mode: string | undefined, groups: readonly AwsHaPairSubnetRouteTableArgs[] | undefined, rolesOf: Record<NodeId, readonly string[]>): string[] {
  const chosen = mode ?? "per-route";
  if (!(ROUTE_MODES as readonly string[]).includes(chosen)) return [`routeMode: ${JSON.stringify(mode)} is not one of ${ROUTE_MODES.map((m) => `"${m}"`).join(", ")}`];
  const given = (groups ?? []).length > 0;
  if (chosen === "association" && !given) return ['routeMode "association": list subnetRouteTables (the subnets whose twin tables the component builds)'];
  if (chosen === "per-route" && given) return ['subnetRouteTables is association mode: set routeMode: "association" (or list the tables under routes for per-route mode)'];
  return subnetRouteTableArgProblems(groups ?? [], rolesOf);
}

/** Problems visible in the args alone (before any resource exists). */
export function subnetRouteTableArgProblems(groups: readonly AwsHaPairSubnetRouteTableArgs[], rolesOf: Record<NodeId, readonly string[]>): string[] {
  const problems: string[] = [];
  const subnetSeen = new Map<string, number>();
  groups.forEach((group, g) => {
    const where = `subnetRouteTables[${g}]`;
    const subnetCount = (group.subnets ?? []).length + (group.subnetIds ?? []).length;
    if (subnetCount === 0) problems.push(`${where}: list its subnets (subnets created in this program, or subnetIds)`);
    if ((group.routes ?? []).length === 0) problems.push(`${where}: list the routes that follow the active node (routes: [{ destinations, nextHopRole }])`);
    const destinationSeen = new Set<string>();
    (group.routes ?? []).forEach((route, r) => {
      if (route.destinations.length === 0) problems.push(`${where}.routes[${r}]: list at least one destination`);
      for (const node of NODE_IDS) {
        if (!rolesOf[node].includes(route.nextHopRole)) problems.push(`${where}.routes[${r}]: node ${node} has no interface of role "${route.nextHopRole}" (nodes.${node}.interfaces)`);
      }
      for (const destination of route.destinations) {
        if (destinationSeen.has(destination)) problems.push(`${where}: destination ${destination} is listed twice (a route table holds one route per destination)`);
        destinationSeen.add(destination);
      }
    });
    for (const id of group.subnetIds ?? []) {
      // Only IDs known now can be compared; outputs are checked by EC2 (one table per subnet).
      if (typeof id !== "string") continue;
      const earlier = subnetSeen.get(id);
      if (earlier !== undefined) problems.push(`${where}: subnet ${id} is already in subnetRouteTables[${earlier}] (a subnet has one route table)`);
      subnetSeen.set(id, g);
    }
  });
  return problems;
}

/**
 * The label tag of the groups' subnets. Subnets of this program: their own args, checked at
 * preview (preview-checks.ts). Existing subnets in `manage.tags: "verify"` mode (the component
 * writes no tag): read back with getSubnet, as the component verifies its other existing resources.
 */
export function subnetTagChecks(
  owner: pulumi.Resource,
  ownerName: string,
  groups: readonly AwsHaPairSubnetRouteTableArgs[],
  label: string,
  labelKey: string,
  verifyExisting: boolean,
): pulumi.Output<string[]>[] {
  const owned = groups.flatMap((group, g) =>
    (group.subnets ?? []).map((subnet, i) =>
      checkWhenKnown(owner, ownerName, `the tags of subnetRouteTables[${g}].subnets[${i}]`, pulumi.all([declared(subnet, "aws.ec2.Subnet"), subnet.tags]), ([subnetName, tags]) =>
        tags?.[labelKey] === label
          ? []
          : [`subnetRouteTables[${g}].subnets[${i}] (${subnetName}): its tags lack ${labelKey}=${label}; add ...pairTags(${JSON.stringify(label)}) to its tags (the agent may swap its route table only while it carries the label)`],
      ),
    ),
  );
  const existing = !verifyExisting
    ? []
    : groups.flatMap((group, g) =>
        (group.subnetIds ?? []).map((id, i) =>
          pulumi.all([id, aws.ec2.getSubnetOutput({ id }, { parent: owner }).tags]).apply(([subnetId, tags]) =>
            tags?.[labelKey] === label
              ? []
              : [`subnetRouteTables[${g}].subnetIds[${i}] (${subnetId}): tag ${labelKey} is ${tags?.[labelKey] === undefined ? "missing" : JSON.stringify(tags[labelKey])}, expected ${JSON.stringify(label)}; set it where the subnet is owned, or let the component write it with manage: { tags: "apply" }`],
          ),
        ),
      );
  return [...owned, ...existing];
}

/** Which field of a route names this destination: a prefix list ID, an IPv6 CIDR or an IPv4 CIDR. */
export function routeDestination(destination: string): Pick<aws.types.input.ec2.RouteTableRoute, "cidrBlock" | "ipv6CidrBlock" | "destinationPrefixListId"> {
  if (destination.startsWith("pl-")) return { destinationPrefixListId: destination };
  if (destination.includes(":")) return { ipv6CidrBlock: destination };
  return { cidrBlock: destination };
}

export interface TwinRouteTablesInputs {
  vpcId: pulumi.Input<string>;
  groups: readonly AwsHaPairSubnetRouteTableArgs[];
  /** Each node's interface ID of a role. */
  interfaceId: (node: NodeId, role: string) => pulumi.Output<string>;
  label: string;
  labelKey: string;
  /** Tags on every table (the label among them). */
  tags: Record<string, string>;
  /** Put the label on subnets given by ID (manage.tags "apply"); "verify" leaves them to subnetTagChecks. */
  tagExisting: boolean;
}

export interface TwinRouteTables {
  /** Per group, each node's twin table. */
  tables: Record<NodeId, aws.ec2.RouteTable>[];
  associations: aws.ec2.RouteTableAssociation[];
  /** One entry per subnet, in the order of the groups and their subnets (objects first, then IDs). */
  resolved: pulumi.Output<ResolvedSubnetRouteTable[]>;
}

export function createTwinRouteTables(name: string, inputs: TwinRouteTablesInputs, parent: pulumi.Resource): TwinRouteTables {
  const opts = { parent };
  const tables: Record<NodeId, aws.ec2.RouteTable>[] = [];
  const associations: aws.ec2.RouteTableAssociation[] = [];
  const resolved: pulumi.Output<ResolvedSubnetRouteTable>[] = [];
  inputs.groups.forEach((group, g) => {
    const base = `${name}-subnets-${g}`;
    const twins = {} as Record<NodeId, aws.ec2.RouteTable>;
    for (const node of NODE_IDS) {
      const pairRoutes = group.routes.flatMap((route) =>
        route.destinations.map((destination) => ({ ...routeDestination(destination), networkInterfaceId: inputs.interfaceId(node, route.nextHopRole) })),
      );
      twins[node] = new aws.ec2.RouteTable(
        `${base}-${node}`,
        {
          vpcId: inputs.vpcId,
          routes: [...pairRoutes, ...(group.otherRoutes ?? [])],
          ...(group.propagatingVgws !== undefined ? { propagatingVgws: group.propagatingVgws } : {}),
          tags: { Name: `${base}-${node}`, ...inputs.tags },
        },
        opts,
      );
    }
    tables.push(twins);
    (group.gatewayEndpointIds ?? []).forEach((vpcEndpointId, e) => {
      for (const node of NODE_IDS) {
        new aws.ec2.VpcEndpointRouteTableAssociation(`${base}-endpoint-${e}-${node}`, { vpcEndpointId, routeTableId: twins[node].id }, opts);
      }
    });
    const subnetIds: pulumi.Output<string>[] = [
      ...(group.subnets ?? []).map((subnet) => subnet.id),
      ...(group.subnetIds ?? []).map((id, i) => {
        const where = `subnetRouteTables[${g}].subnetIds[${i}]`;
        if (inputs.tagExisting) tagById(`${base}-subnet-id-${i}-label`, { resourceId: id, key: inputs.labelKey, value: inputs.label, where, ownedArg: `subnetRouteTables[${g}].subnets`, owner: name }, opts);
        return pulumi.output(id);
      }),
    ];
    subnetIds.forEach((subnetId, s) => {
      associations.push(
        new aws.ec2.RouteTableAssociation(
          `${base}-subnet-${s}`,
          { subnetId, routeTableId: twins.a.id },
          // The agent swaps the association at every failover: `up` must not swap it back (see above).
          { ...opts, ignoreChanges: ["routeTableId"] },
        ),
      );
      resolved.push(
        pulumi.all([subnetId, twins.a.id, twins.b.id]).apply(([id, a, b]) => ({
          subnetId: id,
          routeTableIds: { a, b },
          routes: group.routes.map((route) => ({ destinations: [...route.destinations], nextHopRole: route.nextHopRole })),
        })),
      );
    });
  });
  return { tables, associations, resolved: pulumi.all(resolved) };
}

/** What the agent's ReplaceRouteTableAssociation grant names: every subnet and both twins of each. */
export function associationGrant(subnets: readonly ResolvedSubnetRouteTable[]): { subnetIds: string[]; routeTableIds: string[] } {
  return {
    subnetIds: [...new Set(subnets.map((s) => s.subnetId))],
    routeTableIds: [...new Set(subnets.flatMap((s) => [s.routeTableIds.a, s.routeTableIds.b]))],
  };
}
