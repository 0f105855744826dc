/**
 * The Azure CloudProvider: route tables and NICs through ARM (the Azure SDK's core HTTP pipeline),
 * the Blob state store (@azure/storage-blob) and the VM's identity from Azure IMDS, the token
 * from its managed identity (@azure/identity).
 */
// First: the global Web Crypto the Azure SDKs expect, on Node 18 too.
import "./node18-web-crypto.js";
import type { AzureAgentConfig } from "../config/types.js";
import { azurePollIntervalMs, timeBudgets } from "../config/types.js";
import { HaPairError } from "../core/errors.js";
import type { ObservedState } from "../core/observed.js";
import { isAzureOperation, type AzureOperation, type Operation } from "../core/operations.js";
import type { CallListener, CloudProvider, NodeIdentity, PermissionCheck } from "../core/provider.js";
import { ArmJson, type Json } from "./arm.js";
import { moveIpConfigurations, updateRouteTable } from "./arm-operations.js";
import { BlobStateStore } from "./blob-state-store.js";
import { tracked } from "./calls.js";
import { createBlobService, createArmClient, managedIdentity, resolveAzureSettings, type AzureSettings } from "./clients.js";
import { fetchAzureInstance } from "./identity.js";
import { buildAzureObservedState, observedResources } from "./observe.js";
import { checkAzurePermissions } from "./permissions.js";
import { withArmRetries } from "./retry.js";

export { AZURE_BLOB_DATA_ACTIONS, AZURE_OPERATION_ACTIONS, AZURE_REQUIRED_ACTIONS } from "./required-actions.js";
export { BlobStateStore } from "./blob-state-store.js";
export { resolveAzureSettings, type AzureSettings } from "./clients.js";

export interface AzureProviderOptions {
  onCall?: CallListener;
  env?: NodeJS.ProcessEnv;
}

export interface AzureProvider extends CloudProvider {
  readonly cloud: "azure";
  readonly stateStore: BlobStateStore;
  readonly settings: AzureSettings;
  endpoints(): Promise<{ service: string; url: string }[]>;
  close(): void;
}

export function createAzureProvider(config: AzureAgentConfig, options: AzureProviderOptions = {}): AzureProvider {
  const env = options.env ?? process.env;
  const onCall = options.onCall;
  const budgets = timeBudgets(config);
  const settings = resolveAzureSettings(config, env);
  const credential = managedIdentity(settings, env);
  const client = createArmClient(settings, credential);
  const arm = new ArmJson(client, settings.arm);
  const stateStore = new BlobStateStore(createBlobService(config, settings, credential), {
    ...config.stateStore,
    requestMs: budgets.requestMs,
    ...(onCall ? { onCall } : {}),
  });
  const stepOptions = (signal: AbortSignal) => ({ signal, requestMs: budgets.requestMs, pollMs: azurePollIntervalMs(config) });

  const read = (kind: string, id: string, signal: AbortSignal): Promise<Json> =>
    tracked(onCall, { service: "arm", action: kind, target: id }, () =>
      withArmRetries({ action: `read ${kind.replace(/^Get/, "")}`, resource: id }, signal, () => arm.get(id, { signal, requestMs: budgets.requestMs })),
      (r) => r.attempts,
    ).then((r) => r.value);

  return {
    cloud: "azure",
    settings,
    stateStore,

    async execute(operation: Operation, signal: AbortSignal): Promise<{ attempts: number }> {
      if (!isAzureOperation(operation)) {
        throw new HaPairError({ code: "InternalError", errorClass: "permanent", message: `the Azure provider was handed an AWS operation (${operation.action} ${operation.target})` });
      }
      const run = (op: AzureOperation) => (op.action === "UpdateRouteTable" ? updateRouteTable(arm, op, stepOptions(signal)) : moveIpConfigurations(arm, op, stepOptions(signal)));
      return tracked(onCall, { service: "arm", action: operation.action, target: operation.target }, () => run(operation), (r) => r.attempts);
    },

    async observe(signal: AbortSignal): Promise<ObservedState> {
      const { routeTables, networkInterfaces } = observedResources(config);
      const [tables, nics] = await Promise.all([
        Promise.all(routeTables.map(async (id) => [id, await read("GetRouteTable", id, signal)] as const)),
        Promise.all(networkInterfaces.map(async (id) => [id, await read("GetNetworkInterface", id, signal)] as const)),
      ]);
      return buildAzureObservedState(config, new Map(tables), new Map(nics));
    },

    checkPermissions(operations: Operation[], signal: AbortSignal): Promise<PermissionCheck[]> {
      return checkAzurePermissions(client, settings.arm, operations.filter(isAzureOperation), signal, { requestMs: budgets.requestMs, ...(onCall ? { onCall } : {}) });
    },

    async identity(signal?: AbortSignal): Promise<NodeIdentity> {
      const { instanceId, region, availabilityZone } = await tracked(onCall, { service: "imds", action: "GetInstanceMetadata", target: settings.imds.endpoint }, () =>
        fetchAzureInstance(settings.imds.endpoint, signal, budgets.requestMs),
      );
      return { instanceId, region, ...(availabilityZone ? { availabilityZone } : {}) };
    },

    async endpoints() {
      return [
        { service: "arm", url: settings.arm },
        { service: "blob", url: settings.blob },
        { service: "imds", url: settings.imds.endpoint },
      ];
    },

    close() {
      // The SDK's HTTP agents are per process and keep no server waiting; nothing to close.
    },
  };
}
