import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { isRecord, type ContractHarness, type JobPolicy } from '../../src/harness/index.js';
import { LABEL_ACTION } from '../../src/k8s/labels.js';
import type { Clock } from '../../src/plugin/io.js';
import { runPlugin } from '../../src/plugin/main.js';
import { startCluster, type Cluster } from '../fixtures/cluster.js';
import { apply } from '../fixtures/dr.js';
import { jobAction, plan, workflow } from '../fixtures/objects.js';

/** The plugin against the contract harness's API server, in fake time. */
export interface PluginCluster {
  cluster: Cluster;
  harness: ContractHarness;
  /** A kubeconfig file for the harness API server (context `harness`, namespace `default`). */
  kubeconfig: string;
  close: () => Promise<void>;
}

export interface Run {
  /** Resolves with the exit code. */
  done: Promise<number>;
  stdout: () => string;
  stderr: () => string;
  settled: () => boolean;
}

export interface RunOptions {
  tty?: { columns: number; rows: number };
  signal?: AbortSignal;
  env?: Record<string, string>;
  /** Without it, --kubeconfig is added to the arguments. */
  noKubeconfigFlag?: boolean;
}

/** A workflow `wf` of Job actions and a plan `plan` running it, validated. */
export async function startPluginCluster(kubelet?: JobPolicy, actions = ['a', 'b']): Promise<PluginCluster> {
  const cluster = await startCluster(kubelet ? { kubelet } : {});
  const { harness } = cluster;
  apply(harness, workflow('wf', { actions: actions.map((name) => jobAction(name)) }));
  apply(harness, plan('plan'));
  await harness.settle();
  const api = await harness.apiServer();
  const dir = mkdtempSync(join(tmpdir(), 'kubectl-drplan-'));
  const kubeconfig = join(dir, 'config');
  writeFileSync(kubeconfig, api.kubeconfig());
  return {
    cluster,
    harness,
    kubeconfig,
    close: async () => {
      await cluster.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Every Job runs `seconds` of fake time, then succeeds, or fails when its action is in `fail`. */
export function jobsTake(target: PluginCluster, seconds: number, fail: string[] = []): void {
  const { harness } = target;
  harness.kubelet.policy = (job) => {
    const status = isRecord(job['status']) ? job['status'] : {};
    const started = typeof status['startTime'] === 'string' ? Date.parse(status['startTime']) : harness.now().getTime();
    if (harness.now().getTime() - started < seconds * 1000) return { outcome: 'hold' };
    return fail.includes(job.metadata.labels?.[LABEL_ACTION] ?? '') ? { outcome: 'fail', message: 'exit code 1' } : { outcome: 'succeed' };
  };
}

/** The harness's fake clock: sleeps end when the test has advanced it far enough. */
export function harnessClock(harness: ContractHarness): Clock {
  return {
    now: () => harness.now().getTime(),
    sleep: async (ms, signal) => {
      const until = harness.now().getTime() + ms;
      while (!signal.aborted && harness.now().getTime() < until) await delay(2);
    },
  };
}

/** Starts `kubectl drplan ARGS` in-process; nothing it does reads the process's globals. */
export function start(target: PluginCluster, args: string[], options: RunOptions = {}): Run {
  let stdout = '';
  let stderr = '';
  let settled = false;
  const fullArgs = options.noKubeconfigFlag ? args : [...args, '--kubeconfig', target.kubeconfig];
  const done = runPlugin(fullArgs, {
    stdout: { write: (text) => (stdout += text), isTTY: options.tty !== undefined, columns: options.tty?.columns, rows: options.tty?.rows },
    stderr: (text) => (stderr += text),
    env: options.env ?? {},
    clock: harnessClock(target.harness),
    signal: options.signal,
  }).finally(() => (settled = true));
  return { done, stdout: () => stdout, stderr: () => stderr, settled: () => settled };
}

/** Runs a command that returns without waiting on the cluster. */
export async function run(
  target: PluginCluster,
  args: string[],
  options: RunOptions = {},
): Promise<{ code: number; stdout: string; stderr: string }> {
  const started = start(target, args, options);
  const code = await started.done;
  return { code, stdout: started.stdout(), stderr: started.stderr() };
}

/**
 * Lets the cluster go on in fake time, `step` seconds at a time, until `until` holds (by
 * default: the command has returned); real pauses in between let the watch deliver.
 */
export async function drive(
  target: PluginCluster,
  run: Run,
  options: { step?: number; until?: () => boolean; maxSteps?: number } = {},
): Promise<void> {
  const until = options.until ?? run.settled;
  for (let steps = 0; !until(); steps += 1) {
    if (steps >= (options.maxSteps ?? 200)) throw new Error(`still waiting after ${steps} steps; stderr: ${run.stderr()}`);
    await delay(15);
    await target.harness.advance(options.step ?? 1);
  }
}

/** The plain-line output without its clock column, which depends on how the test drove time. */
export function withoutTimes(text: string): string[] {
  return text
    .split('\n')
    .filter((line) => line !== '')
    .map((line) => line.replace(/^\d\d:\d\d:\d\d /, ''));
}
