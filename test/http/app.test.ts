import { afterAll, describe, expect, it } from 'vitest';
import { buildApp } from '../../src/http/app.js';
import { execution, plan, readyWorkflow, T0 } from '../fixtures/objects.js';

const app = buildApp({ clock: () => new Date(T0), bodyLimitBytes: 64 * 1024 });
afterAll(() => app.close());

const post = (url: string, payload: unknown, headers: Record<string, string> = {}) =>
  app.inject({
    method: 'POST',
    url,
    payload: typeof payload === 'string' ? payload : JSON.stringify(payload),
    headers: { 'content-type': 'application/json', ...headers },
  });

const planRequest = {
  parent: plan('plan'),
  children: { 'Job.batch/v1': {} },
  related: { 'DRWorkflow.dr.bkbcs.tencent.com/v1alpha1': { 'default/wf': readyWorkflow('wf') } },
};

describe('hook HTTP contract', () => {
  it.each([
    ['bad JSON', '/drplan/sync', '{"parent":', {}, /^not a Metacontroller hook request: /],
    ['missing parent', '/drplan/sync', { children: {} }, {}, /^not a Metacontroller hook request: \/parent: Expected required property$/],
    ['decorator without object', '/drplanexecution/sync', { parent: plan('plan') }, {}, /object/],
    ['parent without metadata.name', '/drplan/customize', { parent: { metadata: {} } }, {}, /name/],
    [
      'wrong content type',
      '/drplan/sync',
      JSON.stringify(planRequest),
      { 'content-type': 'text/plain' },
      /^not a Metacontroller hook request: /,
    ],
    [
      'empty body',
      '/drplan/sync',
      '',
      {},
      /^not a Metacontroller hook request: Body cannot be empty when content-type is set to 'application\/json'$/,
    ],
    ['a JSON array', '/drplan/sync', '[]', {}, /^not a Metacontroller hook request: \/: Expected object$/],
  ])('%s gets 400 with one line of reason', async (_name, url, payload, headers, reason) => {
    const response = await post(url, payload, headers);
    expect(response.statusCode).toBe(400);
    expect(response.body).toMatch(reason);
    expect(response.body).not.toContain('\n');
  });

  it('reads a body that starts with a byte order mark, as fastify did', async () => {
    const response = await post('/drplan/sync', `\uFEFF${JSON.stringify(planRequest)}`);
    expect(response.statusCode).toBe(200);
  });

  it('refuses a POST without a body: no object, no hook request', async () => {
    const response = await app.inject({ method: 'POST', url: '/drplan/sync' });
    expect([response.statusCode, response.body]).toEqual([400, 'not a Metacontroller hook request: /: Expected object']);
  });

  it('answers an oversize request with 413', async () => {
    const response = await post('/drplan/sync', { ...planRequest, padding: 'x'.repeat(70 * 1024) });
    expect(response.statusCode).toBe(413);
    expect(response.body).toBe('request body larger than 65536 bytes (BODY_LIMIT_BYTES)');
  });

  it('returns 404 with the path for an unknown hook', async () => {
    const response = await post('/drplan/other', planRequest);
    expect([response.statusCode, response.body]).toEqual([404, 'no hook at POST /drplan/other']);
  });

  it('a composite answer carries only status, children and optional resync/finalized', async () => {
    const response = await post('/drplan/sync', planRequest);
    expect(response.statusCode).toBe(200);
    expect(response.headers['content-type']).toMatch(/^application\/json/);
    const keys = Object.keys(JSON.parse(response.body) as object);
    expect(keys.every((key) => ['status', 'children', 'resyncAfterSeconds', 'finalized'].includes(key))).toBe(true);
    expect(keys).toContain('status');
    expect(keys).toContain('children');
  });

  it('a decorator answer carries only decorator keys', async () => {
    const response = await post('/drplanexecution/sync', { object: execution('e1'), related: {} });
    expect(response.statusCode).toBe(200);
    const keys = Object.keys(JSON.parse(response.body) as object);
    expect(keys.every((key) => ['labels', 'annotations', 'status', 'attachments', 'resyncAfterSeconds', 'finalized'].includes(key))).toBe(
      true,
    );
  });

  it('a wrong user object is a 200 with a status that names the problem', async () => {
    const broken = { ...plan('plan'), spec: { stages: 'not a list' } };
    const response = await post('/drplan/sync', { ...planRequest, parent: broken });
    expect(response.statusCode).toBe(200);
    const body = JSON.parse(response.body) as { status: { phase: string; conditions: { type: string; message: string }[] } };
    expect(body.status.phase).toBe('Invalid');
    expect(body.status.conditions.find((condition) => condition.type === 'Ready')?.message).toContain('/stages');
  });

  it('serves liveness and readiness, and readiness fails once shutting down', async () => {
    const local = buildApp();
    expect((await local.inject({ url: '/healthz' })).statusCode).toBe(200);
    expect((await local.inject({ url: '/readyz' })).statusCode).toBe(200);
    local.readiness.ready = false;
    expect((await local.inject({ url: '/readyz' })).statusCode).toBe(503);
    await local.close();
  });
});

describe('bearer token', () => {
  const secured = buildApp({ auth: { current: 's3cret', previous: 'old-token' } });
  afterAll(() => secured.close());
  it.each([
    ['no header', undefined, 401],
    ['wrong token', 'Bearer nope', 401],
    ['a prefix of the token', 'Bearer s3cre', 401],
    ['both tokens', 'Bearer s3cret old-token', 401],
    ['basic scheme', 'Basic s3cret', 401],
    ['no token', 'Bearer ', 401],
    ['current token', 'Bearer s3cret', 200],
    ['scheme in lower case', 'bearer s3cret', 200],
    ['previous token, during a rotation', 'Bearer old-token', 200],
  ])('%s → %s', async (_name, authorization, status) => {
    const response = await secured.inject({
      method: 'POST',
      url: '/drplan/customize',
      payload: { parent: plan('plan') },
      headers: authorization === undefined ? {} : { authorization },
    });
    expect(response.statusCode).toBe(status);
  });
  it('probes need no token', async () => {
    expect((await secured.inject({ url: '/healthz' })).statusCode).toBe(200);
  });
});

describe('X-Drplan-Now', () => {
  const orphan = JSON.stringify({ object: execution('e1'), related: {} });
  const later = '2026-01-01T01:00:00Z';
  const send = (target: ReturnType<typeof buildApp>, headers: Record<string, string> = {}) =>
    target.inject({
      method: 'POST',
      url: '/drplanexecution/sync',
      payload: orphan,
      headers: { 'content-type': 'application/json', ...headers },
    });

  it('is refused with one line unless the server allows it', async () => {
    const response = await send(app, { 'x-drplan-now': later });
    expect([response.statusCode, response.body]).toEqual([
      400,
      'not a Metacontroller hook request: X-Drplan-Now is refused: the server sets the clock itself unless started with HOOK_FIXED_CLOCK_ENABLED=true',
    ]);
  });

  describe('where allowed', () => {
    const fixed = buildApp({ clock: () => new Date(T0), fixedClockEnabled: true });
    const atLater = buildApp({ clock: () => new Date(later) });
    afterAll(async () => {
      await fixed.close();
      await atLater.close();
    });

    it("sets the hooks' now", async () => {
      const asked = await send(fixed, { 'x-drplan-now': later });
      expect(asked.statusCode).toBe(200);
      expect(asked.body).toBe((await send(atLater)).body);
      // An hour after its creation the plan is long overdue: the answer is not the one at T0.
      expect(asked.body).not.toBe((await send(fixed)).body);
      expect(asked.json()).toMatchObject({ status: { phase: 'Failed' } });
    });

    it.each(['yesterday', '2026-02-30T00:00:00Z', '2026-01-01 00:01:00Z', '2026-01-01T24:00:00Z', '1767225660'])(
      'refuses %j with one line',
      async (value) => {
        const response = await send(fixed, { 'x-drplan-now': value });
        expect([response.statusCode, response.body]).toEqual([
          400,
          `not a Metacontroller hook request: X-Drplan-Now must be an RFC 3339 time such as 2026-01-01T00:01:00Z, got "${value}"`,
        ]);
      },
    );

    it('takes offsets and fractions as RFC 3339 has them', async () => {
      expect((await send(fixed, { 'x-drplan-now': '2026-01-01T02:00:00.000+01:00' })).body).toBe((await send(atLater)).body);
    });
  });
});
