import type { NodeId } from "../runtime/config/types.js";

/** The environment variables through which the AWS SDK could reach anything but the simulator. */
const AWS_REACHING_VARIABLES = [
  "AWS_ENDPOINT_URL",
  "AWS_ENDPOINT_URL_EC2",
  "AWS_ENDPOINT_URL_S3",
  "AWS_PROFILE",
  "AWS_DEFAULT_PROFILE",
  "AWS_ACCESS_KEY_ID",
  "AWS_SECRET_ACCESS_KEY",
  "AWS_SESSION_TOKEN",
  "AWS_ROLE_ARN",
  "AWS_WEB_IDENTITY_TOKEN_FILE",
  "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI",
  "AWS_CONTAINER_CREDENTIALS_FULL_URI",
  "AWS_EC2_METADATA_DISABLED",
];

/**
 * Point this process's AWS SDK at the simulator as node `node` would see it: its own IMDS
 * (identity and instance-role credentials), no shared config files, no real endpoints or
 * credentials left over from the caller's shell. The demo and the bench run in-process, and
 * must never reach a real cloud.
 */
export function useSimEnvironment(sim: { imds: Record<NodeId, string>; region: string }, node: NodeId): void {
  for (const name of AWS_REACHING_VARIABLES) delete process.env[name];
  process.env.AWS_EC2_METADATA_SERVICE_ENDPOINT = sim.imds[node];
  process.env.AWS_CONFIG_FILE = "/nonexistent/ha-pair-sim/config";
  process.env.AWS_SHARED_CREDENTIALS_FILE = "/nonexistent/ha-pair-sim/credentials";
  process.env.AWS_REGION = sim.region;
}
