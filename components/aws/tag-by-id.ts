/**
 * One tag on a resource the stack does not own, with `aws.ec2.Tag` — and never on a resource of
 * this program that sets the same key in its own `tags`: the resource's provider and the Tag
 * would each undo the other on every `pulumi up` (a perpetual diff, and between two updates the
 * pair's label may be missing, which its IAM condition needs). The ID given may be an output of
 * a resource created in the same program (`eni.id`); the resources an output comes from are
 * known at preview, and so are their own tags (they are args), so the refusal happens at preview.
 */
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";

export interface TagByIdArgs {
  resourceId: pulumi.Input<string>;
  key: string;
  value: pulumi.Input<string>;
  /** Where the ID was given (an arg path, e.g. nodes.a.interfaces.external), for the error. */
  where: string;
  /** The arg that takes the resource itself, for the fix (e.g. networkInterface), if there is one. */
  ownedArg?: string;
  /** The component's name, for the error. */
  owner: string;
}

interface Tagged {
  tags?: pulumi.Output<Record<string, string> | undefined>;
  urn: pulumi.Output<string>;
}

/** The resources of this program an ID comes from that have tags of their own, as [URN, tags]. Shared with AzureHaPair (noOwnAzureTag). */
export function taggedSources(resourceId: pulumi.Input<string>) {
  // The SDK records which resources an output comes from (exported, documented as internal).
  return pulumi.output(
    pulumi.getAllResources(pulumi.output(resourceId)).then((resources) => {
      const tagged = [...resources].filter((r): r is pulumi.CustomResource & Tagged => pulumi.CustomResource.isInstance(r) && pulumi.Output.isInstance((r as Tagged).tags));
      return pulumi.all(tagged.map((r) => pulumi.all([r.urn, r.tags!])));
    }),
  );
}

/** Resolves when no resource the ID comes from sets `key` in its own tags; rejects naming it otherwise. */
export function noOwnTag(args: TagByIdArgs): pulumi.Output<true> {
  return taggedSources(args.resourceId).apply((found) => {
    const clash = found.find(([, tags]) => tags?.[args.key] !== undefined);
    if (clash) {
      const [urn] = clash;
      const declared = `${urn.slice(urn.lastIndexOf("::") + 2)}`;
      throw new Error(
        `AwsHaPair "${args.owner}": ${args.where} gives by ID the resource "${declared}" of this program, which sets ${args.key} in its own tags; ` +
          `an aws.ec2.Tag for the same key would fight them on every pulumi up (a perpetual diff). ` +
          (args.ownedArg
            ? `Pass the resource itself as ${args.ownedArg} (its own tags then carry the pair's tags: pairTags()), or remove ${args.key} from its tags`
            : `Remove ${args.key} from its own tags, or leave it there and stop giving its ID to AwsHaPair`),
      );
    }
    return true as const;
  });
}

/** aws.ec2.Tag on a resource given by ID, refused when the resource's own tags set the key (see above). */
export function tagById(name: string, args: TagByIdArgs, opts: pulumi.CustomResourceOptions): aws.ec2.Tag {
  const resourceId = pulumi.all([args.resourceId, noOwnTag(args)]).apply(([id]) => id);
  return new aws.ec2.Tag(name, { resourceId, key: args.key, value: args.value }, opts);
}
