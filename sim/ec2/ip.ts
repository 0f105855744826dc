/** IPv4 arithmetic for subnet membership and the addresses AWS reserves in every subnet. */

export interface Ipv4Cidr {
  /** Network address as an unsigned 32-bit integer. */
  network: number;
  prefixLength: number;
}

const IPV4_PATTERN = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/;

export function parseIpv4(text: string): number | null {
  const match = IPV4_PATTERN.exec(text);
  if (!match) return null;
  let value = 0;
  for (let octetIndex = 1; octetIndex <= 4; octetIndex++) {
    const octetText = match[octetIndex]!;
    // "010" is not a valid dotted-quad octet; EC2 rejects leading zeros.
    if (octetText.length > 1 && octetText.startsWith("0")) return null;
    const octet = Number(octetText);
    if (octet > 255) return null;
    value = value * 256 + octet;
  }
  return value;
}

export function formatIpv4(value: number): string {
  return [24, 16, 8, 0].map((shift) => Math.floor(value / 2 ** shift) % 256).join(".");
}

function blockSize(prefixLength: number): number {
  return 2 ** (32 - prefixLength);
}

/** Parses "a.b.c.d/n". With `requireAligned`, host bits must be zero, as EC2 demands of route destinations. */
export function parseIpv4Cidr(text: string, requireAligned = true): Ipv4Cidr | null {
  const slash = text.indexOf("/");
  if (slash < 0) return null;
  const address = parseIpv4(text.slice(0, slash));
  const prefixText = text.slice(slash + 1);
  if (address === null || !/^\d{1,2}$/.test(prefixText)) return null;
  const prefixLength = Number(prefixText);
  if (prefixLength > 32) return null;
  const size = blockSize(prefixLength);
  const network = Math.floor(address / size) * size;
  if (requireAligned && network !== address) return null;
  return { network, prefixLength };
}

export function cidrContains(cidr: Ipv4Cidr, address: number): boolean {
  return address >= cidr.network && address < cidr.network + blockSize(cidr.prefixLength);
}

/**
 * AWS reserves the first four addresses (network, VPC router, DNS, future use) and the last
 * (broadcast) of every subnet; none of them can be assigned to an interface.
 */
export function isReservedInSubnet(cidr: Ipv4Cidr, address: number): boolean {
  const offset = address - cidr.network;
  return offset < 4 || offset === blockSize(cidr.prefixLength) - 1;
}

/** The assignable addresses of a subnet, lowest first. */
export function* assignableAddresses(cidr: Ipv4Cidr): Generator<number> {
  const last = cidr.network + blockSize(cidr.prefixLength) - 1;
  for (let address = cidr.network + 4; address < last; address++) yield address;
}

/** A loose IPv6 CIDR check: enough to tell the destination kinds apart and reject garbage. */
export function isIpv6Cidr(text: string): boolean {
  return /^[0-9a-fA-F:]+\/\d{1,3}$/.test(text) && text.includes(":");
}
