import { DEFAULT_LABEL_KEY, DEFAULT_NIC_MAP_KEY, type TagKeys } from "../config/types.js";

/** The config's `tags` for the keys a pair uses: only those that are not CFE's defaults (none: no `tags` at all). */
export function configTagKeys(keys: { labelKey: string; nicMapKey: string }): { tags?: TagKeys } {
  const tags: TagKeys = {
    ...(keys.labelKey !== DEFAULT_LABEL_KEY ? { labelKey: keys.labelKey } : {}),
    ...(keys.nicMapKey !== DEFAULT_NIC_MAP_KEY ? { nicMapKey: keys.nicMapKey } : {}),
  };
  return Object.keys(tags).length > 0 ? { tags } : {};
}
