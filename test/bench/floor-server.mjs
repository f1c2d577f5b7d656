/* global process */
/**
 * The benchmark's floor (see run.mjs): the same fastify, the same body limit and the same hook
 * paths as the real server; it parses the JSON body (fastify's default parser, as the real
 * server does) and answers a precomputed string. What the real server does beyond this —
 * envelope validation, the hook, canonical JSON, ETag, metrics — is what the ratio measures.
 *
 * `PUT /__response` (text/plain) sets the answer, `GET /healthz` says it is up.
 * Environment: PORT, BODY_LIMIT_BYTES.
 */
import Fastify from 'fastify';
import { HOOK_ROUTES } from '../../dist/http/hooks.js';

const bodyLimit = Number(process.env.BODY_LIMIT_BYTES ?? 16 * 1024 * 1024);
const app = Fastify({ logger: false, bodyLimit, disableRequestLogging: true });
let answer = '{}';

app.put('/__response', async (request) => {
  answer = String(request.body);
  return 'ok';
});
app.get('/healthz', async () => ({ status: 'ok' }));
for (const { path } of HOOK_ROUTES) {
  app.post(path, async (_request, reply) => reply.code(200).type('application/json').send(answer));
}

process.once('SIGTERM', () => void app.close().then(() => process.exit(0)));
await app.listen({ port: Number(process.env.PORT ?? 0), host: '127.0.0.1' });
