// `pulumi up` entry point: reads the stack config and builds the pair (program.ts).
import * as pulumi from "@pulumi/pulumi";
import type { RouteMode } from "@ha-pair/pulumi";
import { createGreenfield, type GreenfieldMode } from "./program.js";

const config = new pulumi.Config();
const mode = (config.get("mode") ?? "same-az") as GreenfieldMode;
if (mode !== "same-az" && mode !== "across-az") throw new Error(`config mode must be same-az or across-az, got ${mode}`);
const routeMode = (config.get("routeMode") ?? "per-route") as RouteMode;
if (routeMode !== "per-route" && routeMode !== "association") throw new Error(`config routeMode must be per-route or association, got ${routeMode}`);

const greenfield = createGreenfield({
  label: config.get("label") ?? pulumi.getStack(),
  mode,
  ami: config.get("ami"),
  instanceType: config.get("instanceType"),
  availabilityZones: config.getObject<string[]>("availabilityZones"),
  managementInternet: config.getBoolean("managementInternet"),
  keyName: config.get("keyName"),
  forceDestroyBucket: config.getBoolean("forceDestroyBucket"),
  routeMode,
});

export const outputs = greenfield.outputs;
