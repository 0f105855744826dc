/**
 * What stops a failover before it is fenced, so nothing moves (issue 9, defects 2 and 3). Every
 * refusal found before fencing is permanent: retrying cannot help, and going ahead would move
 * part of the pair and leave it split — or move it to the wrong node.
 */
import type { ConfigProblem, PermissionCheck } from "./provider.js";

export interface PreFenceFindings {
  permissions?: PermissionCheck[];
  configProblems?: ConfigProblem[];
}

export interface PreFenceRefusal {
  code: string;
  message: string;
  fix: string;
  missingPermissions?: PermissionCheck[];
  configProblems?: ConfigProblem[];
}

export function refusalBeforeFencing(findings: PreFenceFindings): PreFenceRefusal | undefined {
  const errors = (findings.configProblems ?? []).filter((p) => p.severity === "error");
  if (errors.length > 0) {
    return {
      code: "ConfigDoesNotMatchCloud",
      message: `Not taking over: the config does not match the cloud — ${errors.map((p) => `${p.path}: ${p.message}`).join("; ")}. Nothing was fenced and nothing was moved.`,
      fix: `${unique(errors.map((p) => p.fix)).join(" ")} Then run \`ha-pair preflight\`.`,
      configProblems: errors,
    };
  }
  const denied = (findings.permissions ?? []).filter((check) => check.denied);
  if (denied.length > 0) return { ...missingPermissionError(denied), missingPermissions: denied };
  const invalid = (findings.permissions ?? []).filter((check) => check.invalid);
  if (invalid.length > 0) {
    return {
      code: invalid[0]?.code ?? "InvalidOperation",
      message: `Not taking over: the cloud refused ${invalid.length} planned operation(s) as they stand — ${invalid.map((c) => `${c.action} ${c.target}: ${c.detail ?? c.code ?? "refused"}`).join("; ")}. Nothing was fenced and nothing was moved (a partial move would leave the pair split between the nodes).`,
      fix: "Correct the config (or the resources it names) so that every operation is valid, then run `ha-pair preflight` and trigger again.",
    };
  }
  return undefined;
}

/** The refusal of a failover whose plan needs permissions the node's role lacks. */
export function missingPermissionError(denied: PermissionCheck[]): { code: string; message: string; fix: string } {
  const grants = unique(denied.map((check) => `${check.permission ?? check.action} on ${check.resource ?? check.target}`));
  return {
    code: "MissingPermission",
    message: `Not taking over: the node's role may not ${grants.join("; ")}. Nothing was fenced and nothing was moved (a partial move would leave the pair split between the nodes).`,
    fix: `Grant ${grants.join(" and ")} to the node's role (the stack's generated policy has them), then run \`ha-pair preflight\` and trigger again.`,
  };
}

function unique(values: string[]): string[] {
  return [...new Set(values)];
}
