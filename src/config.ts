/** Runtime configuration, read once from the environment (SPEC §8). */
export interface Config {
  port: number;
  host: string;
  logLevel: string;
  bodyLimitBytes: number;
  runnerImage: string;
  runnerServiceAccount: string;
  authToken?: string | undefined;
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
    runnerImage: text('RUNNER_IMAGE', 'ghcr.io/drplan-hooks/drplan-hooks:0.1.0'),
    runnerServiceAccount: text('RUNNER_SERVICE_ACCOUNT', 'drplan-runner'),
    authToken: env['HOOK_AUTH_TOKEN'] || undefined,
  };
}
