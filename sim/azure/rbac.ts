/**
 * Azure RBAC as ARM evaluates it for a caller: the role assignments whose scope contains the
 * resource (subscription, resource group, the resource itself) apply; an action is allowed when
 * one assigned role's actions match it and that role's notActions do not. No assignment, no access.
 */
export interface RoleDefinition {
  name: string;
  actions: string[];
  notActions?: string[];
}

export interface RoleAssignment {
  principalId: string;
  scope: string;
  role: RoleDefinition;
}

function matches(pattern: string, action: string): boolean {
  return new RegExp(`^${pattern.split("*").map((p) => p.replace(/[.+?^${}()|[\]\\/]/g, "\\$&")).join(".*")}$`, "i").test(action);
}

function contains(scope: string, resourceId: string): boolean {
  const s = scope.toLowerCase().replace(/\/+$/, "");
  const r = resourceId.toLowerCase();
  return r === s || r.startsWith(`${s}/`);
}

export class RoleAssignments {
  private readonly assignments: RoleAssignment[] = [];

  assign(assignment: RoleAssignment): void {
    this.assignments.push(assignment);
  }

  /** Replace every assignment of a principal. */
  set(principalId: string, assignments: Omit<RoleAssignment, "principalId">[]): void {
    for (let i = this.assignments.length - 1; i >= 0; i--) if (this.assignments[i]!.principalId === principalId) this.assignments.splice(i, 1);
    for (const a of assignments) this.assignments.push({ principalId, ...a });
  }

  /** The permissions API's answer for a scope: one entry per applicable role assignment. */
  permissionsAt(principalId: string, resourceId: string): { actions: string[]; notActions: string[]; dataActions: string[]; notDataActions: string[] }[] {
    return this.assignments
      .filter((a) => a.principalId === principalId && contains(a.scope, resourceId))
      .map((a) => ({ actions: [...a.role.actions], notActions: [...(a.role.notActions ?? [])], dataActions: [], notDataActions: [] }));
  }

  allowed(principalId: string, resourceId: string, action: string): boolean {
    return this.permissionsAt(principalId, resourceId).some((p) => p.actions.some((a) => matches(a, action)) && !p.notActions.some((n) => matches(n, action)));
  }
}
