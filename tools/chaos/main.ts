// `npm run chaos -- --seeds N [--seed S] [--json]`: seeded chaos schedules against the simulated
// cloud, each checked by the invariant checker. Prints the seeds that broke an invariant (replay
// one with --seed S); --json prints exactly one document {schedules, violations: [...]}.
// Exit 0: no violation; 1: some; 2: bad input.
import { parseArgs } from "node:util";
import { runSchedule, type ScheduleResult } from "./run-schedule.js";
import { scheduleFor } from "./schedule.js";

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= "true";

function usage(message: string): never {
  process.stderr.write(`ha-pair chaos: ${message}\nusage: npm run chaos -- --seeds N [--from S] [--json] [--verbose] | --seed S [--json]\n`);
  process.exit(2);
}

function integer(name: string, value: string | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  if (!/^\d{1,9}$/.test(value)) usage(`--${name} must be a non-negative integer, got "${value}"`);
  return Number(value);
}

async function main(): Promise<void> {
  let values;
  try {
    ({ values } = parseArgs({ options: { seeds: { type: "string" }, seed: { type: "string" }, from: { type: "string" }, json: { type: "boolean" }, verbose: { type: "boolean" } }, strict: true }));
  } catch (err) {
    usage(err instanceof Error ? err.message : String(err));
  }
  const seeds = values.seed !== undefined ? [integer("seed", values.seed, 0)] : range(integer("from", values.from, 1), integer("seeds", values.seeds, 20));
  const say = (line: string) => {
    if (!values.json) process.stdout.write(`${line}\n`);
  };
  const results: ScheduleResult[] = [];
  const started = performance.now();
  for (const seed of seeds) {
    const result = await runSchedule(scheduleFor(seed));
    results.push(result);
    const mark = result.violations.length === 0 ? "ok  " : "FAIL";
    say(`${mark} seed ${seed} (${result.ms} ms) ${[...result.background, ...result.steps].join("; ")}`);
    for (const v of result.violations) say(`       ${v.invariant}: ${v.detail}`);
    // A replay (--seed) or --verbose also shows what each run of the schedule reported.
    if (values.verbose || values.seed !== undefined) for (const outcome of result.outcomes) say(`       · ${outcome}`);
  }
  const violations = results.flatMap((r) => r.violations);
  const failing = [...new Set(violations.map((v) => v.seed))];
  const summary = {
    schedules: results.length,
    violations,
    failingSeeds: failing,
    coverage: coverage(results),
    seconds: Math.round((performance.now() - started) / 100) / 10,
  };
  if (values.json) process.stdout.write(`${JSON.stringify(summary)}\n`);
  else {
    say(`${results.length} schedules, ${violations.length} violation(s)${failing.length ? `; replay with: ${failing.map((s) => `npm run chaos -- --seed ${s}`).join(" ; ")}` : ""}`);
    say(`coverage: ${Object.entries(summary.coverage).map(([k, n]) => `${k} ${n}`).join(", ")}`);
  }
  process.exitCode = violations.length === 0 ? 0 : 1;
}

/** How many schedules exercised each kind of attack. */
function coverage(results: ScheduleResult[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const result of results) {
    const kinds = new Set([...result.background, ...result.steps.map((s) => s.replace(/ (to|of|on|by) .*| \(.*|, then.*/g, "").replace(/ [ab]$/, ""))]);
    for (const kind of kinds) counts[kind] = (counts[kind] ?? 0) + 1;
  }
  counts["late writes landed"] = results.reduce((n, r) => n + r.lateWritesLanded, 0);
  return counts;
}

function range(from: number, count: number): number[] {
  return Array.from({ length: count }, (_, i) => from + i);
}

main().catch((err: unknown) => {
  process.stderr.write(`ha-pair chaos: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exit(1);
});
