import type { ErrorObject } from "ajv/dist/2020.js";
import type { AgentConfig } from "./types.js";
import { pointerSegment, semanticErrors } from "./semantics.js";
import schemaDocument from "./agent-config.schema.json" with { type: "json" };
import { schemaValidator } from "./schema-validator.js";
import { jsonStructureErrors } from "./json-structure.js";
import { readSmallRegularFile, UnreadableFileError } from "./read-file.js";
import { redactUrlUserinfo } from "./redact.js";

export { isEndpointUrl, isIpv4Prefix, isRouteDestination } from "./formats.js";

export { pointerSegment };

// The schema is a plain JSON file so that it ships in the package and a config can name it in `$schema`;
// the bundler inlines it (no import.meta or file lookup, so the CommonJS bundle works too).
export const AGENT_CONFIG_SCHEMA = schemaDocument as Record<string, unknown>;

/** One reason a config is invalid: where (a JSON pointer into the document) and what is wrong. */
export interface ConfigError {
  path: string;
  message: string;
}

export type ValidationResult = { ok: true; config: AgentConfig } | { ok: false; errors: ConfigError[] };

// Compiled by ajv at startup when run from source; precompiled to standalone code in the bundle
// (scripts/build.mjs), so the agent does not compile the schema on every start.
const validateSchema = schemaValidator;

type SchemaNode = { description?: unknown; $ref?: unknown; properties?: Record<string, SchemaNode> };

/** Follow a local `#/$defs/...` reference of the agent config schema. */
function resolve(schema: SchemaNode | undefined): SchemaNode | undefined {
  const ref = schema?.$ref;
  if (typeof ref !== "string" || !ref.startsWith("#/$defs/")) return schema;
  const defs = AGENT_CONFIG_SCHEMA.$defs as Record<string, SchemaNode>;
  return defs[ref.slice("#/$defs/".length)];
}

function descriptionOf(schema: SchemaNode | undefined): string | undefined {
  const own = schema?.description;
  if (typeof own === "string") return own;
  const target = resolve(schema)?.description;
  return typeof target === "string" ? target : undefined;
}

function describe(error: ErrorObject): string | undefined {
  return descriptionOf(error.parentSchema as SchemaNode | undefined);
}

/** Optimal string alignment distance, for "did you mean" on a mistyped property name. */
function editDistance(a: string, b: string): number {
  const d: number[][] = Array.from({ length: a.length + 1 }, (_, i) => [i, ...Array<number>(b.length).fill(0)]);
  for (let j = 0; j <= b.length; j++) d[0]![j] = j;
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let best = Math.min(d[i - 1]![j]! + 1, d[i]![j - 1]! + 1, d[i - 1]![j - 1]! + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) best = Math.min(best, d[i - 2]![j - 2]! + 1);
      d[i]![j] = best;
    }
  }
  return d[a.length]![b.length]!;
}

function suggest(name: string, allowed: string[]): string | undefined {
  const lower = name.toLowerCase();
  const exact = allowed.find((candidate) => candidate.toLowerCase() === lower);
  if (exact) return exact;
  let best: { candidate: string; distance: number } | undefined;
  for (const candidate of allowed) {
    const distance = editDistance(lower, candidate.toLowerCase());
    if (distance <= Math.max(1, Math.floor(candidate.length / 4)) && (!best || distance < best.distance)) best = { candidate, distance };
  }
  return best?.candidate;
}

const article = (type: string) => (/^[aeiou]/.test(type) ? `an ${type}` : `a ${type}`);
const plural = (n: number, one: string, many: string) => `${n} ${n === 1 ? one : many}`;

function toConfigError(error: ErrorObject): ConfigError {
  const at = error.instancePath || "";
  // Values are echoed so the operator sees what was wrong, but never an endpoint's password.
  const shown = redactUrlUserinfo(JSON.stringify(error.data) ?? String(error.data));
  const wanted = describe(error);
  const about = wanted ? ` (${wanted})` : "";
  switch (error.keyword) {
    case "required": {
      const name = String(error.params.missingProperty);
      const property = (error.parentSchema as SchemaNode).properties?.[name];
      const what = descriptionOf(property);
      return { path: `${at}/${pointerSegment(name)}`, message: `is required${what ? `: ${what}` : ""}` };
    }
    case "additionalProperties": {
      const name = String(error.params.additionalProperty);
      const allowed = Object.keys((error.parentSchema as SchemaNode).properties ?? {});
      const guess = suggest(name, allowed);
      return {
        path: `${at}/${pointerSegment(name)}`,
        message: `is not a known property here${guess ? `; did you mean "${guess}"?` : ""} Allowed: ${allowed.join(", ")}`,
      };
    }
    case "pattern":
    case "format": {
      // A failed interface role name (propertyNames) points at the key itself.
      if (error.propertyName !== undefined) {
        const key = error.propertyName;
        return { path: `${at}/${pointerSegment(key)}`, message: `the key ${JSON.stringify(key)} must be ${wanted ?? "valid"}` };
      }
      return { path: at, message: `must be ${wanted ?? error.message ?? "valid"}, got ${shown}` };
    }
    case "const":
      return { path: at, message: `must be ${wanted ?? JSON.stringify(error.params.allowedValue)}, got ${shown}` };
    case "enum": {
      const values = (error.params.allowedValues as unknown[]).map((v) => JSON.stringify(v)).join(", ");
      return { path: at, message: `must be one of ${values}${about}, got ${shown}` };
    }
    case "minimum":
      return { path: at, message: `must be at least ${String(error.params.limit)}${about}, got ${shown}` };
    case "maximum":
      return { path: at, message: `must be at most ${String(error.params.limit)}${about}, got ${shown}` };
    case "minLength":
      return { path: at, message: `must be at least ${plural(Number(error.params.limit), "character", "characters")} long${about}, got ${shown}` };
    case "maxLength":
      return { path: at, message: `must be at most ${plural(Number(error.params.limit), "character", "characters")} long${about}, got ${String((error.data as string).length)}` };
    case "minItems":
      return { path: at, message: `must list at least ${plural(Number(error.params.limit), "item", "items")}${about}, got none` };
    case "minProperties":
      return { path: at, message: `must have at least ${plural(Number(error.params.limit), "entry", "entries")}${about}, got none` };
    case "uniqueItems":
      return {
        path: `${at}/${String(error.params.i)}`,
        message: `repeats ${JSON.stringify((error.data as unknown[])[error.params.i as number])} (also at ${at}/${String(error.params.j)}); list each once`,
      };
    case "type": {
      const type = String(error.params.type);
      const expected = type === "integer" ? "a whole number" : article(type);
      const got = error.data === null ? "null" : Array.isArray(error.data) ? `an array ${shown}` : shown;
      return { path: at, message: `must be ${expected}${about}, got ${got}` };
    }
    default:
      return { path: at, message: `${error.message ?? "is invalid"}${about}` };
  }
}

/**
 * Validate a parsed document against the schema, then against the rules a schema cannot
 * express (roles that exist on both nodes, no IP or route listed twice, ...). Every error is
 * reported, not just the first, each with its JSON path: the cross-field rules run on every
 * part of the document the schema accepted, so one pass shows all that is wrong.
 */
export function validateConfig(document: unknown): ValidationResult {
  const schemaOk = validateSchema(document);
  // propertyNames reports the failed name twice: once for the pattern, once for itself.
  const schemaErrors = schemaOk ? [] : dedupe(relevant(validateSchema.errors ?? []).map(toConfigError));
  const broken = schemaErrors.map((e) => e.path);
  const errors = [...schemaErrors, ...semanticErrors(document, broken)];
  return errors.length === 0 && schemaOk ? { ok: true, config: document } : { ok: false, errors };
}

/**
 * The errors worth showing: propertyNames reports a failed name twice (once for the pattern,
 * once for itself), and a value of the wrong type needs no further complaint about its range.
 */
function relevant(errors: ErrorObject[]): ErrorObject[] {
  const mistyped = new Set(errors.filter((e) => e.keyword === "type").map((e) => e.instancePath));
  // A cloud's branch reports its own errors; its `if` adds only "must match then schema".
  return errors.filter((e) => e.keyword !== "propertyNames" && e.keyword !== "if" && (e.keyword === "type" || !mistyped.has(e.instancePath) || e.propertyName !== undefined));
}

function dedupe(errors: ConfigError[]): ConfigError[] {
  const seen = new Set<string>();
  return errors.filter((e) => {
    const key = `${e.path}\u0000${e.message}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

/** At most this many errors are listed: a file with a million mistakes must not print a million lines. */
export const MAX_LISTED_ERRORS = 50;

/**
 * Thrown for a config that cannot be used; carries the first MAX_LISTED_ERRORS errors and how
 * many more there were. The CLI maps it to exit code 2.
 */
export class ConfigInvalidError extends Error {
  readonly errors: ConfigError[];
  /** Errors found but not listed. */
  readonly omitted: number;

  constructor(
    readonly file: string,
    allErrors: ConfigError[],
  ) {
    const errors = allErrors.slice(0, MAX_LISTED_ERRORS);
    const omitted = allErrors.length - errors.length;
    super(`${file}: invalid agent config (${allErrors.length} error${allErrors.length === 1 ? "" : "s"}):\n` +
      errors.map((e) => `  ${e.path || "/"}: ${e.message}`).join("\n") +
      (omitted > 0 ? `\n  ... and ${omitted} more not listed: fix the ones above and validate again` : ""));
    this.name = "ConfigInvalidError";
    this.errors = errors;
    this.omitted = omitted;
  }
}

/** Where and why JSON text is malformed, located by a strict scanner (JSON.parse does not always say where). */
export function locateJsonSyntaxError(text: string): { offset: number; reason: string } | undefined {
  let i = 0;
  class Stop {
    constructor(readonly offset: number, readonly reason: string) {}
  }
  const found = () => (i >= text.length ? "the end of the document" : JSON.stringify(text[i]));
  const fail = (expected: string): never => {
    throw new Stop(i, `expected ${expected}, found ${found()}`);
  };
  const ws = () => {
    while (i < text.length && " \t\n\r".includes(text[i]!)) i++;
  };
  const string = () => {
    i++; // opening quote
    for (;;) {
      if (i >= text.length) throw new Stop(i, "a string is not closed (missing \")");
      const c = text.charCodeAt(i);
      if (c === 0x22) { i++; return; }
      if (c < 0x20) throw new Stop(i, "a string contains a raw control character (line break or tab); write it as \\n or \\t");
      if (c === 0x5c) {
        const next = text[i + 1];
        if (next === "u" && /^[0-9a-fA-F]{4}$/.test(text.slice(i + 2, i + 6))) i += 6;
        else if (next !== undefined && `"\\/bfnrt`.includes(next)) i += 2;
        else throw new Stop(i, "a string contains an invalid escape (allowed: \\\" \\\\ \\/ \\b \\f \\n \\r \\t \\uXXXX)");
      } else i++;
    }
  };
  const value = (): void => {
    ws();
    const c = text[i];
    if (c === "{") {
      i++; ws();
      if (text[i] === "}") { i++; return; }
      for (;;) {
        ws();
        if (text[i] !== "\"") fail(text[i] === "}" ? "another property after the comma (remove the trailing comma)" : "a property name in double quotes");
        string(); ws();
        if (text[i] !== ":") fail("\":\" after the property name");
        i++;
        value(); ws();
        if (text[i] === ",") { i++; continue; }
        if (text[i] === "}") { i++; return; }
        fail("\",\" or \"}\" after a property value");
      }
    }
    if (c === "[") {
      i++; ws();
      if (text[i] === "]") { i++; return; }
      for (;;) {
        ws();
        if (text[i] === "]") fail("another item after the comma (remove the trailing comma)");
        value(); ws();
        if (text[i] === ",") { i++; continue; }
        if (text[i] === "]") { i++; return; }
        fail("\",\" or \"]\" after an array item");
      }
    }
    if (c === "\"") return string();
    const number = /^-?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?/.exec(text.slice(i, i + 400));
    if (number && number[0] !== "-" && number[0] !== "") { i += number[0].length; return; }
    for (const literal of ["true", "false", "null"]) {
      if (text.startsWith(literal, i)) { i += literal.length; return; }
    }
    fail("a value (a string in double quotes, number, true, false, null, object or array)");
  };
  try {
    value();
    ws();
    if (i < text.length) fail("the end of the document after the top-level value");
    return undefined;
  } catch (err) {
    if (err instanceof Stop) return { offset: err.offset, reason: err.reason };
    throw err;
  }
}

/** 1-based line and column (in UTF-16 code units) of an offset into text. */
export function lineAndColumn(text: string, offset: number): { line: number; column: number } {
  const before = text.slice(0, offset).split("\n");
  return { line: before.length, column: (before.at(-1)?.length ?? 0) + 1 };
}

/** Parse JSON text (a leading UTF-8 byte order mark is ignored), reporting a syntax error with its line and column. */
export function parseConfigText(text: string, file: string): AgentConfig {
  const body = text.startsWith("\uFEFF") ? text.slice(1) : text;
  let document: unknown;
  try {
    document = JSON.parse(body);
  } catch (err) {
    let located: { offset: number; reason: string } | undefined;
    try {
      located = locateJsonSyntaxError(body);
    } catch {
      located = undefined; // pathologically deep nesting: fall back to JSON.parse's own words
    }
    const message = located
      ? (({ line, column }) => `is not valid JSON: line ${line}, column ${column}: ${located.reason}`)(lineAndColumn(body, located.offset))
      : `is not valid JSON: ${err instanceof Error ? err.message : String(err)}`;
    throw new ConfigInvalidError(file, [{ path: "", message }]);
  }
  const structure = jsonStructureErrors(body);
  if (structure.length > 0) throw new ConfigInvalidError(file, structure);
  const result = validateConfig(document);
  if (!result.ok) throw new ConfigInvalidError(file, result.errors);
  return result.config;
}

/** Read and validate a config file (a regular file of at most 1 MiB). Nothing else may run (no API call) before this returns. */
export function loadConfigFile(file: string): AgentConfig {
  let text: string;
  try {
    text = readSmallRegularFile(file);
  } catch (err) {
    if (!(err instanceof UnreadableFileError)) throw err;
    throw new ConfigInvalidError(file, [{ path: "", message: err.message }]);
  }
  return parseConfigText(text, file);
}
