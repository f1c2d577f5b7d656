import { describe, expect, it } from 'vitest';
import { startServer } from '../fixtures/process.js';

/** The real process: serves on PORT, fails readiness and exits cleanly on SIGTERM. */
describe('server process', () => {
  it('serves on PORT and shuts down gracefully on SIGTERM', async () => {
    const server = await startServer();
    const ready = await fetch(`${server.url}/readyz`);
    expect(ready.status).toBe(200);
    expect(await server.stop()).toBe(0);
    expect(server.output()).toContain('"msg":"shutting down"');
  });
});
