import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const ROOT = join(import.meta.dirname, '..', '..');
// Built fresh by test/build.global.ts before any test file runs.
const CLI = join(ROOT, 'dist', 'cli.js');

describe('drplan-hooks render, the built command', () => {
  it.skipIf(!existsSync(CLI))('finds manifests/ from dist/ and exits 1 when an execution fails', () => {
    const result = spawnSync(process.execPath, [CLI, 'render', 'manifests/samples', '--fail', 'promote-replica'], {
      cwd: ROOT,
      encoding: 'utf8',
    });
    expect(result.status).toBe(1);
    expect(result.stdout).toMatch(/^drplan-hooks render: /);
    expect(result.stdout).toContain('\nresult: 1 of 2 executions did not succeed\n');
    expect(result.stdout).toContain('+5s  execution default/db-failover-revert-001: Succeeded');
    expect(result.stderr).toContain('render: execution default/db-failover-exec-001 ended Failed: ');
  });
});
