/**
 * state-storage: the pair's state (who holds the pair, the fencing generation) and the agent's
 * boot artifacts live in the state store; anyone who can read or write it can steer or stall a
 * failover. So:
 *  - S3 state bucket: all four public-access blocks, default encryption, versioning (an
 *    overwritten or deleted state object can be recovered), and a bucket policy that denies
 *    every request without TLS (aws:SecureTransport = false). Companion resources are found by
 *    their `bucket` property (or inline on the bucket, for the deprecated inline arguments).
 *  - Azure storage account: no public blob access, HTTPS only, minimum TLS 1.2, and — when the
 *    agent authenticates with Entra ID (the default) — shared-key access off.
 * A bucket given to AwsHaPair by name (existingBucketName) is not in the stack and is not checked.
 */
import type { StackValidationPolicy } from "@pulumi/policy";
import { DEFAULT_LABEL_KEY, LABEL_KEY_SCHEMA, withDefaults } from "../lib/config.js";
import { parsePolicyDocument, conditionValues } from "../lib/iam.js";
import { StackModel, findPairs, membersOfKind, pairName, type Pair, type Res } from "../lib/model.js";
import { Reporter } from "../lib/report.js";
import { AWS, AZURE } from "../lib/types.js";
import { UNKNOWN, asArray, asString, containsUnknown, get, isUnknown } from "../lib/values.js";

export interface StateStorageConfig {
  labelKey: string;
  /** How the Azure agent authenticates to Blob storage: "entra" (managed identity) or "sharedKey". */
  azureAuth: "entra" | "sharedKey";
}

export const STATE_STORAGE_DEFAULTS: StateStorageConfig = { labelKey: DEFAULT_LABEL_KEY, azureAuth: "entra" };

export const stateStorage: StackValidationPolicy = {
  name: "state-storage",
  description:
    "An ha-pair's state store is private and tight: S3 with all four public-access blocks, default encryption, versioning and a TLS-only bucket policy; Azure storage with no public blob access, HTTPS only, TLS 1.2+ and shared-key access off.",
  enforcementLevel: "mandatory",
  remediationSteps: "Let AwsHaPair create the state bucket (components/aws/state-bucket.ts), or add the missing settings to your own.",
  configSchema: {
    properties: {
      labelKey: LABEL_KEY_SCHEMA,
      azureAuth: {
        type: "string",
        enum: ["entra", "sharedKey"],
        default: "entra",
        description: "How the Azure agent authenticates to Blob storage; with entra (managed identity) shared-key access must be off.",
      },
    },
  },
  validateStack: (args, reportViolation) => {
    const config = withDefaults(STATE_STORAGE_DEFAULTS, args.getConfig<Partial<StateStorageConfig>>());
    const model = new StackModel(args.resources);
    const reporter = new Reporter(reportViolation);
    for (const pair of findPairs(model, config)) {
      for (const store of membersOfKind(pair, "state-store")) {
        if (store.type === AZURE.storageAccount) checkStorageAccount(store, pair, config, reporter);
        else checkBucket(model, store, pair, reporter);
      }
    }
    reporter.finish();
  },
};

/** The companion resources of a bucket (public-access block, encryption, ...): `bucket` refers to it. */
function companions(model: StackModel, bucket: Res, types: readonly string[]): Res[] {
  return model.ofType(...types).filter((res) => model.refersTo(res, "bucket", res.props.bucket, bucket));
}

const PUBLIC_ACCESS_FLAGS = ["blockPublicAcls", "blockPublicPolicy", "ignorePublicAcls", "restrictPublicBuckets"] as const;

function checkBucket(model: StackModel, bucket: Res, pair: Pair, reporter: Reporter): void {
  const where = `The state bucket of ${pairName(pair)}`;
  // --- public access
  const blocks = companions(model, bucket, AWS.publicAccessBlock);
  if (blocks.length === 0) {
    reporter.violation(bucket, `${where} has no public access block`, `add aws.s3.BucketPublicAccessBlock { bucket: <bucket>.id, ${PUBLIC_ACCESS_FLAGS.map((f) => `${f}: true`).join(", ")} }`);
  } else {
    for (const block of blocks) {
      const off = PUBLIC_ACCESS_FLAGS.filter((f) => block.props[f] !== true && !isUnknown(block.props[f]));
      PUBLIC_ACCESS_FLAGS.filter((f) => isUnknown(block.props[f])).forEach((f) => reporter.notKnown(block, f));
      if (off.length > 0) reporter.violation(block, `${where} is not fully shielded from public access: ${off.join(", ")} not true`, `set ${off.map((f) => `${f}: true`).join(", ")}`);
    }
  }
  // --- encryption
  const algorithms: unknown[] = [];
  for (const sse of companions(model, bucket, AWS.encryption)) {
    const rules = asArray(sse.props.rules);
    if (rules === UNKNOWN) reporter.notKnown(sse, "rules");
    else (rules ?? []).forEach((rule) => algorithms.push(get(rule, "applyServerSideEncryptionByDefault", "sseAlgorithm")));
  }
  // Deprecated inline arguments: Bucket.serverSideEncryptionConfiguration (v7), BucketV2's plural forms (v6).
  for (const prop of ["serverSideEncryptionConfiguration", "serverSideEncryptionConfigurations"]) {
    if (isUnknown(bucket.props[prop])) algorithms.push(UNKNOWN);
    else algorithms.push(...valuesOfKey(bucket.props[prop], "sseAlgorithm"));
  }
  if (algorithms.some((a) => a === UNKNOWN || isUnknown(a))) reporter.notKnown(bucket, "serverSideEncryptionConfiguration");
  else if (!algorithms.some((a) => typeof a === "string" && ["AES256", "aws:kms", "aws:kms:dsse"].includes(a))) {
    reporter.violation(
      bucket,
      `${where} has no default encryption configured`,
      `add aws.s3.BucketServerSideEncryptionConfiguration { bucket: <bucket>.id, rules: [{ applyServerSideEncryptionByDefault: { sseAlgorithm: "AES256" } }] } (or "aws:kms" with the pair's key)`,
    );
  }
  // --- versioning
  const statuses: unknown[] = companions(model, bucket, AWS.versioning).map((v) => get(v.props, "versioningConfiguration", "status"));
  const inlineVersioning = [...valuesOfKey(bucket.props.versioning, "enabled"), ...valuesOfKey(bucket.props.versionings, "enabled")];
  if (statuses.some((s) => s === UNKNOWN) || inlineVersioning.some(isUnknown) || isUnknown(bucket.props.versioning)) reporter.notKnown(bucket, "versioning");
  else if (!statuses.includes("Enabled") && !inlineVersioning.includes(true)) {
    reporter.violation(bucket, `${where} does not keep versions, so an overwritten or deleted state object cannot be recovered`, `add aws.s3.BucketVersioning { bucket: <bucket>.id, versioningConfiguration: { status: "Enabled" } }`);
  }
  // --- TLS only
  const documents: { holder: Res; path: string; value: unknown }[] = companions(model, bucket, AWS.bucketPolicy).map((p) => ({ holder: p, path: "policy", value: p.props.policy }));
  if (bucket.props.policy !== undefined && bucket.props.policy !== "") documents.push({ holder: bucket, path: "policy", value: bucket.props.policy });
  let tlsOnly = false;
  let unknown = false;
  for (const doc of documents) {
    const parsed = parsePolicyDocument(doc.value);
    if (parsed === UNKNOWN || containsUnknown(doc.value)) {
      unknown = true;
      reporter.notKnown(doc.holder, doc.path);
      continue;
    }
    if ("error" in parsed) continue;
    tlsOnly ||= parsed.statements.some((st) => {
      if (st.Effect !== "Deny") return false;
      const everyone = st.Principal === "*" || asString(get(st.Principal, "AWS")) === "*" || (Array.isArray(get(st.Principal, "AWS")) && (get(st.Principal, "AWS") as unknown[]).includes("*"));
      const allActions = (st.Action ?? []).some((a) => a === "*" || a.toLowerCase() === "s3:*");
      const insecure = conditionValues(st, ["Bool", "BoolIfExists"], "aws:SecureTransport") ?? [];
      return everyone && allActions && insecure.some((v) => v.toLowerCase() === "false");
    });
  }
  if (!tlsOnly && !unknown) {
    reporter.violation(
      bucket,
      `${where} accepts requests without TLS (no bucket policy statement denies aws:SecureTransport = false)`,
      `add to its bucket policy { "Effect": "Deny", "Principal": "*", "Action": "s3:*", "Resource": [<bucket ARN>, <bucket ARN>/*], "Condition": { "Bool": { "aws:SecureTransport": "false" } } }`,
    );
  }
}

function checkStorageAccount(account: Res, pair: Pair, config: StateStorageConfig, reporter: Reporter): void {
  const where = `The state storage account of ${pairName(pair)}`;
  const p = account.props;
  const check = (prop: string, ok: (v: unknown) => boolean, what: string, fix: string) => {
    if (isUnknown(p[prop])) reporter.notKnown(account, prop);
    else if (!ok(p[prop])) reporter.violation(account, `${where} ${what}`, fix);
  };
  // Explicit values: the service defaults differ between API versions and account ages.
  check("allowBlobPublicAccess", (v) => v === false, "may allow public (anonymous) blob access", "set allowBlobPublicAccess: false");
  check("enableHttpsTrafficOnly", (v) => v !== false, "accepts plain HTTP", "set enableHttpsTrafficOnly: true");
  check("minimumTlsVersion", (v) => v === "TLS1_2" || v === "TLS1_3", "accepts TLS versions older than 1.2", 'set minimumTlsVersion: "TLS1_2"');
  if (config.azureAuth === "entra") {
    check("allowSharedKeyAccess", (v) => v === false, "still accepts shared-key (account key and SAS) authorization although the agent uses Entra ID", "set allowSharedKeyAccess: false (or set state-storage's azureAuth to sharedKey if the agent uses the account key)");
  }
}

/** Every value of `key` anywhere inside a (nested) property. */
function valuesOfKey(value: unknown, key: string): unknown[] {
  if (Array.isArray(value)) return value.flatMap((v) => valuesOfKey(v, key));
  if (value === null || typeof value !== "object") return [];
  return Object.entries(value).flatMap(([k, v]) => (k === key ? [v] : valuesOfKey(v, key)));
}
