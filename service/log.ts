/** Structured logs: JSON lines (pino), one logger shared by the HTTP server and the workers. */
import pino from "pino";

export type Logger = pino.Logger;

export function createLogger(options: { readonly level?: string; readonly name?: string } = {}): Logger {
  return pino({
    level: options.level ?? process.env.LOG_LEVEL ?? "info",
    ...(options.name ? { name: options.name } : {}),
  });
}
