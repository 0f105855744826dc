/**
 * How the components are served to other Pulumi languages: Pulumi's Node.js component provider
 * host (@pulumi/pulumi/provider/experimental, present in 3.248) analyzes the TypeScript source of
 * this directory (package.json + tsconfig.json + index.ts here) to generate the package schema,
 * and constructs AwsHaPair on request. The type token is `<name>:index:<class>`: ha-pair:index:AwsHaPair.
 */
import { fileURLToPath } from "node:url";
import type { ComponentProviderOptions } from "@pulumi/pulumi/provider/experimental/index.js";
import { AwsHaPair } from "./aws/ha-pair.js";

export const PLUGIN_OPTIONS: ComponentProviderOptions = {
  name: "ha-pair",
  components: [AwsHaPair],
  dirname: fileURLToPath(new URL(".", import.meta.url)),
};
