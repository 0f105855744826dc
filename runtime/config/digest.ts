import { createHash } from "node:crypto";
import type { AgentConfig } from "./types.js";

/** JSON with object keys sorted at every level: the same document gives the same text, whatever its layout. */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(",")}]`;
  if (value !== null && typeof value === "object") {
    const entries = Object.keys(value as Record<string, unknown>)
      .filter((key) => (value as Record<string, unknown>)[key] !== undefined)
      .sort()
      .map((key) => `${JSON.stringify(key)}:${canonicalJson((value as Record<string, unknown>)[key])}`);
    return `{${entries.join(",")}}`;
  }
  return JSON.stringify(value);
}

/**
 * "sha256:<hex>" of the canonical config, so an operator can tell at a glance whether both
 * nodes (and the stack that generated them) run the same config. `$schema` is left out: it
 * only tells editors where the schema is and changes nothing the agent does.
 */
export function configDigest(config: AgentConfig): string {
  const { $schema: _ignored, ...rest } = config;
  return `sha256:${createHash("sha256").update(canonicalJson(rest)).digest("hex")}`;
}
