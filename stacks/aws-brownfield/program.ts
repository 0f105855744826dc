/**
 * A brownfield pair: adopt a running pair from the documents `ha-pair discover aws --out DIR`
 * wrote. pair-args.json names every resource by ID; its `manage: verify` leaves tags and
 * source/dest check to their owner (Terraform, F5's templates) and only checks them at preview;
 * `existingRoleName` adds the agent's policy to the nodes' role; `adopt` imports the endpoints
 * and the bucket no tool owns (protected). Run `pulumi import --file DIR/import.json` first, or
 * let `pulumi up` adopt them through the import option: either way nothing is created twice.
 *
 * Exported as a function so tests run it under Pulumi mocks (index.ts calls it with stack config).
 */
import { readFileSync } from "node:fs";
import { AwsHaPair, type AwsHaPairArgs } from "../../components/index.js";

export interface BrownfieldConfig {
  /** The component's name: must be the one given to `discover --name` (import.json's parent). Default "pair". */
  name?: string;
  /** The parsed pair-args.json. */
  pairArgs: PairArgsDocument;
  /** Override of the agent bundle to upload. */
  agentBundlePath?: string;
}

/** pair-args.json as `ha-pair discover aws` writes it: AwsHaPairArgs by ID, plus a note of the instance profile. */
export type PairArgsDocument = Omit<AwsHaPairArgs, "vpc"> & { existingInstanceProfileArn?: string };

/** Reads pair-args.json, naming the file and what to do when it is not one. */
export function readPairArgs(file: string): PairArgsDocument {
  let document: unknown;
  try {
    document = JSON.parse(readFileSync(file, "utf8"));
  } catch (err) {
    throw new Error(`${file}: ${(err as Error).message}; run \`ha-pair discover aws --out DIR\` and set config pairArgsFile to DIR/pair-args.json`);
  }
  const missing = ["label", "nodes", "network"].filter((key) => !(typeof document === "object" && document !== null && key in document));
  if (missing.length > 0) throw new Error(`${file}: not a pair-args.json (no ${missing.join(", ")}); it is written by \`ha-pair discover aws --out DIR\``);
  return document as PairArgsDocument;
}

export function createBrownfield(config: BrownfieldConfig): { pair: AwsHaPair } {
  const { existingInstanceProfileArn: _profileIsTheNodesOwn, ...args } = config.pairArgs;
  const pair = new AwsHaPair(config.name ?? "pair", { ...args, ...(config.agentBundlePath ? { agentBundlePath: config.agentBundlePath } : {}) });
  return { pair };
}
