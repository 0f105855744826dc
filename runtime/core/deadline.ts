import { setMaxListeners } from "node:events";

/**
 * An abort signal for a time budget, optionally also following another signal. Every SDK call
 * made under it adds an abort listener, and a failover makes one call per operation in
 * parallel: past ten, Node would print a (false) memory-leak warning into the agent's log. The
 * signal is shared by design, so the listener limit is lifted on it.
 */
export function deadlineSignal(ms: number, also?: AbortSignal): AbortSignal {
  const deadline = AbortSignal.timeout(ms);
  const signal = also ? AbortSignal.any([deadline, also]) : deadline;
  setMaxListeners(0, signal);
  return signal;
}
