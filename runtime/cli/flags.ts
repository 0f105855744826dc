import type { parseArgs } from "node:util";
import type { Command } from "./commands/types.js";

type Token = NonNullable<ReturnType<typeof parseArgs>["tokens"]>[number];

/**
 * util.parseArgs keeps the last of a repeated flag. For a flag that takes one value that is a
 * silent choice between two answers (`--activate a --activate b` moved the pair to b): refuse it,
 * so the operator's mistake is not acted on. Flags declared `multiple` may repeat; so may a
 * boolean, whose repeats cannot disagree.
 */
export function refuseRepeatedFlags(tokens: Token[] | undefined, options: Command["options"]): void {
  const seen = new Set<string>();
  for (const token of tokens ?? []) {
    if (token.kind !== "option") continue;
    const option = options[token.name];
    if (!option || option.multiple || option.type !== "string") continue;
    if (seen.has(token.name)) {
      throw new Error(`--${token.name} is given more than once; it takes one value: pass it once`);
    }
    seen.add(token.name);
  }
}
