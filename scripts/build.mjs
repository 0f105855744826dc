// Bundles the CLI with esbuild: one CommonJS file per entry, dependencies included, so the
// command starts fast (no resolution of thousands of node_modules files) and runs anywhere
// Node runs. `npm ci` runs this through the `prepare` script.
import { build } from "esbuild";
import { readFileSync } from "node:fs";

const { version } = JSON.parse(readFileSync(new URL("../package.json", import.meta.url), "utf8"));

const common = {
  bundle: true,
  platform: "node",
  target: "node18",
  format: "cjs",
  // The SDK's ES module builds tree-shake; the CommonJS builds do not.
  mainFields: ["module", "main"],
  define: { HA_PAIR_VERSION: JSON.stringify(version) },
  legalComments: "none",
  logLevel: "warning",
  sourcemap: false,
};

await build({
  ...common,
  entryPoints: {
    "ha-pair": "tools/cli.ts",
    "ha-pair-agent": "runtime/cli/agent-entry.ts",
    bench: "bench/run.ts",
  },
  outdir: "dist",
  outExtension: { ".js": ".cjs" },
});
