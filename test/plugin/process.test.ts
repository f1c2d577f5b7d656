import { spawn, spawnSync } from 'node:child_process';
import { once } from 'node:events';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { USAGE } from '../../src/plugin/options.js';
import { expectHealthy } from '../fixtures/cluster.js';
import { drive, start, startPluginCluster } from './fixture.js';

// Built fresh by test/build.global.ts before any test file runs.
const PLUGIN = join(import.meta.dirname, '..', '..', 'dist', 'kubectl-drplan.js');

describe('kubectl-drplan, the built command', () => {
  it('--help exits 0 with the usage; a usage error exits 2 with one line', () => {
    const help = spawnSync(process.execPath, [PLUGIN, '--help'], { encoding: 'utf8' });
    expect(help.status).toBe(0);
    expect(help.stdout).toBe(`${USAGE}\n`);
    const wrong = spawnSync(process.execPath, [PLUGIN, 'execute'], { encoding: 'utf8' });
    expect(wrong.status).toBe(2);
    expect(wrong.stderr).toBe('kubectl drplan: execute takes 1 name(s), got 0\n');
  });

  it('follows a finished run through $KUBECONFIG and exits when it has its answer', async () => {
    const target = await startPluginCluster();
    try {
      const running = start(target, ['execute', 'plan', '--wait']);
      await drive(target, running);
      expect(await running.done).toBe(0);
      // Asynchronous: the harness API server answers from this process.
      const child = spawn(process.execPath, [PLUGIN, 'watch', 'plan-00001'], { env: { ...process.env, KUBECONFIG: target.kubeconfig } });
      let stdout = '';
      child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
      const [code] = (await once(child, 'exit')) as [number];
      expect(code).toBe(0);
      expect(stdout).toMatch(/ \[2\/2\] execution default\/plan-00001 Succeeded after \d+s: All stages completed successfully\n/);
      expectHealthy(target.harness);
    } finally {
      await target.close();
    }
  });
});
