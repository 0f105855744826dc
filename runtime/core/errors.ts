/**
 * How an error is handled:
 * - permanent: retrying cannot help (unauthorized, invalid parameter, not found) — fail fast with the fix;
 * - transient: throttling, 5xx, timeouts, connection resets — retried with backoff under the deadline;
 * - deadline: the overall failover deadline ran out.
 */
export type ErrorClass = "permanent" | "transient" | "deadline";

/** An error from the cloud or the agent, classified, naming the resource involved and what to do. */
export class HaPairError extends Error {
  readonly code: string;
  readonly errorClass: ErrorClass;
  readonly resource: string | undefined;
  readonly fix: string | undefined;
  readonly httpStatus: number | undefined;
  /** HTTP attempts made before giving up, when known. */
  readonly attempts: number | undefined;

  constructor(init: {
    code: string;
    errorClass: ErrorClass;
    message: string;
    resource?: string;
    fix?: string;
    httpStatus?: number;
    attempts?: number;
    cause?: unknown;
  }) {
    super(init.message, init.cause === undefined ? undefined : { cause: init.cause });
    this.name = "HaPairError";
    this.code = init.code;
    this.errorClass = init.errorClass;
    this.resource = init.resource;
    this.fix = init.fix;
    this.httpStatus = init.httpStatus;
    this.attempts = init.attempts;
  }

  /** One line for people: what failed, where, and what to do. */
  describe(): string {
    return [this.message, this.fix ? `Fix: ${this.fix}` : undefined].filter(Boolean).join(" ");
  }

  toJSON(): { code: string; errorClass: ErrorClass; message: string; resource?: string; fix?: string } {
    return {
      code: this.code,
      errorClass: this.errorClass,
      message: this.message,
      ...(this.resource ? { resource: this.resource } : {}),
      ...(this.fix ? { fix: this.fix } : {}),
    };
  }
}

export function asHaPairError(err: unknown): HaPairError {
  if (err instanceof HaPairError) return err;
  const message = err instanceof Error ? err.message : String(err);
  return new HaPairError({ code: "InternalError", errorClass: "permanent", message, cause: err });
}

/** A conditional write of the state object lost: someone else wrote it since we read it. */
export class FencingConflictError extends Error {
  constructor(message = "the state object changed since it was read (conditional write answered 412)") {
    super(message);
    this.name = "FencingConflictError";
  }
}
