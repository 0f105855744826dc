/**
 * Whole-resource GET and conditional PUT of ARM resources as raw JSON, through the
 * ServiceClient's own pipeline (authentication, user agent, fast-poll policy).
 * Raw JSON, not the SDK's models, because a PUT replaces the whole resource: a property the SDK's
 * model does not know (added to the API after the SDK was generated) would be dropped from the
 * body and reset by Azure. The body we PUT is the body we GOT, changed only where we mean to.
 */
import type { ServiceClient } from "@azure/core-client";
import { createHttpHeaders, createPipelineRequest, type PipelineResponse } from "@azure/core-rest-pipeline";
import { setTimeout as sleep } from "node:timers/promises";
import { classifyArmError, retryAfterMs } from "./errors.js";

export const NETWORK_API_VERSION = "2025-05-01";

export type Json = Record<string, unknown>;

export interface ArmCallOptions {
  signal: AbortSignal;
  requestMs: number;
}

export class ArmJson {
  constructor(
    private readonly client: ServiceClient,
    private readonly endpoint: string,
  ) {}

  private url(resourceId: string): string {
    return `${this.endpoint}${resourceId}?api-version=${NETWORK_API_VERSION}`;
  }

  private async send(method: "GET" | "PUT", url: string, options: ArmCallOptions, body?: Json, headers: Record<string, string> = {}): Promise<PipelineResponse> {
    const request = createPipelineRequest({
      url,
      method,
      headers: createHttpHeaders({ Accept: "application/json", ...(body ? { "Content-Type": "application/json; charset=utf-8" } : {}), ...headers }),
      abortSignal: options.signal,
      timeout: options.requestMs,
      allowInsecureConnection: new URL(url).protocol === "http:",
      ...(body ? { body: JSON.stringify(body) } : {}),
    });
    const response = await this.client.sendRequest(request);
    if (response.status >= 400) throw new ArmResponseError(`${method} ${url.split("?")[0]}`, response);
    return response;
  }

  /** GET the resource; its body carries the etag the PUT must match. */
  async get(resourceId: string, options: ArmCallOptions): Promise<Json> {
    const response = await this.send("GET", this.url(resourceId), options);
    return JSON.parse(response.bodyAsText ?? "{}") as Json;
  }

  /**
   * PUT the whole resource with If-Match, then poll its long-running operation at `pollMs`
   * (Azure-AsyncOperation, else Location) until it succeeds. A Failed or Canceled operation
   * throws its ARM error (classified by the caller's retry loop: Canceled is transient).
   */
  async putAndWait(resourceId: string, body: Json, etag: string | undefined, options: ArmCallOptions & { pollMs: number }): Promise<{ polls: number }> {
    const response = await this.send("PUT", this.url(resourceId), options, body, etag ? { "If-Match": etag } : {});
    const asyncOperation = response.headers.get("azure-asyncoperation");
    const location = response.headers.get("location");
    if (!asyncOperation && !(response.status === 202 && location)) return { polls: 0 };
    let polls = 0;
    for (;;) {
      await sleep(options.pollMs, undefined, { signal: options.signal });
      polls += 1;
      let poll: PipelineResponse;
      try {
        poll = await this.send("GET", asyncOperation ?? location!, options);
      } catch (err) {
        // A throttled or failed poll is not a failed operation: wait as asked, poll again.
        const error = classifyArmError(err, { action: "poll", resource: resourceId });
        if (error.errorClass !== "transient" || options.signal.aborted) throw err;
        await sleep(retryAfterMs(err) ?? options.pollMs, undefined, { signal: options.signal });
        continue;
      }
      if (!asyncOperation) {
        if (poll.status === 202) continue;
        return { polls };
      }
      const status = (JSON.parse(poll.bodyAsText ?? "{}") as { status?: string; error?: { code?: string; message?: string } });
      if (status.status === "Succeeded") return { polls };
      if (status.status === "Failed" || status.status === "Canceled") {
        const code = status.error?.code ?? status.status;
        throw new ArmResponseError(`the operation on ${resourceId} ended ${status.status}`, poll, { code, message: status.error?.message ?? `operation ${status.status}` });
      }
    }
  }
}

/**
 * An ARM answer that is an error. It keeps the status, the response headers and body, and never
 * the request: the request carries the bearer token, and errors end up in logs and reports.
 */
export class ArmResponseError extends Error {
  readonly statusCode: number;
  readonly code: string | undefined;
  readonly response: { headers: { get(name: string): string | undefined }; bodyAsText: string | null };

  constructor(what: string, response: PipelineResponse, error?: { code: string; message: string }) {
    super(`${what} answered ${response.status}${error ? ` ${error.code}: ${error.message}` : ""}`);
    this.name = "ArmResponseError";
    this.statusCode = response.status;
    this.code = error?.code;
    const headers = response.headers;
    this.response = { headers: { get: (name) => headers.get(name) }, bodyAsText: error ? JSON.stringify({ error }) : response.bodyAsText ?? null };
  }
}
