/**
 * A brownfield Azure pair: adopt a running pair from the documents `ha-pair discover azure --out
 * DIR` wrote. pair-args.json names every resource by ARM ID; its `manage: verify` leaves tags and
 * IP forwarding to their owner (Terraform, F5's templates) and only checks them at preview; a
 * storage account Terraform owns is used as is, one no tool owns is adopted (`adopt`: import +
 * protect). What discovery cannot know comes from the stack config: the management subnet and
 * its NSG (where the Blob private endpoint and the rule out to ARM go), the nodes' identity.
 *
 * Exported as a function so tests run it under Pulumi mocks (index.ts calls it with stack config).
 */
import { readFileSync } from "node:fs";
import { AzureHaPair, type AzureHaPairArgs, type AzureHaPairIdentityArgs, type AzureHaPairNetworkArgs } from "../../components/index.js";

/** pair-args.json as `ha-pair discover azure` writes it: AzureHaPairArgs by ID. */
export type AzurePairArgsDocument = AzureHaPairArgs;

export interface AzureBrownfieldConfig {
  /** The component's name: must be the one given to `discover --name` (import.json's parent). Default "pair". */
  name?: string;
  /** The parsed pair-args.json. */
  pairArgs: AzurePairArgsDocument;
  /** What discovery guessed or could not see of the network (endpointSubnetId is node a's first NIC's subnet until set). */
  network?: Partial<AzureHaPairNetworkArgs>;
  /** The nodes' existing identity (user-assigned identity ID, or the VMs' system-assigned principals); default: a new user-assigned identity. */
  identity?: AzureHaPairIdentityArgs;
  /** Object ID of the principal that runs `pulumi up` (Storage Blob Data Contributor on the container, for the uploads). */
  deployerPrincipalId?: string;
  /** Override of the agent bundle to upload. */
  agentBundlePath?: string;
}

/** Reads pair-args.json, naming the file and what to do when it is not one. */
export function readAzurePairArgs(file: string): AzurePairArgsDocument {
  let document: unknown;
  try {
    document = JSON.parse(readFileSync(file, "utf8"));
  } catch (err) {
    throw new Error(`${file}: ${(err as Error).message}; run \`ha-pair discover azure --out DIR\` and set config pairArgsFile to DIR/pair-args.json`);
  }
  const missing = ["label", "nodes", "network", "resourceGroupName"].filter((key) => !(typeof document === "object" && document !== null && key in document));
  if (missing.length > 0) throw new Error(`${file}: not an Azure pair-args.json (no ${missing.join(", ")}); it is written by \`ha-pair discover azure --out DIR\``);
  return document as AzurePairArgsDocument;
}

export function createAzureBrownfield(config: AzureBrownfieldConfig): { pair: AzureHaPair } {
  const args = config.pairArgs;
  const network = { ...args.network, ...definedOnly(config.network ?? {}) };
  const pair = new AzureHaPair(config.name ?? "pair", {
    ...args,
    network,
    ...(config.identity ? { identity: config.identity } : {}),
    ...(config.deployerPrincipalId ? { deployerPrincipalId: config.deployerPrincipalId } : {}),
    ...(config.agentBundlePath ? { agentBundlePath: config.agentBundlePath } : {}),
  });
  return { pair };
}

// Stack config left unset must not erase what pair-args.json says.
function definedOnly<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as Partial<T>;
}
