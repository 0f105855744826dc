import { execFileSync } from "node:child_process";
import { rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { TestProject } from "vitest/node";

declare module "vitest" {
  export interface ProvidedContext {
    /** Where the package-*.test.ts files of this run share their packed install (test/helpers/packed.ts). */
    packedDir: string;
  }
}

// CLI tests run the built command (dist/), as users do: build it once before any suite runs.
// The packaging tests' shared install gets a directory of this run; the teardown removes it.
export default function setup(project: TestProject): () => void {
  execFileSync(process.execPath, ["scripts/build.mjs"], { stdio: "inherit" });
  const dir = join(tmpdir(), `ha-pair-packed-${process.pid}`);
  project.provide("packedDir", dir);
  return () => rmSync(dir, { recursive: true, force: true });
}
