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
  /**
   * The cloud refused the call as it stands — a resource not found, an invalid parameter —
   * so the real call would fail for good: like a denial, this stops a failover before fencing.
   */
  invalid?: boolean;
  /** The cloud's error code, when the check was refused. */
  code?: string;
  /** The permission missing, as the cloud's policy language names it (e.g. ec2:ReplaceRoute). */
  permission?: string;
  /** The resource it is missing on (an ARN), as the cloud named it when it refused. */
  resource?: string;
}

/**
 * A way in which the config does not match the cloud, found by reading the cloud before
 * fencing: an interface attached to another node (or to none), a node's instance that does not
 * exist, an address outside its interface's subnet, a route or allocation that does not exist.
 */
export interface ConfigProblem {
  /** error: a failover would move the wrong thing or fail half-way — refused before fencing. warning: worth a look. */
  severity: "error" | "warning";
  /** JSON pointer into the config, e.g. /nodes/b/interfaces/internal/id. */
  path: string;
  /** The resource the cloud was asked about. */
  resource: string;
  message: string;
  fix: string;
}

/** The config checked against the cloud: its problems, or the reads the role may not make (then no problems are known). */
export interface ConfigCheck {
  problems: ConfigProblem[];
  /** A read of the check refused by the cloud's IAM: like a denied operation, this stops a failover before fencing. */
  refused: PermissionCheck[];
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
  /**
   * Check the config against the cloud, changing nothing: every interface attached to its own
   * node's instance, every instance present, every moving address inside its interface's
   * subnet, every route and allocation present. Throws when the cloud could not be read.
   */
  checkConfig?(signal: AbortSignal): Promise<ConfigCheck>;
  /** The pair's state object. */
  readonly stateStore: StateStore;
  /** The API endpoints the clients will call (after env and config overrides), for preflight. */
  endpoints?(): Promise<{ service: string; url: string }[]>;
}
