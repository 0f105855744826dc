import { Ec2Error, invalidParameterValue } from "./errors.js";
import type { QueryParams } from "./params.js";

/**
 * MaxResults / NextToken paging for Describe calls. The token is the offset of the next page;
 * EC2's tokens are opaque, and ours only need to round-trip through the SDK's paginators.
 */
export function paginate<T>(items: T[], params: QueryParams): { page: T[]; nextToken: string | undefined } {
  const maxResults = params.int("MaxResults");
  const token = params.string("NextToken");
  let offset = 0;
  if (token !== undefined) {
    const decoded = Buffer.from(token, "base64url").toString("utf8");
    if (!/^offset:\d+$/.test(decoded)) throw new Ec2Error("InvalidNextToken", `The token '${token}' is invalid`);
    offset = Number(decoded.slice("offset:".length));
  }
  if (maxResults === undefined) return { page: items.slice(offset), nextToken: undefined };
  if (maxResults < 5 || maxResults > 1000) {
    throw invalidParameterValue(`Value (${maxResults}) for parameter maxResults is invalid. Expecting a value between 5 and 1000.`);
  }
  const end = offset + maxResults;
  return {
    page: items.slice(offset, end),
    nextToken: end < items.length ? Buffer.from(`offset:${end}`, "utf8").toString("base64url") : undefined,
  };
}
