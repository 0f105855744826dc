/**
 * Preflight: every planned mutation sent with DryRun, all in parallel. EC2 evaluates IAM (and
 * checks that the resources exist and the parameters are valid) and then answers
 * DryRunOperation instead of acting, so nothing changes.
 */
import type { EC2Client } from "@aws-sdk/client-ec2";
import type { Operation } from "../core/operations.js";
import type { CallListener, PermissionCheck } from "../core/provider.js";
import { tracked } from "./calls.js";
import { operationArns, operationTarget, sendOperation } from "./ec2-operations.js";
import { awsErrorCode, classifyAwsError, cleanMessage, iamAction } from "./errors.js";

export interface PermissionContext {
  onCall?: CallListener;
  region: () => string | undefined;
  account: () => string | undefined;
}

export async function checkOperationPermissions(ec2: EC2Client, operations: Operation[], signal: AbortSignal, context: PermissionContext): Promise<PermissionCheck[]> {
  return Promise.all(operations.map((op) => checkOne(ec2, op, signal, context)));
}

async function checkOne(ec2: EC2Client, op: Operation, signal: AbortSignal, context: PermissionContext): Promise<PermissionCheck> {
  const target = operationTarget(op);
  const iam = iamAction(op.action);
  try {
    await tracked(context.onCall, { service: "ec2", action: op.action, target }, () => sendOperation(ec2, op, signal, true), isDryRunOk);
    // Real EC2 never performs a DryRun call; an endpoint that did has ignored DryRun.
    return { action: op.action, target, allowed: true, detail: `the endpoint performed ${iam} although DryRun was set (it ignores DryRun)` };
  } catch (err) {
    if (isDryRunOk(err)) return { action: op.action, target, allowed: true };
    const arns = operationArns(op, context.region(), context.account());
    const code = awsErrorCode(err);
    if (code === "UnauthorizedOperation") {
      const message = err instanceof Error ? cleanMessage(err.message) : "";
      return {
        action: op.action,
        target,
        allowed: false,
        detail: `${iam} is not allowed on ${arns.join(" and ")}: grant it to the node's role.${message ? ` EC2 said: ${message}` : ""}`,
      };
    }
    const error = classifyAwsError(err, { action: op.action, target, resourceArns: arns, ...regionField(context.region()) });
    return { action: op.action, target, allowed: false, detail: error.describe() };
  }
}

function isDryRunOk(err: unknown): boolean {
  return awsErrorCode(err) === "DryRunOperation";
}

function regionField(region: string | undefined): { region?: string } {
  return region ? { region } : {};
}
