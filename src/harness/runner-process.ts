import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { ApiServer } from './apiserver/server.js';
import type { KubeObject } from './types.js';

/** One runner container to run: its kind (`run http` / `run resource`) and its environment. */
export interface RunnerInvocation {
  job: KubeObject;
  kind: 'http' | 'resource';
  namespace: string;
  env: Record<string, string>;
  /** Real milliseconds the container may run (the Job's activeDeadlineSeconds). */
  deadlineMs: number;
}

/** How the container ended: exit code and the content of its termination log. */
export interface RunnerExit {
  exitCode: number;
  message: string;
  /** Set when the container was killed at its deadline. */
  deadlineExceeded?: boolean;
}

export type RunnerExecutor = (invocation: RunnerInvocation) => Promise<RunnerExit>;

/** `dist/cli.js` of this package: `src/harness` and `dist/harness` are both two levels down. */
const CLI = fileURLToPath(new URL('../../dist/cli.js', import.meta.url));

/**
 * Runs the project's runner as the container would, `node dist/cli.js run <kind>`, with the
 * Job's environment, a kubeconfig for the harness API server and its own termination log.
 */
export function processRunner(apiServer: () => Promise<ApiServer>, cli = CLI): RunnerExecutor {
  return async ({ kind, namespace, env, deadlineMs }) => {
    const api = await apiServer();
    const dir = await mkdtemp(join(tmpdir(), 'drplan-runner-'));
    try {
      const kubeconfig = join(dir, 'kubeconfig');
      const terminationLog = join(dir, 'termination-log');
      await writeFile(kubeconfig, api.kubeconfig(namespace));
      const result = await new Promise<{ code: number; killed: boolean }>((resolve) => {
        execFile(
          process.execPath,
          [cli, 'run', kind],
          {
            env: { PATH: process.env['PATH'] ?? '', ...env, KUBECONFIG: kubeconfig, DRPLAN_TERMINATION_LOG: terminationLog },
            timeout: deadlineMs,
            killSignal: 'SIGKILL',
          },
          (error) => {
            if (error === null) resolve({ code: 0, killed: false });
            else resolve({ code: typeof error.code === 'number' ? error.code : 137, killed: error.killed === true });
          },
        );
      });
      const message = await readFile(terminationLog, 'utf8').catch(() => '');
      return { exitCode: result.code, message: message.trimEnd(), ...(result.killed ? { deadlineExceeded: true } : {}) };
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  };
}
