import { createHash } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  DeleteObjectCommand,
  GetObjectCommand,
  HeadObjectCommand,
  ListBucketsCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  S3Client,
  S3ServiceException,
} from "@aws-sdk/client-s3";
import { startAwsSim, type AwsSim } from "../sim/index.js";

let sim: AwsSim;
let s3: S3Client;
const bucket = "ha-pair-state-demo";

async function failure(promise: Promise<unknown>): Promise<S3ServiceException> {
  try {
    await promise;
  } catch (err) {
    if (err instanceof S3ServiceException) return err;
    throw err;
  }
  throw new Error("expected the call to fail");
}

beforeAll(async () => {
  sim = await startAwsSim({ faults: { throttle: false } });
  s3 = new S3Client({ endpoint: sim.endpoint, region: sim.region, forcePathStyle: true, credentials: sim.credentials, maxAttempts: 1 });
});
afterAll(async () => {
  s3.destroy();
  await sim.stop();
});

describe("simulated S3 via @aws-sdk/client-s3", () => {
  it("puts, gets, heads and deletes an object; the ETag is the quoted MD5 of the body", async () => {
    const put = await s3.send(new PutObjectCommand({ Bucket: bucket, Key: "a/b c.json", Body: '{"x":1}', ContentType: "application/json" }));
    expect(put.ETag).toBe(`"${createHash("md5").update('{"x":1}').digest("hex")}"`);
    const got = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: "a/b c.json" }));
    expect(await got.Body?.transformToString()).toBe('{"x":1}');
    expect(got.ContentType).toBe("application/json");
    expect(got.ETag).toBe(put.ETag);
    const head = await s3.send(new HeadObjectCommand({ Bucket: bucket, Key: "a/b c.json" }));
    expect(head.ContentLength).toBe(7);
    expect(sim.s3.getObjectText(bucket, "a/b c.json")).toBe('{"x":1}');
    await s3.send(new DeleteObjectCommand({ Bucket: bucket, Key: "a/b c.json" }));
    const missing = await failure(s3.send(new GetObjectCommand({ Bucket: bucket, Key: "a/b c.json" })));
    expect(missing.name).toBe("NoSuchKey");
    expect(missing.$metadata.httpStatusCode).toBe(404);
  });

  it("answers NoSuchBucket for a bucket that does not exist", async () => {
    const err = await failure(s3.send(new GetObjectCommand({ Bucket: "no-such-bucket", Key: "k" })));
    expect(err.name).toBe("NoSuchBucket");
    expect(err.$metadata.httpStatusCode).toBe(404);
  });

  it("If-None-Match: * creates once; the second create gets 412 PreconditionFailed", async () => {
    await s3.send(new PutObjectCommand({ Bucket: bucket, Key: "create-once", Body: "1", IfNoneMatch: "*" }));
    const second = await failure(s3.send(new PutObjectCommand({ Bucket: bucket, Key: "create-once", Body: "2", IfNoneMatch: "*" })));
    expect(second.name).toBe("PreconditionFailed");
    expect(second.$metadata.httpStatusCode).toBe(412);
    expect(sim.s3.getObjectText(bucket, "create-once")).toBe("1");
  });

  it("If-Match with the current ETag writes; with a stale ETag gets 412; on a missing key gets 404 NoSuchKey (as AWS)", async () => {
    const first = await s3.send(new PutObjectCommand({ Bucket: bucket, Key: "cas", Body: "v1" }));
    const second = await s3.send(new PutObjectCommand({ Bucket: bucket, Key: "cas", Body: "v2", IfMatch: first.ETag }));
    const stale = await failure(s3.send(new PutObjectCommand({ Bucket: bucket, Key: "cas", Body: "v3", IfMatch: first.ETag })));
    expect(stale.$metadata.httpStatusCode).toBe(412);
    expect(stale.name).toBe("PreconditionFailed");
    expect(sim.s3.getObject(bucket, "cas")?.etag).toBe(second.ETag);
    const missing = await failure(s3.send(new PutObjectCommand({ Bucket: bucket, Key: "never-written", Body: "x", IfMatch: first.ETag })));
    expect(missing.name).toBe("NoSuchKey");
    expect(missing.$metadata.httpStatusCode).toBe(404);
    expect(sim.s3.getObject(bucket, "never-written")).toBeUndefined();
  });

  it("of concurrent conditional writes against the same ETag exactly one wins", async () => {
    const base = await s3.send(new PutObjectCommand({ Bucket: bucket, Key: "race", Body: "base" }));
    const results = await Promise.allSettled(
      Array.from({ length: 8 }, (_, i) => s3.send(new PutObjectCommand({ Bucket: bucket, Key: "race", Body: `writer ${i}`, IfMatch: base.ETag }))),
    );
    const winners = results.filter((r) => r.status === "fulfilled");
    expect(winners).toHaveLength(1);
    for (const r of results) if (r.status === "rejected") expect((r.reason as S3ServiceException).$metadata.httpStatusCode).toBe(412);
    const creates = await Promise.allSettled(
      Array.from({ length: 8 }, (_, i) => s3.send(new PutObjectCommand({ Bucket: bucket, Key: "race-create", Body: `${i}`, IfNoneMatch: "*" }))),
    );
    expect(creates.filter((r) => r.status === "fulfilled")).toHaveLength(1);
  });

  it("conditional GET: If-Match mismatch → 412, If-None-Match on the current ETag → 304", async () => {
    const put = await s3.send(new PutObjectCommand({ Bucket: bucket, Key: "cond-get", Body: "body" }));
    const mismatch = await failure(s3.send(new GetObjectCommand({ Bucket: bucket, Key: "cond-get", IfMatch: '"0000"' })));
    expect(mismatch.$metadata.httpStatusCode).toBe(412);
    const notModified = await failure(s3.send(new GetObjectCommand({ Bucket: bucket, Key: "cond-get", IfNoneMatch: put.ETag })));
    expect(notModified.$metadata.httpStatusCode).toBe(304);
    const ok = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: "cond-get", IfMatch: put.ETag }));
    expect(await ok.Body?.transformToString()).toBe("body");
  });

  it("lists objects (v2, with prefix and pagination) and buckets", async () => {
    for (const key of ["list/1", "list/2", "list/3"]) await s3.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: key }));
    const page1 = await s3.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: "list/", MaxKeys: 2 }));
    expect(page1.Contents?.map((o) => o.Key)).toEqual(["list/1", "list/2"]);
    expect(page1.IsTruncated).toBe(true);
    const page2 = await s3.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: "list/", ContinuationToken: page1.NextContinuationToken }));
    expect(page2.Contents?.map((o) => o.Key)).toEqual(["list/3"]);
    expect(page2.IsTruncated).toBe(false);
    const buckets = await s3.send(new ListBucketsCommand({}));
    expect(buckets.Buckets?.map((b) => b.Name)).toEqual([bucket]);
  });

  it("refuses an unknown access key (403 InvalidAccessKeyId) and a wrong secret (403 SignatureDoesNotMatch)", async () => {
    const stranger = new S3Client({ endpoint: sim.endpoint, region: sim.region, forcePathStyle: true, maxAttempts: 1, credentials: { accessKeyId: "AKIAUNKNOWN000000000", secretAccessKey: "x" } });
    const unknown = await failure(stranger.send(new GetObjectCommand({ Bucket: bucket, Key: "cas" })));
    expect(unknown.name).toBe("InvalidAccessKeyId");
    expect(unknown.$metadata.httpStatusCode).toBe(403);
    stranger.destroy();
    const forger = new S3Client({ endpoint: sim.endpoint, region: sim.region, forcePathStyle: true, maxAttempts: 1, credentials: { ...sim.credentials, secretAccessKey: "wrong" } });
    const forged = await failure(forger.send(new GetObjectCommand({ Bucket: bucket, Key: "cas" })));
    expect(forged.name).toBe("SignatureDoesNotMatch");
    forger.destroy();
  });

  it("a deny rule answers AccessDenied before evaluating preconditions", async () => {
    sim.setFaults({ deny: [{ action: "s3:PutObject", target: `${bucket}/denied` }] });
    try {
      const denied = await failure(s3.send(new PutObjectCommand({ Bucket: bucket, Key: "denied", Body: "x", IfMatch: '"stale"' })));
      expect(denied.name).toBe("AccessDenied");
      expect(denied.$metadata.httpStatusCode).toBe(403);
      await s3.send(new PutObjectCommand({ Bucket: bucket, Key: "allowed", Body: "x" }));
    } finally {
      sim.setFaults({ deny: [] });
    }
  });

  it("logs every S3 call with its action and status", async () => {
    sim.clearCalls();
    await s3.send(new PutObjectCommand({ Bucket: bucket, Key: "logged", Body: "x" }));
    await failure(s3.send(new GetObjectCommand({ Bucket: bucket, Key: "not-there" })));
    expect(sim.calls.map((c) => [c.service, c.action, c.status, c.errorCode])).toEqual([
      ["s3", "PutObject", 200, undefined],
      ["s3", "GetObject", 404, "NoSuchKey"],
    ]);
  });
});
