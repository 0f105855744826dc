import type { StateStore, StoredState } from "./state.js";
import { deadlineSignal } from "./deadline.js";

export interface CachedRead {
  stored: StoredState | null;
  /** When the read completed (epoch ms). */
  readAt: number;
}

/**
 * A recent read of the pair's state object, kept by the daemon so that a trigger goes straight
 * to the fencing write instead of reading first. The read is refreshed every `intervalMs` and
 * after each failover; an outdated one is never unsafe — the conditional write answers 412 and
 * takeOver re-reads once — it only costs that extra round trip.
 *
 * A refresh that started before a failover began (or while one ran) is discarded: it may carry
 * a version older than the failover's own writes.
 */
export class StateCache {
  private value: CachedRead | undefined;
  private epoch = 0;
  private paused = 0;
  private timer: NodeJS.Timeout | undefined;
  private inFlight: Promise<CachedRead> | undefined;

  constructor(
    private readonly store: StateStore,
    private readonly options: { intervalMs: number; requestMs: number; onError?: (err: unknown) => void; onRead?: (read: CachedRead) => void },
  ) {}

  /** The latest read, if any has succeeded. */
  get current(): CachedRead | undefined {
    return this.value;
  }

  /** Read now (joining a read in flight). Rejects if the read fails; the previous value stays. */
  refresh(): Promise<CachedRead> {
    this.inFlight ??= this.readOnce().finally(() => {
      this.inFlight = undefined;
    });
    return this.inFlight;
  }

  private async readOnce(): Promise<CachedRead> {
    const epoch = this.epoch;
    const stored = await this.store.read(deadlineSignal(this.options.requestMs));
    const read = { stored, readAt: Date.now() };
    if (epoch === this.epoch && this.paused === 0) {
      this.value = read;
      this.options.onRead?.(read);
    }
    return read;
  }

  /** A failover is about to write: results of reads started before now are stale. */
  pause(): void {
    this.paused += 1;
    this.epoch += 1;
  }

  /** The failover has written its result: read it back (off the trigger path). */
  resume(): void {
    this.paused = Math.max(0, this.paused - 1);
    this.epoch += 1;
    // Not joined with a read in flight: that one started before the write and is discarded.
    this.readOnce().catch((err: unknown) => this.options.onError?.(err));
  }

  /** Refresh every intervalMs until stop(). */
  start(): void {
    const tick = () => {
      this.refresh()
        .catch((err: unknown) => this.options.onError?.(err))
        .finally(() => {
          if (this.timer) this.timer = setTimeout(tick, this.options.intervalMs);
        });
    };
    this.timer = setTimeout(tick, this.options.intervalMs);
  }

  stop(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
  }
}
