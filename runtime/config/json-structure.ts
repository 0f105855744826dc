import { pointerSegment } from "./semantics.js";

/** Far deeper than any agent config (about 6 levels); deep enough nesting overflows the stack of every recursive walker. */
export const MAX_JSON_DEPTH = 64;

export interface StructureError {
  path: string;
  message: string;
}

type Frame = { kind: "object"; pointer: string; keys: Set<string>; key?: string } | { kind: "array"; pointer: string; index: number };

/**
 * What JSON.parse accepts but a config must not have, found in one iterative pass over text
 * that is already known to be valid JSON:
 * - nesting deeper than MAX_JSON_DEPTH (the schema and semantic checks recurse);
 * - a key given twice in one object: JSON.parse keeps the last silently, so a second `stateStore`
 *   appended to a file would replace the first unseen.
 * Returns the first depth error (nothing deeper is looked at) or every duplicate key, with its JSON path.
 */
export function jsonStructureErrors(text: string): StructureError[] {
  const errors: StructureError[] = [];
  const stack: Frame[] = [];
  const here = (): string => {
    const top = stack.at(-1);
    if (!top) return "";
    return top.kind === "object" ? `${top.pointer}/${pointerSegment(top.key ?? "")}` : `${top.pointer}/${top.index}`;
  };
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (c === "\"") {
      const end = stringEnd(text, i);
      const top = stack.at(-1);
      // A string right after "{" or "," inside an object is a key (values follow a ":").
      if (top?.kind === "object" && top.key === undefined) {
        const key = JSON.parse(text.slice(i, end)) as string;
        const path = `${top.pointer}/${pointerSegment(key)}`;
        if (top.keys.has(key)) errors.push({ path, message: `is given twice in the same object; JSON keeps only the last, silently: remove one` });
        top.keys.add(key);
        top.key = key;
      }
      i = end - 1;
    } else if (c === "{" || c === "[") {
      const pointer = here();
      if (stack.length >= MAX_JSON_DEPTH) {
        return [{ path: pointer, message: `is nested deeper than ${MAX_JSON_DEPTH} levels; an agent config needs fewer than 10: check that this is the right file` }];
      }
      stack.push(c === "{" ? { kind: "object", pointer, keys: new Set() } : { kind: "array", pointer, index: 0 });
    } else if (c === "}" || c === "]") {
      stack.pop();
    } else if (c === ",") {
      const top = stack.at(-1);
      if (top?.kind === "object") delete top.key;
      else if (top) top.index += 1;
    }
  }
  return errors;
}

/** The offset just past the closing quote of the string that opens at `start`. */
function stringEnd(text: string, start: number): number {
  for (let i = start + 1; i < text.length; i++) {
    if (text[i] === "\\") i++;
    else if (text[i] === "\"") return i + 1;
  }
  return text.length;
}
