/**
 * Terraform state, cloud-neutral: the managed resources of `terraform show -json` output
 * (values.root_module with child_modules) or of a v4 state file (.tfstate: resources[] with
 * module and instances[].attributes), flattened to { address, type, values }.
 */
import { DiscoveryInputError } from "./errors.js";
import { isObject } from "./json-file.js";

export interface TerraformResource {
  /** e.g. module.bigip[0].aws_network_interface.external */
  address: string;
  type: string;
  /** The module path, "" for the root module. */
  module: string;
  values: Record<string, unknown>;
}

function fromShowJson(module: Record<string, unknown>, out: TerraformResource[]): void {
  const path = typeof module.address === "string" ? module.address : "";
  for (const resource of Array.isArray(module.resources) ? module.resources.filter(isObject) : []) {
    if (resource.mode !== "managed" || typeof resource.type !== "string" || typeof resource.address !== "string") continue;
    out.push({ address: resource.address, type: resource.type, module: path, values: isObject(resource.values) ? resource.values : {} });
  }
  for (const child of Array.isArray(module.child_modules) ? module.child_modules.filter(isObject) : []) fromShowJson(child, out);
}

function indexSuffix(key: unknown): string {
  if (key === undefined || key === null) return "";
  return typeof key === "number" ? `[${key}]` : `[${JSON.stringify(key)}]`;
}

export function readTerraformState(document: unknown, file: string): TerraformResource[] {
  if (!isObject(document)) throw new DiscoveryInputError(file, "is not a Terraform state: expected a JSON object");
  const out: TerraformResource[] = [];
  if (typeof document.format_version === "string") {
    // `terraform show -json`: an empty state has no "values" at all.
    const values = isObject(document.values) ? document.values : {};
    if (isObject(values.root_module)) fromShowJson(values.root_module, out);
    return out;
  }
  if (document.version === 4 && Array.isArray(document.resources)) {
    document.resources.filter(isObject).forEach((resource, i) => {
      if (resource.mode !== "managed") return;
      if (typeof resource.type !== "string" || typeof resource.name !== "string") throw new DiscoveryInputError(file, `/resources/${i}: a resource needs "type" and "name"`);
      const module = typeof resource.module === "string" ? resource.module : "";
      for (const instance of Array.isArray(resource.instances) ? resource.instances.filter(isObject) : []) {
        const address = `${module ? `${module}.` : ""}${resource.type}.${resource.name}${indexSuffix(instance.index_key)}`;
        out.push({ address, type: resource.type, module, values: isObject(instance.attributes) ? instance.attributes : {} });
      }
    });
    return out;
  }
  throw new DiscoveryInputError(
    file,
    `is neither \`terraform show -json\` output (format_version, values.root_module) nor a version 4 state file (version: 4, resources); got ${typeof document.version === "number" ? `state version ${document.version}` : "neither"}. Run \`terraform show -json > state.json\` and pass that`,
  );
}
