import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { DISCOVERY_FILES, type DiscoveryResult } from "./types.js";

/** Writes the four documents into `dir` (created if needed); returns their paths. */
export function writeDiscovery(result: DiscoveryResult, dir: string): string[] {
  mkdirSync(dir, { recursive: true });
  return DISCOVERY_FILES.map((name) => {
    const path = join(dir, name);
    writeFileSync(path, `${JSON.stringify(result.documents[name], null, 2)}\n`);
    return path;
  });
}
