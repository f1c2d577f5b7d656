import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runRunner } from '../../src/runner/command.js';

export interface RunnerRun {
  code: number;
  /** The termination log, as the kubelet would read it. */
  report: Record<string, unknown>;
  raw: string;
  logs: string[];
  ms: number;
}

/** Runs the runner in-process with its own termination log file. */
export async function runInProcess(kind: string, action: unknown, env: Record<string, string> = {}): Promise<RunnerRun> {
  const path = join(mkdtempSync(join(tmpdir(), 'runner-')), 'termination-log');
  const logs: string[] = [];
  const started = Date.now();
  const code = await runRunner([kind], {
    env: { ...env, DRPLAN_ACTION: JSON.stringify(action), DRPLAN_TERMINATION_LOG: path },
    log: (line) => logs.push(line),
  });
  const raw = readFileSync(path, 'utf8');
  return { code, report: JSON.parse(raw) as Record<string, unknown>, raw, logs, ms: Date.now() - started };
}

const CLI = join(import.meta.dirname, '..', '..', 'dist', 'cli.js');

/** Runs `node dist/cli.js run <kind>` as the runner container would. */
export function runCli(kind: string, action: unknown, env: Record<string, string> = {}): Promise<RunnerRun & { stderr: string }> {
  const path = join(mkdtempSync(join(tmpdir(), 'runner-')), 'termination-log');
  const started = Date.now();
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [CLI, 'run', kind],
      { env: { PATH: process.env['PATH'] ?? '', ...env, DRPLAN_ACTION: JSON.stringify(action), DRPLAN_TERMINATION_LOG: path } },
      (error, _stdout, stderr) => {
        const raw = readFileSync(path, 'utf8');
        resolve({
          code: error === null ? 0 : typeof error.code === 'number' ? error.code : -1,
          report: JSON.parse(raw) as Record<string, unknown>,
          raw,
          logs: stderr.split('\n').filter(Boolean),
          stderr,
          ms: Date.now() - started,
        });
      },
    );
  });
}
