import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { isIP } from "node:net";
import { Ajv2020, type ErrorObject } from "ajv/dist/2020.js";
import addFormatsModule from "ajv-formats";
import type { AgentConfig } from "./types.js";
import { semanticErrors } from "./semantics.js";

// The schema is a plain JSON file so that it ships in the package and a config can name it in `$schema`.
const require = createRequire(import.meta.url);
export const AGENT_CONFIG_SCHEMA = require("./agent-config.schema.json") as Record<string, unknown>;

/** One reason a config is invalid: where (a JSON pointer into the document) and what is wrong. */
export interface ConfigError {
  path: string;
  message: string;
}

export type ValidationResult = { ok: true; config: AgentConfig } | { ok: false; errors: ConfigError[] };

/** A CIDR's prefix length must fit its family; a prefix list ID is accepted as is. */
export function isRouteDestination(value: string): boolean {
  if (/^pl-([0-9a-f]{8}|[0-9a-f]{17})$/.test(value)) return true;
  const slash = value.indexOf("/");
  if (slash < 0) return false;
  const family = isIP(value.slice(0, slash));
  const prefix = value.slice(slash + 1);
  if (family === 0 || !/^[0-9]{1,3}$/.test(prefix)) return false;
  return Number(prefix) <= (family === 4 ? 32 : 128);
}

const addFormats = addFormatsModule as unknown as (ajv: Ajv2020, formats: string[]) => void;
const ajv = new Ajv2020({ allErrors: true, verbose: true, strict: true });
addFormats(ajv, ["ipv4", "uri"]);
ajv.addFormat("route-destination", { type: "string", validate: isRouteDestination });
const validateSchema = ajv.compile<AgentConfig>(AGENT_CONFIG_SCHEMA);

function describe(error: ErrorObject): string | undefined {
  const description = (error.parentSchema as { description?: unknown } | undefined)?.description;
  return typeof description === "string" ? description : undefined;
}

function toConfigError(error: ErrorObject): ConfigError {
  const at = error.instancePath || "";
  const shown = JSON.stringify(error.data);
  switch (error.keyword) {
    case "required":
      return { path: `${at}/${String(error.params.missingProperty)}`, message: "is required" };
    case "additionalProperties": {
      const allowed = Object.keys((error.parentSchema as { properties?: object }).properties ?? {});
      return {
        path: `${at}/${String(error.params.additionalProperty)}`,
        message: `is not a known property here; allowed: ${allowed.join(", ")}`,
      };
    }
    case "pattern":
    case "format":
    case "const":
    case "enum":
    case "minimum":
    case "maximum": {
      const wanted = describe(error);
      const base = error.params.propertyName !== undefined ? `/${String(error.params.propertyName)}` : "";
      const value = error.params.propertyName !== undefined ? JSON.stringify(error.params.propertyName) : shown;
      if (error.keyword === "enum") {
        const values = (error.params.allowedValues as unknown[]).map((v) => JSON.stringify(v)).join(", ");
        return { path: at + base, message: `must be one of ${values}, got ${value}` };
      }
      return { path: at + base, message: `must be ${wanted ?? error.message ?? "valid"}, got ${value}` };
    }
    case "uniqueItems":
      return {
        path: `${at}/${String(error.params.i)}`,
        message: `repeats ${JSON.stringify((error.data as unknown[])[error.params.i as number])} (also at ${at}/${String(error.params.j)})`,
      };
    case "type":
      return { path: at, message: `must be of type ${String(error.params.type)}, got ${shown}` };
    default:
      return { path: at, message: `${error.message ?? "is invalid"}${describe(error) ? ` (${describe(error)})` : ""}` };
  }
}

/**
 * Validate a parsed document against the schema, then against the rules a schema cannot
 * express (roles that exist on both nodes, no IP or route listed twice, ...). Every error is
 * reported, not just the first, each with its JSON path.
 */
export function validateConfig(document: unknown): ValidationResult {
  if (!validateSchema(document)) {
    // propertyNames reports the failed name twice: once for the pattern, once for itself.
    const errors = (validateSchema.errors ?? []).filter((e) => e.keyword !== "propertyNames").map(toConfigError);
    return { ok: false, errors: dedupe(errors) };
  }
  const errors = semanticErrors(document);
  return errors.length > 0 ? { ok: false, errors } : { ok: true, config: document };
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

/** Thrown for a config that cannot be used; carries every error. The CLI maps it to exit code 2. */
export class ConfigInvalidError extends Error {
  constructor(
    readonly file: string,
    readonly errors: ConfigError[],
  ) {
    super(`${file}: invalid agent config (${errors.length} error${errors.length === 1 ? "" : "s"}):\n` +
      errors.map((e) => `  ${e.path || "/"}: ${e.message}`).join("\n"));
    this.name = "ConfigInvalidError";
  }
}

/** Parse JSON text, reporting a syntax error with its line and column. */
export function parseConfigText(text: string, file: string): AgentConfig {
  let document: unknown;
  try {
    document = JSON.parse(text);
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err);
    const position = /position (\d+)/.exec(message);
    let where = "";
    if (position) {
      const offset = Number(position[1]);
      const before = text.slice(0, offset).split("\n");
      where = ` at line ${before.length}, column ${(before.at(-1)?.length ?? 0) + 1}`;
    }
    throw new ConfigInvalidError(file, [{ path: "", message: `is not valid JSON${where}: ${message}` }]);
  }
  const result = validateConfig(document);
  if (!result.ok) throw new ConfigInvalidError(file, result.errors);
  return result.config;
}

/** Read and validate a config file. Nothing else may run (no API call) before this returns. */
export function loadConfigFile(file: string): AgentConfig {
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new ConfigInvalidError(file, [
      { path: "", message: code === "ENOENT" ? "file not found" : `cannot be read (${code ?? String(err)})` },
    ]);
  }
  return parseConfigText(text, file);
}
