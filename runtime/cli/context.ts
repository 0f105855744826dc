import { hostname } from "node:os";
import type { AgentConfig, NodeId } from "../config/types.js";
import { NODE_IDS } from "../config/types.js";
import { loadConfigFile } from "../config/validate.js";
import { createAwsProvider } from "../aws/index.js";
import { lazyAzureProvider } from "./lazy-azure.js";
import type { CloudProvider, NodeIdentity } from "../core/provider.js";
import { CallRecorder } from "../core/recorder.js";
import { UsageError } from "./errors.js";

/** Everything a cloud-facing command needs, built only after the config has validated. */
export interface CommandContext {
  configFile: string;
  config: AgentConfig;
  provider: CloudProvider;
  recorder: CallRecorder;
}

export function requireConfigFlag(value: string | undefined): string {
  if (!value) throw new UsageError("--config FILE is required");
  return value;
}

/**
 * Load and validate the config first: a config that fails validation throws
 * ConfigInvalidError here, before any client exists, so it can make no API call.
 */
export function openContext(configFile: string): CommandContext {
  const config = loadConfigFile(configFile);
  const recorder = new CallRecorder();
  return { configFile, config, recorder, provider: createProvider(config, recorder) };
}

function createProvider(config: AgentConfig, recorder: CallRecorder): CloudProvider {
  switch (config.cloud) {
    case "aws":
      return createAwsProvider(config, { onCall: recorder.record });
    case "azure":
      return lazyAzureProvider(config, { onCall: recorder.record });
  }
}

export function parseNodeFlag(value: string | undefined): NodeId | undefined {
  if (value === undefined) return undefined;
  if (value !== "a" && value !== "b") throw new UsageError(`--activate must be a or b, got "${value}"`);
  return value;
}

/** The node this process runs on, from the instance identity, matched against the config's nodes. */
export function nodeOfIdentity(config: AgentConfig, identity: NodeIdentity): NodeId | undefined {
  return NODE_IDS.find((node) => config.nodes[node].instanceId === identity.instanceId);
}

/** --activate, or else this node (from IMDS). */
export async function resolveActivate(context: CommandContext, flag: string | undefined, signal?: AbortSignal): Promise<{ node: NodeId; identity?: NodeIdentity }> {
  const explicit = parseNodeFlag(flag);
  if (explicit) return { node: explicit };
  const identity = await context.provider.identity(signal);
  const node = nodeOfIdentity(context.config, identity);
  if (!node) {
    throw new UsageError(
      `this instance (${identity.instanceId}) is neither node a (${context.config.nodes.a.instanceId}) nor node b (${context.config.nodes.b.instanceId}) of pair "${context.config.label}" in ${context.configFile}; pass --activate a|b or fix the config`,
    );
  }
  return { node, identity };
}

export function ownerOf(identity: NodeIdentity | undefined): { instanceId?: string; host?: string } {
  return { ...(identity ? { instanceId: identity.instanceId } : {}), host: hostname() };
}
