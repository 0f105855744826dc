import { redactUrlUserinfo } from "../config/redact.js";

/** Where a command writes: one JSON document on stdout with --json, text otherwise; diagnostics on stderr. */
export interface Output {
  json: boolean;
  /** Human text (suppressed with --json). */
  line(text?: string): void;
  /** The one JSON document of a --json run. */
  document(value: unknown): void;
  /** Diagnostics and errors: always stderr. */
  warn(text: string): void;
}

/**
 * Every text the command prints passes through redactUrlUserinfo: endpoints are echoed in
 * errors, preflight and timelines, and an endpoint URL may carry a user:password.
 */
export function consoleOutput(json: boolean): Output {
  return {
    json,
    line: (text = "") => {
      if (!json) process.stdout.write(redactUrlUserinfo(`${text}\n`));
    },
    document: (value) => process.stdout.write(redactUrlUserinfo(`${JSON.stringify(value, null, 2)}\n`)),
    warn: (text) => process.stderr.write(redactUrlUserinfo(`${text}\n`)),
  };
}

const useColor = process.stdout.isTTY && !process.env.NO_COLOR;
const paint = (code: number) => (text: string) => (useColor ? `\u001b[${code}m${text}\u001b[0m` : text);
export const green = paint(32);
export const red = paint(31);
export const yellow = paint(33);
export const dim = paint(2);
export const bold = paint(1);

export function pad(text: string, width: number): string {
  return text.length >= width ? text : text + " ".repeat(width - text.length);
}

export function ms(value: number): string {
  return `${Math.round(value)} ms`;
}
