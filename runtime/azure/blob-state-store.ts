/**
 * The pair's state object in Azure Blob storage, fenced exactly as the S3 store: a takeover is an
 * upload with If-Match (the ETag read) or If-None-Match: * (no blob yet). The service answers
 * 412 ConditionNotMet, or 409 BlobAlreadyExists for If-None-Match: *, to the loser.
 */
import { randomBytes } from "node:crypto";
import type { BlobServiceClient, BlockBlobClient } from "@azure/storage-blob";
import { FencingConflictError, HaPairError } from "../core/errors.js";
import type { CallListener } from "../core/provider.js";
import type { PairState, StateStore, StoredState, WriteCondition } from "../core/state.js";
import { tracked } from "./calls.js";

interface StorageError {
  statusCode?: number;
  code?: string;
  details?: { errorCode?: string };
}

const codeOf = (err: unknown) => (err as StorageError).details?.errorCode ?? (err as StorageError).code;
const statusOf = (err: unknown) => (err as StorageError).statusCode;
const isConditionFailure = (err: unknown) => statusOf(err) === 412 || (statusOf(err) === 409 && codeOf(err) === "BlobAlreadyExists");
const isMissingBlob = (err: unknown) => statusOf(err) === 404 && codeOf(err) !== "ContainerNotFound";

export class BlobStateStore implements StateStore {
  readonly location: string;
  private readonly blob: BlockBlobClient;

  constructor(
    service: BlobServiceClient,
    private readonly options: { account: string; container: string; blob: string; requestMs: number; onCall?: CallListener },
  ) {
    this.blob = service.getContainerClient(options.container).getBlockBlobClient(options.blob);
    // The URL the SDK really calls (a private endpoint, or Azurite's path-style account URL).
    this.location = this.blob.url;
  }

  private call<T>(action: string, run: () => Promise<T>, expected?: (err: unknown) => boolean): Promise<T> {
    return tracked(this.options.onCall, { service: "blob", action, target: this.location }, run, () => 1, expected);
  }

  async read(signal?: AbortSignal): Promise<StoredState | null> {
    try {
      const response = await this.call("GetBlob", async () => {
        const download = await this.blob.download(0, undefined, { abortSignal: signal });
        return { etag: download.etag, text: await streamText(download.readableStreamBody) };
      }, isMissingBlob);
      if (!response.etag) throw new Error("the Blob service returned no ETag");
      return { state: JSON.parse(response.text) as PairState, etag: response.etag };
    } catch (err) {
      if (isMissingBlob(err)) return null;
      throw this.classify(err, "read");
    }
  }

  async write(state: PairState, condition: WriteCondition, signal?: AbortSignal): Promise<string> {
    const body = JSON.stringify(state);
    try {
      const response = await this.call("PutBlob", () =>
        this.blob.upload(body, Buffer.byteLength(body), {
          abortSignal: signal,
          blobHTTPHeaders: { blobContentType: "application/json" },
          conditions: "ifMatch" in condition ? { ifMatch: condition.ifMatch } : { ifNoneMatch: "*" },
        }),
      );
      if (!response.etag) throw new Error("the Blob service returned no ETag");
      return response.etag;
    } catch (err) {
      if (isConditionFailure(err)) throw new FencingConflictError(`the state blob ${this.location} changed since it was read (${statusOf(err)} ${codeOf(err) ?? ""})`.trim());
      throw this.classify(err, "write");
    }
  }

  async remove(signal?: AbortSignal): Promise<void> {
    try {
      await this.call("DeleteBlob", () => this.blob.deleteIfExists({ abortSignal: signal }));
    } catch (err) {
      throw this.classify(err, "delete");
    }
  }

  /** An upload whose If-Match cannot hold: 412 proves the identity may write (authorization comes before conditions). */
  async probeWrite(signal?: AbortSignal): Promise<void> {
    const impossible = `"0x${randomBytes(8).toString("hex").toUpperCase()}"`;
    try {
      await this.call("PutBlob", () => this.blob.upload("", 0, { abortSignal: signal, conditions: { ifMatch: impossible } }), (err) => isConditionFailure(err) || isMissingBlob(err));
    } catch (err) {
      if (isConditionFailure(err) || isMissingBlob(err)) return;
      throw this.classify(err, "write");
    }
    throw new HaPairError({
      code: "ConditionalWritesIgnored",
      errorClass: "permanent",
      message: `The Blob service at ${this.location} accepted a write whose If-Match could not hold: it does not enforce conditions, so it cannot fence the pair.`,
      resource: this.location,
      fix: "Use an Azure Storage account (or Azurite) that honours If-Match / If-None-Match.",
    });
  }

  private classify(err: unknown, what: string): HaPairError {
    if (err instanceof HaPairError) return err;
    const status = statusOf(err);
    const code = codeOf(err) ?? (status ? `Http${status}` : "NetworkError");
    const denied = status === 403 || code === "AuthorizationPermissionMismatch" || code === "AuthorizationFailure";
    const transient = !denied && (status === undefined || status === 429 || status >= 500 || status === 408);
    return new HaPairError({
      code,
      errorClass: transient ? "transient" : "permanent",
      message: `Could not ${what} the state blob ${this.location}${status ? ` (HTTP ${status} ${code})` : ""}: ${(err instanceof Error ? err.message : String(err)).split("\n")[0]}`,
      resource: this.location,
      ...(denied ? { fix: `Grant the node's managed identity "Storage Blob Data Contributor" (or Microsoft.Storage/storageAccounts/blobServices/containers/blobs/read and write) on the container ${this.options.container}.` } : {}),
      ...(code === "ContainerNotFound" ? { fix: `Create the container ${this.options.container} in account ${this.options.account} (the stack creates it).` } : {}),
      ...(status ? { httpStatus: status } : {}),
      cause: err,
    });
  }
}

async function streamText(stream: NodeJS.ReadableStream | undefined): Promise<string> {
  if (!stream) return "";
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(typeof chunk === "string" ? Buffer.from(chunk) : (chunk as Buffer));
  return Buffer.concat(chunks).toString("utf8");
}
