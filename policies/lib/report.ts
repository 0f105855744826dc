/**
 * Every violation says what is wrong, on which resource, and the fix, in one shape:
 * `<what> [<type> "<name>"]. Fix: <fix>` — reported against the resource's URN so the engine
 * shows it next to that resource.
 *
 * Values unknown during preview are collected instead of reported: a mandatory rule must not
 * block a preview over a value that does not exist yet. After everything known has been
 * reported, `finish()` raises @pulumi/policy's own UnknownValueError naming every value that
 * could not be checked; the engine turns it into an advisory "can't run policy … during
 * preview: … can't be known during preview" note and keeps the violations already reported.
 */
import type { PolicyResource, ReportViolation } from "@pulumi/policy";
import { UNKNOWN, isUnknown } from "./values.js";

export interface Described {
  type: string;
  name: string;
  urn: string;
}

/** A resource as a rule's checks read it: a stack resource (model Res) or a resource validation's Subject. */
export type Checked = Described & { props: Record<string, unknown>; proxied?: unknown };

export function describe(resource: Described): string {
  return `${resource.type} "${resource.name}"`;
}

interface UncheckedValue {
  resource: Described;
  /** The engine's proxied props of the resource (re-read to obtain a genuine UnknownValueError). */
  proxied: unknown;
  path: (string | number)[];
}

export class Reporter {
  private readonly unchecked: UncheckedValue[] = [];
  count = 0;

  constructor(private readonly reportViolation: ReportViolation) {}

  violation(resource: Described | undefined, what: string, fix: string): void {
    this.count++;
    const where = resource ? ` [${describe(resource)}]` : "";
    this.reportViolation(`${what}${where}. Fix: ${fix}`, resource?.urn);
  }

  /** A value this rule needs is unknown during preview: say so at the end instead of guessing. */
  notKnown(resource: Described & { proxied?: unknown }, ...path: (string | number)[]): void {
    this.unchecked.push({ resource, proxied: resource.proxied, path });
  }

  get uncheckedPaths(): string[] {
    return this.unchecked.map((u) => `${u.resource.name}.${u.path.join(".")}`);
  }

  /** Raise the engine's "unknown during preview" error for what could not be checked (if anything). */
  finish(): void {
    if (this.unchecked.length === 0) return;
    const summary = `${this.uncheckedPaths.join(", ")} (not checked: unknown until the resources exist; checked again on pulumi up)`;
    for (const u of this.unchecked) {
      let genuine: unknown;
      try {
        let current: unknown = u.proxied;
        for (const key of u.path) {
          if (current === null || typeof current !== "object") break;
          current = (current as Record<string | number, unknown>)[key];
        }
      } catch (err) {
        genuine = err;
      }
      if (genuine instanceof Error && genuine.constructor.name === "UnknownValueError") {
        const ctor = genuine.constructor as new (sentinel: unknown, props: string[]) => Error;
        const sentinel = (genuine as Error & { unknownTypeSentinel?: unknown }).unknownTypeSentinel;
        try {
          throw new ctor(sentinel, [summary]);
        } catch (err) {
          if (err instanceof Error && err.constructor.name === "UnknownValueError") throw err;
          throw genuine;
        }
      }
    }
    // Outside the engine (no proxy): still stop with the same message rather than pass silently.
    throw new NotKnownDuringPreview(`value at .${summary} can't be known during preview`);
  }
}

/** Raised by finish() when the props were not wrapped by the engine's proxy. */
export class NotKnownDuringPreview extends Error {
  override readonly name = "NotKnownDuringPreview";
}

export { UNKNOWN, isUnknown };
export type { PolicyResource };
