/**
 * IAM identity-policy documents as the simulated cloud accepts them, and the checks IAM makes
 * when a policy is attached (a malformed document is refused then, not silently ignored at
 * request time — a test that attaches a typo must fail loudly, as `iam put-role-policy` would).
 */

export type OneOrMany<T> = T | T[];

/** `{ "StringEquals": { "aws:ResourceTag/label": ["x"] } }`: operator → key → value(s). */
export type ConditionBlock = Record<string, Record<string, OneOrMany<string | number | boolean>>>;

export interface PolicyStatement {
  Sid?: string;
  Effect: "Allow" | "Deny";
  Action?: OneOrMany<string>;
  NotAction?: OneOrMany<string>;
  Resource?: OneOrMany<string>;
  NotResource?: OneOrMany<string>;
  Condition?: ConditionBlock;
}

export interface PolicyDocument {
  Version?: string;
  Id?: string;
  Statement: OneOrMany<PolicyStatement>;
}

/** Thrown for a document IAM would refuse (MalformedPolicyDocument). */
export class MalformedPolicyError extends Error {
  constructor(message: string) {
    super(`MalformedPolicyDocument: ${message}`);
    this.name = "MalformedPolicyError";
  }
}

export const asList = <T>(value: OneOrMany<T> | undefined): T[] => (value === undefined ? [] : Array.isArray(value) ? value : [value]);

export function statementsOf(document: PolicyDocument): PolicyStatement[] {
  return asList(document.Statement);
}

/** Base condition operators (without ForAnyValue:/ForAllValues: and IfExists). */
export const CONDITION_OPERATORS = new Set([
  "StringEquals",
  "StringNotEquals",
  "StringEqualsIgnoreCase",
  "StringNotEqualsIgnoreCase",
  "StringLike",
  "StringNotLike",
  "NumericEquals",
  "NumericNotEquals",
  "NumericLessThan",
  "NumericLessThanEquals",
  "NumericGreaterThan",
  "NumericGreaterThanEquals",
  "DateEquals",
  "DateNotEquals",
  "DateLessThan",
  "DateLessThanEquals",
  "DateGreaterThan",
  "DateGreaterThanEquals",
  "Bool",
  "ArnEquals",
  "ArnNotEquals",
  "ArnLike",
  "ArnNotLike",
  "IpAddress",
  "NotIpAddress",
  "Null",
]);

export interface ParsedOperator {
  base: string;
  set?: "ForAnyValue" | "ForAllValues";
  ifExists: boolean;
}

export function parseOperator(name: string): ParsedOperator {
  let rest = name;
  let set: ParsedOperator["set"];
  const colon = rest.indexOf(":");
  if (colon >= 0) {
    const qualifier = rest.slice(0, colon);
    if (qualifier !== "ForAnyValue" && qualifier !== "ForAllValues") throw new MalformedPolicyError(`Invalid Condition type : ${name}`);
    set = qualifier;
    rest = rest.slice(colon + 1);
  }
  const ifExists = rest.endsWith("IfExists") && rest !== "IfExists";
  const base = ifExists ? rest.slice(0, -"IfExists".length) : rest;
  if (!CONDITION_OPERATORS.has(base) || (base === "Null" && (ifExists || set))) throw new MalformedPolicyError(`Invalid Condition type : ${name}`);
  return { base, ifExists, ...(set ? { set } : {}) };
}

/** The checks IAM makes on attach, for the elements an identity policy may have. */
export function validatePolicy(document: PolicyDocument): void {
  if (typeof document !== "object" || document === null || document.Statement === undefined) {
    throw new MalformedPolicyError("Policy document must have a Statement");
  }
  if (document.Version !== undefined && document.Version !== "2012-10-17" && document.Version !== "2008-10-17") {
    throw new MalformedPolicyError(`The policy failed legacy parsing (Version ${String(document.Version)})`);
  }
  for (const statement of statementsOf(document)) {
    const label = statement.Sid ? `statement ${statement.Sid}` : "a statement";
    if (statement.Effect !== "Allow" && statement.Effect !== "Deny") throw new MalformedPolicyError(`${label}: Effect must be Allow or Deny`);
    if ((statement.Action === undefined) === (statement.NotAction === undefined)) {
      throw new MalformedPolicyError(`${label}: exactly one of Action and NotAction is required`);
    }
    if ((statement.Resource === undefined) === (statement.NotResource === undefined)) {
      throw new MalformedPolicyError(`${label}: exactly one of Resource and NotResource is required in an identity-based policy`);
    }
    if ("Principal" in statement || "NotPrincipal" in statement) {
      throw new MalformedPolicyError(`${label}: Principal is not allowed in an identity-based policy`);
    }
    for (const action of [...asList(statement.Action), ...asList(statement.NotAction)]) {
      if (typeof action !== "string" || (action !== "*" && !/^[A-Za-z0-9-]+:[A-Za-z0-9*?]+$/.test(action))) {
        throw new MalformedPolicyError(`${label}: Action vendors and names look like service:Action, not ${JSON.stringify(action)}`);
      }
    }
    for (const resource of [...asList(statement.Resource), ...asList(statement.NotResource)]) {
      if (typeof resource !== "string" || (resource !== "*" && !resource.startsWith("arn:"))) {
        throw new MalformedPolicyError(`${label}: Resource ${JSON.stringify(resource)} must be in ARN format or "*"`);
      }
    }
    for (const [operator, block] of Object.entries(statement.Condition ?? {})) {
      parseOperator(operator);
      if (typeof block !== "object" || block === null || Array.isArray(block)) throw new MalformedPolicyError(`${label}: ${operator} needs key: value pairs`);
    }
  }
}
