import { invalidParameterValue } from "./errors.js";
import type { RequestedFilter } from "./params.js";
import type { Ec2State, Tags } from "./state.js";

/** The values a resource has for one filter name; the filter matches if any of them matches. */
export type FilterValues<T> = (resource: T, state: Readonly<Ec2State>) => Iterable<string | number | boolean | undefined>;
export type FilterTable<T> = Record<string, FilterValues<T>>;

/**
 * EC2's Describe filter semantics: a resource is returned when, for every filter, one of its
 * values matches one of the filter's values (`*` and `?` are wildcards). tag:KEY, tag-key and
 * tag-value work on every tagged resource; an unknown filter name is an error.
 */
export function applyFilters<T>(
  resources: T[],
  filters: RequestedFilter[],
  table: FilterTable<T>,
  state: Readonly<Ec2State>,
  tagsOf: (resource: T) => Tags,
): T[] {
  const predicates = filters.map((filter) => {
    const values = valuesFor(filter.name, table, tagsOf);
    const patterns = filter.values.map(wildcardPattern);
    return (resource: T) => {
      for (const value of values(resource, state)) {
        if (value === undefined) continue;
        const text = String(value);
        if (patterns.some((pattern) => pattern.test(text))) return true;
      }
      return false;
    };
  });
  return resources.filter((resource) => predicates.every((matches) => matches(resource)));
}

function valuesFor<T>(name: string, table: FilterTable<T>, tagsOf: (resource: T) => Tags): FilterValues<T> {
  if (name.startsWith("tag:")) {
    const key = name.slice("tag:".length);
    return (resource) => [tagsOf(resource)[key]];
  }
  if (name === "tag-key") return (resource) => Object.keys(tagsOf(resource));
  if (name === "tag-value") return (resource) => Object.values(tagsOf(resource));
  const values = table[name];
  if (!values) throw invalidParameterValue(`The filter '${name}' is invalid`);
  return values;
}

function wildcardPattern(value: string): RegExp {
  const escaped = value.replace(/[.+^${}()|[\]\\]/g, "\\$&").replace(/\*/g, ".*").replace(/\?/g, ".");
  return new RegExp(`^${escaped}$`, "s");
}

/**
 * Selects resources by an explicit ID list (all must exist, or the call fails naming the
 * missing ones), then by filters.
 */
export function selectByIds<T>(all: Record<string, T>, ids: string[], onMissing: (missing: string[]) => Error): T[] {
  if (ids.length === 0) return Object.values(all);
  const missing = ids.filter((id) => !(id in all));
  if (missing.length > 0) throw onMissing([...new Set(missing)]);
  return [...new Set(ids)].map((id) => all[id]!);
}
