import { afterEach, describe, expect, it } from 'vitest';
import { runCli, runInProcess } from './run.js';
import { httpServer, selfSignedCertificate, type TestServer } from './servers.js';

const servers: TestServer[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((server) => server.close()));
});

async function serve(...args: Parameters<typeof httpServer>): Promise<TestServer> {
  const server = await httpServer(...args);
  servers.push(server);
  return server;
}

function httpAction(url: string, extra: Record<string, unknown> = {}, http: Record<string, unknown> = {}) {
  return { name: 'notify', type: 'HTTP', http: { url, ...http }, ...extra };
}

describe('run http', () => {
  it('sends the request as given and reports status and body on one line', async () => {
    const server = await serve((_request, _index, response) => response.writeHead(201).end('created'));
    const run = await runCli(
      'http',
      httpAction(
        `${server.url}/hooks/dns`,
        {},
        { method: 'POST', headers: { 'X-Team': 'sre', 'Content-Type': 'application/json' }, body: '{"zone":"a"}' },
      ),
    );
    expect(run.code).toBe(0);
    expect(run.raw.endsWith('\n')).toBe(true);
    expect(run.raw.trim().split('\n')).toHaveLength(1);
    expect(run.report).toEqual({ statusCode: 201, body: 'created' });
    expect(server.received).toHaveLength(1);
    expect(server.received[0]).toMatchObject({ method: 'POST', url: '/hooks/dns', body: '{"zone":"a"}' });
    expect(server.received[0]?.headers['x-team']).toBe('sre');
    expect(server.received[0]?.headers['content-type']).toBe('application/json');
  });

  it('accepts exactly the successCodes when they are given', async () => {
    const server = await serve((request, _index, response) => response.writeHead(request.url === '/gone' ? 404 : 200).end());
    const ok = await runInProcess('http', httpAction(`${server.url}/gone`, { retryPolicy: { limit: 0 } }, { successCodes: [404] }));
    expect(ok.code).toBe(0);
    expect(ok.report).toEqual({ statusCode: 404, body: '' });
    const refused = await runInProcess('http', httpAction(`${server.url}/here`, { retryPolicy: { limit: 0 } }, { successCodes: [404] }));
    expect(refused.code).toBe(1);
    expect(refused.report).toEqual({ message: `HTTP 200 from GET ${server.url}/here` });
  });

  it('retries failures with a growing delay and succeeds on a later attempt', async () => {
    const server = await serve((_request, index, response) => response.writeHead(index < 2 ? 503 : 200).end(index < 2 ? 'busy' : 'ok'));
    const run = await runInProcess(
      'http',
      httpAction(`${server.url}/flip`, { retryPolicy: { limit: 3, interval: '150ms', backoffMultiplier: '2' } }),
    );
    expect(run.code).toBe(0);
    expect(run.report).toEqual({ statusCode: 200, body: 'ok' });
    const times = server.received.map((request) => request.at);
    expect(times).toHaveLength(3);
    const [first = 0, second = 0, third = 0] = times;
    expect(second - first).toBeGreaterThanOrEqual(140);
    expect(second - first).toBeLessThan(290);
    expect(third - second).toBeGreaterThanOrEqual(290);
    expect(third - second).toBeLessThan(450);
  });

  it('makes limit + 1 attempts, then fails naming the last status and the URL without its query', async () => {
    const server = await serve((_request, _index, response) => response.writeHead(500).end('boom'));
    const run = await runInProcess(
      'http',
      httpAction(`${server.url}/api/switch?token=abc`, { retryPolicy: { limit: 2, interval: '10ms' } }, { method: 'PUT' }),
    );
    expect(run.code).toBe(1);
    expect(server.received).toHaveLength(3);
    expect(run.report).toEqual({ message: `HTTP 500 from PUT ${server.url}/api/switch (after 3 attempts)` });
  });

  it('limit 0 means a single attempt', async () => {
    const server = await serve((_request, _index, response) => response.writeHead(502).end());
    const run = await runInProcess('http', httpAction(`${server.url}/x`, { retryPolicy: { limit: 0, interval: '10ms' } }));
    expect(run.code).toBe(1);
    expect(server.received).toHaveLength(1);
    expect(run.report['message']).toBe(`HTTP 502 from GET ${server.url}/x`);
  });

  it('names the network error when nothing listens', async () => {
    const server = await serve((_request, _index, response) => response.end());
    const url = server.url;
    await server.close();
    servers.length = 0;
    const run = await runInProcess('http', httpAction(`${url}/down`, { retryPolicy: { limit: 0 } }));
    expect(run.code).toBe(1);
    expect(run.report['message']).toMatch(new RegExp(`^GET ${url}/down failed: .*ECONNREFUSED`));
  });

  it('bounds each request by the action timeout', async () => {
    const server = await serve(() => undefined);
    const run = await runInProcess(
      'http',
      httpAction(`${server.url}/hang`, { timeout: '2s', retryPolicy: { limit: 5, interval: '100ms' } }),
    );
    expect(run.code).toBe(1);
    expect(run.report['message']).toMatch(/no (complete )?answer within \d+ms/);
    expect(run.ms).toBeLessThan(2500);
    expect(server.received).toHaveLength(1);
  });

  it('does not start a retry that would end after the action timeout', async () => {
    const server = await serve((_request, _index, response) => response.writeHead(500).end());
    const run = await runInProcess('http', httpAction(`${server.url}/slow`, { timeout: '1s', retryPolicy: { limit: 3, interval: '2s' } }));
    expect(run.code).toBe(1);
    expect(server.received).toHaveLength(1);
    expect(run.report['message']).toContain("the next retry would pass the action's timeout");
    expect(run.ms).toBeLessThan(500);
  });

  it('verifies TLS certificates unless insecureSkipVerify is set', async () => {
    const server = await serve((_request, _index, response) => response.writeHead(200).end('secure'), await selfSignedCertificate());
    const strict = await runInProcess('http', httpAction(`${server.url}/tls`, { retryPolicy: { limit: 0 } }));
    expect(strict.code).toBe(1);
    expect(strict.report['message']).toMatch(/self[- ]signed certificate/);
    const relaxed = await runInProcess(
      'http',
      httpAction(`${server.url}/tls`, { retryPolicy: { limit: 0 } }, { insecureSkipVerify: true }),
    );
    expect(relaxed.code).toBe(0);
    expect(relaxed.report).toEqual({ statusCode: 200, body: 'secure' });
  });

  it('keeps the first 1000 characters of the body', async () => {
    const long = `${'a'.repeat(999)}é${'b'.repeat(5000)}`;
    const server = await serve((_request, _index, response) => response.writeHead(200).end(long));
    const run = await runInProcess('http', httpAction(`${server.url}/big`));
    expect(run.code).toBe(0);
    expect(run.report['body']).toBe(long.slice(0, 1000));
  });

  it('never writes headers, bodies or query strings to its log or its result', async () => {
    const server = await serve((_request, index, response) => response.writeHead(index === 0 ? 500 : 200).end('response-token-123'));
    const url = new URL(`${server.url}/never?api_key=query-secret`);
    url.username = 'user';
    url.password = 'pw-in-url';
    const run = await runCli(
      'http',
      httpAction(
        url.toString(),
        { retryPolicy: { limit: 1, interval: '10ms' } },
        { method: 'POST', headers: { Authorization: 'Bearer header-secret' }, body: 'body-secret' },
      ),
    );
    expect(run.code).toBe(0);
    expect(server.received[0]?.headers.authorization).toBe('Bearer header-secret');
    for (const secret of ['header-secret', 'body-secret', 'query-secret', 'pw-in-url', 'response-token-123']) {
      expect(run.stderr).not.toContain(secret);
    }
    expect(run.stderr).toContain('HTTP 500');
    expect(run.report).toEqual({ statusCode: 200, body: 'response-token-123' });
  });

  it('reports an unusable action or command as a message: exit 1 for the action, 2 for the usage', async () => {
    const run = await runInProcess('http', { name: 'x', type: 'HTTP' });
    expect(run.code).toBe(1);
    expect(run.report['message']).toContain('needs an http block');
    const garbage = await runCli('http', 'not an action');
    expect(garbage.code).toBe(2);
    expect(garbage.report['message']).toMatch(/DRPLAN_ACTION is not an action/);
    const wrongKind = await runInProcess('resource', httpAction('http://127.0.0.1:1/'));
    expect(wrongKind.code).toBe(2);
  });

  it('rejects a retryPolicy it cannot follow', async () => {
    const run = await runInProcess('http', httpAction('http://127.0.0.1:1/', { retryPolicy: { backoffMultiplier: '0.5' } }));
    expect(run.code).toBe(1);
    expect(run.report['message']).toBe('retryPolicy.backoffMultiplier "0.5" must be a number >= 1');
  });
});
