import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServer, type ServerProcess } from '../fixtures/process.js';
import { plan } from '../fixtures/objects.js';

/**
 * The server as a client meets it: `node dist/server.js` configured by its environment, a real
 * socket, and the status lines, headers and bodies that come back over it.
 */
const customize = JSON.stringify({ parent: plan('plan') });
const ISO_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;

describe('the listening server', () => {
  let server: ServerProcess;
  beforeAll(async () => {
    server = await startServer({ BODY_LIMIT_BYTES: '4096' });
  });
  afterAll(async () => {
    await server.stop();
  });

  it('answers a hook with canonical JSON, an ETag and a request id', async () => {
    const response = await request(server.url).post('/drplan/customize').set('content-type', 'application/json').send(customize);
    expect(response.status).toBe(200);
    expect(response.headers['content-type']).toBe('application/json; charset=utf-8');
    expect(response.headers['etag']).toMatch(/^"[A-Za-z0-9_-]{43}"$/);
    expect(response.headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
    expect(response.body).toEqual({ relatedResources: expect.any(Array) });
  });

  it('refuses a body over BODY_LIMIT_BYTES with 413 and one line, and logs it', async () => {
    const big = JSON.stringify({ parent: plan('plan', {}, { metadata: { name: 'plan', annotations: { pad: 'x'.repeat(5000) } } }) });
    const response = await request(server.url).post('/drplan/sync').set('content-type', 'application/json').send(big);
    expect([response.status, response.text]).toEqual([413, 'request body larger than 4096 bytes (BODY_LIMIT_BYTES)']);
    expect(server.lines().some((line) => line['msg'] === 'hook request larger than BODY_LIMIT_BYTES; raise it')).toBe(true);
  });

  it('logs JSON lines with ISO times, one per hook call', async () => {
    await request(server.url).post('/drplan/customize').set('content-type', 'application/json').set('x-request-id', 'trace-me').send(customize);
    const lines = server.lines();
    expect(lines.every((line) => typeof line['time'] === 'string' && ISO_TIME.test(line['time']))).toBe(true);
    expect(lines.filter((line) => line['reqId'] === 'trace-me')).toEqual([
      expect.objectContaining({ msg: 'hook', hook: 'drplan.customize', object: 'default/plan', level: 30 }),
    ]);
  });
});
