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
import type { AssignPrivateIpsOperation, AssociateAddressOperation, Operation, OperationAction, ReplaceRouteOperation } from "../core/operations.js";
import { destinationText } from "../core/operations.js";
import { ec2Arn } from "./arns.js";

/**
 * The EC2 API action each operation calls. Typed over OperationAction, so a new kind of
 * operation does not compile until it is mapped here (and so appears in AWS_REQUIRED_ACTIONS).
 */
export const EC2_MUTATING_API: { readonly [A in OperationAction]: A } = {
  AssignPrivateIpAddresses: "AssignPrivateIpAddresses",
  AssociateAddress: "AssociateAddress",
  ReplaceRoute: "ReplaceRoute",
};

export function assignPrivateIpsInput(op: AssignPrivateIpsOperation, dryRun = false): AssignPrivateIpAddressesCommandInput {
  return {
    NetworkInterfaceId: op.networkInterfaceId,
    PrivateIpAddresses: [...op.privateIps],
    AllowReassignment: true,
    ...(dryRun ? { DryRun: true } : {}),
  };
}

export function associateAddressInput(op: AssociateAddressOperation, dryRun = false): AssociateAddressCommandInput {
  return {
    AllocationId: op.allocationId,
    NetworkInterfaceId: op.networkInterfaceId,
    // Explicit: without it EC2 picks the interface's primary IP, which is not what the config says.
    PrivateIpAddress: op.privateIp,
    AllowReassociation: true,
    ...(dryRun ? { DryRun: true } : {}),
  };
}

export function replaceRouteInput(op: ReplaceRouteOperation, dryRun = false): ReplaceRouteCommandInput {
  const d = op.destination;
  return {
    RouteTableId: op.routeTableId,
    ...(d.kind === "ipv4" ? { DestinationCidrBlock: d.cidr } : d.kind === "ipv6" ? { DestinationIpv6CidrBlock: d.cidr } : { DestinationPrefixListId: d.prefixListId }),
    NetworkInterfaceId: op.networkInterfaceId,
    ...(dryRun ? { DryRun: true } : {}),
  };
}

/** Send the operation's one EC2 call; the caller tracks and classifies it. */
export function sendOperation(ec2: EC2Client, op: Operation, signal: AbortSignal, dryRun = false): Promise<{ $metadata: { attempts?: number } }> {
  const options = { abortSignal: signal };
  switch (op.action) {
    case "AssignPrivateIpAddresses":
      return ec2.send(new AssignPrivateIpAddressesCommand(assignPrivateIpsInput(op, dryRun)), options);
    case "AssociateAddress":
      return ec2.send(new AssociateAddressCommand(associateAddressInput(op, dryRun)), options);
    case "ReplaceRoute":
      return ec2.send(new ReplaceRouteCommand(replaceRouteInput(op, dryRun)), options);
  }
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
