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
 * Resource part (before the resource is created): a public-access block, encryption
 * configuration or bucket policy of a pair component, and a pair's storage account, each on its
 * own. Stack part: a bucket that lacks one of them, and whatever the resource part cannot see.
 */
import type { ReportViolation, ResourceValidationArgs } from "@pulumi/policy";
import { DEFAULT_LABEL_KEY, LABEL_KEY_SCHEMA, withDefaults } from "../lib/config.js";
import { parsePolicyDocument, conditionValues } from "../lib/iam.js";
import { StackModel, findPairs, membersOfKind, pairName, type Pair, type Res } from "../lib/model.js";
import { Reporter, type Checked } from "../lib/report.js";
import { judgedOnItsOwn, pairSubject, underPairComponent, type PairPolicy } from "../lib/resource-scope.js";
import { AWS, AZURE } from "../lib/types.js";
import { UNKNOWN, asArray, asString, containsUnknown, get, isUnknown } from "../lib/values.js";

export interface StateStorageConfig {
  labelKey: string;
  /** How the Azure agent authenticates to Blob storage: "entra" (managed identity) or "sharedKey". */
  azureAuth: "entra" | "sharedKey";
}

export const STATE_STORAGE_DEFAULTS: StateStorageConfig = { labelKey: DEFAULT_LABEL_KEY, azureAuth: "entra" };

export const stateStorage: PairPolicy = {
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
  validateResource: (args, reportViolation) => checkResource(args, withDefaults(STATE_STORAGE_DEFAULTS, args.getConfig<Partial<StateStorageConfig>>()), reportViolation),
  validateStack: (args, reportViolation) => {
    const config = withDefaults(STATE_STORAGE_DEFAULTS, args.getConfig<Partial<StateStorageConfig>>());
    const model = new StackModel(args.resources);
    const reporter = new Reporter(reportViolation);
    for (const pair of findPairs(model, config)) {
      for (const store of membersOfKind(pair, "state-store")) {
        if (store.type === AZURE.storageAccount) {
          if (!judgedOnItsOwn(store.urn, store.props, config.labelKey)) checkStorageAccount(store, `The state storage account of ${pairName(pair)}`, config, reporter);
          checkAccountRecovery(model, store, `The state storage account of ${pairName(pair)}`, reporter);
        } else checkBucket(model, store, pair, reporter);
      }
    }
    reporter.finish();
  },
};

/** One resource, before it is created: a state bucket's companion of a pair component, or a pair's storage account. */
function checkResource(args: ResourceValidationArgs, config: StateStorageConfig, reportViolation: ReportViolation): void {
  const types = [...AWS.publicAccessBlock, ...AWS.encryption, ...AWS.bucketPolicy] as string[];
  const isAccount = args.type === AZURE.storageAccount;
  if (!isAccount && !(types.includes(args.type) && underPairComponent(args.urn))) return;
  const subject = pairSubject(args, config.labelKey);
  if (!subject) return;
  const reporter = new Reporter(reportViolation);
  if (isAccount) checkStorageAccount(subject, `The state storage account of ${subject.pair}`, config, reporter);
  else {
    const where = `The state bucket of ${subject.pair}`;
    if ((AWS.publicAccessBlock as readonly string[]).includes(args.type)) checkPublicAccessBlock(subject, where, reporter);
    else if ((AWS.encryption as readonly string[]).includes(args.type)) {
      const algorithms = encryptionAlgorithms(subject, reporter);
      if (algorithms !== UNKNOWN && !algorithms.some(isEncryption)) reporter.violation(subject, `${where} is not encrypted by default (no rule with AES256 or aws:kms)`, ENCRYPTION_FIX);
    } else {
      const verdict = tlsOnly([{ holder: subject, path: "policy", value: subject.props.policy }], reporter);
      if (verdict === false) reporter.violation(subject, `${where} accepts requests without TLS (its policy has no statement denying aws:SecureTransport = false)`, TLS_FIX);
    }
  }
  reporter.finish();
}

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
    // A component's blocks were judged by the resource part, before they were created.
    for (const block of blocks.filter((b) => !underPairComponent(b.urn))) checkPublicAccessBlock(block, where, reporter);
  }
  // --- encryption (a component's configuration was judged by the resource part)
  const configurations = companions(model, bucket, AWS.encryption);
  if (!configurations.some((sse) => underPairComponent(sse.urn))) checkBucketEncryption(bucket, configurations, where, reporter);
  // --- versioning
  checkVersioning(model, bucket, where, reporter);
  // --- TLS only
  const policies = companions(model, bucket, AWS.bucketPolicy);
  if (policies.some((p) => underPairComponent(p.urn))) return; // judged by the resource part
  const documents: { holder: Res; path: string; value: unknown }[] = policies.map((p) => ({ holder: p, path: "policy", value: p.props.policy }));
  if (bucket.props.policy !== undefined && bucket.props.policy !== "") documents.push({ holder: bucket, path: "policy", value: bucket.props.policy });
  if (tlsOnly(documents, reporter) === false) reporter.violation(bucket, `${where} accepts requests without TLS (no bucket policy statement denies aws:SecureTransport = false)`, TLS_FIX);
}

const ENCRYPTION_FIX = `add aws.s3.BucketServerSideEncryptionConfiguration { bucket: <bucket>.id, rules: [{ applyServerSideEncryptionByDefault: { sseAlgorithm: "AES256" } }] } (or "aws:kms" with the pair's key)`;
const TLS_FIX = `add to its bucket policy { "Effect": "Deny", "Principal": "*", "Action": "s3:*", "Resource": [<bucket ARN>, <bucket ARN>/*], "Condition": { "Bool": { "aws:SecureTransport": "false" } } }`;
const isEncryption = (a: unknown) => typeof a === "string" && ["AES256", "aws:kms", "aws:kms:dsse"].includes(a);

function checkPublicAccessBlock(block: Checked, where: string, reporter: Reporter): void {
  const off = PUBLIC_ACCESS_FLAGS.filter((f) => block.props[f] !== true && !isUnknown(block.props[f]));
  PUBLIC_ACCESS_FLAGS.filter((f) => isUnknown(block.props[f])).forEach((f) => reporter.notKnown(block, f));
  if (off.length > 0) reporter.violation(block, `${where} is not fully shielded from public access: ${off.join(", ")} not true`, `set ${off.map((f) => `${f}: true`).join(", ")}`);
}

/** The default algorithms of an encryption configuration's rules; UNKNOWN (reported) when its rules are. */
function encryptionAlgorithms(sse: Checked, reporter: Reporter): unknown[] | typeof UNKNOWN {
  const rules = asArray(sse.props.rules);
  if (rules === UNKNOWN) {
    reporter.notKnown(sse, "rules");
    return UNKNOWN;
  }
  return (rules ?? []).map((rule) => get(rule, "applyServerSideEncryptionByDefault", "sseAlgorithm"));
}

function checkBucketEncryption(bucket: Res, configurations: Res[], where: string, reporter: Reporter): void {
  const algorithms: unknown[] = [];
  for (const sse of configurations) {
    const found = encryptionAlgorithms(sse, reporter);
    if (found === UNKNOWN) algorithms.push(UNKNOWN);
    else algorithms.push(...found);
  }
  // Deprecated inline arguments: Bucket.serverSideEncryptionConfiguration (v7), BucketV2's plural forms (v6).
  for (const prop of ["serverSideEncryptionConfiguration", "serverSideEncryptionConfigurations"]) {
    if (isUnknown(bucket.props[prop])) algorithms.push(UNKNOWN);
    else algorithms.push(...valuesOfKey(bucket.props[prop], "sseAlgorithm"));
  }
  if (algorithms.some((a) => a === UNKNOWN || isUnknown(a))) reporter.notKnown(bucket, "serverSideEncryptionConfiguration");
  else if (!algorithms.some(isEncryption)) reporter.violation(bucket, `${where} has no default encryption configured`, ENCRYPTION_FIX);
}

function checkVersioning(model: StackModel, bucket: Res, where: string, reporter: Reporter): void {
  const statuses: unknown[] = companions(model, bucket, AWS.versioning).map((v) => get(v.props, "versioningConfiguration", "status"));
  const inlineVersioning = [...valuesOfKey(bucket.props.versioning, "enabled"), ...valuesOfKey(bucket.props.versionings, "enabled")];
  if (statuses.some((s) => s === UNKNOWN) || inlineVersioning.some(isUnknown) || isUnknown(bucket.props.versioning)) reporter.notKnown(bucket, "versioning");
  else if (!statuses.includes("Enabled") && !inlineVersioning.includes(true)) {
    reporter.violation(bucket, `${where} does not keep versions, so an overwritten or deleted state object cannot be recovered`, `add aws.s3.BucketVersioning { bucket: <bucket>.id, versioningConfiguration: { status: "Enabled" } }`);
  }
}

/** Whether one of the documents denies every request without TLS; undefined when one is unknown (reported). */
function tlsOnly(documents: { holder: Checked; path: string; value: unknown }[], reporter: Reporter): boolean | undefined {
  let denies = false;
  let unknown = false;
  for (const doc of documents) {
    const parsed = parsePolicyDocument(doc.value);
    if (parsed === UNKNOWN || containsUnknown(doc.value)) {
      unknown = true;
      reporter.notKnown(doc.holder, doc.path);
      continue;
    }
    if ("error" in parsed) continue;
    denies ||= parsed.statements.some((st) => {
      if (st.Effect !== "Deny") return false;
      const everyone = st.Principal === "*" || asString(get(st.Principal, "AWS")) === "*" || (Array.isArray(get(st.Principal, "AWS")) && (get(st.Principal, "AWS") as unknown[]).includes("*"));
      const allActions = (st.Action ?? []).some((a) => a === "*" || a.toLowerCase() === "s3:*");
      const insecure = conditionValues(st, ["Bool", "BoolIfExists"], "aws:SecureTransport") ?? [];
      return everyone && allActions && insecure.some((v) => v.toLowerCase() === "false");
    });
  }
  return denies ? true : unknown ? undefined : false;
}

function checkStorageAccount(account: Checked, where: string, config: StateStorageConfig, reporter: Reporter): void {
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

/** Blob versioning or soft delete on the account's blob service, so an overwritten or deleted state blob can be recovered. */
function checkAccountRecovery(model: StackModel, account: Res, where: string, reporter: Reporter): void {
  const services = model.ofType(AZURE.blobServiceProperties).filter((res) => model.refersTo(res, "accountName", res.props.accountName, account));
  const flags = services.flatMap((s) => [s.props.isVersioningEnabled, get(s.props, "deleteRetentionPolicy", "enabled")]);
  if (flags.some(isUnknown)) reporter.notKnown(account, "blobServiceProperties");
  else if (!flags.includes(true)) {
    reporter.violation(
      account,
      `${where} keeps neither blob versions nor deleted blobs, so an overwritten or deleted state blob cannot be recovered`,
      'add azure-native storage.BlobServiceProperties { accountName, blobServicesName: "default", isVersioningEnabled: true, deleteRetentionPolicy: { enabled: true, days: 7 } }',
    );
  }
}

/** Every value of `key` anywhere inside a (nested) property. */
function valuesOfKey(value: unknown, key: string): unknown[] {
  if (Array.isArray(value)) return value.flatMap((v) => valuesOfKey(v, key));
  if (value === null || typeof value !== "object") return [];
  return Object.entries(value).flatMap(([k, v]) => (k === key ? [v] : valuesOfKey(v, key)));
}
