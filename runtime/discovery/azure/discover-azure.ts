/**
 * `ha-pair discover azure`: the sources (label tags, CFE's Azure declaration, azurerm Terraform
 * state) give the scope, ARM's list calls the facts; the resolver makes the agent config, and
 * from it the AzureHaPair args, the import document and the ownership report. Credentials come
 * from the standard Azure SDK chain (DefaultAzureCredential: environment service principal,
 * workload identity, managed identity, Azure CLI ...); the operator needs Reader on the scope.
 */
import { DefaultAzureCredential } from "@azure/identity";
import { createArmClient, DEFAULT_ARM_ENDPOINT } from "../../azure/clients.js";
import { AmbiguousPairError, DiscoveryInputError } from "../errors.js";
import { checkImportFile } from "../import-file.js";
import { readJsonFile } from "../json-file.js";
import { defaultStateKey } from "../state-key.js";
import { readTerraformState, type TerraformResource } from "../terraform-state.js";
import type { CloudDiscoverer, DiscoveryOptions, DiscoveryResult } from "../types.js";
import { buildAzureImportFile, buildAzurePairArgs } from "./adoption-files.js";
import { ArmListError, readAzureInventory } from "./arm-inventory.js";
import { scopeFromAzureCfeDeclaration } from "./cfe-declaration.js";
import { buildAzureOwnership } from "./ownership.js";
import { resolveAzurePair, type ResolvedAzurePair } from "./resolve.js";
import { DEFAULT_AZURE_TAG_KEYS, tagScope, type AzurePairScope, type AzureTagKeys } from "./scope.js";
import { scopeFromAzureTerraform } from "./terraform-scope.js";

/** The container of the agent's state, as AzureHaPair's default (its blob: defaultStateKey, as the component names it). */
export const DEFAULT_STATE_CONTAINER = "ha-pair";

function scopeFor(options: DiscoveryOptions, keys: AzureTagKeys): { scope: AzurePairScope; terraform?: TerraformResource[] } {
  const terraform = options.terraformStateFile ? readTerraformState(readJsonFile(options.terraformStateFile, "Terraform state"), options.terraformStateFile) : undefined;
  let scope: AzurePairScope;
  if (options.cfeFile) {
    scope = scopeFromAzureCfeDeclaration(readJsonFile(options.cfeFile, "CFE declaration"), { file: options.cfeFile, keys, ...(options.label !== undefined ? { label: options.label } : {}) });
    if (terraform) {
      // Both: the declaration says what floats and which routes follow (its ranges and next hops
      // are narrower than "every route at a pair NIC"); the state adds its NICs by ID and says
      // where the pair is.
      const fromState = scopeFromAzureTerraform(terraform, { file: options.terraformStateFile!, keys, label: scope.label });
      scope.nicIds = fromState.nicIds;
      scope.subscriptionId = fromState.subscriptionId;
      scope.resourceGroup = fromState.resourceGroup;
    }
  } else if (terraform) {
    scope = scopeFromAzureTerraform(terraform, { file: options.terraformStateFile!, keys, ...(options.label !== undefined ? { label: options.label } : {}) });
  } else {
    if (!options.label) throw new DiscoveryInputError("--label", "is required when neither --cfe nor --tf-state names the pair");
    scope = tagScope(options.label, keys);
  }
  if (options.storageAccount) scope.storage = { name: options.storageAccount };
  if (options.nodeA) scope.nodeA = options.nodeA;
  return { scope, ...(terraform ? { terraform } : {}) };
}

export async function discoverAzure(options: DiscoveryOptions, env: NodeJS.ProcessEnv = process.env): Promise<DiscoveryResult> {
  const keys: AzureTagKeys = {
    labelKey: options.labelKey ?? DEFAULT_AZURE_TAG_KEYS.labelKey,
    nicMapKey: options.nicMapKey ?? DEFAULT_AZURE_TAG_KEYS.nicMapKey,
    selfIpsKey: options.selfIpsKey ?? DEFAULT_AZURE_TAG_KEYS.selfIpsKey,
  };
  const { scope, terraform } = scopeFor(options, keys);
  const subscriptionId = options.subscriptionId ?? scope.subscriptionId ?? env.AZURE_SUBSCRIPTION_ID;
  if (!subscriptionId) throw new DiscoveryInputError("--subscription", "no subscription: pass --subscription ID or set AZURE_SUBSCRIPTION_ID (the subscription the pair runs in)");
  const resourceGroup = options.resourceGroup ?? scope.resourceGroup ?? env.AZURE_RESOURCE_GROUP;
  const arm = (options.armEndpoint ?? env.HA_PAIR_ARM_ENDPOINT ?? DEFAULT_ARM_ENDPOINT).replace(/\/+$/, "");
  let url: URL;
  try {
    url = new URL(arm);
  } catch {
    throw new DiscoveryInputError("--arm-endpoint", `"${arm}" is not a URL (e.g. https://management.azure.com)`);
  }
  if (url.protocol !== "https:" && !["127.0.0.1", "localhost", "[::1]"].includes(url.hostname)) throw new DiscoveryInputError("--arm-endpoint", `${arm}: plain http is allowed to a loopback address only (a bearer token would travel in the clear)`);

  const client = createArmClient({ arm, blob: "", imds: { endpoint: "", source: "default" } }, new DefaultAzureCredential());
  let inventory;
  try {
    inventory = await readAzureInventory(client, arm, subscriptionId, resourceGroup);
  } catch (err) {
    if (err instanceof ArmListError && (err.status === 403 || err.status === 404)) {
      throw new AmbiguousPairError(scope.label, [
        {
          problem: err.message,
          fix: err.status === 403 ? `give the identity discovery runs as Reader on ${resourceGroup ? `resource group ${resourceGroup}` : `subscription ${subscriptionId}`} (or pass --resource-group where it has Reader)` : `check --subscription and --resource-group`,
          resources: [err.url],
        },
      ]);
    }
    throw err;
  }
  const pair = resolveAzurePair(inventory, scope, {
    container: options.stateContainer ?? DEFAULT_STATE_CONTAINER,
    blob: options.stateBlob ?? defaultStateKey(scope.label),
    ...(arm !== DEFAULT_ARM_ENDPOINT ? { armEndpoint: arm } : {}),
    ...(options.imdsEndpoint ? { imdsEndpoint: options.imdsEndpoint } : {}),
  });
  const ownership = buildAzureOwnership(pair, {
    tags: scope.source === "tags",
    ...(terraform ? { terraform, terraformFile: options.terraformStateFile! } : {}),
    ...(options.cfeFile ? { cfeFile: options.cfeFile } : {}),
  });
  const { args: pairArgs, notes: argNotes } = buildAzurePairArgs(pair, ownership);
  pair.notes.push(...argNotes);
  const importFile = buildAzureImportFile(pairArgs, options.componentName);
  const importProblems = checkImportFile(importFile);
  if (importProblems.length > 0) throw new Error(`internal: import.json would be refused by pulumi import: ${importProblems.join("; ")}`);
  return {
    cloud: "azure",
    label: pair.config.label,
    documents: { "agent-config.json": pair.config, "pair-args.json": pairArgs, "import.json": importFile, "ownership.json": ownership },
    summary: summaryLines(pair, options, scope.source, importFile.resources.length - 1, ownership.terraform.lifecycle.length),
    notes: pair.notes,
  };
}

function summaryLines(pair: ResolvedAzurePair, options: DiscoveryOptions, source: AzurePairScope["source"], adopted: number, lifecycleBlocks: number): string[] {
  const { config, nodes } = pair;
  const count = (n: number, what: string) => `${n} ${what}${n === 1 ? "" : "s"}`;
  const from = [source === "tags" ? "label tags" : undefined, options.cfeFile ? `CFE declaration ${options.cfeFile}` : undefined, options.terraformStateFile ? `Terraform state ${options.terraformStateFile}` : undefined];
  const vm = (id: "a" | "b") => `node ${id} ${nodes[id].vmId.split("/").pop()}`;
  const routes = (config.routes ?? []).reduce((n, r) => n + r.addressPrefixes.length, 0);
  return [
    `pair "${config.label}" in subscription ${config.subscriptionId}, resource group ${pair.resourceGroup} (from ${from.filter(Boolean).join(" + ")})`,
    `  ${vm("a")}, ${vm("b")}; roles ${Object.keys(config.nodes.a.interfaces).join(", ")}`,
    `  ${count(config.addresses?.ipConfigurations?.length ?? 0, "floating ipConfiguration")}, ${count(routes, "route")} in ${count(new Set((config.routes ?? []).map((r) => r.routeTableId)).size, "table")}; state ${config.stateStore.account}/${config.stateStore.container}/${config.stateStore.blob}`,
    `  import.json adopts ${count(adopted, "resource")}; ownership.json: ${count(lifecycleBlocks, "Terraform lifecycle block")} to add`,
  ];
}

export const azureDiscoverer: CloudDiscoverer = { cloud: "azure", discover: (options) => discoverAzure(options) };
