// The plugin's entry point (package.json "main"). The engine runs a source-based plugin
// (PulumiPlugin.yaml) through the Node.js language host, which starts
// @pulumi/pulumi/cmd/run-plugin on this directory; run-plugin require()s it and awaits what it
// exports. CommonJS, so that require works on every Node version; it loads the compiled ES
// modules of lib/ with import(): nothing is compiled at start-up and ts-node plays no part.
"use strict";
const { existsSync } = require("node:fs");
const path = require("node:path");
const { pathToFileURL } = require("node:url");

const provider = path.join(__dirname, "lib", "components", "provider.js");
if (!existsSync(provider)) {
  throw new Error(`ha-pair plugin: ${provider} is missing: the package is not built. In a checkout of the repository run \`npm ci\` at its root, then \`npm run build -w components\`; or use the published package (npm install @ha-pair/pulumi).`);
}
module.exports = import(pathToFileURL(provider).href).then(({ servePlugin }) => servePlugin(path.join(__dirname, "lib", "schema")));
