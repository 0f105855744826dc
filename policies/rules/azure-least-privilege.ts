/**
 * azure-least-privilege: the role definitions an AzureHaPair's identity uses allow only what
 * the Azure agent needs (lib/azure-actions.ts): no `*`, no provider-wide wildcard
 * (`Microsoft.Network/*`), partial wildcards expanded and every operation the agent never uses
 * reported, for actions and data actions alike; assignable scopes at resource-group level or
 * narrower; the built-in Owner and Contributor roles are never assigned to the pair's identity;
 * role assignments are not made at subscription or management-group scope.
 *
 * Used by a pair: a RoleDefinition or RoleAssignment that is a child of the AzureHaPair, a
 * RoleAssignment whose principal is an identity of the pair (a user-assigned identity of the
 * pair or the system identity of a VM holding the pair's NICs), and the RoleDefinitions those
 * assignments refer to.
 */
import type { StackValidationPolicy } from "@pulumi/policy";
import { AZURE_ACTION_CATALOG, AZURE_AGENT_ACTIONS, AZURE_AGENT_DATA_ACTIONS, AZURE_DATA_ACTION_CATALOG, BUILT_IN_ROLES, requiredAzureActions } from "../lib/azure-actions.js";
import { DEFAULT_LABEL_KEY, LABEL_KEY_SCHEMA, STRING_LIST, withDefaults } from "../lib/config.js";
import { expandAction, isServiceWide } from "../lib/iam.js";
import { StackModel, findPairs, membersOfKind, nodeOf, pairName, type Pair, type Res } from "../lib/model.js";
import { Reporter } from "../lib/report.js";
import { AZURE } from "../lib/types.js";
import { UNKNOWN, asArray, asString, get, globMatch, isUnknown, unique } from "../lib/values.js";

export interface AzureLeastPrivilegeConfig {
  labelKey: string;
  allowedExtraActions: string[];
  allowedExtraDataActions: string[];
  /** GUIDs of built-in roles never to assign to a pair's identity (Owner and Contributor by default). */
  forbiddenRoleDefinitionIds: string[];
}

export const AZURE_LEAST_PRIVILEGE_DEFAULTS: AzureLeastPrivilegeConfig = {
  labelKey: DEFAULT_LABEL_KEY,
  allowedExtraActions: [],
  allowedExtraDataActions: [],
  forbiddenRoleDefinitionIds: Object.keys(BUILT_IN_ROLES),
};

export const azureLeastPrivilege: StackValidationPolicy = {
  name: "azure-least-privilege",
  description:
    "Role definitions used by an ha-pair's identity allow only the operations the agent uses (NIC read/write, route table and route read/write, public IP join, blob read/write on the state container), assignable at resource-group scope or narrower; never Owner or Contributor.",
  enforcementLevel: "mandatory",
  remediationSteps: "Give the pair's identity one custom role with exactly the agent's operations, assignable to the pair's resource group, assigned on the pair's resources.",
  configSchema: {
    properties: {
      labelKey: LABEL_KEY_SCHEMA,
      allowedExtraActions: STRING_LIST("Control-plane operations the role may hold besides the agent's (wildcards allowed)."),
      allowedExtraDataActions: STRING_LIST("Data-plane operations the role may hold besides the agent's (wildcards allowed)."),
      forbiddenRoleDefinitionIds: {
        type: "array",
        items: { type: "string" },
        default: Object.keys(BUILT_IN_ROLES),
        description: "Built-in role GUIDs never to assign to a pair's identity (default Owner, Contributor).",
      },
    },
  },
  validateStack: (args, reportViolation) => {
    const config = withDefaults(AZURE_LEAST_PRIVILEGE_DEFAULTS, args.getConfig<Partial<AzureLeastPrivilegeConfig>>());
    const model = new StackModel(args.resources);
    const reporter = new Reporter(reportViolation);
    for (const pair of findPairs(model, config)) {
      const assignments = pairAssignments(model, pair);
      const definitions = new Set([...pair.members].filter((r) => r.type === AZURE.roleDefinition));
      for (const assignment of assignments) {
        checkAssignment(assignment, pair, config, reporter);
        const referenced = model.referenced(assignment, "roleDefinitionId", assignment.props.roleDefinitionId, AZURE.roleDefinition);
        for (const def of referenced) definitions.add(def);
        checkDataActionScope(assignment, referenced, pair, reporter);
      }
      for (const def of definitions) checkDefinition(def, pair, config, reporter);
      checkMissing(pair, [...definitions], reporter);
    }
    reporter.finish();
  },
};

function pairAssignments(model: StackModel, pair: Pair): Res[] {
  const identities = new Set([...pair.members].filter((r) => r.type === AZURE.userAssignedIdentity));
  for (const nic of membersOfKind(pair, "interface")) {
    const vm = nodeOf(model, pair, nic)?.instance;
    if (vm?.type === AZURE.virtualMachine) identities.add(vm);
  }
  const principals = (res: Res) => [asString(res.props.principalId), asString(get(res.props, "identity", "principalId"))].filter((v): v is string => v !== undefined);
  return model.ofType(AZURE.roleAssignment).filter((a) => {
    if (pair.members.has(a)) return true;
    return [...identities].some((identity) => {
      if (model.dependenciesOf(a, "principalId").includes(identity)) return true;
      const principal = asString(a.props.principalId);
      return principal !== undefined && principals(identity).includes(principal);
    });
  });
}

const RG_SCOPE = /^\/subscriptions\/[^/]+\/resourceGroups\/[^/]+(\/.*)?$/i;

function scopeProblem(scope: string): string | undefined {
  if (RG_SCOPE.test(scope)) return undefined;
  if (/managementGroups\//i.test(scope)) return "a management group";
  if (scope === "/" ) return "the tenant root";
  if (/^\/subscriptions\/[^/]+\/?$/i.test(scope)) return "a whole subscription";
  return "wider than a resource group";
}

function checkAssignment(assignment: Res, pair: Pair, config: AzureLeastPrivilegeConfig, reporter: Reporter): void {
  const where = `Role assignment of ${pairName(pair)}`;
  const definitionId = assignment.props.roleDefinitionId;
  if (isUnknown(definitionId)) reporter.notKnown(assignment, "roleDefinitionId");
  else {
    const guid = asString(definitionId)?.split("/").pop()?.toLowerCase();
    const forbidden = config.forbiddenRoleDefinitionIds.map((g) => g.toLowerCase());
    if (guid && forbidden.includes(guid)) {
      reporter.violation(
        assignment,
        `${where} gives the pair's identity the built-in ${BUILT_IN_ROLES[guid] ?? guid} role, i.e. control over every resource in its scope`,
        "assign a custom role with only the agent's operations (NIC read/write, route read/write, public IP join, blob read/write on the state container) instead",
      );
    }
  }
  const scope = assignment.props.scope;
  if (isUnknown(scope)) reporter.notKnown(assignment, "scope");
  else if (typeof scope === "string") {
    const problem = scopeProblem(scope);
    if (problem) reporter.violation(assignment, `${where} is made at ${problem} (${scope})`, "assign the role on the pair's resource group, or narrower (its NICs, route tables, state container)");
  }
}

/** Scopes that hold blob containers: a subscription, a resource group, a storage account or its blob service. */
const ABOVE_CONTAINERS = /^\/subscriptions\/[^/]+(\/resourceGroups\/[^/]+)?\/?$|\/providers\/Microsoft\.Storage\/storageAccounts\/[^/]+(\/blobServices\/default)?\/?$|^\/providers\/Microsoft\.Management\/managementGroups\/|^\/$/i;
const CONTAINER_SCOPE = /\/providers\/Microsoft\.Storage\/storageAccounts\/[^/]+\/blobServices\/default\/containers\/[^/]+$/i;

/** A role with data actions assigned above a container reaches every container (and blob) below its scope. */
function checkDataActionScope(assignment: Res, definitions: Res[], pair: Pair, reporter: Reporter): void {
  const scope = assignment.props.scope;
  if (typeof scope !== "string" || CONTAINER_SCOPE.test(scope)) return;
  // Data actions reach blobs only below their scope: a route table or a NIC holds none. A scope
  // wider than a resource group is reported by checkAssignment already.
  if (!ABOVE_CONTAINERS.test(scope) || scopeProblem(scope) !== undefined) return;
  const withData = definitions.filter((def) => {
    const permissions = asArray(def.props.permissions);
    return permissions !== UNKNOWN && (permissions ?? []).some((p) => {
      const data = asArray(get(p, "dataActions"));
      return data !== UNKNOWN && (data ?? []).length > 0;
    });
  });
  if (withData.length === 0) return;
  reporter.violation(
    assignment,
    `Role assignment of ${pairName(pair)} gives blob data actions at ${scope}, above the state container: the agent could read and write every blob there`,
    "assign the role holding the data actions on the state container only (/subscriptions/<id>/resourceGroups/<rg>/providers/Microsoft.Storage/storageAccounts/<account>/blobServices/default/containers/<container>)",
  );
}

/** The agent's required operations that no role of the pair grants: its permission check (or its failover) would be refused. */
function checkMissing(pair: Pair, definitions: Res[], reporter: Reporter): void {
  if (definitions.length === 0) return;
  const granted = { actions: [] as string[], dataActions: [] as string[] };
  for (const def of definitions) {
    const permissions = asArray(def.props.permissions);
    if (permissions === UNKNOWN) return;
    for (const p of permissions ?? []) {
      for (const field of ["actions", "dataActions"] as const) {
        const listed = asArray(get(p, field));
        if (listed === UNKNOWN) return;
        granted[field].push(...(listed ?? []).filter((x): x is string => typeof x === "string"));
      }
    }
  }
  const has = { routeTables: [...pair.members].some((r) => r.type === AZURE.routeTable), publicIps: [...pair.members].some((r) => r.type === AZURE.publicIp) };
  const required = requiredAzureActions(has);
  const missing = [
    ...required.actions.filter((a) => !granted.actions.some((g) => globMatch(g, a))),
    ...required.dataActions.filter((a) => !granted.dataActions.some((g) => globMatch(g, a))),
  ];
  if (missing.length > 0) {
    reporter.violation(
      definitions[0]!,
      `The roles of ${pairName(pair)} lack operations the agent needs: ${missing.join(", ")}`,
      `add them to the pair's custom role (the agent's list is runtime/azure/required-actions.ts); without them its permission check refuses the failover`,
    );
  }
}

function checkDefinition(def: Res, pair: Pair, config: AzureLeastPrivilegeConfig, reporter: Reporter): void {
  const where = `Role definition "${asString(def.props.roleName) ?? def.name}" used by ${pairName(pair)}`;
  const permissions = asArray(def.props.permissions);
  if (permissions === UNKNOWN) reporter.notKnown(def, "permissions");
  else {
    (permissions ?? []).forEach((perm, i) => {
      checkOperations(def, where, perm, i, "actions", AZURE_ACTION_CATALOG, AZURE_AGENT_ACTIONS, config.allowedExtraActions, reporter);
      checkOperations(def, where, perm, i, "dataActions", AZURE_DATA_ACTION_CATALOG, AZURE_AGENT_DATA_ACTIONS, config.allowedExtraDataActions, reporter);
    });
  }
  const scopes = asArray(def.props.assignableScopes);
  if (scopes === UNKNOWN) reporter.notKnown(def, "assignableScopes");
  else {
    (scopes ?? []).forEach((scope, i) => {
      if (isUnknown(scope)) reporter.notKnown(def, "assignableScopes", i);
      else if (typeof scope === "string") {
        const problem = scopeProblem(scope);
        if (problem) reporter.violation(def, `${where} is assignable at ${problem} (${scope})`, "set assignableScopes to the pair's resource group (/subscriptions/<id>/resourceGroups/<name>) or narrower");
      }
    });
  }
}

function checkOperations(
  def: Res,
  where: string,
  permission: unknown,
  index: number,
  field: "actions" | "dataActions",
  catalog: readonly string[],
  needed: readonly string[],
  extra: string[],
  reporter: Reporter,
): void {
  const listed = asArray(get(permission, field));
  if (listed === UNKNOWN) {
    reporter.notKnown(def, "permissions", index, field);
    return;
  }
  const patterns = (listed ?? []).filter((p): p is string => typeof p === "string");
  const what = field === "actions" ? "actions" : "data actions";
  if (patterns.includes("*")) {
    reporter.violation(def, `${where} allows every operation ("*" in ${what})`, `list only the agent's ${what}: ${needed.join(", ")}`);
    return;
  }
  const wide = patterns.filter(isServiceWide);
  if (wide.length > 0) reporter.violation(def, `${where} allows every operation of a provider (${wide.join(", ")} in ${what})`, `list only the agent's ${what}: ${needed.join(", ")}`);
  const neededLower = new Set(needed.map((a) => a.toLowerCase()));
  const unneeded: string[] = [];
  for (const pattern of patterns.filter((p) => !isServiceWide(p))) {
    const expanded = expandAction(pattern, catalog);
    if (expanded.length === 0) unneeded.push(pattern);
    unneeded.push(...expanded.filter((a) => !neededLower.has(a.toLowerCase())));
  }
  const reported = unique(unneeded).filter((a) => !extra.some((p) => globMatch(p, a)));
  if (reported.length > 0) {
    reporter.violation(
      def,
      `${where} allows ${what} the agent never uses: ${reported.join(", ")}`,
      `remove them (the agent needs only ${needed.join(", ")}), or list deliberate extras in azure-least-privilege's allowedExtra${field === "actions" ? "Actions" : "DataActions"}`,
    );
  }
}
