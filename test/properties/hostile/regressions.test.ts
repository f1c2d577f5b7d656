import { createLogger } from '../../../src/log.js';
import { Writable } from 'node:stream';
import { afterAll, describe, expect, it } from 'vitest';
import type { DRPlanExecution } from '../../../src/api/execution.js';
import { buildApp } from '../../../src/http/app.js';
import { MAX_LOG_TEXT_CHARS, MAX_MESSAGE_CHARS, MAX_RECORD_MESSAGE_CHARS } from '../../../src/k8s/bounds.js';
import type { Condition } from '../../../src/k8s/conditions.js';
import type { KubeObject } from '../../../src/k8s/metacontroller.js';
import type { DRPlan, DRPlanStatus } from '../../../src/api/plan.js';
import type { Action, DRWorkflow } from '../../../src/api/workflow.js';
import { execution, jobAction, plan, stage, T0, workflow } from '../../fixtures/objects.js';
import { lockName } from '../../../src/plan/lock.js';
import { budgetMs, KEYS, nested, record, send, STATUS_LIMIT_BYTES, statusBytes, type Answer } from './world.js';

/**
 * The audit's reproductions, one per row of the hostile-input table: each answered 200, within
 * the CPU budget of its size, with a status that says what is wrong and fits in etcd.
 */

const lines: string[] = [];
const logs = new Writable({
  write(chunk: Buffer, _encoding, done) {
    lines.push(
      ...chunk
        .toString('utf8')
        .split('\n')
        .filter((line) => line !== ''),
    );
    done();
  },
});
const app = buildApp({
  clock: () => new Date(T0),
  logger: createLogger({ level: 'info', destination: logs }),
  overload: { maxEventLoopDelayMs: 0 },
});
afterAll(() => app.close());

const admitted = (name: string, extra: Partial<DRPlanExecution['spec']> = {}): DRPlanExecution =>
  execution(name, extra, {
    status: {
      phase: 'Pending',
      conditions: [{ type: 'Accepted', status: 'True', reason: 'Admitted', message: 'admitted', lastTransitionTime: T0 }],
    },
  });
const mapOf = (objects: readonly KubeObject[]) =>
  Object.fromEntries(objects.map((object) => [`${object.metadata.namespace}/${object.metadata.name}`, object]));
const readyPlan = (spec: Partial<DRPlan['spec']> = {}) => plan('plan', spec, { status: { phase: 'Ready' } });

function planSync(thePlan: DRPlan, workflows: DRWorkflow[], executions: DRPlanExecution[] = [admitted('e1')]) {
  return {
    parent: thePlan,
    children: { [KEYS.job]: {} },
    related: { [KEYS.workflow]: mapOf(workflows), [KEYS.execution]: mapOf(executions) },
  };
}

const workflowSync = (object: DRWorkflow) => ({ object, attachments: {}, related: {} });

interface PlanAnswer {
  status: DRPlanStatus;
  children: KubeObject[];
}

/**
 * The plan elects an execution, then asks for its Jobs once Metacontroller shows it the lock it
 * wrote: the second answer, with the Jobs it asks for.
 */
async function runningAnswer(thePlan: DRPlan, workflows: DRWorkflow[]): Promise<PlanAnswer & { jobs: KubeObject[] }> {
  const first = JSON.parse((await answered('/drplan/sync', planSync(thePlan, workflows))).text) as PlanAnswer;
  const name = lockName(thePlan.metadata.namespace ?? '', thePlan.metadata.name);
  const lock = first.children.find((child) => child.kind === 'ConfigMap' && child.metadata.name === name);
  if (lock === undefined) throw new Error('the plan asked for no lock');
  const request = planSync({ ...thePlan, status: first.status }, workflows);
  const stored = { ...lock, metadata: { ...lock.metadata, uid: 'uid-lock', resourceVersion: '1' } };
  const second = JSON.parse(
    (
      await answered('/drplan/sync', {
        ...request,
        children: { ...request.children, 'ConfigMap.v1': { [`${stored.metadata.namespace}/${name}`]: stored } },
      })
    ).text,
  ) as PlanAnswer;
  return { ...second, jobs: second.children.filter((child) => child.kind === 'Job') };
}

/** 200, within the budget of its size, with a status under 1 MiB. */
async function answered(path: string, body: unknown): Promise<Answer> {
  const answer = await send(app, path, body);
  expect(answer.status, answer.text.slice(0, 300)).toBe(200);
  expect(answer.cpuMs, `${answer.requestBytes} bytes`).toBeLessThan(budgetMs(answer.requestBytes));
  expect(statusBytes(answer.text)).toBeLessThan(STATUS_LIMIT_BYTES);
  return answer;
}

const condition = (conditions: Condition[] | undefined, type: string) => conditions?.find((candidate) => candidate.type === type);
const tiny = (index: number): Action => ({
  name: `a${index}`,
  type: 'Job',
  job: { template: { spec: { template: { spec: { containers: [{ name: 'c', image: 'i' }] } } } } },
});

describe('row 1: a runbook made to be slow', () => {
  it('50,000 placeholders in one string, used by 5 stages: a prompt plan sync, and a run that says it is too large', async () => {
    const text = Array.from({ length: 50_000 }, (_, index) => `$(params.p${index})`).join('');
    const wf = workflow('wf', {
      actions: [
        jobAction('a', {
          job: { template: { spec: { template: { spec: { containers: [{ name: 'c', image: 'x', command: [text] }] } } } } },
        }),
      ],
    });
    await answered('/drworkflow/sync', workflowSync(wf));
    const stages = Array.from({ length: 5 }, (_, index) => stage(`s${index}`, ['wf']));
    const { status } = JSON.parse((await answered('/drplan/sync', planSync(readyPlan({ stages }), [wf]))).text) as PlanAnswer;
    expect(status.run?.phase).toBe('Failed');
    expect(status.run?.message).toMatch(
      /^cannot start: the run's Job templates and runner work would take about \d+ KiB, more than the 2048 KiB a run may hold/,
    );
  });

  it('100,000 small actions: the workflow is checked once, and the plan says the run cannot be recorded', async () => {
    const wf = workflow('wf', { actions: Array.from({ length: 100_000 }, (_, index) => tiny(index)) });
    const { status: wfStatus } = JSON.parse((await answered('/drworkflow/sync', workflowSync(wf))).text) as {
      status: { phase: string; actionCount: number };
    };
    expect(wfStatus).toMatchObject({ phase: 'Ready', actionCount: 100_000 });
    const { status } = JSON.parse((await answered('/drplan/sync', planSync(readyPlan(), [wf]))).text) as PlanAnswer;
    expect(status.phase).toBe('Invalid');
    expect(condition(status.conditions, 'Ready')?.message).toContain(
      'the run would have 100002 stages, workflows and actions; at most 1248 fit',
    );
  });

  it('1,000 stages of one 2,000-action workflow: validated once, not a thousand times', async () => {
    const wf = workflow('wf', { actions: Array.from({ length: 2_000 }, (_, index) => tiny(index)) });
    const stages = Array.from({ length: 1_000 }, (_, index) => stage(`s${index}`, ['wf']));
    const { status } = JSON.parse((await answered('/drplan/sync', planSync(readyPlan({ stages }), [wf]))).text) as PlanAnswer;
    expect(status.phase).toBe('Invalid');
    expect(condition(status.conditions, 'Ready')?.message).toContain('the run would have 2002000 stages, workflows and actions');
  });
});

describe('row 2: __proto__ keys are data', () => {
  const labels = record([
    ['__proto__', 'x'],
    ['app', 'db'],
  ]);
  const headers = record([['__proto__', 'h']]);
  const wf = workflow('wf', {
    actions: [
      jobAction('a', {
        job: {
          template: {
            metadata: { labels },
            spec: { template: { metadata: { labels }, spec: { containers: [{ name: 'c', image: 'x' }] } } },
          },
        },
        rollback: { type: 'HTTP', http: { url: 'http://undo', headers } },
      }),
    ],
  });

  it('a workflow with __proto__ as a label key and a header name is Ready, and its finalizer works', async () => {
    const { status } = JSON.parse((await answered('/drworkflow/sync', workflowSync(wf))).text) as { status: { phase: string } };
    expect(status.phase).toBe('Ready');
    const finalized = JSON.parse((await answered('/drworkflow/finalize', { ...workflowSync(wf), finalizing: true })).text) as {
      finalized: boolean;
    };
    expect(finalized.finalized).toBe(true);
  });

  it('the plan runs it, and the Job carries the __proto__ label as it was written', async () => {
    const { status, jobs } = await runningAnswer(readyPlan(), [wf]);
    expect(status.run?.phase).toBe('Running');
    const job = jobs[0] as unknown as {
      metadata: { labels: Record<string, string> };
      spec: { template: { metadata: { labels: Record<string, string> } } };
    };
    expect(Object.getOwnPropertyDescriptor(job.metadata.labels, '__proto__')?.value).toBe('x');
    expect(Object.getOwnPropertyDescriptor(job.spec.template.metadata.labels, '__proto__')?.value).toBe('x');
    await answered('/drplan/finalize', { ...planSync(readyPlan(), [wf]), finalizing: true });
  });
});

describe('row 3: parameters named after Object.prototype', () => {
  it.each(['toString', 'constructor', 'valueOf', 'hasOwnProperty', '__proto__'])(
    'a number parameter named %s runs, or fails with a message',
    async (name) => {
      const action = jobAction('a', {
        job: { template: { spec: { template: { spec: { containers: [{ name: 'c', image: 'x', args: [`$(params.${name})`] }] } } } } },
      });
      const good = workflow('wf', { parameters: [{ name, type: 'number', default: '5' }], actions: [action] });
      const ran = await runningAnswer(readyPlan(), [good]);
      expect(ran.status.run?.phase).toBe('Running');
      expect(JSON.stringify(ran.jobs[0])).toContain('"args":["5"]');

      const bad = workflow('wf', { parameters: [{ name, type: 'number', default: 'five' }], actions: [action] });
      const failed = JSON.parse((await answered('/drplan/sync', planSync(readyPlan(), [bad]))).text) as PlanAnswer;
      expect(failed.status.run?.message).toBe(
        `cannot start: stage main workflow default/wf: parameter "${name}" must be a number, got "five"`,
      );

      // Without a value, the name must not find Object.prototype's member instead.
      const unset = workflow('wf', { parameters: [{ name, type: 'number' }], actions: [action] });
      const missing = JSON.parse((await answered('/drplan/sync', planSync(readyPlan(), [unset]))).text) as PlanAnswer;
      expect(missing.status.run?.message).toBe(`cannot start: stage main workflow default/wf action a: undefined parameter(s) ${name}`);
    },
  );
});

describe('row 4: nesting as deep as the API server accepts', () => {
  const deep = nested(10_000, 'spec');

  it('a Job template 10,000 levels deep is checked, run and returned whole', async () => {
    const wf = workflow('wf', {
      actions: [jobAction('a', { job: { template: { spec: { template: { spec: { containers: [{ name: 'c', image: 'i' }] } }, deep } } } })],
    });
    await answered('/drworkflow/sync', workflowSync(wf));
    const { jobs, status } = await runningAnswer(readyPlan(), [wf]);
    expect(status.phase).toBe('Ready');
    let node = (jobs[0] as unknown as { spec: { deep: unknown } }).spec.deep;
    let depth = 0;
    while (node !== null && typeof node === 'object') {
      node = Array.isArray(node) ? node[0] : (node as { spec: unknown }).spec;
      depth += 1;
    }
    expect([depth, node]).toEqual([10_000, 'leaf']);
  });

  it('an execution whose status holds a 10,000-level rollback is mirrored, and can be deleted', async () => {
    const target = execution(
      'e1',
      {},
      {
        status: {
          phase: 'Succeeded',
          conditions: [{ type: 'Accepted', status: 'True', reason: 'Admitted', message: '', lastTransitionTime: T0 }],
          stageStatuses: [
            {
              name: 'main',
              phase: 'Succeeded',
              workflowExecutions: [
                {
                  workflowRef: { name: 'wf' },
                  phase: 'Succeeded',
                  actionStatuses: [{ name: 'a', phase: 'Succeeded', rollback: { deep } }],
                },
              ],
            },
          ],
        },
      },
    );
    const body = { object: target, attachments: {}, related: { [KEYS.plan]: mapOf([readyPlan()]), [KEYS.execution]: mapOf([target]) } };
    await answered('/drplanexecution/sync', body);
    await answered('/drplanexecution/finalize', { ...body, finalizing: true });
  });
});

describe('row 10: nonsense durations', () => {
  it('timeout 99999…h makes the workflow and the plan Invalid with a clear message, and no null is written', async () => {
    const wf = workflow('wf', { actions: [jobAction('a', { timeout: `${'9'.repeat(30)}h` })] });
    const { status: wfStatus } = JSON.parse((await answered('/drworkflow/sync', workflowSync(wf))).text) as {
      status: { phase: string; conditions: Condition[] };
    };
    expect(wfStatus.phase).toBe('Invalid');
    expect(condition(wfStatus.conditions, 'Ready')?.message).toBe(
      `Validation failed: [action[0] a: timeout "${'9'.repeat(30)}h" is longer than the longest duration, 2562047h47m17s]`,
    );
    const answer = await answered('/drplan/sync', planSync(readyPlan(), [wf]));
    const { status } = JSON.parse(answer.text) as PlanAnswer;
    expect(status.phase).toBe('Invalid');
    expect(status.executionHistory?.[0]).toMatchObject({ name: 'e1', phase: 'Failed', reason: 'PlanInvalid' });
    expect(answer.text).not.toContain('null');
  });
});

describe('row 11: 5,000 validation problems', () => {
  it('statuses list the first problems and count the rest; messages and log lines stay short', async () => {
    const wf = workflow('wf', { actions: Array.from({ length: 5_001 }, () => jobAction('same', { timeout: 'never' })) });
    lines.length = 0;
    const { status: wfStatus } = JSON.parse((await answered('/drworkflow/sync', workflowSync(wf))).text) as {
      status: { conditions: Condition[] };
    };
    const wfMessage = condition(wfStatus.conditions, 'Ready')?.message ?? '';
    expect(wfMessage.length).toBeLessThanOrEqual(MAX_MESSAGE_CHARS);
    expect(wfMessage).toMatch(/; and 9981 more\]$/);

    const executions = Array.from({ length: 30 }, (_, index) => admitted(`e${index}`));
    const { status } = JSON.parse(
      (await answered('/drplan/sync', planSync(readyPlan({ historyLimit: 50 }), [wf], executions))).text,
    ) as PlanAnswer;
    expect(condition(status.conditions, 'Ready')?.message.length).toBeLessThanOrEqual(MAX_MESSAGE_CHARS);
    expect(status.executionHistory).toHaveLength(30);
    for (const entry of status.executionHistory ?? []) {
      expect(entry.phase).toBe('Failed');
      expect(entry.message?.length).toBeLessThanOrEqual(MAX_RECORD_MESSAGE_CHARS);
    }

    const invalidPlan = { ...readyPlan(), status: { ...status, phase: 'Invalid' as const } };
    const rejected = await answered('/drplanexecution/sync', {
      object: execution('late'),
      attachments: {},
      related: { [KEYS.plan]: mapOf([invalidPlan]) },
    });
    expect((JSON.parse(rejected.text) as { status: { message: string } }).status.message.length).toBeLessThanOrEqual(MAX_MESSAGE_CHARS);
    expect(lines.length).toBeGreaterThan(0);
    for (const line of lines) expect(line.length).toBeLessThan(MAX_LOG_TEXT_CHARS + 1024);
  });
});

describe('row 13: conditions that are not a list', () => {
  it.each([
    ['a string', 'broken'],
    ['an object', { type: 'Accepted' }],
    ['a list of junk', [null, 5, { type: 7 }]],
  ])('an execution whose status.conditions is %s can be synced and deleted', async (_name, conditions) => {
    const broken = execution('e1', {}, { status: { phase: 'Running', conditions } as unknown as DRPlanExecution['status'] });
    const body = { object: broken, attachments: {}, related: { [KEYS.plan]: mapOf([readyPlan()]), [KEYS.execution]: mapOf([broken]) } };
    await answered('/drplanexecution/sync', body);
    await answered('/drplanexecution/finalize', { ...body, finalizing: true });
    const fresh = execution('e2', {}, { status: { conditions } as unknown as DRPlanExecution['status'] });
    const rejected = await answered('/drplanexecution/sync', { ...body, object: fresh });
    expect((JSON.parse(rejected.text) as { status: { phase: string } }).status.phase).toBe('Failed');
  });
});
