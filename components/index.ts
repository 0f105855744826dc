// The provisioning components. Each part has its own module under aws/; the component ties them together.
export * from "./aws/ha-pair.js";
export * from "./aws/tags.js";
export * from "./aws/policy.js";
export * from "./aws/endpoints.js";
export * from "./aws/state-bucket.js";
export * from "./aws/iam.js";
export * from "./aws/source-dest-check.js";
export * from "./aws/route-tables.js";
export * from "./aws/delivery.js";
export * from "./aws/agent-config.js";
export * from "./azure/ha-pair.js";
export * from "./azure/role.js";
export * from "./azure/agent-config.js";
export * from "./azure/ip-forwarding.js";
export { AzureTagsMerge, tagsMergeOperations } from "./azure/tags.js";
export { AzureBlobUpload } from "./azure/blob-upload.js";
// The contract's types the args and outputs use (runtime/config, built into the package).
export type { AgentConfig, NodeId, TimeBudgets } from "../runtime/config/index.js";
export * from "./aws/adoption.js";
export type { AzureHaPairAdoptArgs, AzureHaPairManageArgs, AzureManageMode } from "./azure/adoption.js";
export * from "./aws/terraform.js";
