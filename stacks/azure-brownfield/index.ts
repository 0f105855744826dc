// `pulumi up` entry point: adopts the pair that `ha-pair discover azure` found (program.ts).
import * as pulumi from "@pulumi/pulumi";
import { createAzureBrownfield, readAzurePairArgs } from "./program.js";

const config = new pulumi.Config();
const existingIdentityId = config.get("existingUserAssignedIdentityId");
const systemAssigned = config.getObject<{ a: string; b: string }>("systemAssignedPrincipalIds");
const { pair } = createAzureBrownfield({
  name: config.get("name") ?? "pair",
  pairArgs: readAzurePairArgs(config.require("pairArgsFile")),
  network: {
    endpointSubnetId: config.get("endpointSubnetId"),
    managementNetworkSecurityGroupName: config.get("managementNetworkSecurityGroupName"),
    managementSubnetPrefix: config.get("managementSubnetPrefix"),
    existingPrivateDnsZoneId: config.get("existingPrivateDnsZoneId"),
  },
  ...(existingIdentityId ? { identity: { existingUserAssignedIdentityId: existingIdentityId } } : systemAssigned ? { identity: { systemAssignedPrincipalIds: systemAssigned } } : {}),
  deployerPrincipalId: config.get("deployerPrincipalId"),
  agentBundlePath: config.get("agentBundlePath"),
});

export const agentConfig = pair.agentConfig;
export const cfeDeclaration = pair.cfeDeclaration;
export const roleDefinitionId = pair.roleDefinitionId;
export const roleAssignmentScopes = pair.roleAssignmentScopes;
export const identityPrincipalIds = pair.identityPrincipalIds;
export const storageAccountName = pair.storageAccountName;
export const containerName = pair.containerName;
export const privateEndpointId = pair.privateEndpointId;
export const agentInstallScript = pair.agentInstallScript;
export const bigipTriggerSnippet = pair.bigipTriggerSnippet;
