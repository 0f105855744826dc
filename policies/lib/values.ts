/**
 * Reading resource properties the way the engine hands them over. During `pulumi preview`
 * some values are not known yet; @pulumi/policy wraps `props` in a proxy that throws on the
 * first unknown it meets, which would abort a whole stack rule at the first unknown value.
 * The rules therefore read the unwrapped properties, test each value they use for the
 * engine's unknown sentinels themselves, keep checking everything that is known, and say at
 * the end which values they could not check (see report.ts).
 */

/**
 * The engine's sentinels for values unknown during preview (the same strings the Pulumi engine
 * and @pulumi/policy use on the wire for unknown boolean, number, string, array, asset,
 * archive and object values).
 */
export const UNKNOWN_SENTINELS: ReadonlySet<string> = new Set([
  "1c4a061d-8072-4f0a-a4cb-0ff528b18fe7",
  "3eeb2bf0-c639-47a8-9e75-3b44932eb421",
  "04da6b54-80e4-46f7-96ec-b56ff0331ba9",
  "6a19a0b0-7e62-4c92-b797-7f8e31da9cc2",
  "030794c1-ac77-496b-92df-f27374a8bd58",
  "e48ece36-62e2-4504-bad9-02848725956a",
  "dd056dcd-154b-4c76-9bd3-c8f88648b5ff",
]);

/** Marks a value the rules could not read because it is unknown during preview. */
export const UNKNOWN: unique symbol = Symbol("unknown during preview");
export type Unknown = typeof UNKNOWN;

export function isUnknown(value: unknown): boolean {
  return typeof value === "string" && UNKNOWN_SENTINELS.has(value);
}

/** True when the value or anything inside it is unknown. */
export function containsUnknown(value: unknown): boolean {
  if (isUnknown(value)) return true;
  if (Array.isArray(value)) return value.some(containsUnknown);
  if (value !== null && typeof value === "object") return Object.values(value).some(containsUnknown);
  return false;
}

/** @pulumi/policy's proxy hands out its target under this key (policy 1.x). */
const PROXY_TARGET = "__getSpecialProxyTarget";

/** The plain object behind @pulumi/policy's unknown-checking proxy (or the value itself). */
export function unwrap<T>(value: T): T {
  if (value !== null && typeof value === "object") {
    const target = (value as Record<string, unknown>)[PROXY_TARGET];
    if (target !== undefined && target !== null && typeof target === "object") return target as T;
  }
  return value;
}

export type Props = Record<string, unknown>;

/** A property by path; UNKNOWN when it (or a container on the way) is unknown. */
export function get(props: unknown, ...path: (string | number)[]): unknown {
  let current: unknown = props;
  for (const key of path) {
    if (isUnknown(current)) return UNKNOWN;
    if (current === null || typeof current !== "object") return undefined;
    current = (current as Record<string | number, unknown>)[key];
  }
  return isUnknown(current) ? UNKNOWN : current;
}

export function asString(value: unknown): string | undefined {
  return typeof value === "string" && !isUnknown(value) ? value : undefined;
}

export function asArray(value: unknown): unknown[] | Unknown | undefined {
  if (value === UNKNOWN || isUnknown(value)) return UNKNOWN;
  return Array.isArray(value) ? value : undefined;
}

/** A tag map (AWS `tags`/`tagsAll`, Azure `tags`); UNKNOWN when the map itself is unknown. */
export function asTags(value: unknown): Record<string, string> | Unknown | undefined {
  if (value === UNKNOWN || isUnknown(value)) return UNKNOWN;
  if (typeof value === "string") {
    // Provider configuration (default tags) arrives JSON-encoded.
    try {
      return asTags(JSON.parse(value));
    } catch {
      return undefined;
    }
  }
  if (value === null || typeof value !== "object" || Array.isArray(value)) return undefined;
  const tags: Record<string, string> = {};
  for (const [key, v] of Object.entries(value)) if (typeof v === "string") tags[key] = v;
  return tags;
}

/** Case-insensitive glob match with IAM's and Azure's wildcards: `*` any run, `?` one character. */
export function globMatch(pattern: string, value: string): boolean {
  const source = pattern
    .split("")
    .map((c) => (c === "*" ? ".*" : c === "?" ? "." : c.replace(/[.+^${}()|[\]\\/]/g, "\\$&")))
    .join("");
  return new RegExp(`^${source}$`, "i").test(value);
}

export function hasWildcard(value: string): boolean {
  return value.includes("*") || value.includes("?");
}

export function unique<T>(values: Iterable<T>): T[] {
  return [...new Set(values)];
}
