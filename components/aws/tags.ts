/**
 * The tags that make a resource part of a pair. The agent's IAM policy only lets it change
 * resources that carry the label tag, and the nic-map tag pairs the same-role interfaces of
 * both nodes (F5 Cloud Failover Extension's keys by default, so a BIG-IP pair can switch
 * between the two without retagging).
 *
 * A resource created in the same program gets these tags in its own args (`pairTags`); a
 * resource the stack does not own gets them through `aws.ec2.Tag` (see ha-pair.ts). Never
 * both for the same key: the resource's own `tags` and an `aws.ec2.Tag` would each remove what
 * the other adds on every `pulumi up` (a perpetual diff).
 */
import { DEFAULT_LABEL_KEY, DEFAULT_NIC_MAP_KEY } from "../../runtime/config/index.js";

export interface PairTagKeys {
  labelKey: string;
  nicMapKey: string;
}

export interface PairTagOptions {
  /** The interface's role: adds the nic-map tag (interfaces only). */
  role?: string;
  /** Default `f5_cloud_failover_label`. */
  labelKey?: string;
  /** Default `f5_cloud_failover_nic_map`. */
  nicMapKey?: string;
}

export function pairTagKeys(options: { labelKey?: string; nicMapKey?: string } = {}): PairTagKeys {
  return { labelKey: options.labelKey ?? DEFAULT_LABEL_KEY, nicMapKey: options.nicMapKey ?? DEFAULT_NIC_MAP_KEY };
}

/**
 * The tags a resource of the pair carries: the label, and for an interface the nic-map tag
 * (its role). Spread them into the resource's own `tags`:
 * `new aws.ec2.NetworkInterface("a-ext", { ..., tags: { Name: "a-ext", ...pairTags("edge", { role: "external" }) } })`.
 */
export function pairTags(label: string, options: PairTagOptions = {}): Record<string, string> {
  const { labelKey, nicMapKey } = pairTagKeys(options);
  return { [labelKey]: label, ...(options.role !== undefined ? { [nicMapKey]: options.role } : {}) };
}

/**
 * The preview problem of a resource of this program whose own tags lack its pair tags (the label,
 * and an interface's role), naming the pairTags() call that fixes it; undefined when it has them.
 * Shared by AwsHaPair and AzureHaPair.
 */
export function missingPairTagsProblem(where: string, tags: Record<string, string> | undefined, keys: PairTagKeys, label: string, role?: string): string | undefined {
  const wrong = Object.entries(pairTags(label, { ...keys, role })).filter(([k, v]) => tags?.[k] !== v);
  if (wrong.length === 0) return undefined;
  const options = role !== undefined ? `, { role: ${JSON.stringify(role)} }` : "";
  return `${where}: its tags lack ${wrong.map(([k, v]) => `${k}=${v}`).join(", ")}; add ...pairTags(${JSON.stringify(label)}${options}) to its tags`;
}
