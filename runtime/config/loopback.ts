import { isIP } from "node:net";

/**
 * 127.0.0.0/8, ::1 and localhost: a token sent there never leaves the machine. One rule for the
 * config check (plain http endpoints) and the agent's bearer-token policy.
 */
export function isLoopbackHost(hostname: string): boolean {
  const host = hostname.replace(/^\[|\]$/g, "").toLowerCase();
  if (host === "localhost") return true;
  if (isIP(host) === 4) return host.startsWith("127.");
  return host === "::1" || host === "0:0:0:0:0:0:0:1";
}
