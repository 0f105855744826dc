// Bundles the CLI with esbuild: one CommonJS file per entry, dependencies included, so the
// command starts fast (no resolution of thousands of node_modules files) and runs anywhere
// Node runs. `npm ci` runs this through the `prepare` script.
import { build } from "esbuild";
import { chmodSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const generated = join(root, "dist", "gen");
const require = createRequire(import.meta.url);
const { version } = JSON.parse(readFileSync(join(root, "package.json"), "utf8"));

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
  // Less to parse at every start; identifiers are kept so stack traces stay readable.
  minifyWhitespace: true,
  minifySyntax: true,
};

/**
 * Precompile the agent-config schema with ajv's standalone code generation: compiling it at
 * startup costs more than the rest of the agent's start. The generated validator requires the
 * same formats module the runtime compilation uses (bundled here first), so both agree.
 */
async function precompileConfigValidator() {
  mkdirSync(generated, { recursive: true });
  const formatsFile = join(generated, "config-formats.cjs");
  await build({ ...common, entryPoints: [join(root, "runtime/config/formats.ts")], outfile: formatsFile });
  const { Ajv2020 } = require("ajv/dist/2020.js");
  const standaloneCode = require("ajv/dist/standalone/index.js").default;
  const { _ } = require("ajv/dist/compile/codegen/index.js");
  const { AJV_OPTIONS, CONFIG_FORMATS } = require(formatsFile);
  const schema = JSON.parse(readFileSync(join(root, "runtime/config/agent-config.schema.json"), "utf8"));
  const ajv = new Ajv2020({ ...AJV_OPTIONS, code: { source: true, formats: _`require("./config-formats.cjs").CONFIG_FORMATS` } });
  for (const [name, format] of Object.entries(CONFIG_FORMATS)) ajv.addFormat(name, format);
  const validatorFile = join(generated, "agent-config-validator.cjs");
  writeFileSync(validatorFile, standaloneCode(ajv, ajv.compile(schema)));
  return validatorFile;
}

/**
 * The AWS SDK's generated schema modules (schemas_0.js: every shape of the service, ~800 KB for
 * EC2) write member traits with computed keys — `{ [_xN]: _TSa }`, where `const _xN = "xmlName"`.
 * esbuild must assume a computed key may run code, so it keeps every shape, used or not. Writing
 * those keys as the string literals they are lets esbuild drop the shapes the agent never uses
 * (EC2: ~780 KB → ~20 KB), which halves the bundle and the parse time of every start. The rewrite
 * only replaces `[name]:` where `name` is a top-level string constant of the same file.
 */
const literalSchemaKeys = {
  name: "literal-schema-keys",
  setup(pluginBuild) {
    pluginBuild.onLoad({ filter: /[\\/]@aws-sdk[\\/][^\\/]+[\\/]dist-es[\\/](.+[\\/])?schemas[\\/]schemas_\d+\.js$/ }, ({ path }) => {
      const source = readFileSync(path, "utf8");
      const constants = new Map([...source.matchAll(/^const (_\w+) = ("[^"\n\\]*");$/gm)].map((m) => [m[1], m[2]]));
      const contents = source.replace(/\[(_\w+)\]:/g, (key, name) => (constants.has(name) ? `${constants.get(name)}:` : key));
      return { contents, loader: "js" };
    });
  },
};

/**
 * @azure/storage-common's ES module build synthesizes `require`/`__filename` from
 * `import.meta.url` at load time (for its Emscripten CRC64 module), which is empty in a CommonJS
 * bundle, so loading the bundle threw. The bundle is CommonJS: the real `require`/`__filename` of
 * the module wrapper serve, so that block (between its ESM-COMPAT markers) is dropped.
 */
const azureEsmCompat = {
  name: "azure-esm-compat",
  setup(pluginBuild) {
    pluginBuild.onLoad({ filter: /[\\/]@azure[\\/]storage-common[\\/]dist[\\/]esm[\\/]crc64\.js$/ }, ({ path }) => {
      const source = readFileSync(path, "utf8");
      const contents = source.replace(/\/\/ ESM-COMPAT-START[\s\S]*?\/\/ ESM-COMPAT-END/, "");
      if (contents === source) throw new Error(`${path}: the ESM-COMPAT block was not found; check the build plugin azure-esm-compat`);
      return { contents, loader: "js" };
    });
  },
};

const validatorFile = await precompileConfigValidator();

/** In the bundles, runtime/config/schema-validator.ts is the precompiled validator. */
const precompiledValidator = {
  name: "precompiled-config-validator",
  setup(pluginBuild) {
    pluginBuild.onResolve({ filter: /\/schema-validator\.js$/ }, (args) =>
      args.importer.endsWith(join("runtime", "config", "validate.ts")) ? { path: validatorFile, namespace: "config-validator" } : undefined,
    );
    pluginBuild.onLoad({ filter: /.*/, namespace: "config-validator" }, () => ({
      contents: `module.exports = { schemaValidator: require(${JSON.stringify(validatorFile)}) };`,
      resolveDir: generated,
      loader: "js",
    }));
  },
};

await build({
  ...common,
  entryPoints: {
    "ha-pair": join(root, "tools/cli.ts"),
    bench: join(root, "bench/run.ts"),
    chaos: join(root, "tools/chaos/main.ts"),
  },
  outdir: join(root, "dist"),
  outExtension: { ".js": ".cjs" },
  plugins: [precompiledValidator, literalSchemaKeys, azureEsmCompat],
});

await buildAgent();

/**
 * dist/ha-pair-agent.cjs, the one file shipped to nodes: scripts/agent-loader.ts followed by the
 * bundled agent (runtime only) as a string, which the loader compiles with a V8 code cache. The
 * agent's esbuild metafile goes to dist/meta/ so tests can check what the bundle contains.
 */
async function buildAgent() {
  const agent = await build({
    ...common,
    entryPoints: [join(root, "runtime/cli/agent-entry.ts")],
    outfile: join(root, "dist", "ha-pair-agent.cjs"),
    write: false,
    metafile: true,
    // vm.Script code has no module loader for import(): the SDK's `await import("node:http")`
    // must become a require() here, or its first call fails.
    supported: { "dynamic-import": false },
    plugins: [precompiledValidator, literalSchemaKeys, azureEsmCompat],
  });
  const loader = await build({
    ...common,
    entryPoints: [join(root, "scripts/agent-loader.ts")],
    format: "iife",
    write: false,
  });
  const code = agent.outputFiles[0].text;
  if (/[^\x00-\x7f]/.test(code)) throw new Error("the agent bundle is not ASCII; the loader embeds it as a JS string");
  const header = `#!/usr/bin/env node\n// ha-pair agent ${version}: a loader (scripts/agent-loader.ts) and the bundled agent it compiles, with a V8 code cache.\n"use strict";\n`;
  const file = join(root, "dist", "ha-pair-agent.cjs");
  writeFileSync(file, `${header}var AGENT_CODE=${JSON.stringify(code)};\n${loader.outputFiles[0].text}`, { mode: 0o755 });
  chmodSync(file, 0o755);
  mkdirSync(join(root, "dist", "meta"), { recursive: true });
  writeFileSync(join(root, "dist", "meta", "ha-pair-agent.json"), JSON.stringify(agent.metafile));
}
