// `pulumi up` entry point: adopts the pair that `ha-pair discover aws` found (program.ts).
import * as pulumi from "@pulumi/pulumi";
import { createBrownfield, readPairArgs } from "./program.js";

const config = new pulumi.Config();
const { pair } = createBrownfield({
  name: config.get("name") ?? "pair",
  pairArgs: readPairArgs(config.require("pairArgsFile")),
  agentBundlePath: config.get("agentBundlePath"),
});

export const agentConfig = pair.agentConfig;
export const policyDocument = pair.policyDocument;
export const bucketPolicyDocument = pair.bucketPolicyDocument;
export const roleName = pair.roleName;
export const s3EndpointId = pair.s3EndpointId;
export const ec2EndpointId = pair.ec2EndpointId;
export const bigipTriggerSnippet = pair.bigipTriggerSnippet;
