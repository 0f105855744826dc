/**
 * The pair's tags on Azure resources, with AwsHaPair's ownership rules: a resource created in the
 * same program carries them in its own `tags` (pairTags(), checked at preview); a resource given
 * by ID gets them through AzureTagsMerge, which merges only its own keys (the Tags API's PATCH
 * Merge: every other tag stays) — and never on a resource of this program that sets the same key
 * in its own tags (the two would undo each other on every `pulumi up`).
 */
import * as pulumi from "@pulumi/pulumi";
import { taggedSources } from "../aws/tag-by-id.js";
import { ARM_SCOPE, armFailure, hostArmRequest, type ArmRequest } from "./arm-client.js";

export const TAGS_API_VERSION = "2021-04-01";

export interface TagsMergeInputs {
  resourceId: string;
  tags: Record<string, string>;
  armEndpoint?: string;
}

export function tagsMergeOperations(request: ArmRequest) {
  const url = (i: TagsMergeInputs) => `${(i.armEndpoint ?? "https://management.azure.com").replace(/\/+$/, "")}${i.resourceId}/providers/Microsoft.Resources/tags/default?api-version=${TAGS_API_VERSION}`;
  const patch = async (i: TagsMergeInputs, operation: "Merge" | "Delete", tags: Record<string, string>) => {
    const answer = await request("PATCH", url(i), { scope: ARM_SCOPE, body: { operation, properties: { tags } } });
    if (answer.status !== 200) throw armFailure(`tags ${Object.keys(tags).join(", ")} on ${i.resourceId} (${operation})`, answer);
  };
  const current = async (i: TagsMergeInputs): Promise<Record<string, string>> => {
    const answer = await request("GET", url(i), { scope: ARM_SCOPE });
    if (answer.status === 404) return {};
    if (answer.status !== 200) throw armFailure(`tags of ${i.resourceId}`, answer);
    return (answer.body as { properties?: { tags?: Record<string, string> } }).properties?.tags ?? {};
  };
  return {
    create: async (i: TagsMergeInputs) => {
      await patch(i, "Merge", i.tags);
      return { id: `${i.resourceId}/tags/${Object.keys(i.tags).sort().join("+")}`, outs: i };
    },
    update: async (olds: TagsMergeInputs, news: TagsMergeInputs) => {
      await patch(news, "Merge", news.tags);
      // Keys this resource no longer sets are removed only while they still hold its old value.
      const live = await current(news);
      const dropped = Object.fromEntries(Object.entries(olds.tags).filter(([k, v]) => news.tags[k] === undefined && live[k] === v));
      if (Object.keys(dropped).length > 0) await patch(news, "Delete", dropped);
      return { outs: news };
    },
    read: async (id: string, props: TagsMergeInputs) => {
      const live = await current(props);
      return { id, props: { ...props, tags: Object.fromEntries(Object.keys(props.tags).filter((k) => live[k] !== undefined).map((k) => [k, live[k]!])) } };
    },
    /** Removes its own keys, and only where they still hold the value it set (like aws.ec2.Tag, never someone else's). */
    delete: async (props: TagsMergeInputs) => {
      const live = await current(props);
      const ours = Object.fromEntries(Object.entries(props.tags).filter(([k, v]) => live[k] === v));
      if (Object.keys(ours).length > 0) await patch(props, "Delete", ours);
    },
  };
}

export const tagsMergeProvider: pulumi.dynamic.ResourceProvider<TagsMergeInputs, TagsMergeInputs> = {
  async diff(_id, olds, news) {
    const replaces = olds.resourceId !== news.resourceId ? ["resourceId"] : [];
    return { changes: replaces.length > 0 || JSON.stringify(olds.tags) !== JSON.stringify(news.tags) || olds.armEndpoint !== news.armEndpoint, replaces, deleteBeforeReplace: true };
  },
  async create(inputs) {
    return tagsMergeOperations(hostArmRequest()).create(inputs);
  },
  async update(_id, olds, news) {
    return tagsMergeOperations(hostArmRequest()).update(olds, news);
  },
  async read(id, props) {
    return tagsMergeOperations(hostArmRequest()).read(id, props as TagsMergeInputs);
  },
  async delete(_id, props) {
    await tagsMergeOperations(hostArmRequest()).delete(props);
  },
};

export interface AzureTagsMergeArgs {
  resourceId: pulumi.Input<string>;
  tags: pulumi.Input<Record<string, pulumi.Input<string>>>;
  armEndpoint?: pulumi.Input<string | undefined>;
}

/** The pair's tags merged into an existing resource's tags (its other tags untouched). */
export class AzureTagsMerge extends pulumi.dynamic.Resource {
  declare readonly resourceId: pulumi.Output<string>;
  declare readonly tags: pulumi.Output<Record<string, string>>;

  constructor(name: string, args: AzureTagsMergeArgs, opts?: pulumi.CustomResourceOptions) {
    super(tagsMergeProvider, name, args, opts, "ha-pair", "AzureTagsMerge");
  }
}

/**
 * Resolves when no resource of this program that the ID comes from sets one of `keys` in its own
 * tags; rejects naming it otherwise. The resources an output comes from, and their args, are
 * known at preview, so the refusal happens at preview.
 */
export function noOwnAzureTag(owner: string, where: string, resourceId: pulumi.Input<string>, keys: string[]): pulumi.Output<true> {
  return taggedSources(resourceId).apply((found) => {
    for (const [urn, tags] of found) {
      const key = keys.find((k) => tags?.[k] !== undefined);
      if (key !== undefined) {
        throw new Error(
          `AzureHaPair "${owner}": ${where} gives by ID the resource "${urn.slice(urn.lastIndexOf("::") + 2)}" of this program, which sets ${key} in its own tags; ` +
            `merging the tag as well would fight them on every pulumi up. Pass the resource itself (its own tags then carry pairTags()), or remove ${key} from its tags`,
        );
      }
    }
    return true as const;
  });
}
