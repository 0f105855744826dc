// The policy pack (policies/index.ts) as one CommonJS file, with everything it imports from this
// repository built in (the rules, and runtime's action tables and required-action lists), so the
// pack needs no path outside itself. @pulumi/* stay external: the pack must register with the
// same @pulumi/policy that serves it (the runner's, from the pack's node_modules).
// Used by scripts/build-policies.mjs (policies/dist/pack.cjs, what the package ships) and by
// policies/main.cjs in a checkout (in memory, so a rule edited is a rule run).
"use strict";
const path = require("node:path");

const POLICIES = path.join(__dirname, "..", "policies");

/** @param {{ outfile?: string }} [target] with outfile: written there; without: returned as text. */
function bundlePolicyPack(target = {}) {
  const { buildSync } = require("esbuild");
  const result = buildSync({
    entryPoints: [path.join(POLICIES, "index.ts")],
    bundle: true,
    platform: "node",
    format: "cjs",
    // The runner is the Node.js of whoever runs `pulumi preview`; the agent's floor is Node 18.
    target: "node18",
    external: ["@pulumi/*"],
    // The SDKs' ES module builds tree-shake (the pack needs only action-name tables from runtime/).
    mainFields: ["module", "main"],
    legalComments: "none",
    logLevel: "warning",
    ...(target.outfile ? { outfile: target.outfile, write: true } : { write: false }),
  });
  return target.outfile ? undefined : result.outputFiles[0].text;
}

module.exports = { bundlePolicyPack, POLICIES };
