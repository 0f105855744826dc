/**
 * The pair's state object in S3, fenced by S3 conditional writes: a takeover is a PutObject
 * with If-Match (the ETag read) or If-None-Match: * (no object yet); S3 answers 412 to the
 * loser. The ETag is treated as an opaque version token: with SSE-KMS it is not an MD5 of the
 * content, so it is never computed locally, only taken from S3's answers.
 */
import { randomBytes } from "node:crypto";
import { DeleteObjectCommand, GetObjectCommand, PutObjectCommand, type S3Client } from "@aws-sdk/client-s3";
import { FencingConflictError, HaPairError } from "../core/errors.js";
import type { CallListener } from "../core/provider.js";
import type { PairState, StateStore, StoredState, WriteCondition } from "../core/state.js";
import { s3ObjectArn } from "./arns.js";
import { tracked } from "./calls.js";
import { awsErrorAttempts, awsErrorCode, classifyAwsError } from "./errors.js";

import type { S3Action } from "./api-actions.js";

export interface S3StateStoreOptions {
  bucket: string;
  key: string;
  onCall?: CallListener;
  /** For ARNs in messages (partition); the region is not needed otherwise. */
  region?: () => string | undefined;
}

function status(err: unknown): number | undefined {
  return (err as { $metadata?: { httpStatusCode?: number } } | undefined)?.$metadata?.httpStatusCode;
}

/** 412 PreconditionFailed: the condition did not hold. 409 ConditionalRequestConflict: a concurrent conditional write to the key won. */
function isConditionFailure(err: unknown): boolean {
  const code = awsErrorCode(err);
  return code === "PreconditionFailed" || code === "ConditionalRequestConflict" || status(err) === 412 || status(err) === 409;
}

function isMissing(err: unknown): boolean {
  const code = awsErrorCode(err);
  return code === "NoSuchKey" || (status(err) === 404 && code !== "NoSuchBucket");
}

export class S3StateStore implements StateStore {
  readonly location: string;
  private readonly arn: () => string;

  constructor(
    private readonly s3: S3Client,
    private readonly options: S3StateStoreOptions,
  ) {
    this.location = `s3://${options.bucket}/${options.key}`;
    this.arn = () => s3ObjectArn(options.bucket, options.key, options.region?.());
  }

  async read(signal?: AbortSignal): Promise<StoredState | null> {
    let text: string;
    let etag: string | undefined;
    try {
      const output = await this.call("GetObject", () =>
        this.s3.send(new GetObjectCommand({ Bucket: this.options.bucket, Key: this.options.key }), { abortSignal: signal }),
        isMissing,
      );
      etag = output.ETag;
      text = (await output.Body?.transformToString("utf-8")) ?? "";
    } catch (err) {
      if (isMissing(err)) return null;
      throw this.classify(err, "GetObject");
    }
    if (!etag) {
      throw new HaPairError({
        code: "StateWithoutEtag",
        errorClass: "permanent",
        message: `Reading ${this.location} returned no ETag, so writes to it cannot be fenced.`,
        resource: this.location,
        fix: "Use Amazon S3 (or a store that returns ETags and honours If-Match) for the state.",
      });
    }
    return { state: parseState(text, this.location), etag };
  }

  async write(state: PairState, condition: WriteCondition, signal?: AbortSignal): Promise<string> {
    const body = JSON.stringify(state);
    try {
      const output = await this.call("PutObject", () =>
        this.s3.send(
          new PutObjectCommand({
            Bucket: this.options.bucket,
            Key: this.options.key,
            Body: body,
            ContentType: "application/json",
            ...("ifMatch" in condition ? { IfMatch: condition.ifMatch } : { IfNoneMatch: condition.ifNoneMatch }),
          }),
          { abortSignal: signal },
        ),
      );
      if (!output.ETag) throw new Error("PutObject returned no ETag");
      return output.ETag;
    } catch (err) {
      const lostCondition = isConditionFailure(err) || ("ifMatch" in condition && isMissing(err));
      if (!lostCondition) throw this.classify(err, "PutObject");
      // A retried write can lose to itself: the first attempt committed but its answer was
      // lost (timeout, reset), and the SDK's retry then met our own new version. If the object
      // now holds exactly what we wrote, we won.
      if (awsErrorAttempts(err) > 1) {
        const current = await this.readRaw(signal).catch(() => undefined);
        if (current && current.text === body && current.etag) return current.etag;
      }
      throw new FencingConflictError(
        isMissing(err)
          ? `the state object ${this.location} was removed since it was read (conditional write answered 404)`
          : `the state object ${this.location} changed since it was read (conditional write answered ${status(err) ?? awsErrorCode(err)})`,
      );
    }
  }

  async remove(signal?: AbortSignal): Promise<void> {
    try {
      await this.call("DeleteObject", () =>
        this.s3.send(new DeleteObjectCommand({ Bucket: this.options.bucket, Key: this.options.key }), { abortSignal: signal }),
      );
    } catch (err) {
      throw this.classify(err, "DeleteObject");
    }
  }

  /**
   * Prove s3:PutObject without changing anything: a PutObject conditioned on a random ETag
   * that no version of the object can have. Authorization is evaluated before the condition,
   * so 412 (object exists) or 404 (no object yet) means "allowed"; 403 means not.
   */
  async probeWrite(signal?: AbortSignal): Promise<void> {
    const impossibleEtag = `"${randomBytes(16).toString("hex")}"`;
    try {
      await this.call(
        "PutObject",
        () =>
          this.s3.send(
            new PutObjectCommand({
              Bucket: this.options.bucket,
              Key: this.options.key,
              Body: "",
              // Stated, or the SDK cannot tell an empty body from a stream of unknown length.
              ContentLength: 0,
              ContentType: "application/json",
              IfMatch: impossibleEtag,
            }),
            { abortSignal: signal },
          ),
        (err) => isConditionFailure(err) || isMissing(err),
      );
    } catch (err) {
      if (isConditionFailure(err) || isMissing(err)) return;
      throw this.classify(err, "PutObject");
    }
    // The store accepted a write whose condition cannot hold: it ignores If-Match.
    throw new HaPairError({
      code: "ConditionalWritesUnsupported",
      errorClass: "permanent",
      message: `${this.location} accepted a PutObject with an If-Match that cannot match: the store does not enforce conditional writes, so two nodes could both take the pair over. The probe overwrote the state object with an empty body.`,
      resource: this.location,
      fix: "Use Amazon S3 (conditional writes are supported since 2024) or a store that honours If-Match/If-None-Match; then run `ha-pair reset`.",
    });
  }

  private async readRaw(signal?: AbortSignal): Promise<{ text: string; etag: string | undefined }> {
    const output = await this.call("GetObject", () =>
      this.s3.send(new GetObjectCommand({ Bucket: this.options.bucket, Key: this.options.key }), { abortSignal: signal }),
    );
    return { text: (await output.Body?.transformToString("utf-8")) ?? "", etag: output.ETag };
  }

  private call<T extends { $metadata?: { attempts?: number } }>(action: S3Action, run: () => Promise<T>, expected?: (err: unknown) => boolean): Promise<T> {
    return tracked(this.options.onCall, { service: "s3", action, target: this.location }, run, expected);
  }

  private classify(err: unknown, action: S3Action): HaPairError {
    return classifyAwsError(err, { action, target: this.location, resourceArns: [this.arn()] });
  }
}

/** The state object as stored, checked enough that the core can rely on its shape. */
export function parseState(text: string, location: string): PairState {
  const corrupt = (why: string) =>
    new HaPairError({
      code: "StateCorrupt",
      errorClass: "permanent",
      message: `The state object ${location} is corrupt: ${why}.`,
      resource: location,
      fix: `Run \`ha-pair reset\` to remove it (the next failover starts a new history), or overwrite ${location} with a valid state object.`,
    });
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    throw corrupt(`it is not valid JSON (${err instanceof Error ? err.message : String(err)})`);
  }
  if (typeof value !== "object" || value === null || Array.isArray(value)) throw corrupt("it is not a JSON object");
  const s = value as Partial<PairState>;
  if (typeof s.schemaVersion === "number" && Number.isInteger(s.schemaVersion) && s.schemaVersion > 1) {
    // A newer agent's state: never "corrupt, reset it" — a reset would delete that agent's state.
    throw new HaPairError({
      code: "StateFromNewerAgent",
      errorClass: "permanent",
      message: `The state object ${location} was written by a newer agent (schemaVersion ${s.schemaVersion}; this agent reads version 1${typeof s.owner === "object" && s.owner !== null ? `, written by node ${String((s.owner as { node?: unknown }).node)}` : ""}).`,
      resource: location,
      fix: "Upgrade the agent on this node to the version the other node runs. Do not reset the state object: it belongs to the newer agent.",
    });
  }
  if (s.schemaVersion !== 1) throw corrupt(`schemaVersion is ${JSON.stringify(s.schemaVersion)}, expected 1`);
  if (typeof s.generation !== "number" || !Number.isInteger(s.generation) || s.generation < 0) throw corrupt("generation is not a non-negative integer");
  if (s.activeNode !== "a" && s.activeNode !== "b") throw corrupt(`activeNode is ${JSON.stringify(s.activeNode)}, expected "a" or "b"`);
  if (s.taskState !== "RUNNING" && s.taskState !== "SUCCEEDED" && s.taskState !== "FAILED") throw corrupt(`taskState is ${JSON.stringify(s.taskState)}`);
  if (typeof s.label !== "string" || typeof s.deadlineAt !== "string" || typeof s.startedAt !== "string") throw corrupt("label, startedAt or deadlineAt is missing");
  if (typeof s.owner !== "object" || s.owner === null) throw corrupt("owner is missing");
  if (!Array.isArray(s.operations)) throw corrupt("operations is not a list");
  return s as PairState;
}
