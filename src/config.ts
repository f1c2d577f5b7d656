import { Type, type Static, type TSchema } from '@sinclair/typebox';
import type { ErrorObject } from 'ajv';
import envSchema from 'env-schema';

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
  RUNNER_IMAGE: Type.String({ default: 'ghcr.io/drplan-hooks/drplan-hooks:0.1.0' }),
  RUNNER_SERVICE_ACCOUNT: Type.String({ default: 'drplan-runner' }),
  HOOK_AUTH_TOKEN: Type.Optional(Type.String()),
  OVERLOAD_MAX_EVENT_LOOP_DELAY_MS: integer(1000, 0, 60_000),
  OVERLOAD_MAX_HEAP_USED_BYTES: integer(0, 0, Number.MAX_SAFE_INTEGER),
  OVERLOAD_RETRY_AFTER_SECONDS: integer(2, 1, 3600),
  SHUTDOWN_GRACE_MS: integer(20_000, 0, 600_000),
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
  authToken?: string | undefined;
  overload: { maxEventLoopDelayMs: number; maxHeapUsedBytes: number; retryAfterSeconds: number };
  /** How long SIGTERM waits for in-flight requests before exiting anyway. */
  shutdownGraceMs: number;
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
    authToken: e.HOOK_AUTH_TOKEN,
    overload: {
      maxEventLoopDelayMs: e.OVERLOAD_MAX_EVENT_LOOP_DELAY_MS,
      maxHeapUsedBytes: e.OVERLOAD_MAX_HEAP_USED_BYTES,
      retryAfterSeconds: e.OVERLOAD_RETRY_AFTER_SECONDS,
    },
    shutdownGraceMs: e.SHUTDOWN_GRACE_MS,
  };
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
      return schema === undefined ? `environment ${problem.message ?? 'is invalid'}` : `${name} must be ${expected(schema)}, got "${env[name] ?? ''}"`;
    })
    .join('; ');
}

function expected(schema: TSchema): string {
  if (Array.isArray(schema['enum'])) return `one of ${schema['enum'].join(', ')}`;
  if (schema.type === 'integer') return `an integer from ${String(schema['minimum'])} to ${String(schema['maximum'])}`;
  if (schema.type === 'boolean') return 'true or false';
  return `a ${String(schema.type)}`;
}
