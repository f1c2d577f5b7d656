import { isRecord, type JobPolicy, type KubeObject } from '../harness/index.js';

/**
 * What a Job's container would do, read from its command: `sleep S` takes S seconds, `exit N`
 * (N ≠ 0) or `false` fails, anything else succeeds after the default run time. Only the text
 * is read; nothing is executed.
 */
export interface CommandFate {
  seconds: number;
  fails: boolean;
}

export function fateOf(script: string, defaultSeconds: number): CommandFate {
  const sleeps = [...script.matchAll(/(?:^|[\s;&|(])sleep\s+(\d+(?:\.\d+)?)s?(?=$|[\s;&|)])/g)].map((match) => Number(match[1]));
  const fails = /(?:^|[\s;&|(])(?:exit\s+0*[1-9]\d*|false)(?=$|[\s;&|)])/.test(script);
  const slept = sleeps.reduce((total, seconds) => total + seconds, 0);
  // `sleep 5; exit 1` fails after five seconds; a bare `exit 1` fails at once, as a container would.
  return { seconds: sleeps.length > 0 ? slept : fails ? 0 : defaultSeconds, fails };
}

/** The first container's command and args, as one line of shell. */
export function commandOf(job: KubeObject): string {
  const template = isRecord(job.spec) && isRecord(job.spec.template) ? job.spec.template : {};
  const containers: readonly unknown[] = isRecord(template.spec) && Array.isArray(template.spec.containers) ? template.spec.containers : [];
  const container: unknown = containers[0];
  if (!isRecord(container)) return '';
  const words = [container.command, container.args]
    .flatMap((list): unknown[] => (Array.isArray(list) ? list : []))
    .filter((word) => typeof word === 'string');
  return words.join(' ');
}

/** The sandbox kubelet: each Job runs for its command's time from its startTime, then ends as its command would. */
export function commandPolicy(defaultSeconds: number): JobPolicy {
  return (job, nowMs) => {
    const fate = fateOf(commandOf(job), defaultSeconds);
    const started = isRecord(job.status) && typeof job.status.startTime === 'string' ? Date.parse(job.status.startTime) : nowMs;
    const until = started + fate.seconds * 1000;
    if (nowMs < until) return { outcome: 'hold', until };
    return fate.fails ? { outcome: 'fail', message: 'the container exited with a non-zero code' } : { outcome: 'succeed' };
  };
}
