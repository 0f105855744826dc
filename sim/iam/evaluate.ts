/**
 * Identity-policy evaluation for one principal ("Policy evaluation logic", single account, no
 * resource policies, boundaries, SCPs or session policies — the sim has none of those):
 * an explicit Deny in any statement wins; otherwise an Allow in any statement allows;
 * otherwise the request is implicitly denied.
 *
 * A request that touches several resources (AssociateAddress: the Elastic IP and the interface)
 * is authorized once per resource, and each must be allowed.
 */
import { conditionsHold, substituteVariables, type RequestContext } from "./conditions.js";
import { actionMatches, resourceMatches } from "./match.js";
import { asList, statementsOf, type PolicyDocument, type PolicyStatement } from "./policy.js";

export type Decision = "allow" | "explicit-deny" | "implicit-deny";

export interface EvaluationRequest {
  /** service:Action, e.g. "ec2:ReplaceRoute". */
  action: string;
  /** The resource's ARN, or "*" for actions that take none (Describe*). */
  resource: string;
  context: RequestContext;
}

export interface Evaluation {
  decision: Decision;
  /** The statement that decided (the Deny, or the first Allow). */
  statement?: PolicyStatement;
}

function statementApplies(statement: PolicyStatement, request: EvaluationRequest): boolean {
  const actionListed = (patterns: string[]) => patterns.some((pattern) => actionMatches(pattern, request.action));
  if (statement.Action !== undefined ? !actionListed(asList(statement.Action)) : actionListed(asList(statement.NotAction))) return false;
  const resourceListed = (patterns: string[]) =>
    patterns.some((pattern) => {
      const concrete = substituteVariables(pattern, request.context);
      return concrete !== undefined && resourceMatches(concrete, request.resource);
    });
  if (statement.Resource !== undefined ? !resourceListed(asList(statement.Resource)) : resourceListed(asList(statement.NotResource))) return false;
  return conditionsHold(statement.Condition, request.context);
}

export function evaluatePolicies(documents: readonly PolicyDocument[], request: EvaluationRequest): Evaluation {
  let allowedBy: PolicyStatement | undefined;
  for (const document of documents) {
    for (const statement of statementsOf(document)) {
      if (!statementApplies(statement, request)) continue;
      if (statement.Effect === "Deny") return { decision: "explicit-deny", statement };
      allowedBy ??= statement;
    }
  }
  return allowedBy ? { decision: "allow", statement: allowedBy } : { decision: "implicit-deny" };
}

export interface ResourceUnderTest {
  arn: string;
  /** Condition keys of this resource (aws:ResourceTag/..., ec2:Vpc, ...), lower-case keys. */
  context?: RequestContext;
}

export interface AuthorizationResult {
  decision: Decision;
  /** The resource that was refused. */
  resource?: string;
  statement?: PolicyStatement;
}

/** Every resource must be allowed; an explicit deny on any wins over an implicit one on another. */
export function authorizeAll(documents: readonly PolicyDocument[], action: string, resources: readonly ResourceUnderTest[], requestContext: RequestContext): AuthorizationResult {
  const targets = resources.length > 0 ? resources : [{ arn: "*" }];
  let implicit: AuthorizationResult | undefined;
  for (const target of targets) {
    const context = target.context ? new Map([...requestContext, ...target.context]) : requestContext;
    const result = evaluatePolicies(documents, { action, resource: target.arn, context });
    if (result.decision === "explicit-deny") return { decision: "explicit-deny", resource: target.arn, ...(result.statement ? { statement: result.statement } : {}) };
    if (result.decision === "implicit-deny") implicit ??= { decision: "implicit-deny", resource: target.arn };
  }
  return implicit ?? { decision: "allow" };
}
