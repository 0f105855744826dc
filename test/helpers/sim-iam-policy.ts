/**
 * A hand-written least-privilege identity policy for a sim topology's pair — what the agent
 * needs and nothing more — as one statement per IAM action, so a test can drop exactly one
 * action (or one resource of it) and see what the agent makes of the gap.
 */
import type { PolicyDocument, PolicyStatement, Topology } from "../../sim/index.js";

export interface PairPolicyOptions {
  /** Leave out this action entirely (e.g. "ec2:ReplaceRoute"). */
  withoutAction?: string;
  /** Leave out this one resource ARN from the action that needs it. */
  withoutResource?: string;
}

export function pairResourceArns(topology: Topology) {
  const ec2 = (type: string, id: string) => `arn:aws:ec2:${topology.region}:${topology.accountId}:${type}/${id}`;
  const pairInstances = topology.instances.filter((instance) => instance.node);
  const roles = new Set([...topology.pair.secondaryIps.map((g) => g.role), ...topology.pair.elasticIps.map((e) => e.role), ...topology.pair.routes.map((r) => r.nextHopRole)]);
  return {
    interfaces: pairInstances.flatMap((instance) => instance.interfaces.filter((nic) => roles.has(nic.role)).map((nic) => ec2("network-interface", nic.id))),
    elasticIps: topology.pair.elasticIps.map((eip) => ec2("elastic-ip", eip.allocationId)),
    routeTables: [...new Set(topology.pair.routes.map((route) => route.routeTableId))].map((id) => ec2("route-table", id)),
    bucket: `arn:aws:s3:::${topology.pair.stateStore.bucket}`,
    object: `arn:aws:s3:::${topology.pair.stateStore.bucket}/${topology.pair.stateStore.key}`,
  };
}

export function pairPolicy(topology: Topology, options: PairPolicyOptions = {}): PolicyDocument {
  const arns = pairResourceArns(topology);
  const statements: PolicyStatement[] = [
    { Sid: "Describe", Effect: "Allow", Action: ["ec2:DescribeNetworkInterfaces", "ec2:DescribeAddresses", "ec2:DescribeRouteTables", "ec2:DescribeInstances", "ec2:DescribeSubnets"], Resource: "*" },
    { Sid: "AssignPrivateIps", Effect: "Allow", Action: "ec2:AssignPrivateIpAddresses", Resource: arns.interfaces },
    { Sid: "AssociateAddress", Effect: "Allow", Action: "ec2:AssociateAddress", Resource: [...arns.elasticIps, ...arns.interfaces] },
    { Sid: "ReplaceRoute", Effect: "Allow", Action: "ec2:ReplaceRoute", Resource: arns.routeTables },
    { Sid: "StateRead", Effect: "Allow", Action: "s3:GetObject", Resource: arns.object },
    { Sid: "StateWrite", Effect: "Allow", Action: "s3:PutObject", Resource: arns.object },
    { Sid: "StateList", Effect: "Allow", Action: "s3:ListBucket", Resource: arns.bucket },
  ];
  const kept = statements
    .map((statement) => {
      if (options.withoutAction && [statement.Action].flat().includes(options.withoutAction)) {
        const remaining = [statement.Action].flat().filter((action): action is string => action !== undefined && action !== options.withoutAction);
        return remaining.length > 0 ? { ...statement, Action: remaining } : undefined;
      }
      if (options.withoutResource) {
        const resources = [statement.Resource].flat().filter((arn): arn is string => arn !== undefined && arn !== options.withoutResource);
        return resources.length > 0 ? { ...statement, Resource: resources } : undefined;
      }
      return statement;
    })
    .filter((statement): statement is PolicyStatement => statement !== undefined);
  return { Version: "2012-10-17", Statement: kept };
}
