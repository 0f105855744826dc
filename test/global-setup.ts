import { execFileSync } from "node:child_process";

// CLI tests run the built command (dist/), as users do: build it once before any suite runs.
export default function setup(): void {
  execFileSync(process.execPath, ["scripts/build.mjs"], { stdio: "inherit" });
}
