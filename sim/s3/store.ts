/**
 * The buckets and objects of the simulated S3. Strongly consistent like S3 since 2020: a read
 * after a write sees the write. Node runs each request's handler to completion, so a
 * conditional check and the write it guards happen atomically.
 */
import { createHash } from "node:crypto";

export interface S3Object {
  key: string;
  body: Buffer;
  /** Quoted MD5 of the body, as S3 answers it for single-part uploads. */
  etag: string;
  lastModified: Date;
  contentType: string;
  metadata: Record<string, string>;
}

export interface S3Bucket {
  name: string;
  createdAt: Date;
  /** The bucket's tag set (GetBucketTagging); brownfield discovery finds the state bucket by its label tag. */
  tags: Record<string, string>;
  objects: Map<string, S3Object>;
}

export function etagOf(body: Buffer): string {
  return `"${createHash("md5").update(body).digest("hex")}"`;
}

export class S3Store {
  private buckets = new Map<string, S3Bucket>();

  constructor(buckets: (string | { name: string; tags?: Record<string, string> })[] = []) {
    for (const entry of buckets) {
      const bucket = this.createBucket(typeof entry === "string" ? entry : entry.name);
      if (typeof entry !== "string" && entry.tags) bucket.tags = { ...entry.tags };
    }
  }

  createBucket(name: string): S3Bucket {
    const existing = this.buckets.get(name);
    if (existing) return existing;
    const bucket: S3Bucket = { name, createdAt: new Date(), objects: new Map(), tags: {} };
    this.buckets.set(name, bucket);
    return bucket;
  }

  deleteBucket(name: string): boolean {
    return this.buckets.delete(name);
  }

  bucket(name: string): S3Bucket | undefined {
    return this.buckets.get(name);
  }

  bucketNames(): string[] {
    return [...this.buckets.keys()].sort();
  }

  getObject(bucket: string, key: string): S3Object | undefined {
    return this.buckets.get(bucket)?.objects.get(key);
  }

  /** The object's body as text, for tests and the demo; undefined when there is none. */
  getObjectText(bucket: string, key: string): string | undefined {
    return this.getObject(bucket, key)?.body.toString("utf8");
  }

  /** Writes (or overwrites) an object. Throws if the bucket does not exist. */
  putObject(
    bucket: string,
    key: string,
    body: Buffer | string,
    options: { contentType?: string; metadata?: Record<string, string> } = {},
  ): S3Object {
    const target = this.buckets.get(bucket);
    if (!target) throw new Error(`no bucket ${bucket}`);
    const bytes = typeof body === "string" ? Buffer.from(body, "utf8") : body;
    const object: S3Object = {
      key,
      body: bytes,
      etag: etagOf(bytes),
      // S3 keeps Last-Modified to the second (it is sent as an HTTP date).
      lastModified: new Date(Math.floor(Date.now() / 1000) * 1000),
      contentType: options.contentType ?? "binary/octet-stream",
      metadata: options.metadata ?? {},
    };
    target.objects.set(key, object);
    return object;
  }

  deleteObject(bucket: string, key: string): boolean {
    return this.buckets.get(bucket)?.objects.delete(key) ?? false;
  }

  /** Objects in key order (UTF-8 binary order, as S3 lists them). */
  listObjects(bucket: string, prefix = ""): S3Object[] {
    const target = this.buckets.get(bucket);
    if (!target) return [];
    return [...target.objects.values()]
      .filter((object) => object.key.startsWith(prefix))
      .sort((x, y) => Buffer.compare(Buffer.from(x.key), Buffer.from(y.key)));
  }
}
