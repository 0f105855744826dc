/**
 * Why discovery stops. Both are bad input (exit 2): the pair as found does not say what to do,
 * or a file given to it cannot be read. Every problem names the resources and the fix.
 */
export interface DiscoveryProblem {
  /** What is wrong, naming the resources (IDs, file and JSON path). */
  problem: string;
  /** What to do about it. */
  fix: string;
  /** The resource IDs (or file paths) involved, for tools. */
  resources: string[];
}

/** The cloud as found is ambiguous or incomplete: no agent config can be written from it. */
export class AmbiguousPairError extends Error {
  constructor(
    readonly label: string,
    readonly problems: DiscoveryProblem[],
  ) {
    super(
      `cannot adopt pair "${label}": ${problems.length} problem${problems.length === 1 ? "" : "s"}:\n` +
        problems.map((p) => `  - ${p.problem}\n    fix: ${p.fix}`).join("\n"),
    );
    this.name = "AmbiguousPairError";
  }
}

/** A file given to discovery (CFE declaration, Terraform state) is missing or malformed. */
export class DiscoveryInputError extends Error {
  constructor(
    readonly file: string,
    message: string,
  ) {
    super(`${file}: ${message}`);
    this.name = "DiscoveryInputError";
  }
}

/** Collects problems while a pair is resolved, so the user sees all of them at once. */
export class ProblemList {
  readonly items: DiscoveryProblem[] = [];
  add(problem: string, fix: string, resources: string[]): void {
    this.items.push({ problem, fix, resources });
  }
  throwIfAny(label: string): void {
    if (this.items.length > 0) throw new AmbiguousPairError(label, this.items);
  }
}
