import { createHash } from "node:crypto";

/**
 * Resource IDs as EC2 issues them: a type prefix and 17 lowercase hex digits. They are derived
 * from a seed and a counter, so a simulated run issues the same IDs every time.
 */
export class IdGenerator {
  private counter = 0;
  constructor(private readonly seed: string) {}

  next(prefix: string): string {
    this.counter += 1;
    const digest = createHash("sha256").update(`${this.seed}:${prefix}:${this.counter}`).digest("hex");
    return `${prefix}-${digest.slice(0, 17)}`;
  }
}

/** EC2 accepts the legacy 8-digit and the current 17-digit forms. */
export function isWellFormedId(prefix: string, id: string): boolean {
  return new RegExp(`^${prefix}-([0-9a-f]{8}|[0-9a-f]{17})$`).test(id);
}

/** A deterministic, locally administered MAC address for an interface (IMDS keys interfaces by MAC). */
export function macAddressFor(networkInterfaceId: string): string {
  const digest = createHash("sha256").update(networkInterfaceId).digest("hex");
  const octets = ["0e"];
  for (let index = 0; index < 5; index++) octets.push(digest.slice(index * 2, index * 2 + 2));
  return octets.join(":");
}
