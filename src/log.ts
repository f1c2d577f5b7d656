import { pino, type DestinationStream, type Logger } from 'pino';

/**
 * Wherever request headers end up in a log line (`{ headers }`, `{ req: { headers } }`, an
 * error carrying them), the bearer token Metacontroller sends does not.
 */
const REDACTED_PATHS = ['headers.authorization', '*.headers.authorization'];

export interface LogOptions {
  level: string;
  /** Defaults to stdout, where the container runtime collects it. */
  destination?: DestinationStream;
}

/**
 * The one logger of every drplan-hooks process (the hook server, `render`, the runner): JSON
 * lines with ISO-8601 times, so a line reads the same in any log store and next to the
 * Kubernetes events it explains.
 */
export function createLogger({ level, destination }: LogOptions): Logger {
  const options = {
    level,
    timestamp: pino.stdTimeFunctions.isoTime,
    redact: { paths: REDACTED_PATHS, censor: '[redacted]' },
  };
  return destination === undefined ? pino(options) : pino(options, destination);
}
