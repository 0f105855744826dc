/**
 * The AWS CloudProvider: EC2 mutations and reads, the S3 state store and the IMDSv2 identity,
 * on the modular AWS SDK v3 clients configured in clients.ts.
 */
// The AWS half of the config union, under the name this module has always used.
import type { AwsAgentConfig as AgentConfig } from "../config/types.js";
import { HaPairError } from "../core/errors.js";
import type { ObservedState } from "../core/observed.js";
import { isAzureOperation, type AwsOperation, type Operation } from "../core/operations.js";
import type { CallListener, CloudProvider, NodeIdentity, PermissionCheck } from "../core/provider.js";
import { tracked } from "./calls.js";
import { createAwsClients, resolveAwsSettings, resolvedEndpoints, type AwsSettings } from "./clients.js";
import { operationArns, operationTarget, sendOperation } from "./ec2-operations.js";
import { classifyAwsError, deadlineError } from "./errors.js";
import { fetchIdentity, withSignal, type InstanceIdentity } from "./identity.js";
import { buildObservedState, ownerAccount, readResources } from "./observe.js";
import { checkOperationPermissions } from "./permissions.js";
import { SubnetAssociations } from "./route-table-associations.js";
import { checkConfigAgainstCloud } from "./config-check.js";
import { S3StateStore } from "./s3-state-store.js";

export { AWS_REQUIRED_ACTIONS, AWS_S3_BUCKET_ACTIONS } from "./required-actions.js";
export { classifyAwsError, type AwsErrorContext } from "./errors.js";
export { resolveAwsSettings, type AwsSettings } from "./clients.js";
export { S3StateStore } from "./s3-state-store.js";

export interface AwsProviderOptions {
  onCall?: CallListener;
  /** The environment to read AWS_* settings from; process.env by default. */
  env?: NodeJS.ProcessEnv;
}

export interface AwsProvider extends CloudProvider {
  readonly cloud: "aws";
  readonly stateStore: S3StateStore;
  /** Where the clients send their requests, and why (for `ha-pair preflight` and support). */
  readonly settings: AwsSettings;
  /** The API endpoints the clients will call (after env and config overrides), for preflight. */
  endpoints(): Promise<{ service: string; url: string }[]>;
  /** Close the keep-alive connections (tests, one-shot commands). */
  close(): void;
}

export function createAwsProvider(config: AgentConfig, options: AwsProviderOptions = {}): AwsProvider {
  const env = options.env ?? process.env;
  const onCall = options.onCall;
  const settings = resolveAwsSettings(config, env);
  // Learned as the provider works, for ARNs in messages; never needed to make a call.
  const known: { region?: string; account?: string } = settings.region ? { region: settings.region.value } : {};

  let identityOnce: Promise<InstanceIdentity> | undefined;
  const instanceIdentity = (): Promise<InstanceIdentity> => {
    // Fetched once per process (an instance's identity does not change); a failure is not
    // remembered, so the next call tries again.
    identityOnce ??= fetchIdentity(settings.imds, undefined, settings.requestMs).then(
      (id) => {
        known.region ??= id.region;
        if (id.accountId) known.account ??= id.accountId;
        return id;
      },
      (err: unknown) => {
        identityOnce = undefined;
        throw err;
      },
    );
    return identityOnce;
  };
  const region = async (): Promise<string> => {
    if (settings.region) return settings.region.value;
    try {
      return (await instanceIdentity()).region;
    } catch (err) {
      if (!(err instanceof HaPairError)) throw err;
      // Say why IMDS was asked at all: a command given --activate still needs a region.
      throw new HaPairError({
        code: err.code,
        errorClass: err.errorClass,
        message: `No region is configured (config.region, AWS_REGION), so it was to come from the instance identity. ${err.message}`,
        ...(err.resource ? { resource: err.resource } : {}),
        fix: `Set "region" in the config or AWS_REGION. ${err.fix ?? ""}`.trim(),
        cause: err,
      });
    }
  };

  const clients = createAwsClients(settings, region, env);
  const stateStore = new S3StateStore(clients.s3, {
    bucket: config.stateStore.bucket,
    key: config.stateStore.key,
    ...(onCall ? { onCall } : {}),
    region: () => known.region,
  });
  const regionField = () => (known.region ? { region: known.region } : {});
  const associations = new SubnetAssociations(clients.ec2, config, onCall);

  return {
    cloud: "aws",
    settings,
    stateStore,

    async execute(operation: Operation, signal: AbortSignal): Promise<{ attempts: number }> {
      if (isAzureOperation(operation)) throw foreignOperation(operation);
      const target = operationTarget(operation);
      try {
        if (operation.action === "ReplaceRouteTableAssociation") return await associations.swap(operation, signal, target);
        const output = await tracked(onCall, { service: "ec2", action: operation.action, target }, () => sendOperation(clients.ec2, operation, signal));
        return { attempts: output.$metadata.attempts ?? 1 };
      } catch (err) {
        const context = { action: operation.action, target, resourceArns: operationArns(operation, known.region, known.account), ...regionField() };
        throw signal.aborted ? deadlineError(context, err) : classifyAwsError(err, context);
      }
    },

    async observe(signal: AbortSignal, options: { twinTables?: boolean } = {}): Promise<ObservedState> {
      const resources = await readResources(clients.ec2, config, signal, onCall, (err, action, target) =>
        signal.aborted ? deadlineError({ action, target }, err) : classifyAwsError(err, { action, target, ...regionField() }),
      options);
      known.account ??= ownerAccount(resources);
      associations.learn(resources.routeTables);
      return buildObservedState(config, resources);
    },

    checkConfig(signal: AbortSignal) {
      return checkConfigAgainstCloud(clients.ec2, config, signal, { ...(onCall ? { onCall } : {}), region: () => known.region, account: () => known.account }, (err, action, target) =>
        signal.aborted ? deadlineError({ action, target }, err) : classifyAwsError(err, { action, target, ...regionField() }),
      );
    },

    checkPermissions(operations: Operation[], signal: AbortSignal): Promise<PermissionCheck[]> {
      const foreign = operations.find(isAzureOperation);
      if (foreign) return Promise.reject(foreignOperation(foreign));
      return checkOperationPermissions(clients.ec2, operations as AwsOperation[], signal, { ...(onCall ? { onCall } : {}), region: () => known.region, account: () => known.account, endpoint: () => settings.ec2.effective, associationId: (op, s) => associations.idFor(op, s) });
    },

    async prefetch(operations: Operation[], signal: AbortSignal): Promise<void> {
      // The association IDs a swap needs, read before the trigger rather than on its critical path.
      const swaps = operations.filter((op) => op.action === "ReplaceRouteTableAssociation");
      if (swaps.some((op) => !associations.known(op.subnetId))) await associations.refresh(signal);
    },

    async identity(signal?: AbortSignal): Promise<NodeIdentity> {
      const { instanceId, region: idRegion, availabilityZone } = await withSignal(instanceIdentity(), signal, settings.imds.endpoint);
      return { instanceId, region: idRegion, ...(availabilityZone ? { availabilityZone } : {}) };
    },

    endpoints() {
      return resolvedEndpoints(clients, config.stateStore.bucket);
    },

    close() {
      clients.destroy();
    },
  };
}

/** A plan made for another cloud reached this provider: a bug, never a cloud error. */
function foreignOperation(operation: Operation): HaPairError {
  return new HaPairError({ code: "InternalError", errorClass: "permanent", message: `the AWS provider was handed an Azure operation (${operation.action} ${operation.target})` });
}
