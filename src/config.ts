import { Type, type Static, type TSchema } from '@sinclair/typebox';
import type { ErrorObject } from 'ajv';
import envSchema from 'env-schema';
import type { BearerTokens } from './http/auth.js';
import type { HookWorkerOptions } from './http/hook-dispatcher.js';
import { DEFAULT_RUNNER } from './engine/runner.js';

export const DEFAULT_BODY_LIMIT_BYTES = 16 * 1024 * 1024;
const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'];

const integer = (fallback: number, minimum: number, maximum: number) => Type.Integer({ default: fallback, minimum, maximum });

/**
 * The environment the server reads, with its defaults and bounds: README's configuration
 * table in schema form. An empty variable counts as unset.
 */
const Environment = Type.Object({
  PORT: integer(8080, 0, 65535),
  HOST: Type.String({ default: '0.0.0.0' }),
  LOG_LEVEL: Type.String({ default: 'info', enum: LOG_LEVELS }),
  BODY_LIMIT_BYTES: integer(DEFAULT_BODY_LIMIT_BYTES, 1024, 1024 * 1024 * 1024),
  RUNNER_IMAGE: Type.String({ default: DEFAULT_RUNNER.image }),
  RUNNER_SERVICE_ACCOUNT: Type.String({ default: DEFAULT_RUNNER.serviceAccountName }),
  HOOK_AUTH_TOKEN: Type.Optional(Type.String()),
  HOOK_AUTH_TOKEN_PREVIOUS: Type.Optional(Type.String()),
  HOOK_FIXED_CLOCK_ENABLED: Type.Boolean({ default: false }),
  KEEP_ALIVE_TIMEOUT_MS: integer(95_000, 1000, 3_600_000),
  REQUEST_TIMEOUT_MS: integer(15_000, 1000, 600_000),
  OVERLOAD_MAX_EVENT_LOOP_DELAY_MS: integer(1000, 0, 60_000),
  OVERLOAD_MAX_HEAP_USED_BYTES: integer(0, 0, Number.MAX_SAFE_INTEGER),
  OVERLOAD_RETRY_AFTER_SECONDS: integer(2, 1, 3600),
  SHUTDOWN_GRACE_MS: integer(20_000, 0, 600_000),
  HOOK_WORKERS: integer(2, 0, 64),
  HOOK_QUEUE_LIMIT: integer(8, 0, 10_000),
  HOOK_INLINE_MAX_BYTES: integer(65_536, 0, 1024 * 1024 * 1024),
});
type Environment = Static<typeof Environment>;

/** Runtime configuration, read once from the environment. */
export interface Config {
  port: number;
  host: string;
  logLevel: string;
  bodyLimitBytes: number;
  runnerImage: string;
  runnerServiceAccount: string;
  auth?: BearerTokens | undefined;
  /** Whether a request may set the hooks' `now` (`X-Drplan-Now`), for local testing. */
  fixedClockEnabled: boolean;
  /** How long an idle keep-alive connection stays open. */
  keepAliveTimeoutMs: number;
  /** How long a client may take to send a whole request. */
  requestTimeoutMs: number;
  overload: { maxEventLoopDelayMs: number; maxHeapUsedBytes: number; retryAfterSeconds: number };
  /** How long SIGTERM waits for in-flight requests before exiting anyway. */
  shutdownGraceMs: number;
  /** Worker threads that run hook calls off the event loop, and the queue in front of them. */
  workers: HookWorkerOptions;
}

export function loadConfig(env: Readonly<Record<string, string | undefined>>): Config {
  const e = parseEnvironment(env);
  return {
    port: e.PORT,
    host: e.HOST,
    logLevel: e.LOG_LEVEL,
    bodyLimitBytes: e.BODY_LIMIT_BYTES,
    runnerImage: e.RUNNER_IMAGE,
    runnerServiceAccount: e.RUNNER_SERVICE_ACCOUNT,
    auth: bearerTokens(e.HOOK_AUTH_TOKEN, e.HOOK_AUTH_TOKEN_PREVIOUS),
    fixedClockEnabled: e.HOOK_FIXED_CLOCK_ENABLED,
    keepAliveTimeoutMs: e.KEEP_ALIVE_TIMEOUT_MS,
    requestTimeoutMs: e.REQUEST_TIMEOUT_MS,
    overload: {
      maxEventLoopDelayMs: e.OVERLOAD_MAX_EVENT_LOOP_DELAY_MS,
      maxHeapUsedBytes: e.OVERLOAD_MAX_HEAP_USED_BYTES,
      retryAfterSeconds: e.OVERLOAD_RETRY_AFTER_SECONDS,
    },
    shutdownGraceMs: e.SHUTDOWN_GRACE_MS,
    workers: { count: e.HOOK_WORKERS, queueLimit: e.HOOK_QUEUE_LIMIT, inlineMaxBytes: e.HOOK_INLINE_MAX_BYTES },
  };
}

/**
 * Trimmed as Metacontroller trims the Secret value it sends, so a token written with a trailing
 * newline (`echo … | kubectl create secret …`) still matches. A token that trims to nothing
 * would turn authentication off unnoticed: refused instead.
 */
function bearerTokens(current: string | undefined, previous: string | undefined): BearerTokens | undefined {
  const trimmed = (name: string, value: string | undefined) => {
    if (value === undefined) return undefined;
    if (value.trim() === '') throw new Error(`${name} is only whitespace: give it the token, or leave it unset`);
    return value.trim();
  };
  const tokens = { current: trimmed('HOOK_AUTH_TOKEN', current), previous: trimmed('HOOK_AUTH_TOKEN_PREVIOUS', previous) };
  if (tokens.current === undefined) {
    if (tokens.previous !== undefined)
      throw new Error('HOOK_AUTH_TOKEN_PREVIOUS is set but HOOK_AUTH_TOKEN is not: set the current token too');
    return undefined;
  }
  return { current: tokens.current, previous: tokens.previous };
}

function parseEnvironment(env: Readonly<Record<string, string | undefined>>): Environment {
  const data = Object.fromEntries(Object.keys(Environment.properties).flatMap((name) => (env[name] ? [[name, env[name]]] : [])));
  try {
    return envSchema<Environment>({ schema: Environment, data, env: false });
  } catch (error) {
    const problems = (error as { errors?: ErrorObject[] }).errors;
    if (problems === undefined) throw error;
    throw new Error(explain(problems, env));
  }
}

/** One sentence per wrong variable, built from its schema: what it must be, and what it was. */
function explain(problems: readonly ErrorObject[], env: Readonly<Record<string, string | undefined>>): string {
  const first = new Map<string, ErrorObject>();
  for (const problem of problems) if (!first.has(problem.instancePath)) first.set(problem.instancePath, problem);
  return [...first.values()]
    .map((problem) => {
      const name = problem.instancePath.slice(1);
      const schema: TSchema | undefined = (Environment.properties as Record<string, TSchema>)[name];
      return schema === undefined
        ? `environment ${problem.message ?? 'is invalid'}`
        : `${name} must be ${expected(schema)}, got "${env[name] ?? ''}"`;
    })
    .join('; ');
}

function expected(schema: TSchema): string {
  if (Array.isArray(schema['enum'])) return `one of ${schema['enum'].join(', ')}`;
  if (schema.type === 'integer') return `an integer from ${String(schema['minimum'])} to ${String(schema['maximum'])}`;
  if (schema.type === 'boolean') return 'true or false';
  return `a ${String(schema.type)}`;
}
