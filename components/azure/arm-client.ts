/**
 * The few ARM and Blob calls the component's own dynamic resources make (IP forwarding on an
 * existing NIC, the pair's tags on an existing resource, the agent's files in the container).
 *
 * Dynamic providers run in Pulumi's provider host, a separate process that knows nothing of the
 * program's azure-native provider: credentials come from @azure/identity's DefaultAzureCredential
 * there (the same chain the Azure CLI login, a managed identity or AZURE_* variables feed), loaded
 * with `require` in the host. No token or key ever enters the inputs or the state. Everything the
 * methods use is inside them or passed in (Pulumi serializes the provider's functions).
 */
export interface ArmResponse {
  status: number;
  etag?: string;
  body: any;
}

/** One HTTP call with a bearer token for `scope` (the ARM or Storage audience). */
export type ArmRequest = (method: string, url: string, options: { scope: string; body?: unknown; headers?: Record<string, string>; raw?: Uint8Array | string }) => Promise<ArmResponse>;

export const ARM_SCOPE = "https://management.azure.com/.default";
export const STORAGE_SCOPE = "https://storage.azure.com/.default";

/** The request function of the provider host: DefaultAzureCredential and fetch. */
export function hostArmRequest(): ArmRequest {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { DefaultAzureCredential } = require("@azure/identity") as { DefaultAzureCredential: new () => { getToken(scope: string): Promise<{ token: string } | null> } };
  const credential = new DefaultAzureCredential();
  return async (method, url, options) => {
    const token = await credential.getToken(options.scope);
    if (!token) throw new Error(`no Azure credential for ${options.scope} (az login, a managed identity or AZURE_CLIENT_ID/AZURE_TENANT_ID/AZURE_FEDERATED_TOKEN_FILE)`);
    const headers: Record<string, string> = { Authorization: `Bearer ${token.token}`, ...(options.headers ?? {}) };
    let body: string | Uint8Array | undefined;
    if (options.raw !== undefined) body = options.raw;
    else if (options.body !== undefined) {
      headers["Content-Type"] = "application/json";
      body = JSON.stringify(options.body);
    }
    const response = await fetch(url, { method, headers, ...(body !== undefined ? { body } : {}), signal: AbortSignal.timeout(60_000) });
    const text = await response.text();
    let parsed: unknown = text;
    try {
      parsed = text ? JSON.parse(text) : undefined;
    } catch {
      // a non-JSON answer (Blob) stays text
    }
    return { status: response.status, etag: response.headers.get("etag") ?? undefined, body: parsed };
  };
}

/** An ARM error answer as one line: status, code and message, for the resource and the call. */
export function armFailure(what: string, response: ArmResponse): Error {
  const error = (response.body as { error?: { code?: string; message?: string } } | undefined)?.error;
  return new Error(`${what}: HTTP ${response.status}${error?.code ? ` ${error.code}` : ""}${error?.message ? `: ${error.message}` : ""}`);
}
