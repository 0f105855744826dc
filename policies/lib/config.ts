/**
 * Configuration shared by several rules. The engine keeps config per policy, so a stack that
 * uses other tag keys than F5's sets `labelKey` / `nicMapKey` on each rule that reads them
 * (see README.md). Defaults are applied here too: getConfig() returns only what the user set.
 */
import type { PolicyConfigSchema } from "@pulumi/policy";
import { DEFAULT_LABEL_KEY, DEFAULT_NIC_MAP_KEY } from "../../runtime/config/types.js";

export { DEFAULT_LABEL_KEY, DEFAULT_NIC_MAP_KEY };

export const LABEL_KEY_SCHEMA = {
  type: "string",
  minLength: 1,
  default: DEFAULT_LABEL_KEY,
  description: "Tag key that carries the pair label (AwsHaPair/AzureHaPair labelKey).",
} as const;

export const NIC_MAP_KEY_SCHEMA = {
  type: "string",
  minLength: 1,
  default: DEFAULT_NIC_MAP_KEY,
  description: "Tag key whose value pairs the same-role interfaces of both nodes (nicMapKey).",
} as const;

export const STRING_LIST = (description: string) => ({ type: "array", items: { type: "string" }, default: [], description }) as const;

/** The user's config over the defaults. */
export function withDefaults<C extends object>(defaults: C, given: Partial<C>): C {
  const merged = { ...defaults } as Record<string, unknown>;
  for (const [key, value] of Object.entries(given)) if (value !== undefined) merged[key] = value;
  return merged as C;
}

export type { PolicyConfigSchema };
