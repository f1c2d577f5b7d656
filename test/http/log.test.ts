import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { createLogger } from '../../src/log.js';

function capture(): { stream: Writable; lines: () => Record<string, unknown>[] } {
  let text = '';
  const stream = new Writable({
    write(chunk: Buffer, _encoding, done) {
      text += chunk.toString();
      done();
    },
  });
  return {
    stream,
    lines: () =>
      text
        .trim()
        .split('\n')
        .map((line) => JSON.parse(line) as Record<string, unknown>),
  };
}

describe('createLogger', () => {
  it('writes JSON lines with ISO-8601 times at the level asked for', () => {
    const { stream, lines } = capture();
    const log = createLogger({ level: 'warn', destination: stream });
    log.info('not written');
    log.warn({ hook: 'drplan.sync' }, 'written');
    expect(lines()).toEqual([expect.objectContaining({ level: 40, msg: 'written', hook: 'drplan.sync' })]);
    expect(lines()[0]?.['time']).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/);
  });

  it('never writes a bearer token found in request headers', () => {
    const { stream, lines } = capture();
    const log = createLogger({ level: 'info', destination: stream });
    const headers = { authorization: 'Bearer s3cret', 'content-type': 'application/json' };
    log.info({ headers }, 'headers');
    log.info({ req: { method: 'POST', headers } }, 'request');
    expect(JSON.stringify(lines())).not.toContain('s3cret');
    expect(lines().map((line) => line['headers'] ?? (line['req'] as Record<string, unknown>)['headers'])).toEqual([
      { authorization: '[redacted]', 'content-type': 'application/json' },
      { authorization: '[redacted]', 'content-type': 'application/json' },
    ]);
    // The caller's object is left as it was.
    expect(headers.authorization).toBe('Bearer s3cret');
  });
});
