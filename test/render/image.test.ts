import { spawnSync } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const ROOT = join(import.meta.dirname, '..', '..');

/**
 * The files the Dockerfile's last stage puts in /app, each with where it comes from in this
 * checkout: build stages' `/app/<path>` are this checkout's `<path>` (dist/ is built fresh by
 * test/build.global.ts; node_modules holds the production dependencies and more).
 */
function runtimeCopies(): { from: string; to: string }[] {
  const lines = readFileSync(join(ROOT, 'Dockerfile'), 'utf8').split('\n');
  const lastStage = lines.findLastIndex((line) => /^FROM /.test(line));
  return lines.slice(lastStage).flatMap((line) => {
    const match = /^COPY (?:--from=\w+ \/app\/)?(\S+) (\S+)$/.exec(line);
    if (match === null) return [];
    const [, from = '', to = ''] = match;
    return [{ from, to: to.endsWith('/') ? join(to, from) : to }];
  });
}

/** What `docker build` would put in /app, without Docker. */
function imageLayout(): string {
  const app = mkdtempSync(join(tmpdir(), 'image-app-'));
  for (const { from, to } of runtimeCopies()) {
    if (from === 'node_modules') symlinkSync(join(ROOT, from), join(app, to));
    else cpSync(join(ROOT, from), join(app, to), { recursive: true });
  }
  return app;
}

describe('the image', () => {
  it('copies the server, the CLI and manifests/ into /app', () => {
    expect(runtimeCopies().map(({ to }) => to)).toEqual(
      expect.arrayContaining(['./node_modules', './dist', 'package.json', './manifests']),
    );
  });

  it('runs `render` on the samples it ships, from /app', () => {
    const result = spawnSync(process.execPath, ['dist/cli.js', 'render', 'manifests/samples/'], { cwd: imageLayout(), encoding: 'utf8' });
    expect(result.stderr).toBe('');
    expect(result.status).toBe(0);
    expect(result.stdout).toContain('execution default/db-failover-revert-001: Succeeded');
  });
});
