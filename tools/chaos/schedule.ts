/**
 * A chaos schedule, drawn from a seed alone (replayable with `--seed S`): background faults
 * (throttling storm, 5xx burst, hung requests, stale reads) and a few steps, each one of the
 * attacks issue 9 found holes with. Everything is sized to keep a schedule to a few seconds:
 * small latencies, a 1.5 s failover deadline, 200 ms request timeouts.
 */
import type { NodeId } from "../../runtime/config/types.js";
import { SeededRandom, type FaultConfig } from "../../sim/faults.js";

export type CorruptVariant = "garbage" | "far-future-running" | "unreadable-deadline" | "newer-schema";

export type Step =
  /** One node's one-shot failover. */
  | { kind: "failover"; node: NodeId }
  /** Both nodes triggered at once (both read the same version before either writes). */
  | { kind: "race" }
  /** `node` fails over while its mutating calls land late; the other node takes over at once. */
  | { kind: "late-writes"; node: NodeId; delayMs: { min: number; max: number } }
  /** `node`'s run dies (kill -9) after `afterCalls` API calls; then `rerunBy` runs again. */
  | { kind: "crash"; node: NodeId; afterCalls: number; rerunBy: NodeId }
  /** `node` reads the state, sleeps while the other node fails over, then wakes and runs on its old read. */
  | { kind: "late-waker"; node: NodeId }
  /** Something overwrites the state object, then `node` fails over. */
  | { kind: "corrupt-state"; variant: CorruptVariant; node: NodeId }
  /** `node` fails over with a config whose two `internal` interfaces are swapped. */
  | { kind: "swapped-config"; node: NodeId };

export interface Schedule {
  seed: number;
  /** Faults in force during the steps (cleared before the final check). */
  background: FaultConfig;
  /** Names of the background faults, for people. */
  backgroundNames: string[];
  steps: Step[];
}

const STEP_KINDS: Step["kind"][] = ["failover", "race", "late-writes", "crash", "late-waker", "corrupt-state", "swapped-config"];
const CORRUPT: CorruptVariant[] = ["garbage", "far-future-running", "unreadable-deadline", "newer-schema"];

export function scheduleFor(seed: number): Schedule {
  const random = new SeededRandom(seed * 2654435761);
  const pick = <T>(items: readonly T[]): T => items[Math.floor(random.next() * items.length)]!;
  const node = (): NodeId => (random.next() < 0.5 ? "a" : "b");
  const other = (n: NodeId): NodeId => (n === "a" ? "b" : "a");

  const background: FaultConfig = { seed, throttle: false };
  const names: string[] = [];
  if (random.next() < 0.3) {
    background.throttle = { mutating: { burst: 4, refillPerSecond: 20 }, nonMutating: { burst: 8, refillPerSecond: 40 } };
    names.push("throttling storm");
  }
  if (random.next() < 0.3) {
    background.serverErrorRate = 0.15 + random.next() * 0.2;
    names.push("5xx burst");
  }
  if (random.next() < 0.25) {
    background.timeoutRate = 0.05 + random.next() * 0.1;
    names.push("hung requests");
  }
  if (random.next() < 0.3) {
    background.staleReadMs = 100 + Math.round(random.next() * 200);
    names.push("stale reads");
  }
  if (random.next() < 0.3) {
    background.latencyMs = { min: 0, max: 20 };
    names.push("latency");
  }

  const count = 1 + Math.floor(random.next() * 3);
  const steps: Step[] = [];
  for (let i = 0; i < count; i++) {
    const kind = pick(STEP_KINDS);
    const n = node();
    switch (kind) {
      case "failover":
        steps.push({ kind, node: n });
        break;
      case "race":
        steps.push({ kind });
        break;
      case "late-writes": {
        // Late enough to land after the other node's takeover has converged (the hole of defect 1),
        // and inside the stated bound (2 × requestMs + 1 s = 1.4 s with the chaos budgets).
        const min = 300 + Math.round(random.next() * 500);
        steps.push({ kind, node: n, delayMs: { min, max: min + Math.round(random.next() * (1_300 - min)) } });
        break;
      }
      case "crash":
        steps.push({ kind, node: n, afterCalls: Math.floor(random.next() * 14), rerunBy: random.next() < 0.5 ? n : other(n) });
        break;
      case "late-waker":
        steps.push({ kind, node: n });
        break;
      case "corrupt-state":
        steps.push({ kind, variant: pick(CORRUPT), node: n });
        break;
      case "swapped-config":
        steps.push({ kind, node: n });
        break;
    }
  }
  return { seed, background, backgroundNames: names, steps };
}

export function describeStep(step: Step): string {
  switch (step.kind) {
    case "failover":
      return `failover to ${step.node}`;
    case "race":
      return "both nodes at once";
    case "late-writes":
      return `late-landing writes of ${step.node} (${step.delayMs.min}-${step.delayMs.max} ms), then the other node`;
    case "crash":
      return `kill -9 of ${step.node} after ${step.afterCalls} calls, re-run by ${step.rerunBy}`;
    case "late-waker":
      return `late waker ${step.node}`;
    case "corrupt-state":
      return `${step.variant} state object, then failover to ${step.node}`;
    case "swapped-config":
      return `swapped-interface config on ${step.node}`;
  }
}
