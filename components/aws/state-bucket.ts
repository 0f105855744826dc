/**
 * The pair's private, encrypted state bucket: all four public-access blocks, bucket-owner
 * object ownership (no ACLs), default encryption (SSE-S3 AES256, or SSE-KMS with the given key),
 * versioning (an overwritten or deleted state object can be recovered), and a bucket policy that
 * refuses non-TLS requests and lets the pair's role in only through the pair's S3 endpoint.
 * An existing bucket may be named instead: nothing is created or changed on it (S3 has no
 * per-tag resource, and its policy belongs to its owner); the policy to merge is an output.
 */
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { stateBucketPolicy } from "./policy.js";

export interface StateBucketInputs {
  /** Name of an existing bucket to use as is. */
  existingBucketName?: pulumi.Input<string>;
  /** Name of the bucket to create; generated from the component's name when absent. */
  bucketName?: pulumi.Input<string>;
  kmsKeyArn?: pulumi.Input<string>;
  forceDestroy?: boolean;
  /** Keep the bucket and its protections in AWS when Pulumi deletes them; default: unless forceDestroy. */
  retainOnDelete?: boolean;
  region: pulumi.Input<string>;
  tags: Record<string, string>;
  s3EndpointId: pulumi.Input<string>;
  roleArn: pulumi.Input<string>;
  pairPrefix: string;
}

export interface StateBucketOutputs {
  bucketName: pulumi.Output<string>;
  /** The resource policy (JSON): applied to a created bucket; to merge into an existing one. */
  bucketPolicyDocument: pulumi.Output<string>;
  /** Resources the uploads must wait for (the bucket's policy and encryption in place). */
  ready: pulumi.Resource[];
  owned: boolean;
}

/** A bucket name prefix from the component name (bucket names: lowercase, digits, hyphens; the prefix at most 37 characters). */
export function bucketPrefixFor(name: string): string {
  const base = name.toLowerCase().replace(/[^a-z0-9-]+/g, "-").replace(/^-+|-+$/g, "").slice(0, 30).replace(/-+$/, "");
  return `${base || "ha-pair"}-state-`;
}

export function createStateBucket(name: string, inputs: StateBucketInputs, parent: pulumi.Resource): StateBucketOutputs {
  // The bucket holds the pair's fencing state: a `pulumi destroy`, a replaced component or a
  // removed stack must not take it (nor its locks: public-access block, encryption, policy) by
  // accident. Retained resources leave the stack but stay in AWS. forceDestroy says the user
  // wants the bucket gone, so it flips the default.
  const retainOnDelete = inputs.retainOnDelete ?? !(inputs.forceDestroy ?? false);
  const opts = { parent, retainOnDelete };
  const policyFor = (bucket: pulumi.Input<string>) =>
    pulumi
      .all([bucket, inputs.region, inputs.s3EndpointId, inputs.roleArn])
      .apply(([b, region, s3EndpointId, roleArn]) => JSON.stringify(stateBucketPolicy({ bucket: b, region, s3EndpointId, roleArn, pairPrefix: inputs.pairPrefix }), null, 2));

  if (inputs.existingBucketName !== undefined) {
    const bucketName = pulumi.output(inputs.existingBucketName);
    return { bucketName, bucketPolicyDocument: policyFor(bucketName), ready: [], owned: false };
  }

  const bucket = new aws.s3.Bucket(
    `${name}-state`,
    {
      ...(inputs.bucketName !== undefined ? { bucket: inputs.bucketName } : { bucketPrefix: bucketPrefixFor(name) }),
      forceDestroy: inputs.forceDestroy ?? false,
      tags: { Name: `${name}-state`, ...inputs.tags },
    },
    opts,
  );
  const publicAccess = new aws.s3.BucketPublicAccessBlock(
    `${name}-state`,
    { bucket: bucket.id, blockPublicAcls: true, blockPublicPolicy: true, ignorePublicAcls: true, restrictPublicBuckets: true },
    opts,
  );
  const ownership = new aws.s3.BucketOwnershipControls(`${name}-state`, { bucket: bucket.id, rule: { objectOwnership: "BucketOwnerEnforced" } }, opts);
  const encryption = new aws.s3.BucketServerSideEncryptionConfiguration(
    `${name}-state`,
    {
      bucket: bucket.id,
      rules: [
        inputs.kmsKeyArn !== undefined
          ? { applyServerSideEncryptionByDefault: { sseAlgorithm: "aws:kms", kmsMasterKeyId: inputs.kmsKeyArn }, bucketKeyEnabled: true }
          : { applyServerSideEncryptionByDefault: { sseAlgorithm: "AES256" } },
      ],
    },
    opts,
  );
  const versioning = new aws.s3.BucketVersioning(`${name}-state`, { bucket: bucket.id, versioningConfiguration: { status: "Enabled" } }, opts);
  const bucketPolicyDocument = policyFor(bucket.bucket);
  // After the public-access block: S3 checks a new policy against it, and the two racing can fail.
  const policy = new aws.s3.BucketPolicy(`${name}-state`, { bucket: bucket.id, policy: bucketPolicyDocument }, { ...opts, dependsOn: [publicAccess, ownership] });
  return { bucketName: bucket.bucket, bucketPolicyDocument, ready: [publicAccess, encryption, versioning, policy], owned: true };
}
