import { isIP } from "node:net";
import { fullFormats } from "ajv-formats/dist/formats.js";
import type { Format, Options } from "ajv/dist/2020.js";

/**
 * What the agent-config schema is compiled with. Shared by the runtime compilation
 * (schema-validator.ts) and the build's standalone precompilation (scripts/build.mjs), which
 * bundles this module and requires it from the generated validator, so both compile the same.
 */
export const AJV_OPTIONS: Options = { allErrors: true, verbose: true, strict: true };

const ID_SUFFIX = "([0-9a-f]{8}|[0-9a-f]{17})";
const PREFIX_LIST_ID = new RegExp(`^pl-${ID_SUFFIX}$`);

/** A CIDR's prefix length must fit its family; a prefix list ID is accepted as is. Host bits may be set. */
export function isRouteDestination(value: string): boolean {
  if (PREFIX_LIST_ID.test(value)) return true;
  const slash = value.indexOf("/");
  if (slash < 0) return false;
  const family = isIP(value.slice(0, slash));
  const prefix = value.slice(slash + 1);
  if (family === 0 || !/^(0|[1-9][0-9]{0,2})$/.test(prefix)) return false;
  return Number(prefix) <= (family === 4 ? 32 : 128);
}

/** An API endpoint: http(s), a host, and nothing the SDKs would drop or leak (credentials, query, fragment). */
export function isEndpointUrl(value: string): boolean {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return false;
  }
  return (url.protocol === "http:" || url.protocol === "https:") && url.hostname !== "" &&
    url.username === "" && url.password === "" && url.search === "" && url.hash === "" &&
    /^https?:\/\/[^/?#\s]/i.test(value);
}

/** An IPv4 CIDR (Azure route address prefixes). Host bits may be set. */
export function isIpv4Prefix(value: string): boolean {
  const slash = value.indexOf("/");
  return slash > 0 && isIP(value.slice(0, slash)) === 4 && /^(0|[1-9][0-9]?)$/.test(value.slice(slash + 1)) && Number(value.slice(slash + 1)) <= 32;
}

/** The `format`s the schema uses. */
export const CONFIG_FORMATS: Record<string, Format> = {
  ipv4: fullFormats.ipv4,
  "route-destination": { type: "string", validate: isRouteDestination },
  "endpoint-url": { type: "string", validate: isEndpointUrl },
  "ipv4-prefix": { type: "string", validate: isIpv4Prefix },
};
