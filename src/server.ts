import { loadConfig } from './config.js';
import { buildApp } from './http/app.js';

/** The hook server process: configuration from the environment, graceful stop on SIGTERM. */
const config = loadConfig(process.env);
const app = buildApp({
  bodyLimitBytes: config.bodyLimitBytes,
  authToken: config.authToken,
  logger: { level: config.logLevel },
});

async function shutdown(signal: string): Promise<void> {
  // Fail readiness first so the Service stops sending new hook calls, then drain.
  app.readiness.ready = false;
  app.log.info({ signal }, 'shutting down');
  await app.close();
  process.exit(0);
}
process.once('SIGTERM', (signal) => void shutdown(signal));
process.once('SIGINT', (signal) => void shutdown(signal));

await app.listen({ port: config.port, host: config.host });
