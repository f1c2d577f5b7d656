import { execFile, spawn } from 'node:child_process';
import { once } from 'node:events';
import { access, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { kubectl } from '../fixtures/kubectl.js';

const CLI = join(import.meta.dirname, '..', '..', 'dist', 'cli.js');
const run = promisify(execFile);

async function waitForFile(path: string, timeoutMs: number): Promise<void> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    if (
      await access(path).then(
        () => true,
        () => false,
      )
    )
      return;
    if (Date.now() > until) throw new Error(`${path} did not appear within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

describe('drplan-hooks sandbox process', () => {
  it('writes the kubeconfig once it serves, answers kubectl, and exits 0 on SIGTERM leaving the file', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'sandbox-process-'));
    const kubeconfig = join(dir, 'kubeconfig');
    const child = spawn(process.execPath, [CLI, 'sandbox', '--port', '0', '--kubeconfig', kubeconfig]);
    let out = '';
    child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
    try {
      await waitForFile(kubeconfig, 20_000);
      const { stdout } = await run(await kubectl(), ['get', 'crd', '-o', 'name'], { env: { ...process.env, KUBECONFIG: kubeconfig } });
      expect(
        stdout
          .split('\n')
          .filter((line) => line !== '')
          .sort(),
      ).toEqual([
        'customresourcedefinition.apiextensions.k8s.io/drplanexecutions.dr.bkbcs.tencent.com',
        'customresourcedefinition.apiextensions.k8s.io/drplans.dr.bkbcs.tencent.com',
        'customresourcedefinition.apiextensions.k8s.io/drworkflows.dr.bkbcs.tencent.com',
      ]);
      expect(out).toContain(`export KUBECONFIG=${kubeconfig}`);
      expect(out).toContain('production is Metacontroller on a cluster');
      child.kill('SIGTERM');
      const [code] = await once(child, 'exit');
      expect(code).toBe(0);
      expect(out).toContain('sandbox: stopped');
      await access(kubeconfig);
    } finally {
      child.kill('SIGKILL');
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('answers bad arguments with 2 and the reason', async () => {
    const failed = await run(process.execPath, [CLI, 'sandbox', '--port', 'x']).catch((error: { code: number; stderr: string }) => error);
    expect(failed).toMatchObject({ code: 2, stderr: 'sandbox: --port must be a port number (0 for any free one), not x\n' });
  });
});
