/**
 * One of the agent's files in the state container, written with Azure AD (the deployer's
 * credential through DefaultAzureCredential), never with an account key: the account has
 * shared-key access off, and azure-native's storage.Blob signs with the key
 * (pulumi/pulumi-azure-native#2015), so it cannot write there. The deployer needs Storage Blob Data
 * Contributor on the container (AzureHaPair assigns it when `deployerPrincipalId` is given) and a
 * network path to the Blob service (see the README: the account's network rules).
 */
import * as pulumi from "@pulumi/pulumi";
import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { armFailure, hostArmRequest, STORAGE_SCOPE, type ArmRequest } from "./arm-client.js";

export const BLOB_API_VERSION = "2023-11-03";

export interface BlobUploadInputs {
  account: string;
  container: string;
  blob: string;
  contentType: string;
  /** Inline text (config, unit, trigger), or */
  content?: string;
  /** a file on the deploying machine (the agent bundle), read when written; */
  filePath?: string;
  /** its content's sha256, so a change of the file is a change of the resource. */
  sha256: string;
  /** Blob endpoint (default https://ACCOUNT.blob.core.windows.net). */
  blobEndpoint?: string;
}

export function blobUploadOperations(request: ArmRequest, readFile: (path: string) => Uint8Array) {
  const url = (i: BlobUploadInputs) => `${(i.blobEndpoint ?? `https://${i.account}.blob.core.windows.net`).replace(/\/+$/, "")}/${i.container}/${i.blob.split("/").map(encodeURIComponent).join("/")}`;
  const put = async (i: BlobUploadInputs) => {
    const raw = i.content ?? readFile(i.filePath!);
    const send = () => request("PUT", url(i), { scope: STORAGE_SCOPE, raw, headers: { "x-ms-blob-type": "BlockBlob", "x-ms-version": BLOB_API_VERSION, "Content-Type": i.contentType } });
    let answer = await send();
    // A role assignment made in the same `pulumi up` takes minutes to apply: 403 is retried for up to 5 minutes.
    for (let attempt = 0; answer.status === 403 && attempt < 20; attempt++) {
      await new Promise((r) => setTimeout(r, 15_000));
      answer = await send();
    }
    if (answer.status !== 201) throw armFailure(`upload of ${i.blob} to ${i.account}/${i.container} (the deployer needs Storage Blob Data Contributor on the container and a network path to the account)`, answer);
    return i;
  };
  return {
    create: async (i: BlobUploadInputs) => ({ id: `${i.account}/${i.container}/${i.blob}`, outs: await put(i) }),
    update: async (i: BlobUploadInputs) => ({ outs: await put(i) }),
    delete: async (i: BlobUploadInputs) => {
      const answer = await request("DELETE", url(i), { scope: STORAGE_SCOPE, headers: { "x-ms-version": BLOB_API_VERSION } });
      if (answer.status !== 202 && answer.status !== 404) throw armFailure(`delete of ${i.blob} in ${i.account}/${i.container}`, answer);
    },
  };
}

export const blobUploadProvider: pulumi.dynamic.ResourceProvider<BlobUploadInputs, BlobUploadInputs> = {
  async diff(_id, olds, news) {
    const replaces = (["account", "container", "blob"] as const).filter((k) => olds[k] !== news[k]);
    return { changes: replaces.length > 0 || olds.sha256 !== news.sha256 || olds.contentType !== news.contentType || olds.blobEndpoint !== news.blobEndpoint, replaces };
  },
  async create(inputs) {
    return blobUploadOperations(hostArmRequest(), require("node:fs").readFileSync).create(inputs);
  },
  async update(_id, _olds, news) {
    return blobUploadOperations(hostArmRequest(), require("node:fs").readFileSync).update(news);
  },
  async delete(_id, props) {
    await blobUploadOperations(hostArmRequest(), require("node:fs").readFileSync).delete(props);
  },
};

export interface AzureBlobUploadArgs {
  account: pulumi.Input<string>;
  container: pulumi.Input<string>;
  blob: pulumi.Input<string>;
  contentType: string;
  content?: pulumi.Input<string>;
  filePath?: string;
  blobEndpoint?: pulumi.Input<string | undefined>;
}

export const sha256 = (data: string | Uint8Array) => createHash("sha256").update(data).digest("hex");

/** The agent's file in the container, uploaded with the deployer's Azure AD identity. */
export class AzureBlobUpload extends pulumi.dynamic.Resource {
  declare readonly blob: pulumi.Output<string>;
  declare readonly sha256: pulumi.Output<string>;

  constructor(name: string, args: AzureBlobUploadArgs, opts?: pulumi.CustomResourceOptions) {
    const digest = args.filePath !== undefined ? pulumi.output(sha256(readFileSync(args.filePath))) : pulumi.output(args.content ?? "").apply(sha256);
    super(blobUploadProvider, name, { ...args, sha256: digest }, opts, "ha-pair", "AzureBlobUpload");
  }
}
