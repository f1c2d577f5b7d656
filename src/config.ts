import { DEFAULT_RUNNER } from './engine/runner.js';

/** Runtime configuration, read once from the environment (SPEC §8). */
export interface Config {
  port: number;
  host: string;
  logLevel: string;
  bodyLimitBytes: number;
  runnerImage: string;
  runnerServiceAccount: string;
  authToken?: string | undefined;
  overload: { maxEventLoopDelayMs: number; maxHeapUsedBytes: number; retryAfterSeconds: number };
  /** How long SIGTERM waits for in-flight requests before exiting anyway. */
  shutdownGraceMs: number;
}

export const DEFAULT_BODY_LIMIT_BYTES = 16 * 1024 * 1024;
const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'];

export function loadConfig(env: Readonly<Record<string, string | undefined>>): Config {
  const text = (name: string, fallback: string) => (env[name] === undefined || env[name] === '' ? fallback : env[name]);
  const integer = (name: string, fallback: number, min: number, max: number) => {
    const raw = env[name];
    if (raw === undefined || raw === '') return fallback;
    const value = Number(raw);
    if (!Number.isInteger(value) || value < min || value > max) {
      throw new Error(`${name} must be an integer from ${min} to ${max}, got "${raw}"`);
    }
    return value;
  };
  const logLevel = text('LOG_LEVEL', 'info');
  if (!LOG_LEVELS.includes(logLevel)) throw new Error(`LOG_LEVEL must be one of ${LOG_LEVELS.join(', ')}, got "${logLevel}"`);
  return {
    port: integer('PORT', 8080, 0, 65535),
    host: text('HOST', '0.0.0.0'),
    logLevel,
    bodyLimitBytes: integer('BODY_LIMIT_BYTES', DEFAULT_BODY_LIMIT_BYTES, 1024, 1024 * 1024 * 1024),
    runnerImage: text('RUNNER_IMAGE', DEFAULT_RUNNER.image),
    runnerServiceAccount: text('RUNNER_SERVICE_ACCOUNT', DEFAULT_RUNNER.serviceAccountName),
    authToken: env['HOOK_AUTH_TOKEN'] || undefined,
    overload: {
      maxEventLoopDelayMs: integer('OVERLOAD_MAX_EVENT_LOOP_DELAY_MS', 1000, 0, 60_000),
      maxHeapUsedBytes: integer('OVERLOAD_MAX_HEAP_USED_BYTES', 0, 0, Number.MAX_SAFE_INTEGER),
      retryAfterSeconds: integer('OVERLOAD_RETRY_AFTER_SECONDS', 2, 1, 3600),
    },
    shutdownGraceMs: integer('SHUTDOWN_GRACE_MS', 20_000, 0, 600_000),
  };
}
