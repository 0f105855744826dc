/**
 * S3 REST, path-style (`/{bucket}/{key}`: the sim's endpoint is an IP, so there is no
 * virtual-hosted style). Object PUT/GET/HEAD/DELETE with S3's conditional requests, ListObjects
 * (v1 and v2), ListBuckets, CreateBucket/HeadBucket/DeleteBucket, GetBucketVersioning,
 * GetBucketLocation and GetBucketTagging. Errors are S3's XML error documents with S3's statuses.
 */
import { createHash } from "node:crypto";
import type { IncomingHttpHeaders } from "node:http";
import type { Caller } from "../auth.js";
import { type S3Object, S3Store } from "./store.js";
import { type S3ErrorDetails, S3_XMLNS, s3ErrorXml, s3Xml } from "./xml.js";

export interface S3Operation {
  action: string;
  bucket?: string;
  key?: string;
}

export interface S3Request {
  method: string;
  rawPath: string;
  query: URLSearchParams;
  headers: IncomingHttpHeaders;
  /** The payload, already decoded from aws-chunked if it was sent that way. */
  body: Buffer;
  caller: Caller;
  requestId: string;
  hostId: string;
  region: string;
  /**
   * May the caller perform the IAM action (s3:GetObject, ...) on the resource (an S3 ARN), given
   * the request's S3 condition keys (s3:prefix, s3:delimiter for ListBucket)? `reason` is IAM's
   * wording ("because no identity-based policy allows ...", "with an explicit deny in ...").
   */
  authorize: (action: string, resourceArn: string, context?: Record<string, string[]>) => S3AuthorizationDecision;
}

export type S3AuthorizationDecision = { allowed: true } | { allowed: false; reason: string };

export interface S3Response {
  status: number;
  headers: Record<string, string>;
  body: Buffer | string;
}

function decodeSegment(raw: string): string {
  try {
    return decodeURIComponent(raw);
  } catch {
    return raw;
  }
}

/** Names the operation from method, path and query: for routing, the call log and fault targets. */
export function s3Operation(method: string, rawPath: string, query: URLSearchParams): S3Operation {
  const path = rawPath.replace(/^\/+/, "");
  const slash = path.indexOf("/");
  const bucket = decodeSegment(slash < 0 ? path : path.slice(0, slash));
  const key = slash < 0 ? "" : decodeSegment(path.slice(slash + 1));
  if (!bucket) return { action: method === "GET" ? "ListBuckets" : "Unsupported" };
  if (!key) {
    const bucketAction = (): string => {
      switch (method) {
        case "PUT":
          return "CreateBucket";
        case "HEAD":
          return "HeadBucket";
        case "DELETE":
          return "DeleteBucket";
        case "POST":
          return query.has("delete") ? "DeleteObjects" : "Unsupported";
        case "GET":
          if (query.has("versioning")) return "GetBucketVersioning";
          if (query.has("location")) return "GetBucketLocation";
          if (query.has("tagging")) return "GetBucketTagging";
          return query.get("list-type") === "2" ? "ListObjectsV2" : "ListObjects";
        default:
          return "Unsupported";
      }
    };
    return { action: bucketAction(), bucket };
  }
  const objectActions: Record<string, string> = { PUT: "PutObject", GET: "GetObject", HEAD: "HeadObject", DELETE: "DeleteObject" };
  return { action: objectActions[method] ?? "Unsupported", bucket, key };
}

/** The IAM action a request needs (HeadObject is authorized as s3:GetObject, as in AWS). */
function iamAction(action: string): string {
  const mapping: Record<string, string> = {
    HeadObject: "GetObject",
    HeadBucket: "ListBucket",
    ListObjects: "ListBucket",
    ListObjectsV2: "ListBucket",
    ListBuckets: "ListAllMyBuckets",
  };
  return `s3:${mapping[action] ?? action}`;
}

class S3Error extends Error {
  constructor(
    readonly status: number,
    readonly details: S3ErrorDetails,
  ) {
    super(details.message);
  }
}

const noSuchBucket = (bucket: string) =>
  new S3Error(404, { code: "NoSuchBucket", message: "The specified bucket does not exist", extra: { BucketName: bucket } });
const noSuchKey = (key: string) => new S3Error(404, { code: "NoSuchKey", message: "The specified key does not exist.", extra: { Key: key } });
const preconditionFailed = (condition: string) =>
  new S3Error(412, {
    code: "PreconditionFailed",
    message: "At least one of the pre-conditions you specified did not hold",
    extra: { Condition: condition },
  });

function header(headers: IncomingHttpHeaders, name: string): string | undefined {
  const value = headers[name];
  return Array.isArray(value) ? value.join(",") : value;
}

/** ETags in a header: `*`, or a comma-separated list of (possibly weak, possibly unquoted) tags. */
function etagListMatches(headerValue: string, etag: string): boolean {
  const bare = (tag: string) => tag.trim().replace(/^W\//, "").replace(/^"|"$/g, "");
  return headerValue.split(",").some((tag) => tag.trim() === "*" || bare(tag) === bare(etag));
}

function objectHeaders(object: S3Object): Record<string, string> {
  const headers: Record<string, string> = {
    ETag: object.etag,
    "Last-Modified": object.lastModified.toUTCString(),
    "Content-Type": object.contentType,
    "Accept-Ranges": "bytes",
    "x-amz-server-side-encryption": "AES256",
  };
  for (const [name, value] of Object.entries(object.metadata)) headers[`x-amz-meta-${name}`] = value;
  return headers;
}

function metadataFrom(headers: IncomingHttpHeaders): Record<string, string> {
  const metadata: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers)) {
    if (name.startsWith("x-amz-meta-") && value !== undefined) metadata[name.slice("x-amz-meta-".length)] = String(value);
  }
  return metadata;
}

/** RFC 7232 evaluation order for reads, as S3 applies it to GetObject/HeadObject. */
function checkReadPreconditions(headers: IncomingHttpHeaders, object: S3Object): "ok" | "not-modified" {
  const ifMatch = header(headers, "if-match");
  const ifUnmodifiedSince = header(headers, "if-unmodified-since");
  const ifNoneMatch = header(headers, "if-none-match");
  const ifModifiedSince = header(headers, "if-modified-since");
  if (ifMatch !== undefined) {
    if (!etagListMatches(ifMatch, object.etag)) throw preconditionFailed("If-Match");
  } else if (ifUnmodifiedSince !== undefined) {
    const since = Date.parse(ifUnmodifiedSince);
    if (!Number.isNaN(since) && object.lastModified.getTime() > since) throw preconditionFailed("If-Unmodified-Since");
  }
  if (ifNoneMatch !== undefined) {
    if (etagListMatches(ifNoneMatch, object.etag)) return "not-modified";
  } else if (ifModifiedSince !== undefined) {
    const since = Date.parse(ifModifiedSince);
    if (!Number.isNaN(since) && object.lastModified.getTime() <= since) return "not-modified";
  }
  return "ok";
}

/**
 * Conditional writes. AWS: If-None-Match: * on an existing key → 412; If-Match on an existing
 * key with another ETag → 412; If-Match on a key with no current object → 404 NoSuchKey.
 */
function checkWritePreconditions(headers: IncomingHttpHeaders, existing: S3Object | undefined, key: string): void {
  const ifMatch = header(headers, "if-match");
  const ifNoneMatch = header(headers, "if-none-match");
  if (ifMatch !== undefined) {
    if (!existing) throw noSuchKey(key);
    if (!etagListMatches(ifMatch, existing.etag)) throw preconditionFailed("If-Match");
  }
  if (ifNoneMatch !== undefined) {
    if (ifNoneMatch.trim() !== "*") {
      throw new S3Error(501, {
        code: "NotImplemented",
        message: "A header you provided implies functionality that is not implemented",
        extra: { Header: "If-None-Match" },
      });
    }
    if (existing) throw preconditionFailed("If-None-Match");
  }
}

function xmlResponse(document: Record<string, unknown>): S3Response {
  return { status: 200, headers: { "Content-Type": "application/xml" }, body: s3Xml(document) };
}

function listObjects(store: S3Store, bucket: string, query: URLSearchParams, version: 1 | 2): S3Response {
  const prefix = query.get("prefix") ?? "";
  const delimiter = query.get("delimiter") ?? "";
  const maxKeys = Math.max(0, Math.min(1000, Number(query.get("max-keys") ?? "1000") || 0));
  const urlEncoded = query.get("encoding-type") === "url";
  const encode = (value: string) => (urlEncoded ? encodeURIComponent(value) : value);
  const after =
    version === 2
      ? query.get("continuation-token")
        ? Buffer.from(query.get("continuation-token") ?? "", "base64url").toString("utf8")
        : (query.get("start-after") ?? "")
      : (query.get("marker") ?? "");

  const contents: S3Object[] = [];
  const commonPrefixes: string[] = [];
  let truncated = false;
  let lastReturned = "";
  for (const object of store.listObjects(bucket, prefix)) {
    if (after && Buffer.compare(Buffer.from(object.key), Buffer.from(after)) <= 0) continue;
    const rest = object.key.slice(prefix.length);
    const cut = delimiter ? rest.indexOf(delimiter) : -1;
    const commonPrefix = cut >= 0 ? prefix + rest.slice(0, cut + delimiter.length) : undefined;
    if (commonPrefix !== undefined && commonPrefixes.includes(commonPrefix)) continue;
    if (contents.length + commonPrefixes.length >= maxKeys) {
      truncated = true;
      break;
    }
    if (commonPrefix !== undefined) commonPrefixes.push(commonPrefix);
    else contents.push(object);
    lastReturned = commonPrefix ?? object.key;
  }

  const result: Record<string, unknown> = {
    "@_xmlns": S3_XMLNS,
    Name: bucket,
    Prefix: encode(prefix),
  };
  if (version === 2) {
    result.KeyCount = contents.length + commonPrefixes.length;
    if (query.get("continuation-token")) result.ContinuationToken = query.get("continuation-token");
    if (query.get("start-after")) result.StartAfter = encode(query.get("start-after") ?? "");
  } else {
    result.Marker = encode(after);
  }
  result.MaxKeys = maxKeys;
  if (delimiter) result.Delimiter = encode(delimiter);
  if (urlEncoded) result.EncodingType = "url";
  result.IsTruncated = truncated;
  if (truncated && version === 2) result.NextContinuationToken = Buffer.from(lastReturned, "utf8").toString("base64url");
  if (truncated && version === 1 && delimiter) result.NextMarker = encode(lastReturned);
  result.Contents = contents.map((object) => ({
    Key: encode(object.key),
    LastModified: object.lastModified.toISOString(),
    ETag: object.etag,
    Size: object.body.length,
    StorageClass: "STANDARD",
  }));
  result.CommonPrefixes = commonPrefixes.map((p) => ({ Prefix: encode(p) }));
  return xmlResponse({ ListBucketResult: result });
}

/** The S3 condition keys of a list request. */
function listContext(query: URLSearchParams): Record<string, string[]> {
  const context: Record<string, string[]> = {};
  for (const name of ["prefix", "delimiter", "max-keys"]) {
    const value = query.get(name);
    if (value !== null) context[`s3:${name}`] = [value];
  }
  return context;
}

function requirePermission(request: S3Request, permission: string, resourceArn: string, context?: Record<string, string[]>): void {
  const decision = request.authorize(permission, resourceArn, context);
  if (decision.allowed) return;
  throw new S3Error(403, {
    code: "AccessDenied",
    message: `User: ${request.caller.arn} is not authorized to perform: ${permission} on resource: "${resourceArn}" ${decision.reason}`,
  });
}

function handleOperation(store: S3Store, request: S3Request, operation: S3Operation): S3Response {
  const { action, bucket = "", key = "" } = operation;
  if (action === "Unsupported") {
    throw new S3Error(405, { code: "MethodNotAllowed", message: "The specified method is not allowed against this resource." });
  }
  const resourceArn = key ? `arn:aws:s3:::${bucket}/${key}` : bucket ? `arn:aws:s3:::${bucket}` : "*";
  const permission = iamAction(action);
  requirePermission(request, permission, resourceArn, permission === "s3:ListBucket" ? listContext(request.query) : undefined);
  if (action === "ListBuckets") {
    return xmlResponse({
      ListAllMyBucketsResult: {
        "@_xmlns": S3_XMLNS,
        Owner: { ID: "ha-pair-sim", DisplayName: "ha-pair-sim" },
        Buckets: { Bucket: store.bucketNames().map((name) => ({ Name: name, CreationDate: store.bucket(name)?.createdAt.toISOString() })) },
      },
    });
  }
  if (action === "CreateBucket") {
    if (store.bucket(bucket)) {
      throw new S3Error(409, {
        code: "BucketAlreadyOwnedByYou",
        message: "Your previous request to create the named bucket succeeded and you already own it.",
        extra: { BucketName: bucket },
      });
    }
    store.createBucket(bucket);
    return { status: 200, headers: { Location: `/${bucket}` }, body: "" };
  }
  const target = store.bucket(bucket);
  if (!target) throw noSuchBucket(bucket);

  switch (action) {
    case "HeadBucket":
      return { status: 200, headers: { "x-amz-bucket-region": request.region }, body: "" };
    case "DeleteBucket":
      if (target.objects.size > 0) {
        throw new S3Error(409, { code: "BucketNotEmpty", message: "The bucket you tried to delete is not empty", extra: { BucketName: bucket } });
      }
      store.deleteBucket(bucket);
      return { status: 204, headers: {}, body: "" };
    case "GetBucketVersioning":
      return xmlResponse({ VersioningConfiguration: { "@_xmlns": S3_XMLNS } });
    case "GetBucketLocation":
      // us-east-1 is answered as an empty LocationConstraint, for historical reasons.
      return xmlResponse({ LocationConstraint: { "@_xmlns": S3_XMLNS, "#text": request.region === "us-east-1" ? "" : request.region } });
    case "GetBucketTagging": {
      const tags = Object.entries(target.tags);
      if (tags.length === 0) throw new S3Error(404, { code: "NoSuchTagSet", message: "The TagSet does not exist", extra: { BucketName: bucket } });
      return xmlResponse({ Tagging: { "@_xmlns": S3_XMLNS, TagSet: { Tag: tags.map(([Key, Value]) => ({ Key, Value })) } } });
    }
    case "ListObjects":
      return listObjects(store, bucket, request.query, 1);
    case "ListObjectsV2":
      return listObjects(store, bucket, request.query, 2);
    case "DeleteObjects":
      throw new S3Error(501, { code: "NotImplemented", message: "DeleteObjects is not implemented by the simulator; use DeleteObject." });
    case "PutObject":
      return putObject(store, request, bucket, key);
    case "GetObject":
    case "HeadObject": {
      const object = target.objects.get(key);
      if (!object) {
        // S3 tells a caller that a key does not exist only if it may list the bucket; otherwise
        // the answer is 403, the same as for an object it may not read. This is not a list
        // request, so s3:prefix is absent from the context: a ListBucket allowed only under an
        // s3:prefix condition does not turn this 403 into a 404.
        requirePermission(request, "s3:ListBucket", `arn:aws:s3:::${bucket}`);
        throw noSuchKey(key);
      }
      const headers = objectHeaders(object);
      if (checkReadPreconditions(request.headers, object) === "not-modified") {
        return { status: 304, headers: { ETag: object.etag, "Last-Modified": headers["Last-Modified"] as string }, body: "" };
      }
      // HEAD answers the length of the body it does not send.
      return { status: 200, headers: { ...headers, "Content-Length": String(object.body.length) }, body: action === "GetObject" ? object.body : "" };
    }
    case "DeleteObject": {
      const existing = target.objects.get(key);
      const ifMatch = header(request.headers, "if-match");
      if (ifMatch !== undefined) {
        if (!existing) throw noSuchKey(key);
        if (!etagListMatches(ifMatch, existing.etag)) throw preconditionFailed("If-Match");
      }
      store.deleteObject(bucket, key);
      return { status: 204, headers: {}, body: "" };
    }
    default:
      throw new S3Error(405, { code: "MethodNotAllowed", message: "The specified method is not allowed against this resource." });
  }
}

function putObject(store: S3Store, request: S3Request, bucket: string, key: string): S3Response {
  if (header(request.headers, "x-amz-copy-source") !== undefined) {
    throw new S3Error(501, { code: "NotImplemented", message: "CopyObject is not implemented by the simulator." });
  }
  const contentMd5 = header(request.headers, "content-md5");
  if (contentMd5 !== undefined && createHash("md5").update(request.body).digest("base64") !== contentMd5) {
    throw new S3Error(400, { code: "BadDigest", message: "The Content-MD5 you specified did not match what we received." });
  }
  checkWritePreconditions(request.headers, store.getObject(bucket, key), key);
  const object = store.putObject(bucket, key, request.body, {
    contentType: header(request.headers, "content-type"),
    metadata: metadataFrom(request.headers),
  });
  const headers: Record<string, string> = { ETag: object.etag, "x-amz-server-side-encryption": "AES256" };
  // S3 echoes the checksum the client sent.
  for (const [name, value] of Object.entries(request.headers)) {
    if (name.startsWith("x-amz-checksum-") && name !== "x-amz-checksum-algorithm" && typeof value === "string") headers[name] = value;
  }
  return { status: 200, headers, body: "" };
}

export function s3ErrorResponse(status: number, error: S3ErrorDetails, requestId: string, hostId: string): S3Response {
  return { status, headers: { "Content-Type": "application/xml" }, body: s3ErrorXml(error, requestId, hostId) };
}

export function handleS3(store: S3Store, request: S3Request): S3Response {
  const operation = s3Operation(request.method, request.rawPath, request.query);
  try {
    return handleOperation(store, request, operation);
  } catch (err) {
    if (!(err instanceof S3Error)) throw err;
    return s3ErrorResponse(err.status, err.details, request.requestId, request.hostId);
  }
}
