/**
 * A Terraform state (F5's BIG-IP modules, or any HCL) to a discovery scope: the pair's
 * interfaces, Elastic IPs, route tables, bucket and endpoints are the AWS resources in the state
 * that carry the label tag (plus the tables of aws_route resources at those interfaces). EC2 is
 * then asked about exactly those IDs: the state says what belongs to the pair, the cloud where
 * everything points now (a failover since the last apply moved it).
 */
import { DiscoveryInputError } from "../errors.js";
import { isObject } from "../json-file.js";
import type { TerraformResource } from "../terraform-state.js";
import { emptyQuery, NONE_BY_TAGS, type AwsPairScope, type AwsTagKeys } from "./scope.js";

const tagsOf = (resource: TerraformResource): Record<string, string> => {
  const tags = resource.values.tags_all ?? resource.values.tags;
  return isObject(tags) ? (Object.fromEntries(Object.entries(tags).filter(([, v]) => typeof v === "string")) as Record<string, string>) : {};
};
const idOf = (resource: TerraformResource): string | undefined => (typeof resource.values.id === "string" ? resource.values.id : undefined);

export function scopeFromTerraform(resources: TerraformResource[], options: { file: string; keys: AwsTagKeys; label?: string }): AwsPairScope {
  const { keys, file } = options;
  const nics = resources.filter((r) => r.type === "aws_network_interface");
  let label = options.label;
  if (label === undefined) {
    const labels = [...new Set(nics.map((r) => tagsOf(r)[keys.labelKey]).filter((v): v is string => v !== undefined))];
    if (labels.length !== 1) {
      throw new DiscoveryInputError(
        file,
        labels.length === 0
          ? `no aws_network_interface in this state carries the ${keys.labelKey} tag; pass --label LABEL (and --label-key KEY if the pair uses another tag key)`
          : `its interfaces carry ${labels.length} labels (${labels.join(", ")}); pass --label LABEL to choose the pair`,
      );
    }
    label = labels[0]!;
  }
  const ofPair = (r: TerraformResource) => tagsOf(r)[keys.labelKey] === label;
  // Endpoints are also looked for by the label tag: those made outside Terraform are adopted.
  const query = emptyQuery({ ...NONE_BY_TAGS, endpoints: true });
  const scope: AwsPairScope = { label, keys, source: "terraform", routeScopes: [], query };
  const ids = (type: string) => resources.filter((r) => r.type === type && ofPair(r)).map(idOf).filter((id): id is string => id !== undefined);

  query.interfaceIds = ids("aws_network_interface");
  if (query.interfaceIds.length === 0) throw new DiscoveryInputError(file, `no aws_network_interface carries ${keys.labelKey}=${label}; check --label, or pass --label-key`);
  query.allocationIds = ids("aws_eip");
  const pairNics = new Set(query.interfaceIds);
  const routeTables = new Set(ids("aws_route_table"));
  for (const route of resources.filter((r) => r.type === "aws_route")) {
    if (typeof route.values.network_interface_id === "string" && pairNics.has(route.values.network_interface_id) && typeof route.values.route_table_id === "string") {
      routeTables.add(route.values.route_table_id);
    }
  }
  query.routeTableIds = [...routeTables];
  const buckets = resources.filter((r) => r.type === "aws_s3_bucket" && ofPair(r)).map((r) => (typeof r.values.bucket === "string" ? r.values.bucket : idOf(r))).filter((b): b is string => b !== undefined);
  if (buckets.length > 1) throw new DiscoveryInputError(file, `${buckets.length} aws_s3_bucket resources carry ${keys.labelKey}=${label} (${buckets.join(", ")}); pass --state-bucket NAME to choose the agent's`);
  if (buckets.length === 1) query.bucketName = buckets[0]!;
  query.endpointIds = ids("aws_vpc_endpoint");
  return scope;
}
