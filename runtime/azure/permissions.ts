/**
 * The permission check before fencing. Azure has no DryRun: ARM's permissions API tells, for a
 * scope, the caller's effective actions and notActions (every role assignment that applies there,
 * inherited ones included). Each resource the plan writes is asked once, and each action its
 * operation needs is evaluated against the answer as ARM would (wildcards, notActions).
 */
import { createHttpHeaders, createPipelineRequest } from "@azure/core-rest-pipeline";
import { ArmResponseError } from "./arm.js";
import type { ServiceClient } from "@azure/core-client";
import type { AzureOperation } from "../core/operations.js";
import type { CallListener, PermissionCheck } from "../core/provider.js";
import { tracked } from "./calls.js";
import { classifyArmError } from "./errors.js";
import { AZURE_OPERATION_ACTIONS } from "./required-actions.js";

export const PERMISSIONS_API_VERSION = "2022-04-01";

export interface Permission {
  actions?: string[];
  notActions?: string[];
}

function matches(pattern: string, action: string): boolean {
  const regex = new RegExp(`^${pattern.split("*").map((part) => part.replace(/[.+?^${}()|[\]\\/]/g, "\\$&")).join(".*")}$`, "i");
  return regex.test(action);
}

/** ARM's evaluation: allowed when some permission entry grants the action and does not exclude it. */
export function isActionAllowed(permissions: Permission[], action: string): boolean {
  return permissions.some((p) => (p.actions ?? []).some((a) => matches(a, action)) && !(p.notActions ?? []).some((n) => matches(n, action)));
}

/** The resources an operation writes, with the actions it needs on each. */
function needs(op: AzureOperation): { resource: string; actions: readonly string[] }[] {
  switch (op.action) {
    case "UpdateRouteTable":
      return [{ resource: op.routeTableId, actions: AZURE_OPERATION_ACTIONS.UpdateRouteTable }];
    case "MoveIpConfigurations": {
      const nicActions = AZURE_OPERATION_ACTIONS.MoveIpConfigurations.filter((a) => a.startsWith("Microsoft.Network/networkInterfaces/"));
      return [
        { resource: op.fromNetworkInterfaceId, actions: nicActions },
        { resource: op.toNetworkInterfaceId, actions: nicActions },
        ...op.ipConfigurations.flatMap((c) => (c.publicIpAddressId ? [{ resource: c.publicIpAddressId, actions: ["Microsoft.Network/publicIPAddresses/join/action"] }] : [])),
      ];
    }
  }
}

export async function checkAzurePermissions(
  client: ServiceClient,
  endpoint: string,
  operations: AzureOperation[],
  signal: AbortSignal,
  options: { requestMs: number; onCall?: CallListener },
): Promise<PermissionCheck[]> {
  const wanted = operations.flatMap((op) => needs(op).map((need) => ({ op, ...need })));
  const resources = [...new Set(wanted.map((w) => w.resource))];
  const answers = new Map<string, Promise<Permission[]>>();
  for (const resource of resources) {
    answers.set(resource, tracked(options.onCall, { service: "arm", action: "ListPermissions", target: resource, check: true }, async () => {
      const url = `${endpoint}${resource}/providers/Microsoft.Authorization/permissions?api-version=${PERMISSIONS_API_VERSION}`;
      const response = await client.sendRequest(createPipelineRequest({
        url,
        method: "GET",
        headers: createHttpHeaders({ Accept: "application/json" }),
        abortSignal: signal,
        timeout: options.requestMs,
        allowInsecureConnection: url.startsWith("http:"),
      }));
      if (response.status >= 400) {
        throw classifyArmError(new ArmResponseError(`GET permissions of ${resource}`, response), { action: "read the permissions of", resource });
      }
      return ((JSON.parse(response.bodyAsText ?? "{}") as { value?: Permission[] }).value ?? []);
    }));
  }
  const checks: PermissionCheck[] = [];
  // One check per operation and resource: allowed when every action it needs is.
  for (const { op, resource, actions } of wanted) {
    let permissions: Permission[];
    try {
      permissions = await answers.get(resource)!;
    } catch (err) {
      const error = classifyArmError(err, { action: "read the permissions of", resource });
      // Not being able to read the permissions proves nothing about the actions themselves: not a denial.
      checks.push({ action: op.action, target: resource, allowed: false, detail: error.message });
      continue;
    }
    const missing = actions.filter((action) => !isActionAllowed(permissions, action));
    checks.push({
      action: op.action,
      target: resource,
      allowed: missing.length === 0,
      ...(missing.length === 0 ? {} : { denied: true, permission: missing.join(", "), resource, detail: `the node's identity may not ${missing.join(", ")} on ${resource} (no role assignment there grants it)` }),
    });
  }
  return checks;
}
