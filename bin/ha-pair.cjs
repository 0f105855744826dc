#!/usr/bin/env node
// The `ha-pair` command. Both bundles are built by `npm run build` (run by `npm ci` / `npm install`
// in a checkout, and by `npm pack` / `npm publish` before packing).
//
// The agent's own commands run from the agent bundle — dist/ha-pair-agent.cjs, runtime only, with a
// V8 code cache — because keepalived and BIG-IP run `ha-pair failover` at every transition and its
// start is on the failover's critical path. Everything else (`sim`, `demo`, help, unknown commands)
// runs from the full CLI bundle, dist/ha-pair.cjs, which adds the simulated cloud and the demo.
"use strict";
const AGENT_COMMANDS = new Set(["failover", "plan", "inspect", "preflight", "reset", "validate", "agent", "version", "--version"]);
const command = process.argv[2];
const bundle = command !== undefined && AGENT_COMMANDS.has(command) && !process.argv.includes("--help") ? "ha-pair-agent.cjs" : "ha-pair.cjs";
try {
  require(`../dist/${bundle}`);
} catch (err) {
  if (err && err.code === "MODULE_NOT_FOUND" && String(err.message).includes(`dist/${bundle}`)) {
    process.stderr.write(`ha-pair: the bundle dist/${bundle} is missing; run \`npm run build\` in the package directory first.\n`);
    process.exit(1);
  }
  throw err;
}
