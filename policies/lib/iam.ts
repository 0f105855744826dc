/**
 * IAM policy documents as the stack gives them: a JSON string (the usual output of
 * JSON.stringify / pulumi.jsonStringify), or an object (aws.iam.PolicyDocument inputs), possibly
 * unknown during preview (as a whole or in parts).
 */
import { UNKNOWN, containsUnknown, globMatch, hasWildcard, isUnknown, type Unknown } from "./values.js";

export interface Statement {
  Sid?: string;
  Effect: string;
  Action?: string[];
  NotAction?: string[];
  Resource?: string[];
  NotResource?: string[];
  Principal?: unknown;
  Condition?: Record<string, Record<string, string[]>>;
}

export type ParsedDocument = { statements: Statement[] } | { error: string } | Unknown;

const list = (value: unknown): string[] | undefined =>
  value === undefined ? undefined : (Array.isArray(value) ? value : [value]).map((v) => String(v));

export function parsePolicyDocument(value: unknown): ParsedDocument {
  if (value === undefined || value === null) return { error: "no policy document" };
  if (isUnknown(value) || containsUnknown(value)) return UNKNOWN;
  let doc: unknown = value;
  if (typeof value === "string") {
    try {
      doc = JSON.parse(value);
    } catch (err) {
      return { error: `not valid JSON (${(err as Error).message})` };
    }
  }
  if (doc === null || typeof doc !== "object") return { error: "not a JSON object" };
  const raw = (doc as Record<string, unknown>).Statement;
  const statements = raw === undefined ? [] : Array.isArray(raw) ? raw : [raw];
  return {
    statements: statements.map((s) => {
      const st = (s ?? {}) as Record<string, unknown>;
      const condition: Record<string, Record<string, string[]>> = {};
      for (const [op, entries] of Object.entries((st.Condition ?? {}) as Record<string, Record<string, unknown>>)) {
        condition[op] = {};
        for (const [key, v] of Object.entries(entries ?? {})) condition[op]![key] = list(v) ?? [];
      }
      return {
        ...(typeof st.Sid === "string" ? { Sid: st.Sid } : {}),
        Effect: String(st.Effect ?? ""),
        ...(st.Action !== undefined ? { Action: list(st.Action) } : {}),
        ...(st.NotAction !== undefined ? { NotAction: list(st.NotAction) } : {}),
        ...(st.Resource !== undefined ? { Resource: list(st.Resource) } : {}),
        ...(st.NotResource !== undefined ? { NotResource: list(st.NotResource) } : {}),
        ...(st.Principal !== undefined ? { Principal: st.Principal } : {}),
        Condition: condition,
      };
    }),
  };
}

/** The catalog actions a pattern grants (the pattern itself when it names one action exactly). */
export function expandAction(pattern: string, catalog: readonly string[]): string[] {
  if (!hasWildcard(pattern)) return [pattern];
  return catalog.filter((action) => globMatch(pattern, action));
}

/** `*`, or every action of a service (`ec2:*`, `Microsoft.Network/*`). */
export function isServiceWide(pattern: string): boolean {
  return /^[^:/*?]+:\*$/.test(pattern) || /^[^/*?]+\/\*$/.test(pattern);
}

/** Values of a condition key under any of the operators (key compared case-insensitively). */
export function conditionValues(statement: Statement, operators: string[], key: string): string[] | undefined {
  let found: string[] | undefined;
  for (const [op, entries] of Object.entries(statement.Condition ?? {})) {
    if (!operators.some((o) => o.toLowerCase() === op.toLowerCase())) continue;
    for (const [k, values] of Object.entries(entries)) if (k.toLowerCase() === key.toLowerCase()) found = [...(found ?? []), ...values];
  }
  return found;
}

export function statementName(statement: Statement, index: number): string {
  return statement.Sid ? `statement "${statement.Sid}"` : `statement #${index + 1}`;
}
