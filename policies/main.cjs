// Entry point the Pulumi policy runner loads (package.json "main"; not index.js, which would
// shadow index.ts for tsc and vitest). The runner require()s it; ts-node (which the runner
// registers) cannot resolve this repository's ESM-style `.js` import specifiers of TypeScript
// files, and the pack imports runtime/ outside this folder. So:
// - in the published package (`npm pack`, `pulumi policy publish`): dist/pack.cjs, built by
//   scripts/build-policies.mjs with everything built in (no index.ts ships);
// - in a checkout (index.ts present): the same bundle, made in memory from the sources at every
//   start, so an edited rule runs without a build step.
"use strict";
const { existsSync } = require("node:fs");
const path = require("node:path");

const source = path.join(__dirname, "index.ts");
if (existsSync(source)) {
  const { bundlePolicyPack } = require(path.join(__dirname, "..", "scripts", "policy-pack-bundle.cjs"));
  module._compile(bundlePolicyPack(), path.join(__dirname, "index.bundle.js"));
} else {
  module.exports = require("./dist/pack.cjs");
}
