import { afterAll, describe, expect, it } from 'vitest';
import { buildApp } from '../../src/http/app.js';
import { execution, plan, readyWorkflow, T0 } from '../fixtures/objects.js';

const app = buildApp({ clock: () => new Date(T0), bodyLimitBytes: 64 * 1024 });
afterAll(() => app.close());

const post = (url: string, payload: unknown, headers: Record<string, string> = {}) =>
  app.inject({ method: 'POST', url, payload: typeof payload === 'string' ? payload : JSON.stringify(payload), headers: { 'content-type': 'application/json', ...headers } });

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
    ['wrong content type', '/drplan/sync', JSON.stringify(planRequest), { 'content-type': 'text/plain' }, /^not a Metacontroller hook request: /],
  ])('%s gets 400 with one line of reason', async (_name, url, payload, headers, reason) => {
    const response = await post(url, payload, headers);
    expect(response.statusCode).toBe(400);
    expect(response.body).toMatch(reason);
    expect(response.body).not.toContain('\n');
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
    expect(keys.every((key) => ['labels', 'annotations', 'status', 'attachments', 'resyncAfterSeconds', 'finalized'].includes(key))).toBe(true);
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
