/**
 * Test-only: serves the simulated EC2 (handleEc2) on 127.0.0.1 so the real AWS SDK can talk
 * to it over HTTP. The full simulator server (sim/server.ts) adds signing checks, throttling,
 * faults and the other services; this serves EC2 alone with a fixed caller.
 */
import { createServer, type IncomingMessage, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { randomUUID } from "node:crypto";
import { EC2Client } from "@aws-sdk/client-ec2";
import { handleEc2, type Authorizer, type Caller, type Ec2World } from "../../sim/ec2/index.js";

export const TEST_CALLER: Caller = {
  accessKeyId: "AKIASIMULATEDTEST01",
  arn: "arn:aws:sts::123456789012:assumed-role/ha-pair-node/i-0123456789abcdef0",
};

export interface Ec2OnlyServer {
  endpoint: string;
  client: EC2Client;
  /** Every request body the server received, decoded, in order. */
  requests: URLSearchParams[];
  /** Swap the authorizer (default: allow all). */
  setAuthorizer(authorizer: Authorizer | undefined): void;
  /** Answer Describe calls as of this instant until cleared (a stale read). */
  setReadAsOf(epochMs: number | undefined): void;
  close(): Promise<void>;
}

async function readBody(request: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of request) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString("utf8");
}

export async function startEc2OnlyServer(world: Ec2World): Promise<Ec2OnlyServer> {
  let authorizer: Authorizer | undefined;
  let readAsOf: number | undefined;
  const requests: URLSearchParams[] = [];
  const server: Server = createServer((request, response) => {
    readBody(request)
      .then((body) => {
        const params = new URLSearchParams(body);
        requests.push(params);
        const answer = handleEc2(
          world,
          { params, caller: TEST_CALLER, requestId: randomUUID(), ...(readAsOf === undefined ? {} : { readAsOf }) },
          authorizer,
        );
        response.writeHead(answer.status, { "content-type": "text/xml;charset=UTF-8" });
        response.end(answer.body);
      })
      .catch((error: unknown) => {
        response.writeHead(500, { "content-type": "text/plain" });
        response.end(String(error));
      });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  const endpoint = `http://127.0.0.1:${port}`;
  const client = new EC2Client({
    endpoint,
    region: "us-east-1",
    credentials: { accessKeyId: TEST_CALLER.accessKeyId, secretAccessKey: "simulated-secret" },
    maxAttempts: 1,
  });
  return {
    endpoint,
    client,
    requests,
    setAuthorizer: (next) => {
      authorizer = next;
    },
    setReadAsOf: (next) => {
      readAsOf = next;
    },
    close: async () => {
      client.destroy();
      await new Promise<void>((resolve, reject) => server.close((error) => (error ? reject(error) : resolve())));
    },
  };
}
