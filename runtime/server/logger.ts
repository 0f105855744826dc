import { destination as pinoDestination, pino, stdTimeFunctions, type DestinationStream, type Logger } from "pino";
import { redactUrlUserinfo } from "../config/redact.js";

export type { Logger };

/**
 * Structured logs: one JSON line per event on stdout (journald keeps them; `journalctl -o cat`
 * gives back the JSON). Every line has `event` for machine filtering and `msg` for people.
 * Nothing secret is ever passed to the logger; the redact list is a second line of defence
 * should a header or credential object ever be logged by mistake.
 */
export function createLogger(base: Record<string, unknown>, destination?: DestinationStream, level: string = process.env.HA_PAIR_LOG_LEVEL ?? "info"): Logger {
  const options = {
    level,
    base: { pid: process.pid, ...base },
    timestamp: stdTimeFunctions.isoTime,
    formatters: { level: (label: string) => ({ level: label }) },
    redact: {
      paths: ["token", "*.token", "authorization", "*.authorization", "headers.authorization", "*.headers.authorization", "credentials", "*.credentials", "secretAccessKey", "*.secretAccessKey", "sessionToken", "*.sessionToken"],
      censor: "[redacted]",
    },
    // Endpoint URLs may carry a user:password (a proxy's): whatever field or message holds one.
    hooks: { streamWrite: redactUrlUserinfo },
  };
  // Synchronous writes: a line is out before the next event, and nothing is lost on exit.
  return destination ? pino(options, destination) : pino(options, pinoDestination({ dest: 1, sync: true }));
}
