import { invalidParameterValue, missingParameter } from "./errors.js";

export interface RequestedFilter {
  name: string;
  values: string[];
}

export interface RequestedTag {
  key: string;
  /** Absent when the request named only the key (DeleteTags: delete whatever the value). */
  value: string | undefined;
}

/**
 * Typed access to the EC2 Query parameters. Lists arrive flattened as `Name.1`, `Name.2`, ...
 * and structures as `Name.1.Member`; order follows the index, not the body.
 */
export class QueryParams {
  constructor(private readonly params: URLSearchParams) {}

  string(name: string): string | undefined {
    return this.params.get(name) ?? undefined;
  }

  requiredString(name: string): string {
    const value = this.string(name);
    if (value === undefined || value === "") throw missingParameter(name);
    return value;
  }

  bool(name: string): boolean | undefined {
    const value = this.string(name);
    if (value === undefined) return undefined;
    const lowered = value.toLowerCase();
    if (lowered === "true") return true;
    if (lowered === "false") return false;
    throw invalidParameterValue(`Value (${value}) for parameter ${name} is invalid. Expected: 'boolean'.`);
  }

  int(name: string): number | undefined {
    const value = this.string(name);
    if (value === undefined) return undefined;
    if (!/^-?\d+$/.test(value)) {
      throw invalidParameterValue(`Value (${value}) for parameter ${name} is invalid. Expected: 'integer'.`);
    }
    return Number(value);
  }

  /** `Prefix.1`, `Prefix.2`, ... in index order. */
  list(prefix: string): string[] {
    return this.indexes(prefix).map((index) => this.params.get(`${prefix}.${index}`) ?? "");
  }

  filters(): RequestedFilter[] {
    return this.indexes("Filter").map((index) => {
      const name = this.string(`Filter.${index}.Name`);
      if (name === undefined) throw missingParameter(`Filter.${index}.Name`);
      return { name, values: this.list(`Filter.${index}.Value`) };
    });
  }

  tags(prefix = "Tag"): RequestedTag[] {
    return this.indexes(prefix).map((index) => {
      const key = this.string(`${prefix}.${index}.Key`);
      if (key === undefined) throw missingParameter(`${prefix}.${index}.Key`);
      return { key, value: this.string(`${prefix}.${index}.Value`) };
    });
  }

  /** The distinct N of every `prefix.N` or `prefix.N.member` parameter, ascending. */
  private indexes(prefix: string): number[] {
    const found = new Set<number>();
    const head = `${prefix}.`;
    for (const key of this.params.keys()) {
      if (!key.startsWith(head)) continue;
      const indexText = key.slice(head.length).split(".")[0]!;
      if (!/^\d+$/.test(indexText)) continue;
      found.add(Number(indexText));
    }
    return [...found].sort((left, right) => left - right);
  }
}
