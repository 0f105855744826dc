import { execFileSync } from "node:child_process";
import { rmSync } from "node:fs";
import { packedDir } from "./helpers/packed.js";

// CLI tests run the built command (dist/), as users do: build it once before any suite runs.
// The teardown removes the packed packages' install the package-*.test.ts files shared (test/helpers/packed.ts).
export default function setup(): () => void {
  execFileSync(process.execPath, ["scripts/build.mjs"], { stdio: "inherit" });
  return () => rmSync(packedDir(process.pid), { recursive: true, force: true });
}
