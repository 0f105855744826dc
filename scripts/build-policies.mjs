// Builds the @ha-pair/policies package (its `prepack`, which `pulumi policy publish` runs through
// `npm pack`; `npm run build -w policies`): policies/dist/pack.cjs, the whole pack in one file.
import { rmSync } from "node:fs";
import { createRequire } from "node:module";
import { join } from "node:path";

const require = createRequire(import.meta.url);
const { bundlePolicyPack, POLICIES } = require("./policy-pack-bundle.cjs");

rmSync(join(POLICIES, "dist"), { recursive: true, force: true });
bundlePolicyPack({ outfile: join(POLICIES, "dist", "pack.cjs") });
console.log("@ha-pair/policies: policies/dist/pack.cjs built");
