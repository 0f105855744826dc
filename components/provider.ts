// Entry point of the source-based plugin (PulumiPlugin.yaml at the repository root): serve the components.
import { componentProviderHost } from "@pulumi/pulumi/provider/experimental/index.js";
import { PLUGIN_OPTIONS } from "./plugin.js";

await componentProviderHost(PLUGIN_OPTIONS);
