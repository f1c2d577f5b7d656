import { describe, expect, it } from 'vitest';
import type { KubeObject } from '../../src/harness/index.js';
import { commandOf, commandPolicy, fateOf } from '../../src/sandbox/kubelet.js';

const START = Date.parse('2026-01-01T00:00:00Z');

function job(command: string[], args: string[] = [], startTime: string | undefined = '2026-01-01T00:00:00Z'): KubeObject {
  return {
    apiVersion: 'batch/v1',
    kind: 'Job',
    metadata: { name: 'j', namespace: 'default' },
    spec: { template: { spec: { containers: [{ name: 'c', image: 'busybox', command, args }] } } },
    ...(startTime === undefined ? {} : { status: { startTime, active: 1 } }),
  };
}

describe('sandbox kubelet: what a command would do', () => {
  it.each([
    ['sleep 5', { seconds: 5, fails: false }],
    ['sleep 0.5', { seconds: 0.5, fails: false }],
    ['sh -c sleep 3; echo done', { seconds: 3, fails: false }],
    ['sleep 1 && sleep 2', { seconds: 3, fails: false }],
    ['exit 3', { seconds: 0, fails: true }],
    ['sh -c echo bad; exit 1', { seconds: 0, fails: true }],
    ['false', { seconds: 0, fails: true }],
    ['sleep 4; exit 2', { seconds: 4, fails: true }],
    ['exit 0', { seconds: 2, fails: false }],
    ['echo promoting replica', { seconds: 2, fails: false }],
    ['echo false-positive; ./sleepy', { seconds: 2, fails: false }],
    ['', { seconds: 2, fails: false }],
  ])('%j', (script, fate) => {
    expect(fateOf(script, 2)).toEqual(fate);
  });

  it('reads the first container, command then args', () => {
    expect(commandOf(job(['sh', '-c'], ['sleep 7; exit 1']))).toBe('sh -c sleep 7; exit 1');
    expect(commandOf({ apiVersion: 'batch/v1', kind: 'Job', metadata: { name: 'x' } })).toBe('');
  });
});

describe('sandbox kubelet policy', () => {
  const policy = commandPolicy(2);

  it('holds a sleeping Job until its startTime plus the sleep, then succeeds', () => {
    const sleeper = job(['sleep', '5']);
    expect(policy(sleeper, START + 1000)).toEqual({ outcome: 'hold', until: START + 5000 });
    expect(policy(sleeper, START + 4999)).toEqual({ outcome: 'hold', until: START + 5000 });
    expect(policy(sleeper, START + 5000)).toEqual({ outcome: 'succeed' });
  });

  it('fails `exit N` and `false` at once, after their sleep when there is one', () => {
    expect(policy(job(['sh', '-c', 'exit 4']), START)).toMatchObject({ outcome: 'fail' });
    expect(policy(job(['false']), START)).toMatchObject({ outcome: 'fail' });
    expect(policy(job(['sh', '-c', 'sleep 3; exit 1']), START + 2000)).toEqual({ outcome: 'hold', until: START + 3000 });
    expect(policy(job(['sh', '-c', 'sleep 3; exit 1']), START + 3000)).toMatchObject({ outcome: 'fail' });
  });

  it('lets anything else run for the default time', () => {
    const echo = job(['sh', '-c', 'echo hello']);
    expect(policy(echo, START + 1999)).toEqual({ outcome: 'hold', until: START + 2000 });
    expect(policy(echo, START + 2000)).toEqual({ outcome: 'succeed' });
    expect(commandPolicy(0)(echo, START)).toEqual({ outcome: 'succeed' });
  });

  it('counts from now for a Job without a startTime', () => {
    expect(policy(job(['sleep', '1'], [], undefined), START)).toEqual({ outcome: 'hold', until: START + 1000 });
  });
});
