/**
 * The Azure provider, loaded on first use. The Azure SDKs (storage-blob, MSAL, core-client) are
 * ~1 MB of the agent bundle; evaluating them at every start would slow every AWS command's cold
 * start too. Here nothing of them runs until an Azure pair makes its first call: the bundle
 * keeps them behind a lazy module initializer (a dynamic import, which the build turns into a
 * require on first use).
 */
import type { AzureAgentConfig } from "../config/types.js";
import type { CallListener, CloudProvider } from "../core/provider.js";
import type { PairState, StateStore, WriteCondition } from "../core/state.js";

export function lazyAzureProvider(config: AzureAgentConfig, options: { onCall?: CallListener }): CloudProvider {
  let loaded: Promise<CloudProvider> | undefined;
  const provider = (): Promise<CloudProvider> => (loaded ??= import("../azure/index.js").then((m) => m.createAzureProvider(config, options)));
  const blobBase = (config.endpoints?.blob ?? `https://${config.stateStore.account}.blob.core.windows.net`).replace(/\/+$/, "");
  const stateStore: StateStore = {
    location: `${blobBase}/${config.stateStore.container}/${config.stateStore.blob}`,
    read: async (signal?: AbortSignal) => (await provider()).stateStore.read(signal),
    write: async (state: PairState, condition: WriteCondition, signal?: AbortSignal) => (await provider()).stateStore.write(state, condition, signal),
    remove: async (signal?: AbortSignal) => (await provider()).stateStore.remove(signal),
    probeWrite: async (signal?: AbortSignal) => (await provider()).stateStore.probeWrite(signal),
  };
  return {
    cloud: "azure",
    stateStore,
    execute: async (operation, signal) => (await provider()).execute(operation, signal),
    observe: async (signal) => (await provider()).observe(signal),
    checkPermissions: async (operations, signal) => (await provider()).checkPermissions(operations, signal),
    identity: async (signal) => (await provider()).identity(signal),
    endpoints: async () => (await provider()).endpoints?.() ?? [],
  };
}
