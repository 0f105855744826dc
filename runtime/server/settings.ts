import type { AgentConfig } from "../config/types.js";
import { DEFAULT_AGENT } from "../config/types.js";
import { AgentStartError } from "./token.js";

/** The only address the API may bind to: it moves the pair, so it is never reachable from the network. */
export const LOOPBACK = "127.0.0.1";

export interface AgentSettings {
  address: typeof LOOPBACK;
  /** 0 = an ephemeral port (tests). */
  port: number;
  tokenFile: string;
  stateRefreshMs: number;
  /**
   * The reconcile loop. On by default: without a role command in the config (roleCommand []),
   * the role comes from the state object — this node is "active" only while the latest record
   * names it with SUCCEEDED — so the loop only restores what the state says (drift, a write that
   * landed after its bound) and never takes the pair from the other node.
   */
  reconcile?: { roleCommand: string[]; intervalMs: number; holdDownMs: number; timeoutMs: number };
  /** How long a client may take to send its request headers / its whole request (defaults: HTTP_LIMITS). */
  http?: { headersTimeoutMs: number; requestTimeoutMs: number };
  /** The off-path permission check's schedule (defaults: PERMISSION_CHECK_TIMING). */
  permissionCheck?: { retryMs: number; intervalMs: number };
}

/** Requests to the API are tiny: slow or idle clients must not pin the daemon. */
export const HTTP_LIMITS = { headersTimeoutMs: 10_000, requestTimeoutMs: 30_000 };

/**
 * Each permission check spends tokens of EC2's mutating-call bucket (shared by the whole account
 * and Region): a check that could not be made is retried after retryMs, doubling up to
 * intervalMs, the interval of routine re-checks.
 */
export const PERMISSION_CHECK_TIMING = { retryMs: 60_000, intervalMs: 30 * 60_000 };

export interface AgentFlags {
  port?: string;
  tokenFile?: string;
}

/** The config's `agent` section with its defaults, the command-line flags winning. */
export function agentSettings(config: AgentConfig, flags: AgentFlags = {}): AgentSettings {
  const agent = config.agent ?? {};
  const address = agent.listen?.address ?? LOOPBACK;
  if (address !== LOOPBACK) {
    throw new AgentStartError(`the API may only listen on ${LOOPBACK}, not ${String(address)}`, `remove agent.listen.address or set it to "${LOOPBACK}"`);
  }
  let port: number = agent.listen?.port ?? DEFAULT_AGENT.port;
  if (flags.port !== undefined) {
    if (!/^\d{1,5}$/.test(flags.port) || Number(flags.port) > 65535) {
      throw new AgentStartError(`--port must be a TCP port from 0 to 65535 (0 = any free port), got "${flags.port}"`, "pass e.g. --port 8787");
    }
    port = Number(flags.port);
  }
  const reconcile = agent.reconcile;
  return {
    address: LOOPBACK,
    port,
    tokenFile: flags.tokenFile ?? agent.tokenFile ?? DEFAULT_AGENT.tokenFile,
    stateRefreshMs: (agent.stateRefreshSeconds ?? DEFAULT_AGENT.stateRefreshSeconds) * 1000,
    reconcile: {
      roleCommand: reconcile ? [...reconcile.roleCommand] : [],
      intervalMs: (reconcile?.intervalSeconds ?? DEFAULT_AGENT.reconcile.intervalSeconds) * 1000,
      holdDownMs: (reconcile?.holdDownSeconds ?? DEFAULT_AGENT.reconcile.holdDownSeconds) * 1000,
      timeoutMs: (reconcile?.timeoutSeconds ?? DEFAULT_AGENT.reconcile.timeoutSeconds) * 1000,
    },
  };
}
