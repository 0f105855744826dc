import type { IncomingMessage, ServerResponse } from "node:http";
import { redactUrlUserinfo } from "../config/redact.js";

/** An answer of the API that is not a success: status, and what went wrong, where, and what to do. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly where: string,
    readonly fix?: string,
    readonly headers: Record<string, string> = {},
    readonly extra: Record<string, unknown> = {},
  ) {
    super(message);
    this.name = "ApiError";
  }

  body(): Record<string, unknown> {
    return { error: { code: this.code, message: this.message, where: this.where, ...(this.fix ? { fix: this.fix } : {}) }, ...this.extra };
  }
}

export function sendJson(response: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  // A cloud error passed on may name an endpoint, whose URL may carry a user:password.
  const text = redactUrlUserinfo(`${JSON.stringify(body, null, 2)}\n`);
  response.writeHead(status, { "content-type": "application/json; charset=utf-8", "cache-control": "no-store", "content-length": Buffer.byteLength(text), ...headers });
  response.end(text);
}

export function sendText(response: ServerResponse, status: number, contentType: string, text: string): void {
  response.writeHead(status, { "content-type": contentType, "cache-control": "no-store", "content-length": Buffer.byteLength(text) });
  response.end(text);
}

const MAX_BODY = 16 * 1024;

/**
 * The request's JSON body as an object; `{}` when there is none (every body of this API is
 * optional). Capped: the API's bodies are a few bytes, anything large is a mistake or an attack.
 */
export async function readJsonObject(request: IncomingMessage, where: string): Promise<Record<string, unknown>> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of request) {
    size += (chunk as Buffer).length;
    if (size > MAX_BODY) throw new ApiError(413, "BodyTooLarge", `the request body is over ${MAX_BODY} bytes`, where, "send a small JSON object, e.g. {\"activate\": \"a\"}");
    chunks.push(chunk as Buffer);
  }
  const text = Buffer.concat(chunks).toString("utf8").trim();
  if (text === "") return {};
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    throw new ApiError(400, "BadJson", `the request body is not JSON: ${(err as Error).message}`, where, "send a JSON object, e.g. {\"activate\": \"a\"}, or no body");
  }
  if (value === null || typeof value !== "object" || Array.isArray(value)) {
    throw new ApiError(400, "BadJson", "the request body must be a JSON object", where, "send a JSON object, e.g. {\"activate\": \"a\"}, or no body");
  }
  return value as Record<string, unknown>;
}

/** Reject properties this endpoint does not know: a typo must not silently fall back to a default. */
export function onlyKeys(body: Record<string, unknown>, allowed: string[], where: string): void {
  const unknown = Object.keys(body).filter((key) => !allowed.includes(key));
  if (unknown.length > 0) {
    throw new ApiError(400, "UnknownProperty", `unknown propert${unknown.length === 1 ? "y" : "ies"} ${unknown.map((k) => JSON.stringify(k)).join(", ")}`, where, `allowed: ${allowed.join(", ") || "none"}`);
  }
}
