/**
 * How the components are served to other Pulumi languages: Pulumi's Node.js component provider
 * host (@pulumi/pulumi/provider/experimental, present in 3.248) analyzes TypeScript (a
 * package.json, a tsconfig.json and an index.ts in the directory it is given: the package's
 * lib/schema/) to generate the package schema, and constructs AwsHaPair and AzureHaPair on request. The type token
 * is `<name>:index:<class>`: ha-pair:index:AwsHaPair. The name is given here rather than taken
 * from package.json, whose `@ha-pair/pulumi` would make the token `pulumi:index:AwsHaPair`.
 */
import type { ComponentProviderOptions } from "@pulumi/pulumi/provider/experimental/index.js";
import { AwsHaPair } from "./aws/ha-pair.js";
import { AzureHaPair } from "./azure/ha-pair.js";

export const PLUGIN_NAME = "ha-pair";

export function pluginOptions(schemaDir: string): ComponentProviderOptions {
  return { name: PLUGIN_NAME, components: [AwsHaPair, AzureHaPair], dirname: schemaDir };
}
