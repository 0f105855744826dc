import type { AgentConfig } from "../config/types.js";
import type { ObservedState } from "./observed.js";
import type { Operation } from "./operations.js";
import type { StateStore } from "./state.js";

/** The node's own identity, from the instance metadata service. */
export interface NodeIdentity {
  instanceId: string;
  region: string;
  availabilityZone?: string;
}

/** One API call as it happened: for the timeline, the JSON report, the metrics and the bench. */
export interface ApiCallRecord {
  service: string;
  action: string;
  target: string;
  startedAt: number;
  ms: number;
  attempts: number;
  ok: boolean;
  errorCode?: string;
  /** A permission check (DryRun or a no-op), not an operation: it changes nothing. */
  check?: boolean;
}

export type CallListener = (call: ApiCallRecord) => void;

/** The result of checking one mutating call with DryRun (or the cloud's equivalent). */
export interface PermissionCheck {
  action: string;
  target: string;
  allowed: boolean;
  /** Why not, and what to grant. */
  detail?: string;
  /**
   * The cloud refused the permission itself (not: the check could not be made). Only such a
   * refusal stops a failover before it is fenced; a check that failed for another reason
   * (throttled, timed out) proves nothing either way.
   */
  denied?: boolean;
  /** The permission missing, as the cloud's policy language names it (e.g. ec2:ReplaceRoute). */
  permission?: string;
  /** The resource it is missing on (an ARN), as the cloud named it when it refused. */
  resource?: string;
}

/**
 * What the core needs from a cloud. Implementations call the cloud's official SDK; every
 * call honours `signal` (the failover deadline) and reports itself to the call listener.
 */
export interface CloudProvider {
  readonly cloud: AgentConfig["cloud"];
  /** Perform one idempotent operation. Throws HaPairError (classified) when it fails for good. */
  execute(operation: Operation, signal: AbortSignal): Promise<{ attempts: number }>;
  /**
   * Read where every address and route of the pair points now, batched by resource type.
   * `twinTables`: also read every twin route table whole (association mode's drift check);
   * without it only the tables the pair's subnets are associated with are read.
   */
  observe(signal: AbortSignal, options?: { twinTables?: boolean }): Promise<ObservedState>;
  /** Read before the trigger what the operations will need that the config cannot name (AWS: route table association IDs). */
  prefetch?(operations: Operation[], signal: AbortSignal): Promise<void>;
  /** Check that each operation would be permitted, changing nothing. */
  checkPermissions(operations: Operation[], signal: AbortSignal): Promise<PermissionCheck[]>;
  /** The identity of the node this runs on. Throws HaPairError when the metadata service is unreachable. */
  identity(signal?: AbortSignal): Promise<NodeIdentity>;
  /** The pair's state object. */
  readonly stateStore: StateStore;
  /** The API endpoints the clients will call (after env and config overrides), for preflight. */
  endpoints?(): Promise<{ service: string; url: string }[]>;
}
