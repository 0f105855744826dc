// Builds the @ha-pair/pulumi package in components/lib/ (its `prepack`; `npm run build -w components`):
//   lib/components/, lib/runtime/  JavaScript + .d.ts from tsc (components/tsconfig.build.json): the
//                                  components and the runtime files they import (the agent-config
//                                  contract, the agent's action list), in the repository's layout so
//                                  the sources' relative imports hold inside the package;
//   lib/dist/ha-pair-agent.cjs     the agent bundle that delivery uploads (delivery.ts looks for
//                                  ../../dist and ../../packaging from its own module: lib/ here);
//   lib/packaging/                 the systemd unit and the trigger snippets;
//   lib/schema/                    what the plugin's component provider host analyzes for the package
//                                  schema: a package.json, a tsconfig.json and an index.ts that names
//                                  AwsHaPair from the compiled declarations (the host reads TypeScript,
//                                  not JavaScript, and the sources of lib/ are not shipped).
// tsc is used rather than a bundler so every function keeps its exact source form: Pulumi
// serializes the dynamic provider's methods (SourceDestCheckOff) from their text.
//
//   node scripts/build-components.mjs [--reuse-agent] [--if-stale]
// --reuse-agent takes dist/ha-pair-agent.cjs as it is (tests, after the global setup built it);
// otherwise scripts/build.mjs builds it first. --if-stale skips tsc when no TypeScript source or
// config is newer than the last compile (the copies are always made: they cost nothing).
import { execFileSync } from "node:child_process";
import { cpSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const components = join(root, "components");
const lib = join(components, "lib");
const require = createRequire(import.meta.url);
const reuseAgent = process.argv.includes("--reuse-agent");
const ifStale = process.argv.includes("--if-stale");
// Outside lib/ (which ships): the time of the last compile, in the build scratch space.
const compiledStamp = join(root, "dist", "gen", "components-compiled.stamp");

/** The newest modification time among tsc's inputs: sources and configs of components/ and runtime/. */
function newestInput() {
  let newest = Math.max(...["tsconfig.json", "components/tsconfig.build.json", "components/package.json"].map((f) => statSync(join(root, f)).mtimeMs));
  const walk = (dir) => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) {
        if (path !== lib && entry.name !== "node_modules") walk(path);
      } else if (/\.(ts|json)$/.test(entry.name)) newest = Math.max(newest, statSync(path).mtimeMs);
    }
  };
  walk(components);
  walk(join(root, "runtime"));
  return newest;
}

const agentBundle = join(root, "dist", "ha-pair-agent.cjs");
if (!reuseAgent || !existsSync(agentBundle)) execFileSync(process.execPath, [join(root, "scripts", "build.mjs")], { stdio: "inherit" });

const upToDate = ifStale && existsSync(compiledStamp) && existsSync(join(lib, "components", "index.js")) && statSync(compiledStamp).mtimeMs >= newestInput();
if (!upToDate) {
  rmSync(lib, { recursive: true, force: true });
  try {
    execFileSync(process.execPath, [require.resolve("typescript/bin/tsc"), "-p", join(components, "tsconfig.build.json")], { stdio: "inherit" });
  } catch {
    throw new Error("build-components: tsc -p components/tsconfig.build.json failed (errors above); fix them and run the build again");
  }
  mkdirSync(dirname(compiledStamp), { recursive: true });
  writeFileSync(compiledStamp, "");
}

// The JSON schema of the contract is imported by runtime/config/validate.ts; tsc copies it, check it did.
for (const file of ["components/index.js", "components/index.d.ts", "components/provider.js", "runtime/config/agent-config.schema.json"]) {
  if (!existsSync(join(lib, file))) throw new Error(`build-components: lib/${file} was not produced; check components/tsconfig.build.json`);
}

mkdirSync(join(lib, "dist"), { recursive: true });
cpSync(agentBundle, join(lib, "dist", "ha-pair-agent.cjs"));
cpSync(join(root, "packaging"), join(lib, "packaging"), { recursive: true });

const { version, description } = JSON.parse(readFileSync(join(components, "package.json"), "utf8"));
const schema = join(lib, "schema");
mkdirSync(schema, { recursive: true });
// The provider host takes the package's version and description from here (the name it is given).
writeFileSync(join(schema, "package.json"), `${JSON.stringify({ name: "ha-pair", version, description, private: true, type: "module" }, null, 2)}\n`);
writeFileSync(
  join(schema, "tsconfig.json"),
  `${JSON.stringify({ compilerOptions: { target: "ES2022", module: "NodeNext", moduleResolution: "NodeNext", strict: true, skipLibCheck: true, types: [] }, files: ["index.ts"] }, null, 2)}\n`,
);
writeFileSync(join(schema, "index.ts"), `// Analyzed by the plugin's component provider host for the package schema (see scripts/build-components.mjs).\nexport { AwsHaPair } from "../components/index.js";\n`);

console.log(`@ha-pair/pulumi ${version}: components/lib built${upToDate ? " (compiled output up to date)" : ""}`);
