/**
 * The rules of the ha-pair policy pack, one file each. Kept apart from index.ts (which starts
 * the policy pack's gRPC server as a side effect of `new PolicyPack`) so tests and other packs
 * can import the rules without serving anything.
 */
import type { Policies } from "@pulumi/policy";
import { awsLeastPrivilege } from "./rules/aws-least-privilege.js";
import { azureLeastPrivilege } from "./rules/azure-least-privilege.js";
import { endpoints } from "./rules/endpoints.js";
import { pairTagging } from "./rules/pair-tagging.js";
import { routingNics } from "./rules/routing-nics.js";
import { stateStorage } from "./rules/state-storage.js";

export const POLICY_PACK_NAME = "ha-pair";

export const policies: Policies = [pairTagging, awsLeastPrivilege, azureLeastPrivilege, stateStorage, endpoints, routingNics];

export { awsLeastPrivilege, azureLeastPrivilege, endpoints, pairTagging, routingNics, stateStorage };
