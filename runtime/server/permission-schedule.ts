/**
 * When the daemon checks its plan's permissions (off the trigger path). A check spends tokens
 * of EC2's shared mutating-call bucket, so checks never come in a tight loop: one at start
 * (after the port is bound), then every `intervalMs`; a check that failed or found a denial is
 * repeated sooner, after `retryMs`, doubling each time up to `intervalMs` — so a role that is
 * fixed is noticed soon, and a broken endpoint is not hammered.
 */
export type CheckOutcome = "allowed" | "denied" | "failed";

export function nextCheckDelay(consecutiveProblems: number, timing: { retryMs: number; intervalMs: number }): number {
  if (consecutiveProblems === 0) return timing.intervalMs;
  return Math.min(timing.intervalMs, timing.retryMs * 2 ** Math.min(consecutiveProblems - 1, 30));
}

export class PermissionCheckSchedule {
  private problems = 0;
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  private stopped = false;

  constructor(
    private readonly check: () => Promise<CheckOutcome>,
    private readonly timing: { retryMs: number; intervalMs: number },
  ) {}

  /** Check now (unless a check is running: then that one), and schedule the next. */
  run(): Promise<void> {
    this.running ??= this.check()
      .then((outcome) => {
        this.problems = outcome === "allowed" ? 0 : this.problems + 1;
      })
      .finally(() => {
        this.running = undefined;
        this.schedule();
      });
    return this.running;
  }

  stop(): void {
    this.stopped = true;
    clearTimeout(this.timer);
  }

  private schedule(): void {
    clearTimeout(this.timer);
    if (this.stopped) return;
    this.timer = setTimeout(() => void this.run(), nextCheckDelay(this.problems, this.timing));
    this.timer.unref();
  }
}
