/**
 * Who sets each attribute of the pair today, and what Terraform must stop reverting so that the
 * two tools coexist. Terraform owns what its state sets; CFE moves the floating addresses and
 * route next hops when a declaration says it runs; anything else that has a value was set
 * outside both (the console, the CLI, a script); an attribute nobody set is "nobody".
 * Once adopted, the ha-pair agent moves the floating attributes, and with `manage: verify` the
 * component only checks tags and source/dest check, never writes them.
 */
import { NODE_IDS } from "../../config/types.js";
import { isObject } from "../json-file.js";
import type { TerraformResource } from "../terraform-state.js";
import type { ResolvedAwsPair } from "./resolve.js";

export type Owner = "terraform" | "cfe" | "console" | "nobody";

export interface AttributeOwnership {
  /** The cloud resource ID. */
  resource: string;
  /** networkInterface, elasticIp, routeTable, bucket, instanceProfile */
  kind: string;
  /** e.g. tags.f5_cloud_failover_label, sourceDestCheck, secondaryPrivateIps, association, route 0.0.0.0/0 */
  attribute: string;
  owner: Owner;
  /** The Terraform resource that sets it, when the owner is terraform. */
  terraformAddress?: string;
  /** What ha-pair does with it once the pair is adopted. */
  haPair: "moves at failover" | "verifies at preview" | "adds the agent policy" | "uses as is" | "adopts (import, protect)";
}

export interface LifecycleAdvice {
  address: string;
  ignoreChanges: string[];
  why: string;
  /** The block to paste into the resource. */
  hcl: string;
}

export interface OwnershipDocument {
  label: string;
  sources: { tags: boolean; cfeDeclaration?: string; terraformState?: string };
  attributes: AttributeOwnership[];
  terraform: { lifecycle: LifecycleAdvice[]; ifManageApply: LifecycleAdvice[] };
}

function hcl(ignore: string[]): string {
  return `lifecycle {\n  ignore_changes = [${ignore.join(", ")}]\n}`;
}

export function buildOwnership(
  pair: ResolvedAwsPair,
  inventoryTags: Map<string, Record<string, string>>,
  sourceDestCheck: Map<string, boolean | undefined>,
  options: { terraform?: TerraformResource[]; terraformFile?: string; cfeFile?: string; tags: boolean },
): OwnershipDocument {
  const { config } = pair;
  const labelKey = config.tags?.labelKey ?? "f5_cloud_failover_label";
  const nicMapKey = config.tags?.nicMapKey ?? "f5_cloud_failover_nic_map";
  const tf = options.terraform ?? [];
  const byId = new Map<string, TerraformResource>();
  for (const r of tf) if (typeof r.values.id === "string") byId.set(r.values.id, r);
  const tfTags = (r: TerraformResource | undefined) => (r && isObject(r.values.tags) ? r.values.tags : {});
  const movingOwner: Owner = options.cfeFile ? "cfe" : "nobody";
  const attributes: AttributeOwnership[] = [];
  const tagOwnership = (resource: string, kind: string, key: string) => {
    const r = byId.get(resource);
    const owner: Owner = key in tfTags(r) ? "terraform" : inventoryTags.get(resource)?.[key] !== undefined ? "console" : "nobody";
    attributes.push({ resource, kind, attribute: `tags.${key}`, owner, ...(owner === "terraform" ? { terraformAddress: r!.address } : {}), haPair: "verifies at preview" });
  };
  const lifecycle: LifecycleAdvice[] = [];
  const ifManageApply: LifecycleAdvice[] = [];
  const advise = (list: LifecycleAdvice[], address: string, ignore: string[], why: string) => {
    const existing = list.find((l) => l.address === address);
    if (existing) {
      existing.ignoreChanges = [...new Set([...existing.ignoreChanges, ...ignore])];
      existing.why += `; ${why}`;
      existing.hcl = hcl(existing.ignoreChanges);
    } else list.push({ address, ignoreChanges: ignore, why, hcl: hcl(ignore) });
  };

  const secondaryRoles = new Set((config.addresses?.secondaryIps ?? []).map((g) => g.role));
  for (const node of NODE_IDS) {
    for (const [role, nic] of Object.entries(config.nodes[node].interfaces)) {
      tagOwnership(nic.id, "networkInterface", labelKey);
      tagOwnership(nic.id, "networkInterface", nicMapKey);
      const r = byId.get(nic.id);
      if (pair.routingRoles.includes(role)) {
        const setByTf = r !== undefined && typeof r.values.source_dest_check === "boolean";
        attributes.push({ resource: nic.id, kind: "networkInterface", attribute: "sourceDestCheck", owner: setByTf ? "terraform" : sourceDestCheck.get(nic.id) === false ? "console" : "nobody", ...(setByTf ? { terraformAddress: r!.address } : {}), haPair: "verifies at preview" });
        if (r) advise(ifManageApply, r.address, ["source_dest_check"], "manage.sourceDestCheck = apply writes it");
      }
      if (r) advise(ifManageApply, r.address, [`tags["${labelKey}"]`, `tags["${nicMapKey}"]`], "manage.tags = apply writes the pair's tags");
      if (secondaryRoles.has(role)) {
        const tfSets = r !== undefined && ["private_ips", "private_ip_list", "private_ips_count"].filter((k) => r.values[k] !== undefined && r.values[k] !== null);
        attributes.push({ resource: nic.id, kind: "networkInterface", attribute: "secondaryPrivateIps", owner: movingOwner === "cfe" ? "cfe" : tfSets && tfSets.length > 0 ? "terraform" : "console", ...(tfSets && tfSets.length > 0 ? { terraformAddress: r!.address } : {}), haPair: "moves at failover" });
        if (tfSets && tfSets.length > 0) advise(lifecycle, r!.address, tfSets, "the agent moves the floating secondary IPs between the nodes; Terraform would move them back");
      }
    }
  }
  for (const eip of config.addresses?.elasticIps ?? []) {
    tagOwnership(eip.allocationId, "elasticIp", labelKey);
    const r = byId.get(eip.allocationId);
    const assoc = tf.find((x) => x.type === "aws_eip_association" && x.values.allocation_id === eip.allocationId);
    const inline = r && ["network_interface", "associate_with_private_ip", "instance"].filter((k) => typeof r.values[k] === "string" && r.values[k] !== "");
    const tfAddress = assoc?.address ?? (inline && inline.length > 0 ? r!.address : undefined);
    attributes.push({ resource: eip.allocationId, kind: "elasticIp", attribute: "association", owner: movingOwner === "cfe" ? "cfe" : tfAddress ? "terraform" : "console", ...(tfAddress ? { terraformAddress: tfAddress } : {}), haPair: "moves at failover" });
    if (assoc) advise(lifecycle, assoc.address, ["network_interface_id", "private_ip_address", "instance_id"], "the agent re-associates the Elastic IP with the active node");
    else if (inline && inline.length > 0) advise(lifecycle, r!.address, inline, "the agent re-associates the Elastic IP with the active node");
  }
  for (const route of config.routes ?? []) {
    tagOwnership(route.routeTableId, "routeTable", labelKey);
    const table = byId.get(route.routeTableId);
    for (const destination of route.destinations) {
      const separate = tf.find((x) => x.type === "aws_route" && x.values.route_table_id === route.routeTableId && [x.values.destination_cidr_block, x.values.destination_ipv6_cidr_block, x.values.destination_prefix_list_id].includes(destination));
      const inline = table && Array.isArray(table.values.route) && table.values.route.some((x) => isObject(x) && [x.cidr_block, x.ipv6_cidr_block, x.destination_prefix_list_id].includes(destination));
      const tfAddress = separate?.address ?? (inline ? table!.address : undefined);
      attributes.push({ resource: route.routeTableId, kind: "routeTable", attribute: `route ${destination}`, owner: movingOwner === "cfe" ? "cfe" : tfAddress ? "terraform" : "console", ...(tfAddress ? { terraformAddress: tfAddress } : {}), haPair: "moves at failover" });
      if (separate) advise(lifecycle, separate.address, ["network_interface_id"], "the agent points the route at the active node");
      else if (inline) advise(lifecycle, table!.address, ["route"], "the agent points the table's routes at the active node (inline routes are one attribute)");
    }
  }
  const bucketResource = tf.find((r) => r.type === "aws_s3_bucket" && (r.values.bucket === pair.bucket || r.values.id === pair.bucket));
  attributes.push({ resource: pair.bucket, kind: "bucket", attribute: "bucket", owner: bucketResource ? "terraform" : "console", ...(bucketResource ? { terraformAddress: bucketResource.address, haPair: "uses as is" as const } : { haPair: "adopts (import, protect)" as const }) });
  for (const endpoint of pair.endpoints) {
    const r = byId.get(endpoint.id);
    attributes.push({ resource: endpoint.id, kind: "vpcEndpoint", attribute: "endpoint", owner: r ? "terraform" : "console", ...(r ? { terraformAddress: r.address, haPair: "uses as is" as const } : { haPair: "adopts (import, protect)" as const }) });
  }
  for (const node of NODE_IDS) {
    const profile = pair.nodes[node].instanceProfileArn;
    if (profile) attributes.push({ resource: profile, kind: "instanceProfile", attribute: "role", owner: tf.some((r) => r.type === "aws_iam_instance_profile" && r.values.arn === profile) ? "terraform" : "console", haPair: "adds the agent policy" });
  }
  // A Terraform role that declares inline_policy blocks owns all its inline policies: it would delete the agent's.
  const profileArns = new Set(NODE_IDS.map((n) => pair.nodes[n].instanceProfileArn));
  const profileRoles = new Set(tf.filter((r) => r.type === "aws_iam_instance_profile" && profileArns.has(r.values.arn as string)).map((r) => r.values.role));
  for (const role of tf.filter((r) => r.type === "aws_iam_role" && profileRoles.has(r.values.name))) {
    if (Array.isArray(role.values.inline_policy) && role.values.inline_policy.length > 0) {
      advise(lifecycle, role.address, ["inline_policy"], "the agent's policy is added to this role as an inline policy; a role with inline_policy blocks would remove it");
    }
  }
  return {
    label: config.label,
    sources: { tags: options.tags, ...(options.cfeFile ? { cfeDeclaration: options.cfeFile } : {}), ...(options.terraformFile ? { terraformState: options.terraformFile } : {}) },
    attributes,
    terraform: { lifecycle, ifManageApply },
  };
}
