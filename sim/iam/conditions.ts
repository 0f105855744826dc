/**
 * The Condition element ("IAM JSON policy elements: Condition operators"):
 * - several operators in one Condition, and several keys under one operator, must all hold (AND);
 * - several values for one key: any may match (OR); for a negated operator, none may match;
 * - a key missing from the request context makes a positive operator false and a negated one
 *   (StringNotEquals, ArnNotLike, ...) true — except `...IfExists` (true when missing) and
 *   `Null` (which tests exactly that);
 * - multivalued keys (aws:TagKeys) with ForAnyValue: (some context value matches) and
 *   ForAllValues: (every context value matches; true when there are none).
 */
import { BlockList, isIP } from "node:net";
import { arnConditionMatches, globToRegExp } from "./match.js";
import { asList, parseOperator, type ConditionBlock } from "./policy.js";

/** The request context: condition key (lower case) → its values. A key with no entry is absent. */
export type RequestContext = ReadonlyMap<string, readonly string[]>;

export function contextOf(entries: Record<string, string | string[] | undefined>): Map<string, string[]> {
  const context = new Map<string, string[]>();
  for (const [key, value] of Object.entries(entries)) {
    if (value === undefined) continue;
    context.set(key.toLowerCase(), Array.isArray(value) ? value : [value]);
  }
  return context;
}

type Compare = (contextValue: string, policyValue: string) => boolean;

const NEGATED: Record<string, string> = {
  StringNotEquals: "StringEquals",
  StringNotEqualsIgnoreCase: "StringEqualsIgnoreCase",
  StringNotLike: "StringLike",
  NumericNotEquals: "NumericEquals",
  DateNotEquals: "DateEquals",
  ArnNotEquals: "ArnEquals",
  ArnNotLike: "ArnLike",
  NotIpAddress: "IpAddress",
};

const number = (text: string) => (text.trim() === "" ? Number.NaN : Number(text));
/** Dates as ISO 8601 or epoch seconds, as IAM accepts them. */
const date = (text: string) => (/^\d+$/.test(text) ? Number(text) * 1000 : Date.parse(text));
const numeric = (parse: (text: string) => number, test: (a: number, b: number) => boolean): Compare => (c, p) => {
  const a = parse(c);
  const b = parse(p);
  return !Number.isNaN(a) && !Number.isNaN(b) && test(a, b);
};

function ipInRange(address: string, range: string): boolean {
  const family = isIP(address);
  if (family === 0) return false;
  const [network, bits] = range.split("/");
  if (!network || isIP(network) !== family) return false;
  const list = new BlockList();
  const type = family === 4 ? "ipv4" : "ipv6";
  if (bits === undefined) list.addAddress(network, type);
  else list.addSubnet(network, Number(bits), type);
  return list.check(address, type);
}

const POSITIVE: Record<string, Compare> = {
  StringEquals: (c, p) => c === p,
  StringEqualsIgnoreCase: (c, p) => c.toLowerCase() === p.toLowerCase(),
  StringLike: (c, p) => globToRegExp(p).test(c),
  NumericEquals: numeric(number, (a, b) => a === b),
  NumericLessThan: numeric(number, (a, b) => a < b),
  NumericLessThanEquals: numeric(number, (a, b) => a <= b),
  NumericGreaterThan: numeric(number, (a, b) => a > b),
  NumericGreaterThanEquals: numeric(number, (a, b) => a >= b),
  DateEquals: numeric(date, (a, b) => a === b),
  DateLessThan: numeric(date, (a, b) => a < b),
  DateLessThanEquals: numeric(date, (a, b) => a <= b),
  DateGreaterThan: numeric(date, (a, b) => a > b),
  DateGreaterThanEquals: numeric(date, (a, b) => a >= b),
  Bool: (c, p) => c.toLowerCase() === p.toLowerCase(),
  ArnEquals: (c, p) => arnConditionMatches(p, c),
  ArnLike: (c, p) => arnConditionMatches(p, c),
  IpAddress: ipInRange,
};

/** Policy variables (`${aws:username}`, `${*}`): substituted from the context; an absent key makes the value match nothing. */
export function substituteVariables(value: string, context: RequestContext): string | undefined {
  if (!value.includes("${")) return value;
  let missing = false;
  const out = value.replace(/\$\{([^}]*)\}/g, (_whole, inner: string) => {
    if (inner === "*" || inner === "?" || inner === "$") return inner;
    const [name, fallback] = inner.split(",").map((part) => part.trim());
    const found = context.get((name ?? "").toLowerCase());
    if (found && found.length === 1) return found[0] as string;
    const quoted = fallback ? /^'(.*)'$/.exec(fallback)?.[1] : undefined;
    if (quoted !== undefined) return quoted;
    missing = true;
    return "";
  });
  return missing ? undefined : out;
}

/** Does one operator/key/values triple hold? */
function holds(operatorName: string, key: string, rawValues: unknown, context: RequestContext): boolean {
  const operator = parseOperator(operatorName);
  const policyValues = asList(rawValues as string | string[]).map((value) => String(value));
  const contextValues = context.get(key.toLowerCase());
  const present = contextValues !== undefined && (operator.set !== undefined || contextValues.length > 0);

  if (operator.base === "Null") {
    // "true": the key must be absent; "false": present. Several values: any may match.
    const absent = contextValues === undefined || contextValues.length === 0;
    return policyValues.some((value) => (value.toLowerCase() === "true") === absent);
  }
  const negatedOf = NEGATED[operator.base];
  const compare = POSITIVE[negatedOf ?? operator.base] as Compare;
  if (!present) {
    if (operator.ifExists) return true;
    if (operator.set === "ForAllValues") return true;
    if (operator.set === "ForAnyValue") return false;
    return negatedOf !== undefined;
  }
  const substituted = policyValues.map((value) => (operator.base.startsWith("String") || operator.base.startsWith("Arn") ? substituteVariables(value, context) : value));
  const anyPolicyValue = (contextValue: string) => substituted.some((value) => value !== undefined && compare(contextValue, value));
  const matches = (contextValue: string) => (negatedOf ? !anyPolicyValue(contextValue) : anyPolicyValue(contextValue));
  const values = contextValues as readonly string[];
  if (operator.set === "ForAllValues") return values.every(matches);
  if (operator.set === "ForAnyValue") return values.some(matches);
  // A single-valued operator on a multivalued key: positive — some value matches; negated — none does.
  return negatedOf ? values.every(matches) : values.some(matches);
}

export function conditionsHold(condition: ConditionBlock | undefined, context: RequestContext): boolean {
  if (!condition) return true;
  for (const [operator, block] of Object.entries(condition)) {
    for (const [key, values] of Object.entries(block)) {
      if (!holds(operator, key, values, context)) return false;
    }
  }
  return true;
}
