import {
  bearerTokenAuthenticationPolicy,
  bearerTokenAuthenticationPolicyName,
  type PipelinePolicy,
} from "@azure/core-rest-pipeline";
import type { TokenCredential } from "@azure/core-auth";

import { isLoopbackHost } from "../config/loopback.js";

export { isLoopbackHost };

/**
 * The SDK's bearer token policy for https, and for plain http only to a loopback address (the
 * simulated cloud on 127.0.0.1); anything else over http is refused before a token is fetched.
 * The SDK's own policy refuses every http URL, which would leave the simulator unreachable; this
 * keeps its rule where it matters (off the machine) and replaces it under the same name.
 */
export function loopbackAwareBearerPolicy(credential: TokenCredential, scopes: string | string[]): PipelinePolicy {
  const secure = bearerTokenAuthenticationPolicy({ credential, scopes });
  return {
    name: bearerTokenAuthenticationPolicyName,
    async sendRequest(request, next) {
      const url = new URL(request.url);
      if (url.protocol === "https:") return secure.sendRequest(request, next);
      if (url.protocol !== "http:" || !isLoopbackHost(url.hostname)) {
        throw new Error(`refusing to send a bearer token over ${url.protocol} to ${url.host}: only https, or http to a loopback address, may carry it`);
      }
      // The pipeline refuses http unless told; loopback http is what this policy exists to allow.
      request.allowInsecureConnection = true;
      const token = await credential.getToken(scopes, { abortSignal: request.abortSignal });
      if (!token) throw new Error(`no access token for ${String(scopes)}`);
      request.headers.set("Authorization", `Bearer ${token.token}`);
      return next(request);
    },
  };
}

/**
 * Long-running operations are polled at our interval: a Retry-After on a successful answer (the
 * 201/202 of a PUT, a 200 "InProgress" poll) is dropped before the SDK's poller sees it, because
 * the poller lets it override updateIntervalInMs (ARM sends Retry-After: 10, which would make a
 * 500 ms poll take 10 s). Retry-After on 429 and 409 is kept: our retry loop honours those.
 */
export const fastPollPolicy: PipelinePolicy = {
  name: "haPairFastPoll",
  async sendRequest(request, next) {
    const response = await next(request);
    if (response.status >= 200 && response.status < 300) response.headers.delete("retry-after");
    return response;
  },
};
