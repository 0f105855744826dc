/** Wildcard matching of actions, resource ARNs and condition values, as IAM does it. */

const regexCache = new Map<string, RegExp>();

function escape(char: string): string {
  return /[\\^$.*+?()[\]{}|/]/.test(char) ? `\\${char}` : char;
}

/** `*` any run of characters, `?` exactly one; the rest literal. */
export function globToRegExp(pattern: string, flags = ""): RegExp {
  const cacheKey = `${flags}\u0000${pattern}`;
  let regex = regexCache.get(cacheKey);
  if (!regex) {
    let source = "";
    for (const char of pattern) source += char === "*" ? ".*" : char === "?" ? "." : escape(char);
    regex = new RegExp(`^${source}$`, `s${flags}`);
    regexCache.set(cacheKey, regex);
  }
  return regex;
}

/** Actions are matched case-insensitively (`EC2:replaceroute` is `ec2:ReplaceRoute`). */
export function actionMatches(pattern: string, action: string): boolean {
  return globToRegExp(pattern, "i").test(action);
}

/** `s3:::bucket/key` splits as arn, partition, service, region, account, resource (which may hold colons). */
export function arnSegments(arn: string): string[] {
  const parts = arn.split(":");
  if (parts.length <= 6) return parts;
  return [...parts.slice(0, 5), parts.slice(5).join(":")];
}

/**
 * The Resource element: case-sensitive; wildcards work within each colon-separated segment, and
 * a `*` that ends a segment may run on across colons ("Using wildcards in resource ARNs").
 */
export function resourceMatches(pattern: string, resource: string): boolean {
  if (pattern === "*") return true;
  const cacheKey = `resource\u0000${pattern}`;
  let regex = regexCache.get(cacheKey);
  if (!regex) {
    const segments = arnSegments(pattern);
    const source = segments
      .map((segment, index) => {
        let out = "";
        for (let i = 0; i < segment.length; i++) {
          const char = segment[i] as string;
          if (char === "*") out += index >= 5 || i === segment.length - 1 ? ".*" : "[^:]*";
          else if (char === "?") out += index >= 5 ? "." : "[^:]";
          else out += escape(char);
        }
        return out;
      })
      .join(":");
    regex = new RegExp(`^${source}$`, "s");
    regexCache.set(cacheKey, regex);
  }
  return regex.test(resource);
}

/** ArnEquals / ArnLike: each of the six segments compared separately, wildcards allowed in each. */
export function arnConditionMatches(pattern: string, value: string): boolean {
  const want = arnSegments(pattern);
  const have = arnSegments(value);
  if (want.length !== 6 || have.length !== 6) return pattern === value;
  return want.every((segment, index) => globToRegExp(segment).test(have[index] as string));
}
