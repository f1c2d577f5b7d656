import { connect, type Socket } from 'node:net';
import request from 'supertest';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
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

  it('keeps an idle connection open longer than Metacontroller reuses one (90 s), and says so', async () => {
    // superagent asks for `Connection: close` unless told otherwise; Metacontroller's client keeps connections.
    const response = await request(server.url).get('/healthz').set('connection', 'keep-alive');
    expect([response.status, response.headers['connection'], response.headers['keep-alive']]).toEqual([200, 'keep-alive', 'timeout=95']);
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
    await expect
      .poll(() => server.lines().some((line) => line['msg'] === 'hook request larger than BODY_LIMIT_BYTES; raise it'))
      .toBe(true);
  });

  it('logs JSON lines with ISO times, one per hook call', async () => {
    await request(server.url)
      .post('/drplan/customize')
      .set('content-type', 'application/json')
      .set('x-request-id', 'trace-me')
      .send(customize);
    await expect.poll(() => server.lines().some((line) => line['reqId'] === 'trace-me')).toBe(true);
    const lines = await server.linesWhen((line) => line['reqId'] === 'trace-me');
    expect(lines.every((line) => typeof line['time'] === 'string' && ISO_TIME.test(line['time']))).toBe(true);
    expect(lines.filter((line) => line['reqId'] === 'trace-me')).toEqual([
      expect.objectContaining({ msg: 'hook', hook: 'drplan.customize', object: 'default/plan', level: 30 }),
    ]);
  });
});

/** A raw HTTP/1.1 connection: what it received, and when the server closed it. */
class Raw {
  readonly socket: Socket;
  received = '';
  readonly closed: Promise<number>;
  constructor(url: string) {
    const { hostname, port } = new URL(url);
    this.socket = connect(Number(port), hostname);
    this.socket.on('data', (chunk: Buffer) => (this.received += chunk.toString()));
    this.closed = new Promise((resolve) => this.socket.on('close', () => resolve(performance.now())));
  }
  async until(predicate: (received: string) => boolean, timeoutMs = 5000): Promise<void> {
    const deadline = performance.now() + timeoutMs;
    while (!predicate(this.received)) {
      if (performance.now() > deadline) throw new Error(`nothing matching after ${timeoutMs} ms; received: ${this.received}`);
      await sleep(20);
    }
  }
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const GET_HEALTHZ = 'GET /healthz HTTP/1.1\r\nHost: hooks\r\n\r\n';
const responses = (text: string) => text.split('HTTP/1.1 ').length - 1;

describe('timeouts', () => {
  let server: ServerProcess;
  const connections: Raw[] = [];
  beforeAll(async () => {
    server = await startServer({ REQUEST_TIMEOUT_MS: '1000', KEEP_ALIVE_TIMEOUT_MS: '4000' });
  });
  afterEach(() => {
    for (const connection of connections.splice(0)) connection.socket.destroy();
  });
  afterAll(async () => {
    await server.stop();
  });
  const open = () => {
    const connection = new Raw(server.url);
    connections.push(connection);
    return connection;
  };

  it('cuts off a client that sends half a body, even one trickling bytes, with 408', async () => {
    const slow = open();
    const started = performance.now();
    slow.socket.write(
      'POST /drplan/sync HTTP/1.1\r\nHost: hooks\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n{"parent":',
    );
    const trickle = setInterval(() => slow.socket.write(' '), 100);
    const closedAt = await slow.closed.finally(() => clearInterval(trickle));
    expect(slow.received).toMatch(/^HTTP\/1\.1 408 /);
    // REQUEST_TIMEOUT_MS, plus at most the 1 s between two of Node's checks.
    expect(closedAt - started).toBeGreaterThanOrEqual(900);
    expect(closedAt - started).toBeLessThan(5000);
  });

  it('keeps an idle keep-alive connection past the request timeout, and closes it at KEEP_ALIVE_TIMEOUT_MS', async () => {
    const connection = open();
    connection.socket.write(GET_HEALTHZ);
    await connection.until((text) => responses(text) === 1 && text.endsWith('}'));
    expect(connection.received).toMatch(/\r\nkeep-alive: timeout=4\r\n/i);
    await sleep(2500);
    connection.socket.write(GET_HEALTHZ);
    await connection.until((text) => responses(text) === 2 && text.endsWith('}'));
    const answeredAt = performance.now();
    const closedAt = await connection.closed;
    expect(closedAt - answeredAt).toBeGreaterThan(3000);
    expect(closedAt - answeredAt).toBeLessThan(7000);
  });
});

describe('bearer tokens from the environment', () => {
  let server: ServerProcess;
  beforeAll(async () => {
    // As a Secret written with `echo` holds them: with a trailing newline.
    server = await startServer({ HOOK_AUTH_TOKEN: 'new-token\n', HOOK_AUTH_TOKEN_PREVIOUS: 'old-token\n' });
  });
  afterAll(async () => {
    await server.stop();
  });
  const post = (authorization?: string) => {
    const call = request(server.url).post('/drplan/customize').set('content-type', 'application/json');
    return (authorization === undefined ? call : call.set('authorization', authorization)).send(customize);
  };

  it('accepts the current token and the previous one, trimmed, and nothing else', async () => {
    expect((await post('Bearer new-token')).status).toBe(200);
    expect((await post('Bearer old-token')).status).toBe(200);
    const refused = await post('Bearer other');
    expect([refused.status, refused.text]).toEqual([401, 'missing or invalid bearer token']);
    expect((await post()).status).toBe(401);
    expect((await request(server.url).get('/readyz')).status).toBe(200);
  });

  it('logs each call that still uses the previous token, and never a token', async () => {
    await post('Bearer old-token');
    await expect
      .poll(() => server.lines().some((line) => line['msg'] === 'hook request authenticated with HOOK_AUTH_TOKEN_PREVIOUS'))
      .toBe(true);
    expect(server.output()).not.toMatch(/new-token|old-token/);
  });
});

describe('heap guard', () => {
  it('answers hook calls 429 with Retry-After while the heap is over OVERLOAD_MAX_HEAP_USED_BYTES; probes still pass', async () => {
    // Any live process holds more than 1 MiB of heap: the guard trips at its first sample.
    const server = await startServer({ OVERLOAD_MAX_HEAP_USED_BYTES: '1048576', OVERLOAD_RETRY_AFTER_SECONDS: '3' });
    try {
      let shed: request.Response | undefined;
      for (let tries = 0; tries < 50 && shed?.status !== 429; tries++) {
        shed = await request(server.url).post('/drplan/customize').set('content-type', 'application/json').send(customize);
        if (shed.status !== 429) await sleep(100);
      }
      expect([shed?.status, shed?.headers['retry-after'], shed?.text]).toEqual([429, '3', 'overloaded (heapUsedBytes); retry after 3s']);
      expect((await request(server.url).get('/healthz')).status).toBe(200);
      expect((await request(server.url).get('/readyz')).status).toBe(200);
      await expect
        .poll(() => server.lines().some((line) => line['msg'] === 'overloaded: hook request shed' && line['pressure'] === 'heapUsedBytes'))
        .toBe(true);
    } finally {
      await server.stop();
    }
  });
});
