// Serves the components over the plugin's gRPC interface (GetSchema, Construct). plugin.cjs, the
// plugin's entry point, calls it with the package's lib/schema/ directory.
import { componentProviderHost } from "@pulumi/pulumi/provider/experimental/index.js";
import { pluginOptions } from "./plugin.js";

export function servePlugin(schemaDir: string): Promise<void> {
  return componentProviderHost(pluginOptions(schemaDir));
}
