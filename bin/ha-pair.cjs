#!/usr/bin/env node
// The `ha-pair` command. The CLI is bundled by `npm run build` (run automatically by `npm ci` / `npm install`).
"use strict";
try {
  require("../dist/ha-pair.cjs");
} catch (err) {
  if (err && err.code === "MODULE_NOT_FOUND" && String(err.message).includes("dist/ha-pair.cjs")) {
    process.stderr.write("ha-pair: the CLI bundle is missing; run `npm run build` in the package directory first.\n");
    process.exit(1);
  }
  throw err;
}
