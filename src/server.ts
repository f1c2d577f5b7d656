import closeWithGrace from 'close-with-grace';
import { loadConfig } from './config.js';
import { buildApp } from './http/app.js';
import { createLogger } from './log.js';

/** The hook server process: configuration from the environment, graceful stop on SIGTERM. */
const config = loadConfig(process.env);
const app = buildApp({
  bodyLimitBytes: config.bodyLimitBytes,
  auth: config.auth,
  fixedClockEnabled: config.fixedClockEnabled,
  keepAliveTimeoutMs: config.keepAliveTimeoutMs,
  requestTimeoutMs: config.requestTimeoutMs,
  overload: config.overload,
  workers: config.workers,
  logger: createLogger({ level: config.logLevel }),
  runner: { image: config.runnerImage, serviceAccountName: config.runnerServiceAccount },
});

closeWithGrace({ delay: config.shutdownGraceMs }, async ({ signal, err }) => {
  // Readiness fails first so the Service stops sending new hook calls; close() then lets
  // in-flight requests finish while new ones get 503.
  app.readiness.ready = false;
  if (err) app.log.error({ err }, 'shutting down after an error');
  else app.log.info({ signal }, 'shutting down');
  await app.close();
});

await app.listen({ port: config.port, host: config.host });
