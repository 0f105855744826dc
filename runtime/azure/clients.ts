/**
 * Where the Azure agent sends its requests and with which credential. Settings come from the
 * standard Azure SDK environment variables first (AZURE_CLIENT_ID, AZURE_POD_IDENTITY_AUTHORITY_HOST),
 * then the config's endpoints, then Azure's public-cloud defaults.
 */
import type { TokenCredential } from "@azure/core-auth";
import { ServiceClient } from "@azure/core-client";
import { ManagedIdentityCredential } from "@azure/identity";
import { BlobServiceClient, StorageSharedKeyCredential } from "@azure/storage-blob";
import type { AzureAgentConfig } from "../config/types.js";
import { timeBudgets } from "../config/types.js";
import { fastPollPolicy, isLoopbackHost, loopbackAwareBearerPolicy } from "./loopback-bearer-policy.js";

export const ARM_SCOPE = "https://management.azure.com/.default";
export const DEFAULT_ARM_ENDPOINT = "https://management.azure.com";
export const DEFAULT_IMDS_ENDPOINT = "http://169.254.169.254";
/** The Azure Storage emulator's account, whose key Microsoft publishes (it guards nothing). */
export const EMULATOR_ACCOUNT = "devstoreaccount1";
const EMULATOR_KEY = "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==";

export interface AzureSettings {
  arm: string;
  blob: string;
  imds: { endpoint: string; source: "AZURE_POD_IDENTITY_AUTHORITY_HOST" | "config" | "default" };
  /** The user-assigned identity's client ID, when the VM has more than one identity. */
  clientId?: string;
}

export function resolveAzureSettings(config: AzureAgentConfig, env: NodeJS.ProcessEnv): AzureSettings {
  const trim = (url: string) => url.replace(/\/+$/, "");
  const imds = env.AZURE_POD_IDENTITY_AUTHORITY_HOST
    ? { endpoint: trim(env.AZURE_POD_IDENTITY_AUTHORITY_HOST), source: "AZURE_POD_IDENTITY_AUTHORITY_HOST" as const }
    : config.endpoints?.imds
      ? { endpoint: trim(config.endpoints.imds), source: "config" as const }
      : { endpoint: DEFAULT_IMDS_ENDPOINT, source: "default" as const };
  return {
    arm: trim(config.endpoints?.arm ?? DEFAULT_ARM_ENDPOINT),
    blob: trim(config.endpoints?.blob ?? `https://${config.stateStore.account}.blob.core.windows.net`),
    imds,
    ...(env.AZURE_CLIENT_ID ? { clientId: env.AZURE_CLIENT_ID } : {}),
  };
}

/**
 * The node's managed identity, through IMDS. @azure/identity (through MSAL) finds a non-default
 * IMDS only in AZURE_POD_IDENTITY_AUTHORITY_HOST, so a configured endpoints.imds is handed to it
 * there (only when the variable is unset: the environment wins, as for every Azure SDK setting).
 */
export function managedIdentity(settings: AzureSettings, env: NodeJS.ProcessEnv): TokenCredential {
  if (settings.imds.source === "config") env.AZURE_POD_IDENTITY_AUTHORITY_HOST = settings.imds.endpoint;
  return settings.clientId ? new ManagedIdentityCredential({ clientId: settings.clientId }) : new ManagedIdentityCredential();
}

/**
 * The ARM client: the Azure SDK's own HTTP stack (@azure/core-client's ServiceClient, the base
 * of @azure/arm-network's NetworkManagementClient) with ha-pair's policies. Not the
 * NetworkManagementClient itself: its constructor builds every one of Microsoft.Network's ~200
 * operation groups, which puts 1.8 MB of serializers into the agent bundle, and its typed models
 * cannot be used for our writes anyway (arm.ts: a PUT must carry properties the model lacks).
 */
export function createArmClient(settings: AzureSettings, credential: TokenCredential): ServiceClient {
  const client = new ServiceClient({
    endpoint: settings.arm,
    // One retry loop, ours (retry.ts): it classifies ARM's codes and keeps to the failover deadline.
    retryOptions: { maxRetries: 0 },
    additionalPolicies: [{ policy: fastPollPolicy, position: "perRetry" }],
    userAgentOptions: { userAgentPrefix: "ha-pair" },
  });
  client.pipeline.addPolicy(loopbackAwareBearerPolicy(credential, ARM_SCOPE), { phase: "Sign" });
  return client;
}

/**
 * The state blob's client: the managed identity over https, or — only for the Storage emulator
 * (its published account on a loopback address, i.e. Azurite) — the emulator's well-known key,
 * which Azurite requires over plain http.
 */
export function createBlobService(config: AzureAgentConfig, settings: AzureSettings, credential: TokenCredential): BlobServiceClient {
  const url = new URL(settings.blob);
  const options = { retryOptions: { maxTries: 1, tryTimeoutInMs: timeBudgets(config).requestMs } };
  if (isLoopbackHost(url.hostname) && config.stateStore.account === EMULATOR_ACCOUNT) {
    return new BlobServiceClient(settings.blob, new StorageSharedKeyCredential(EMULATOR_ACCOUNT, EMULATOR_KEY), options);
  }
  return new BlobServiceClient(settings.blob, credential, options);
}
