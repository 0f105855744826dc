import { HaPairError } from "../core/errors.js";
import type { NodeIdentity } from "../core/provider.js";

const INSTANCE_PATH = "/metadata/instance?api-version=2021-02-01";

export interface AzureInstance extends NodeIdentity {
  subscriptionId: string;
  resourceGroup: string;
}

/**
 * The VM's identity from Azure IMDS (/metadata/instance, with the Metadata: true header that
 * IMDS requires against SSRF): compute.resourceId is what the config names a node by.
 */
export async function fetchAzureInstance(endpoint: string, signal: AbortSignal | undefined, timeoutMs: number): Promise<AzureInstance> {
  let body: unknown;
  try {
    const response = await fetch(`${endpoint}${INSTANCE_PATH}`, {
      headers: { Metadata: "true" },
      // IMDS answers in milliseconds; its own timeout bounds the wait (AbortSignal.any is not in Node 18).
      signal: signal?.aborted ? signal : AbortSignal.timeout(timeoutMs),
    });
    if (!response.ok) throw new Error(`HTTP ${response.status}`);
    body = await response.json();
  } catch (err) {
    throw new HaPairError({
      code: "ImdsUnreachable",
      errorClass: "permanent",
      message: `Could not read the VM identity from Azure IMDS at ${endpoint}${INSTANCE_PATH.split("?")[0]}: ${err instanceof Error ? err.message : String(err)}. Either this node is not an Azure VM or IMDS is blocked (a proxy must not intercept 169.254.169.254).`,
      resource: endpoint,
      fix: "Off Azure, name the node with `--activate a|b`. To use another metadata endpoint, set AZURE_POD_IDENTITY_AUTHORITY_HOST (or endpoints.imds in the config).",
      cause: err,
    });
  }
  const compute = ((body as { compute?: Record<string, unknown> } | undefined)?.compute ?? {}) as Record<string, unknown>;
  const str = (key: string) => (typeof compute[key] === "string" && compute[key] !== "" ? (compute[key] as string) : undefined);
  const instanceId = str("resourceId");
  const region = str("location");
  if (!instanceId || !region) {
    throw new HaPairError({
      code: "ImdsInvalidIdentity",
      errorClass: "permanent",
      message: `The instance metadata from ${endpoint} has no compute.resourceId/location: is it really Azure IMDS?`,
      resource: endpoint,
      fix: "Point AZURE_POD_IDENTITY_AUTHORITY_HOST (or endpoints.imds) at Azure IMDS, or unset it to use the default.",
    });
  }
  const zone = str("zone");
  return { instanceId, region, ...(zone ? { availabilityZone: zone } : {}), subscriptionId: str("subscriptionId") ?? "", resourceGroup: str("resourceGroupName") ?? "" };
}
