export { AmbiguousPairError, DiscoveryInputError, type DiscoveryProblem } from "./errors.js";
export { checkImportFile, IMPORT_FILE_SCHEMA, type ImportFile, type ImportResource } from "./import-file.js";
export { DISCOVERY_FILES, type CloudDiscoverer, type DiscoveryOptions, type DiscoveryResult } from "./types.js";
export { writeDiscovery } from "./write.js";
import { awsDiscoverer } from "./aws/discover-aws.js";
import { azureDiscoverer } from "./azure/discover-azure.js";
import type { CloudDiscoverer } from "./types.js";

/** One discoverer per cloud. */
export const DISCOVERERS: Readonly<Record<string, CloudDiscoverer>> = { aws: awsDiscoverer, azure: azureDiscoverer };
