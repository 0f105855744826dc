import { readFileSync } from "node:fs";
import { DiscoveryInputError } from "./errors.js";

/** A JSON document from a file given on the command line; unreadable or malformed is bad input. */
export function readJsonFile(file: string, what: string): unknown {
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch (err) {
    throw new DiscoveryInputError(file, `cannot read the ${what}: ${(err as Error).message}`);
  }
  try {
    return JSON.parse(text) as unknown;
  } catch (err) {
    throw new DiscoveryInputError(file, `is not JSON (${(err as Error).message}); expected the ${what}`);
  }
}

export const isObject = (value: unknown): value is Record<string, unknown> => typeof value === "object" && value !== null && !Array.isArray(value);
