// `pulumi up` entry point: reads the stack config and builds the pair (program.ts).
import * as pulumi from "@pulumi/pulumi";
import { createAzureGreenfield, type AzureImage } from "./program.js";

const config = new pulumi.Config();
const image = (config.get("image") ?? "debian") as AzureImage;
if (image !== "debian" && image !== "bigip") throw new Error(`config image must be debian or bigip, got ${image}`);

const greenfield = createAzureGreenfield({
  label: config.get("label") ?? pulumi.getStack(),
  location: new pulumi.Config("azure-native").get("location"),
  resourceGroupName: config.get("resourceGroupName"),
  image,
  vmSize: config.get("vmSize"),
  adminUsername: config.get("adminUsername"),
  sshPublicKey: config.require("sshPublicKey"),
  ipConfigMove: config.getBoolean("ipConfigMove"),
  movingPublicIp: config.getBoolean("movingPublicIp"),
  deployerIpRanges: config.getObject<string[]>("deployerIpRanges"),
});

export const outputs = greenfield.outputs;
