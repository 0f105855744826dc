/**
 * Preflight: would each planned mutation be permitted? Checked against EC2 itself, all in
 * parallel, changing nothing:
 * - AssociateAddress and ReplaceRoute are sent with DryRun: EC2 evaluates IAM (and checks that
 *   the resources exist and the parameters are valid), then answers DryRunOperation instead
 *   of acting.
 * - AssignPrivateIpAddresses has no DryRun parameter in the EC2 API. It is checked with a call
 *   that cannot change anything: the destination interface is asked to take its own primary
 *   IP, with AllowReassignment off. The address is already that interface's, and without
 *   reassignment nothing can be taken from another interface, so whatever EC2 answers, no
 *   address moves; UnauthorizedOperation still says the role may not call it on that interface.
 * - The verification wave's reads (DescribeNetworkInterfaces, DescribeAddresses,
 *   DescribeRouteTables) are sent with DryRun too: without them every mutation would land but
 *   the agent could not tell whether the failover converged.
 *
 * One check per action and resource set, not per operation: IAM decides ReplaceRoute on the
 * route table, so 500 routes in one table are one DryRun, not 500. Every check spends a token
 * of the same EC2 request bucket the failover's calls need (50 burst, 5/s for mutations).
 *
 * A DryRun that succeeds is an error: EC2 never answers a DryRun with 200 (it answers
 * DryRunOperation or a refusal), so an endpoint that does has made the change for real.
 */
import {
  AssignPrivateIpAddressesCommand,
  DescribeAddressesCommand,
  DescribeNetworkInterfacesCommand,
  DescribeRouteTablesCommand,
  type EC2Client,
} from "@aws-sdk/client-ec2";
import type { Ec2ReadAction } from "./api-actions.js";
import type { AssignPrivateIpsOperation, AssociateAddressOperation, AwsOperation as Operation, ReplaceRouteOperation, ReplaceRouteTableAssociationOperation } from "../core/operations.js";
import type { CallListener, PermissionCheck } from "../core/provider.js";
import { tracked } from "./calls.js";
import { operationArns, operationTarget, sendAssociationSwap, sendDryRun } from "./ec2-operations.js";
import { awsErrorCode, classifyAwsError, cleanMessage, iamAction } from "./errors.js";

export interface PermissionContext {
  onCall?: CallListener;
  region: () => string | undefined;
  account: () => string | undefined;
  /** The EC2 endpoint the client calls, for messages (undefined: the Region's public endpoint). */
  endpoint?: () => string | undefined;
  /** The current association ID of a subnet, for the DryRun of an association swap. */
  associationId?: (op: ReplaceRouteTableAssociationOperation, signal: AbortSignal) => Promise<string>;
}

/**
 * The operations to check: one per action and set of resources IAM evaluates it on. The
 * representative's target says how many operations it stands for.
 */
export function checkedOperations(operations: Operation[]): { operation: Operation; target: string }[] {
  const groups = new Map<string, Operation[]>();
  for (const op of operations) {
    const key = `${op.action} ${operationArns(op, undefined, undefined).join(" ")}`;
    groups.set(key, [...(groups.get(key) ?? []), op]);
  }
  return [...groups.values()].map((ops) => {
    const first = ops[0]!;
    const more = ops.length - 1;
    return { operation: first, target: more > 0 ? `${operationTarget(first)} (and ${more} more on the same ${arnTypes(first)})` : operationTarget(first) };
  });
}

function arnTypes(op: Operation): string {
  return operationArns(op, undefined, undefined).map((arn) => /:([a-z-]+)\/[^/]+$/.exec(arn)?.[1] ?? arn).join(" and ");
}

export async function checkOperationPermissions(ec2: EC2Client, planned: Operation[], signal: AbortSignal, context: PermissionContext): Promise<PermissionCheck[]> {
  const checked = checkedOperations(planned);
  const operations = checked.map((c) => c.operation);
  const targetOf = new Map(checked.map((c) => [c.operation, c.target]));
  const assigns = operations.filter((op): op is AssignPrivateIpsOperation => op.action === "AssignPrivateIpAddresses");
  const primaries = assigns.length > 0 ? primaryIps(ec2, [...new Set(assigns.map((op) => op.networkInterfaceId))], signal, context) : undefined;
  const reads = verificationReadChecks(ec2, operations, assigns.length > 0, signal, context);
  const mutations = Promise.all(
    operations.map((op) => {
      const target = targetOf.get(op) ?? operationTarget(op);
      // Marked as checks: whoever counts the operations' calls must not mistake a DryRun
      // ReplaceRoute for a route being moved (the action stays the API's, as IAM sees it).
      const call = { service: "ec2" as const, action: op.action, target, check: true };
      if (op.action === "ReplaceRouteTableAssociation") {
        return verdict(op, target, context, async () => {
          if (!context.associationId) throw new Error("no association ID source to check ReplaceRouteTableAssociation with");
          const associationId = await context.associationId(op, signal);
          await tracked(context.onCall, call, () => sendAssociationSwap(ec2, op, associationId, signal, true), isDryRunOk);
          throw new DryRunSucceededError(op.action, context);
        }, true);
      }
      if (op.action !== "AssignPrivateIpAddresses") {
        return verdict(op, target, context, async () => {
          await tracked(context.onCall, call, () => sendDryRun(ec2, op, signal), isDryRunOk);
          throw new DryRunSucceededError(op.action, context);
        }, true);
      }
      return verdict(op, target, context, async () => {
        const primary = (await (primaries as Promise<Map<string, string>>)).get(op.networkInterfaceId);
        if (!primary) throw new Error(`interface ${op.networkInterfaceId} has no primary private IP to check with`);
        return tracked(context.onCall, call, () =>
          ec2.send(
            new AssignPrivateIpAddressesCommand({ NetworkInterfaceId: op.networkInterfaceId, PrivateIpAddresses: [primary], AllowReassignment: false }),
            { abortSignal: signal },
          ),
        );
      });
    }),
  );
  return (await Promise.all([mutations, reads])).flat();
}

/**
 * The reads the verification wave will make, each checked with DryRun on the resources the plan
 * touches. DescribeNetworkInterfaces is skipped when the AssignPrivateIpAddresses check already
 * read the interfaces for real (its refusal is reported there).
 */
function verificationReadChecks(ec2: EC2Client, operations: Operation[], interfacesRead: boolean, signal: AbortSignal, context: PermissionContext): Promise<PermissionCheck[]> {
  const ids = (action: Operation["action"], id: (op: Operation) => string) => [...new Set(operations.filter((op) => op.action === action).map(id))];
  const interfaces = [...new Set(operations.flatMap((op) => ("networkInterfaceId" in op ? [op.networkInterfaceId] : [])))];
  const allocations = ids("AssociateAddress", (op) => (op as AssociateAddressOperation).allocationId);
  const tables = [...new Set([...ids("ReplaceRoute", (op) => (op as ReplaceRouteOperation).routeTableId), ...ids("ReplaceRouteTableAssociation", (op) => (op as ReplaceRouteTableAssociationOperation).routeTableId)])];
  const options = { abortSignal: signal };
  const reads: [Ec2ReadAction, string[], () => Promise<{ $metadata: { attempts?: number } }>][] = [
    ["DescribeNetworkInterfaces", interfacesRead ? [] : interfaces, () => ec2.send(new DescribeNetworkInterfacesCommand({ NetworkInterfaceIds: interfaces, DryRun: true }), options)],
    ["DescribeAddresses", allocations, () => ec2.send(new DescribeAddressesCommand({ AllocationIds: allocations, DryRun: true }), options)],
    ["DescribeRouteTables", tables, () => ec2.send(new DescribeRouteTablesCommand({ RouteTableIds: tables, DryRun: true }), options)],
  ];
  return Promise.all(
    reads
      .filter(([, targets]) => targets.length > 0)
      .map(async ([action, targets, send]): Promise<PermissionCheck> => {
        const target = targets.join(",");
        try {
          await tracked(context.onCall, { service: "ec2", action, target, check: true }, send, isDryRunOk);
          return dryRunSucceeded(new DryRunSucceededError(action, context), target);
        } catch (err) {
          if (isDryRunOk(err)) return { action, target, allowed: true };
          // Describe actions take no resource ARN: IAM evaluates them on "*".
          return refusal(err, action, target, iamAction(action), ["*"], context, false);
        }
      }),
  );
}

/** The primary private IP of each interface, in one batched read. */
async function primaryIps(ec2: EC2Client, interfaceIds: string[], signal: AbortSignal, context: PermissionContext): Promise<Map<string, string>> {
  const output = await tracked(context.onCall, { service: "ec2", action: "DescribeNetworkInterfaces", target: interfaceIds.join(","), check: true }, () =>
    ec2.send(new DescribeNetworkInterfacesCommand({ NetworkInterfaceIds: interfaceIds }), { abortSignal: signal }),
  );
  const map = new Map<string, string>();
  for (const nic of output.NetworkInterfaces ?? []) {
    const primary = nic.PrivateIpAddresses?.find((ip) => ip.Primary)?.PrivateIpAddress ?? nic.PrivateIpAddress;
    if (nic.NetworkInterfaceId && primary) map.set(nic.NetworkInterfaceId, primary);
  }
  return map;
}

/**
 * `dryRun`: the check was the operation itself with DryRun, so EC2 validated its parameters and
 * any permanent refusal is the operation's. Otherwise (the no-op AssignPrivateIpAddresses, the
 * reads) only "not found" says something about the operation: the no-op's own parameters are not
 * the operation's.
 */
async function verdict(op: Operation, target: string, context: PermissionContext, check: () => Promise<unknown>, dryRun = false): Promise<PermissionCheck> {
  const iam = iamAction(op.action);
  try {
    await check();
    return { action: op.action, target, allowed: true };
  } catch (err) {
    if (isDryRunOk(err)) return { action: op.action, target, allowed: true };
    if (err instanceof DryRunSucceededError) return dryRunSucceeded(err, target);
    return refusal(err, op.action, target, iam, operationArns(op, context.region(), context.account()), context, dryRun);
  }
}

/** What a failed check means: a refusal by IAM (naming the permission and resource), or no verdict. */
export function refusal(err: unknown, action: string, target: string, iam: string, arns: string[], context: PermissionContext, paramsChecked: boolean): PermissionCheck {
  if (awsErrorCode(err) === "UnauthorizedOperation") {
    const message = err instanceof Error ? cleanMessage(err.message) : "";
    // EC2 names the one resource it refused ("... on resource: arn:..."); AssociateAddress is
    // authorized on two (the Elastic IP and the interface) and only one may be missing.
    // The refused call may be the check's own read (DescribeNetworkInterfaces, for the no-op
    // AssignPrivateIpAddresses): name what EC2 refused, not the operation.
    const named = /\bon resource: (arn:\S+?|\*)(?=[\s,]|$)/.exec(message)?.[1];
    const refused = /\bnot authorized to perform: ([a-z0-9-]+:[A-Za-z0-9]+)/.exec(message)?.[1] ?? iam;
    const resource = named ?? (refused === iam ? arns.join(" and ") : "*");
    return {
      action,
      target,
      allowed: false,
      denied: true,
      permission: refused,
      resource,
      detail: `${refused} is not allowed on ${resource}: grant it to the node's role.${message ? ` EC2 said: ${message}` : ""}`,
    };
  }
  const region = context.region();
  const error = classifyAwsError(err, { action, target, resourceArns: arns, ...(region ? { region } : {}) });
  const code = awsErrorCode(err);
  const invalid = error.errorClass === "permanent" && (paramsChecked || /NotFound|Malformed/.test(code));
  return { action, target, allowed: false, code, ...(invalid ? { invalid: true } : {}), detail: error.describe() };
}

function isDryRunOk(err: unknown): boolean {
  return awsErrorCode(err) === "DryRunOperation";
}

/** An endpoint answered a DryRun with success: it does not honour DryRun, and has made the change. */
export class DryRunSucceededError extends Error {
  readonly code = "DryRunNotHonoured";
  constructor(
    readonly action: string,
    context: PermissionContext,
  ) {
    const endpoint = context.endpoint?.() ?? "the Region's public EC2 endpoint";
    super(
      `The EC2 endpoint ${endpoint} answered a DryRun ${action} with success (HTTP 200). EC2 never does: it answers DryRunOperation (or a refusal) and changes nothing, so this endpoint ignored DryRun and ${action.startsWith("Describe") ? "does not check permissions the way EC2 does" : "has really made the change"}. Point endpoints.ec2 (or AWS_ENDPOINT_URL_EC2) at a real EC2 endpoint or one that honours DryRun.`,
    );
    this.name = "DryRunSucceededError";
  }
}

function dryRunSucceeded(err: DryRunSucceededError, target: string): PermissionCheck {
  return { action: err.action, target, allowed: false, detail: err.message };
}
