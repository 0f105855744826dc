/**
 * The three EC2 mutations of a failover, each one idempotent call that leaves a named state:
 * - AssignPrivateIpAddresses: all of a destination interface's moving IPs in one call, with
 *   AllowReassignment so they are taken from the other node's interface in the same step;
 * - AssociateAddress: the EIP to an explicit private IP of the destination interface, with
 *   AllowReassociation so no disassociate call (and no window without the EIP) is needed;
 * - ReplaceRoute: the existing route's target to the destination interface.
 */
import {
  AssignPrivateIpAddressesCommand,
  AssociateAddressCommand,
  ReplaceRouteCommand,
  type AssignPrivateIpAddressesCommandInput,
  type AssociateAddressCommandInput,
  type EC2Client,
  type ReplaceRouteCommandInput,
} from "@aws-sdk/client-ec2";
import type { AssignPrivateIpsOperation, AssociateAddressOperation, AwsOperation as Operation, ReplaceRouteOperation } from "../core/operations.js";
import { destinationText } from "../core/operations.js";
import { ec2Arn } from "./arns.js";

export function assignPrivateIpsInput(op: AssignPrivateIpsOperation): AssignPrivateIpAddressesCommandInput {
  // No DryRun here: AssignPrivateIpAddresses has no DryRun parameter (the SDK would drop one
  // silently and the call would really run). permissions.ts checks it another way.
  return {
    NetworkInterfaceId: op.networkInterfaceId,
    PrivateIpAddresses: [...op.privateIps],
    AllowReassignment: true,
  } satisfies AssignPrivateIpAddressesCommandInput;
}

export function associateAddressInput(op: AssociateAddressOperation, dryRun: boolean): AssociateAddressCommandInput {
  return {
    AllocationId: op.allocationId,
    NetworkInterfaceId: op.networkInterfaceId,
    // Explicit: without it EC2 picks the interface's primary IP, which is not what the config says.
    PrivateIpAddress: op.privateIp,
    AllowReassociation: true,
    // Left out (undefined) on real calls, so the wire carries only what the call needs.
    DryRun: dryRun || undefined,
  } satisfies AssociateAddressCommandInput;
}

export function replaceRouteInput(op: ReplaceRouteOperation, dryRun: boolean): ReplaceRouteCommandInput {
  const d = op.destination;
  const destination =
    d.kind === "ipv4" ? { DestinationCidrBlock: d.cidr } : d.kind === "ipv6" ? { DestinationIpv6CidrBlock: d.cidr } : { DestinationPrefixListId: d.prefixListId };
  return {
    RouteTableId: op.routeTableId,
    ...destination,
    NetworkInterfaceId: op.networkInterfaceId,
    // Left out (undefined) on real calls, so the wire carries only what the call needs.
    DryRun: dryRun || undefined,
  } satisfies ReplaceRouteCommandInput;
}

/** Perform the operation's one EC2 call; the caller tracks and classifies it. */
export function sendOperation(ec2: EC2Client, op: Operation, signal: AbortSignal): Promise<{ $metadata: { attempts?: number } }> {
  const options = { abortSignal: signal };
  switch (op.action) {
    case "AssignPrivateIpAddresses":
      return ec2.send(new AssignPrivateIpAddressesCommand(assignPrivateIpsInput(op)), options);
    case "AssociateAddress":
      return ec2.send(new AssociateAddressCommand(associateAddressInput(op, false)), options);
    case "ReplaceRoute":
      return ec2.send(new ReplaceRouteCommand(replaceRouteInput(op, false)), options);
  }
}

/** The operation's call with DryRun, for the actions whose API has DryRun. */
export function sendDryRun(ec2: EC2Client, op: AssociateAddressOperation | ReplaceRouteOperation, signal: AbortSignal): Promise<{ $metadata: { attempts?: number } }> {
  const options = { abortSignal: signal };
  return op.action === "AssociateAddress"
    ? ec2.send(new AssociateAddressCommand(associateAddressInput(op, true)), options)
    : ec2.send(new ReplaceRouteCommand(replaceRouteInput(op, true)), options);
}

/**
 * The resources IAM evaluates the operation against (Service Authorization Reference):
 * AssignPrivateIpAddresses → network-interface; AssociateAddress → elastic-ip and
 * network-interface; ReplaceRoute → route-table.
 */
export function operationArns(op: Operation, region: string | undefined, account: string | undefined): string[] {
  switch (op.action) {
    case "AssignPrivateIpAddresses":
      return [ec2Arn("network-interface", op.networkInterfaceId, region, account)];
    case "AssociateAddress":
      return [ec2Arn("elastic-ip", op.allocationId, region, account), ec2Arn("network-interface", op.networkInterfaceId, region, account)];
    case "ReplaceRoute":
      return [ec2Arn("route-table", op.routeTableId, region, account)];
  }
}

/** The operation's resource for people, when its target is not explicit enough. */
export function operationTarget(op: Operation): string {
  if (op.target) return op.target;
  switch (op.action) {
    case "AssignPrivateIpAddresses":
      return `${op.networkInterfaceId} (${op.privateIps.join(", ")})`;
    case "AssociateAddress":
      return `${op.allocationId} → ${op.networkInterfaceId} ${op.privateIp}`;
    case "ReplaceRoute":
      return `${op.routeTableId} ${destinationText(op.destination)}`;
  }
}
