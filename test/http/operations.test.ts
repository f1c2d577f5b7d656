import { afterAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.js';
import { buildApp } from '../../src/http/app.js';
import { plan, T0 } from '../fixtures/objects.js';

const customize = { parent: plan('plan') };
const postTo = (app: ReturnType<typeof buildApp>, headers: Record<string, string> = {}) =>
  app.inject({ method: 'POST', url: '/drplan/customize', payload: customize, headers });

describe('metrics', () => {
  const app = buildApp({ clock: () => new Date(T0) });
  afterAll(() => app.close());

  it('counts hook requests by hook and code, with latency and size histograms, and process metrics', async () => {
    await postTo(app);
    await app.inject({ method: 'POST', url: '/drplan/sync', payload: '{}', headers: { 'content-type': 'application/json' } });
    const text = (await app.inject({ url: '/metrics' })).body;
    expect(text).toContain('drplan_hook_requests_total{hook="drplan.customize",code="200"} 1');
    expect(text).toContain('drplan_hook_requests_total{hook="drplan.sync",code="400"} 1');
    expect(text).toMatch(/drplan_hook_duration_seconds_count\{hook="drplan.customize"\} 1/);
    expect(text).toMatch(/drplan_hook_request_size_bytes_sum\{hook="drplan.customize"\} [1-9]\d*/);
    expect(text).toMatch(/drplan_hook_response_size_bytes_sum\{hook="drplan.customize"\} [1-9]\d*/);
    expect(text).toContain('process_cpu_user_seconds_total');
    // Object names never become labels.
    expect(text).not.toContain('name="plan"');
  });
});

describe('request ids and ETags', () => {
  const app = buildApp({ clock: () => new Date(T0) });
  afterAll(() => app.close());

  it('echoes the caller request id, or makes one', async () => {
    expect((await postTo(app, { 'x-request-id': 'abc-123' })).headers['x-request-id']).toBe('abc-123');
    expect((await postTo(app)).headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('answers 304 without a body when If-None-Match names the same answer', async () => {
    const first = await postTo(app);
    const etag = String(first.headers['etag']);
    expect(etag).toMatch(/^"[A-Za-z0-9_-]{43}"$/);
    const again = await postTo(app, { 'if-none-match': etag });
    expect([again.statusCode, again.body, again.headers['etag']]).toEqual([304, '', etag]);
    const other = await postTo(app, { 'if-none-match': '"something-else"' });
    expect([other.statusCode, other.body]).toEqual([200, first.body]);
  });
});

describe('overload shedding', () => {
  it('sheds hook requests with 429 and Retry-After, never probes or metrics', async () => {
    const app = buildApp({ overload: { maxEventLoopDelayMs: 0, maxHeapUsedBytes: 1, sampleIntervalMs: 5, retryAfterSeconds: 7 } });
    await app.ready();
    await new Promise((resolve) => setTimeout(resolve, 50));
    const shed = await postTo(app);
    expect([shed.statusCode, shed.headers['retry-after']]).toEqual([429, '7']);
    expect(shed.body).toBe('overloaded (heapUsedBytes); retry after 7s');
    expect((await app.inject({ url: '/healthz' })).statusCode).toBe(200);
    expect((await app.inject({ url: '/readyz' })).statusCode).toBe(200);
    expect((await app.inject({ url: '/metrics' })).statusCode).toBe(200);
    await app.close();
  });
});

describe('configuration', () => {
  it('has the documented defaults', () => {
    expect(loadConfig({})).toEqual({
      port: 8080,
      host: '0.0.0.0',
      logLevel: 'info',
      bodyLimitBytes: 16 * 1024 * 1024,
      runnerImage: 'ghcr.io/drplan-hooks/drplan-hooks:0.1.0',
      runnerServiceAccount: 'drplan-runner',
      auth: undefined,
      fixedClockEnabled: false,
      keepAliveTimeoutMs: 95_000,
      requestTimeoutMs: 15_000,
      overload: { maxEventLoopDelayMs: 1000, maxHeapUsedBytes: 0, retryAfterSeconds: 2 },
      shutdownGraceMs: 20_000,
      workers: { count: 2, queueLimit: 8, inlineMaxBytes: 65_536 },
    });
  });
  it('trims the tokens, as Metacontroller trims the Secret value it sends', () => {
    expect(loadConfig({ HOOK_AUTH_TOKEN: 'new-token\n', HOOK_AUTH_TOKEN_PREVIOUS: '  old-token \r\n' }).auth).toEqual({
      current: 'new-token',
      previous: 'old-token',
    });
    expect(loadConfig({ HOOK_AUTH_TOKEN: 'new-token', HOOK_AUTH_TOKEN_PREVIOUS: '' }).auth).toEqual({
      current: 'new-token',
      previous: undefined,
    });
  });
  it.each([
    [{ HOOK_AUTH_TOKEN: ' \n' }, 'HOOK_AUTH_TOKEN is only whitespace: give it the token, or leave it unset'],
    [{ HOOK_AUTH_TOKEN: 'tok', HOOK_AUTH_TOKEN_PREVIOUS: '\n' }, 'HOOK_AUTH_TOKEN_PREVIOUS is only whitespace'],
    [{ HOOK_AUTH_TOKEN_PREVIOUS: 'old' }, 'HOOK_AUTH_TOKEN_PREVIOUS is set but HOOK_AUTH_TOKEN is not: set the current token too'],
  ])('refuses tokens that would leave auth off unnoticed: %j', (env, message) => {
    expect(() => loadConfig(env)).toThrow(message);
  });
  it('reads numbers and booleans, and takes an empty variable as unset', () => {
    expect(
      loadConfig({
        HOOK_FIXED_CLOCK_ENABLED: 'true',
        PORT: '9090',
        BODY_LIMIT_BYTES: '',
        LOG_LEVEL: '',
        OVERLOAD_MAX_HEAP_USED_BYTES: '268435456',
      }),
    ).toMatchObject({
      port: 9090,
      fixedClockEnabled: true,
      bodyLimitBytes: 16 * 1024 * 1024,
      logLevel: 'info',
      overload: { maxHeapUsedBytes: 268435456 },
    });
  });
  it.each([
    [{ PORT: 'http' }, 'PORT must be an integer from 0 to 65535, got "http"'],
    [{ PORT: '8080.5' }, 'PORT must be an integer from 0 to 65535, got "8080.5"'],
    [{ HOOK_FIXED_CLOCK_ENABLED: 'yes' }, 'HOOK_FIXED_CLOCK_ENABLED must be true or false, got "yes"'],
    [
      { PORT: '99999', OVERLOAD_RETRY_AFTER_SECONDS: '0' },
      'PORT must be an integer from 0 to 65535, got "99999"; OVERLOAD_RETRY_AFTER_SECONDS must be an integer from 1 to 3600, got "0"',
    ],
    [{ HOOK_WORKERS: '-1' }, 'HOOK_WORKERS must be an integer from 0 to 64, got "-1"'],
    [{ HOOK_QUEUE_LIMIT: 'many' }, 'HOOK_QUEUE_LIMIT must be an integer from 0 to 10000, got "many"'],
    [{ BODY_LIMIT_BYTES: '-1' }, 'BODY_LIMIT_BYTES must be an integer from 1024 to 1073741824, got "-1"'],
    [{ LOG_LEVEL: 'loud' }, 'LOG_LEVEL must be one of fatal, error, warn, info, debug, trace, silent, got "loud"'],
  ])('rejects %j with a clear message', (env, message) => {
    expect(() => loadConfig(env)).toThrow(message);
  });
});
