/**
 * Checks on the pair's resources that must run at `pulumi preview`, before anything is built on
 * them. During a preview the engine knows a resource-to-be-created's inputs (and its provider's
 * schema defaults) but not its ID nor anything the cloud computes: a check written as
 * `pulumi.all([resource.id, ...]).apply(check)` silently never runs there, and fails halfway
 * through `up` instead. So the checks read only what a preview knows — the resource's own args
 * as echoed by its outputs, and its name (its URN is known) to say which resource is wrong —
 * and when a value they need is still unknown, they say so instead of passing in silence.
 */
import * as pulumi from "@pulumi/pulumi";

/** `aws.ec2.NetworkInterface "a-ext"`: the resource as the program declared it (known at preview, unlike its ID). */
export function declared(resource: pulumi.CustomResource, className: string): pulumi.Output<string> {
  return resource.urn.apply((urn) => `${className} "${urn.slice(urn.lastIndexOf("::") + 2)}"`);
}

/** Whether an output's value is known; the SDK tracks this on every output without a public accessor. */
function isKnown(value: pulumi.Output<unknown>): Promise<boolean> {
  return (value as unknown as { isKnown?: Promise<boolean> }).isKnown ?? Promise.resolve(true);
}

/**
 * Runs `check` on `values` as soon as they are known; during a preview where some are not,
 * warns on `owner` that `what` is not checked yet (the check then runs in `up`, before anything
 * that depends on it is built). Returns the problems found.
 */
export function checkWhenKnown<T>(owner: pulumi.Resource, ownerName: string, what: string, values: pulumi.Output<T>, check: (value: T) => string[]): pulumi.Output<string[]> {
  if (pulumi.runtime.isDryRun()) {
    void isKnown(values).then(
      (known) => {
        if (!known) pulumi.log.warn(`AwsHaPair "${ownerName}": ${what} not checked at preview (not known until the resources exist); pulumi up checks it before building on it`, owner);
      },
      () => undefined, // a failed value fails the check itself
    );
  }
  return values.apply(check);
}
