/**
 * The ha-pair CrossGuard policy pack: `pulumi preview --policy-pack policies`.
 * Tells, before anything changes, whether each pair is tagged so its agent finds and may touch
 * exactly its own resources, and whether its permissions, state storage, endpoints and routing
 * interfaces are right. The rules are in rules/, one per file; README.md lists them.
 */
import { PolicyPack } from "@pulumi/policy";
import { POLICY_PACK_NAME, policies } from "./policies.js";

export const pack = new PolicyPack(POLICY_PACK_NAME, {
  description: "ha-pair: tagging, least privilege, state storage, endpoints and routing interfaces of AWS and Azure failover pairs",
  displayName: "ha-pair failover pairs",
  provider: "aws,azure",
  tags: ["ha-pair", "failover", "least-privilege", "tagging"],
  policies,
});
