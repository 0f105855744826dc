// Entry point the Pulumi policy runner loads (package.json "main"; not index.js, which would
// shadow index.ts for tsc and vitest). The runner require()s the
// pack through ts-node 7, which cannot resolve this repository's ESM-style `.js` import
// specifiers of TypeScript files (policies/*.ts, runtime/aws/required-actions.ts). So the
// TypeScript pack (index.ts) is bundled in memory with esbuild — @pulumi/* left to the runner's
// own copies, so the pack registers with the same @pulumi/policy that serves it — and run as
// CommonJS here. Nothing is written to disk and nothing needs building after `npm ci`.
"use strict";
const path = require("node:path");
const { buildSync } = require("esbuild");

const result = buildSync({
  entryPoints: [path.join(__dirname, "index.ts")],
  bundle: true,
  write: false,
  platform: "node",
  format: "cjs",
  target: "node20",
  external: ["@pulumi/*"],
  // The SDKs' ES module builds tree-shake (the pack needs only action-name tables from runtime/).
  mainFields: ["module", "main"],
  logLevel: "warning",
});
module._compile(result.outputFiles[0].text, path.join(__dirname, "index.bundle.js"));
