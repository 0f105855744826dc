/**
 * Whether a route destination lies inside a CIDR (CFE's scopingAddressRanges), IPv4 and IPv6.
 * A prefix list destination (pl-...) is inside only a range equal to it.
 */
import { isIP } from "node:net";
import { expandIpv6 } from "../config/semantics.js";

function toBigInt(ip: string): { value: bigint; bits: number } | undefined {
  const family = isIP(ip);
  if (family === 4) return { value: ip.split(".").reduce((acc, part) => (acc << 8n) + BigInt(Number(part)), 0n), bits: 32 };
  if (family !== 6) return undefined;
  return { value: expandIpv6(ip).reduce((acc, group) => (acc << 16n) + BigInt(group), 0n), bits: 128 };
}

function parseCidr(cidr: string): { value: bigint; bits: number; prefix: number } | undefined {
  const [ip = "", prefixText] = cidr.split("/");
  const address = toBigInt(ip);
  if (!address) return undefined;
  const prefix = prefixText === undefined ? address.bits : Number(prefixText);
  if (!Number.isInteger(prefix) || prefix < 0 || prefix > address.bits) return undefined;
  return { ...address, prefix };
}

export function cidrContains(range: string, destination: string): boolean {
  if (range === destination) return true;
  const outer = parseCidr(range);
  const inner = parseCidr(destination);
  if (!outer || !inner || outer.bits !== inner.bits || inner.prefix < outer.prefix) return false;
  const shift = BigInt(outer.bits - outer.prefix);
  return outer.value >> shift === inner.value >> shift;
}
