/**
 * The daemon's start-up check that the config's interfaces are its nodes' (issue 9, defect 2):
 * a daemon serving a config with, say, the two nodes' `internal` interfaces swapped would move
 * the pair to the wrong node at every trigger. Refuse to start, naming each JSON path and the
 * fix. When the cloud cannot be read at start, say so and go on: every trigger's failover checks
 * again before fencing when it runs the slow path, and preflight reports it.
 */
import { asHaPairError } from "../core/errors.js";
import type { CloudProvider } from "../core/provider.js";
import type { Logger } from "./logger.js";
import { AgentStartError } from "./token.js";

export async function checkOwnershipAtStart(provider: CloudProvider, signal: AbortSignal, log: Logger): Promise<void> {
  if (!provider.checkConfig) return;
  let problems;
  try {
    const check = await provider.checkConfig(signal);
    problems = check.problems;
    for (const refused of check.refused) {
      log.error({ event: "permission-denied", action: refused.action, permission: refused.permission }, `the config cannot be checked against the cloud: ${refused.detail ?? refused.action}; every trigger would be refused before fencing. Run ha-pair preflight`);
    }
  } catch (err) {
    log.warn({ event: "config-check-failed", error: asHaPairError(err).toJSON() }, "the config could not be checked against the cloud at start; run ha-pair preflight");
    return;
  }
  for (const warning of problems.filter((p) => p.severity === "warning")) {
    log.warn({ event: "config-warning", path: warning.path, resource: warning.resource }, `${warning.path}: ${warning.message} ${warning.fix}`);
  }
  const errors = problems.filter((p) => p.severity === "error");
  if (errors.length === 0) return;
  throw new AgentStartError(
    `the config does not match the cloud: ${errors.map((p) => `${p.path}: ${p.message}`).join("; ")}`,
    `${[...new Set(errors.map((p) => p.fix))].join(" ")} Then run ha-pair preflight.`,
  );
}
