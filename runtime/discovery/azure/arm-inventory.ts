/**
 * What ARM says: the NICs, route tables and public IPs (Microsoft.Network) and the storage
 * accounts (Microsoft.Storage) of a resource group, or of the subscription, through the list
 * operations of the REST spec (NetworkInterfaces_List / _ListAll, RouteTables_List / _ListAll,
 * PublicIPAddresses_List / _ListAll, StorageAccounts_ListByResourceGroup / _List), following
 * nextLink. Read-only: discovery never writes.
 */
import type { ServiceClient } from "@azure/core-client";
import { createHttpHeaders, createPipelineRequest } from "@azure/core-rest-pipeline";
import { NETWORK_API_VERSION, type Json } from "../../azure/arm.js";

export const STORAGE_API_VERSION = "2023-05-01";

export interface AzureInventory {
  subscriptionId: string;
  /** The scope listed: /subscriptions/S or /subscriptions/S/resourceGroups/G. */
  scope: string;
  networkInterfaces: Json[];
  routeTables: Json[];
  publicIpAddresses: Json[];
  storageAccounts: Json[];
}

/** A list call that ARM refused or that failed: names the URL (never the token) and what to do. */
export class ArmListError extends Error {
  constructor(
    readonly url: string,
    readonly status: number,
    readonly code: string | undefined,
    detail: string,
  ) {
    super(`GET ${url} answered ${status}${code ? ` ${code}` : ""}: ${detail}`);
    this.name = "ArmListError";
  }
}

async function listAll(client: ServiceClient, firstUrl: string): Promise<Json[]> {
  const items: Json[] = [];
  let url: string | undefined = firstUrl;
  for (let page = 0; url && page < 1000; page++) {
    const request = createPipelineRequest({ url, method: "GET", headers: createHttpHeaders({ Accept: "application/json" }), timeout: 30_000, allowInsecureConnection: new URL(url).protocol === "http:" });
    const response = await client.sendRequest(request);
    let body: { value?: Json[]; nextLink?: string; error?: { code?: string; message?: string } } = {};
    try {
      body = JSON.parse(response.bodyAsText ?? "{}") as typeof body;
    } catch {
      body = {};
    }
    const shown = url.split("?")[0]!;
    if (response.status >= 400) throw new ArmListError(shown, response.status, body.error?.code, body.error?.message ?? "no error message");
    items.push(...(body.value ?? []));
    url = body.nextLink || undefined;
  }
  return items;
}

export async function readAzureInventory(client: ServiceClient, endpoint: string, subscriptionId: string, resourceGroup: string | undefined): Promise<AzureInventory> {
  const scope = `/subscriptions/${subscriptionId}${resourceGroup ? `/resourceGroups/${resourceGroup}` : ""}`;
  const url = (provider: string, type: string, apiVersion: string) => `${endpoint}${scope}/providers/${provider}/${type}?api-version=${apiVersion}`;
  const [networkInterfaces, routeTables, publicIpAddresses, storageAccounts] = await Promise.all([
    listAll(client, url("Microsoft.Network", "networkInterfaces", NETWORK_API_VERSION)),
    listAll(client, url("Microsoft.Network", "routeTables", NETWORK_API_VERSION)),
    listAll(client, url("Microsoft.Network", "publicIPAddresses", NETWORK_API_VERSION)),
    listAll(client, url("Microsoft.Storage", "storageAccounts", STORAGE_API_VERSION)),
  ]);
  return { subscriptionId, scope, networkInterfaces, routeTables, publicIpAddresses, storageAccounts };
}
