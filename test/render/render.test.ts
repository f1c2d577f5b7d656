import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'yaml';
import { afterAll, describe, expect, it } from 'vitest';
import { runRender } from '../../src/render/command.js';
import type { FinalStatus } from '../../src/render/rehearse.js';
import type { TimelineEntry } from '../../src/render/timeline.js';

const SAMPLES = join(import.meta.dirname, '..', '..', 'manifests', 'samples');
const sample = (file: string) => join(SAMPLES, file);
const RUNBOOK = ['workflow.yaml', 'workflow-traffic.yaml', 'plan.yaml'].map(sample);
const EXECUTE = sample('execute.yaml');
const REVERT = sample('revert.yaml');

const scratch = mkdtempSync(join(tmpdir(), 'drplan-render-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

function scratchFile(name: string, text: string): string {
  const path = join(scratch, name);
  writeFileSync(path, text);
  return path;
}

interface Rendered {
  code: number;
  stdout: string;
  stderr: string;
  /** Timeline lines as `+0s  text`, without padding or indentation. */
  timeline: string[];
  statuses: FinalStatus[];
}

async function render(...args: string[]): Promise<Rendered> {
  let stdout = '';
  let stderr = '';
  const code = await runRender(args, { stdout: (text) => (stdout += text), stderr: (text) => (stderr += text) });
  const [report = '', ...documents] = stdout.split('\n---\n');
  const timeline = report
    .split('\n')
    .filter((line) => /^ *\+\d+s {2}/.test(line))
    .map((line) => line.trim().replace(/^(\+\d+s) +/, '$1  '));
  return { code, stdout, stderr, timeline, statuses: documents.map((document) => parse(document) as FinalStatus) };
}

/** Actions of the Jobs created, in timeline order. */
function jobsCreated(timeline: readonly string[], execution: string): string[] {
  return timeline.flatMap((line) => {
    const match = new RegExp(`Job default/${execution}-\\S+ created \\((.+)\\)$`).exec(line);
    return match?.[1] === undefined ? [] : [match[1]];
  });
}

function statusOf(rendered: Rendered, kind: string, name: string): Record<string, unknown> {
  const found = rendered.statuses.find((status) => status.kind === kind && status.metadata.name === name);
  if (found === undefined) throw new Error(`no status for ${kind} ${name}`);
  return found.status as Record<string, unknown>;
}

describe('render the samples', () => {
  it('an Execute: Jobs in action order, each step, the final statuses, exit 0', async () => {
    const rendered = await render(...RUNBOOK, EXECUTE);
    expect(rendered.code).toBe(0);
    expect(rendered.stderr).toBe('');
    expect(jobsCreated(rendered.timeline, 'db-failover-exec-001')).toEqual(['freeze-writes', 'promote-replica', 'update-dns']);
    expect(rendered.timeline[0]).toBe('+0s  plan default/db-failover: Ready');
    const steps = rendered.timeline.map((line) => line.replace(/^\+\d+s {2}/, ''));
    // The stage starts, then its first Job is created (the decision before its effect).
    expect(steps.indexOf('stage database: Running')).toBeLessThan(steps.findIndex((line) => line.endsWith('created (freeze-writes)')));
    expect(steps.slice(-2)).toEqual([
      'plan default/db-failover: Executed',
      'execution default/db-failover-exec-001: Succeeded — All stages completed successfully',
    ]);
    expect(rendered.stdout).toContain('\nresult: every execution Succeeded (1 of 1)\n---\n');

    expect(rendered.statuses.map((status) => `${status.kind} ${status.metadata.namespace}/${status.metadata.name}`)).toEqual([
      'DRPlan default/db-failover',
      'DRPlanExecution default/db-failover-exec-001',
    ]);
    expect(Object.keys(rendered.statuses[0] ?? {})).toEqual(['kind', 'metadata', 'status']);
    expect(statusOf(rendered, 'DRPlan', 'db-failover')).toMatchObject({ phase: 'Executed', lastExecutionRef: 'db-failover-exec-001' });
    const execution = statusOf(rendered, 'DRPlanExecution', 'db-failover-exec-001');
    expect(execution.phase).toBe('Succeeded');
    expect((execution.stageStatuses as { name: string; phase: string }[]).map((stage) => `${stage.name}:${stage.phase}`)).toEqual([
      'database:Succeeded',
      'traffic:Succeeded',
    ]);
  });

  it('an Execute then a Revert: the Revert starts 5 s later and undoes the actions in reverse', async () => {
    const rendered = await render(...RUNBOOK, EXECUTE, REVERT);
    expect(rendered.code).toBe(0);
    expect(rendered.timeline).toContain(
      '+5s  execution default/db-failover-revert-001 created: Revert of plan db-failover undoing db-failover-exec-001',
    );
    expect(jobsCreated(rendered.timeline, 'db-failover-revert-001')).toEqual(['update-dns', 'freeze-writes']);
    // promote-replica has no rollback Job: undoing it deletes the Job it ran.
    expect(rendered.timeline).toContainEqual(
      expect.stringMatching(/^\+5s {2}Job default\/db-failover-exec-001-promote-replica-\S+ deleted \(promote-replica\)$/),
    );
    expect(rendered.timeline.at(-1)).toBe(
      '+5s  execution default/db-failover-revert-001: Succeeded — Plan reverted successfully: 3 action(s) rolled back',
    );
    expect(statusOf(rendered, 'DRPlan', 'db-failover')).toMatchObject({ phase: 'Ready', lastExecutionRef: 'db-failover-revert-001' });
    expect(statusOf(rendered, 'DRPlanExecution', 'db-failover-revert-001').phase).toBe('Succeeded');
  });

  it('--fail promote-replica: the failure, the skipped stage, exit 1 with the reason on stderr', async () => {
    const rendered = await render(...RUNBOOK, EXECUTE, '--fail', 'promote-replica');
    expect(rendered.code).toBe(1);
    expect(rendered.stdout).toContain('jobs:    the Jobs of promote-replica fail, every other Job succeeds');
    expect(rendered.timeline).toContainEqual(
      expect.stringMatching(/Job default\/db-failover-exec-001-promote-replica-\S+ failed: BackoffLimitExceeded: failed by --fail$/),
    );
    expect(rendered.timeline).toContainEqual(expect.stringMatching(/action promote-replica: Failed — Job .* failed by --fail$/));
    expect(rendered.timeline).toContain(
      "+0s  stage traffic: Skipped — not run: stage database failed and the plan's failurePolicy is Stop",
    );
    expect(jobsCreated(rendered.timeline, 'db-failover-exec-001')).toEqual(['freeze-writes', 'promote-replica']);
    expect(rendered.stdout).toContain(
      '\nresult: 1 of 1 execution did not succeed\n  default/db-failover-exec-001 Failed: stage database failed: ',
    );
    expect(rendered.stderr).toMatch(
      /^render: execution default\/db-failover-exec-001 ended Failed: stage database failed: .*promote-replica.*failed by --fail\n$/,
    );
    expect(statusOf(rendered, 'DRPlan', 'db-failover').phase).toBe('Ready');
  });

  it('--fail freeze-writes: the later action of the workflow is Skipped (FailFast)', async () => {
    const rendered = await render(...RUNBOOK, EXECUTE, '--fail=freeze-writes');
    expect(rendered.code).toBe(1);
    expect(rendered.timeline).toContain('+0s  action promote-replica: Skipped — not run: action freeze-writes failed');
    expect(jobsCreated(rendered.timeline, 'db-failover-exec-001')).toEqual(['freeze-writes']);
  });
});

describe('render input', () => {
  it('a directory: its YAML files in name order, other kinds listed as ignored', async () => {
    const fromDirectory = await render(SAMPLES);
    expect(fromDirectory.code).toBe(0);
    expect(fromDirectory.stdout).toContain('objects: 2 DRWorkflows, 1 DRPlan, 2 DRPlanExecutions\n');
    expect(fromDirectory.stdout).toContain(
      'ignored: Kustomization, ServiceAccount default/drplan-runner, RoleBinding default/drplan-runner (not DR objects)\n',
    );
    // execute.yaml sorts before revert.yaml, so the directory plays like the explicit list.
    expect(fromDirectory.timeline).toEqual((await render(...RUNBOOK, EXECUTE, REVERT)).timeline);
  });

  it('a multi-document file plays like the same objects in separate files', async () => {
    const file = scratchFile('runbook.yaml', [...RUNBOOK, EXECUTE].map((path) => readFileSync(path, 'utf8')).join('\n---\n'));
    const fromOneFile = await render(file);
    expect(fromOneFile.code).toBe(0);
    expect(fromOneFile.timeline).toEqual((await render(...RUNBOOK, EXECUTE)).timeline);
  });

  it('is deterministic: the same runbook renders byte for byte the same', async () => {
    const first = await render(SAMPLES, '--fail', 'promote-replica');
    const second = await render(SAMPLES, '--fail', 'promote-replica');
    expect(second.stdout).toBe(first.stdout);
  });

  it('--output json: the timeline as data, the verdict, the statuses', async () => {
    const rendered = await render(...RUNBOOK, EXECUTE, '--output', 'json', '--fail', 'promote-replica');
    expect(rendered.code).toBe(1);
    const report = JSON.parse(rendered.stdout) as {
      start: string;
      fail: string[];
      timeline: TimelineEntry[];
      succeeded: boolean;
      executions: { name: string; phase: string; message: string }[];
      statuses: FinalStatus[];
    };
    expect(report.start).toBe('2026-01-01T00:00:00Z');
    expect(report.fail).toEqual(['promote-replica']);
    expect(report.succeeded).toBe(false);
    expect(report.executions).toEqual([
      expect.objectContaining({ name: 'default/db-failover-exec-001', operationType: 'Execute', phase: 'Failed' }),
    ]);
    expect(report.timeline).toContainEqual({
      at: 0,
      kind: 'job',
      name: expect.stringMatching(/^default\/db-failover-exec-001-promote-replica-/),
      event: 'created',
      action: 'promote-replica',
    });
    expect(report.timeline).toContainEqual(
      expect.objectContaining({ kind: 'stage', name: 'traffic', event: 'Skipped', execution: 'default/db-failover-exec-001' }),
    );
    expect(report.statuses.map((status) => status.kind)).toEqual(['DRPlan', 'DRPlanExecution']);
  });

  it('--help prints the usage and exits 0', async () => {
    const rendered = await render('--help');
    expect(rendered.code).toBe(0);
    expect(rendered.stdout).toMatch(/^usage: drplan-hooks render \[--fail ACTION\]\.\.\. \[--output text\|json\] FILE\|DIR\.\.\./);
  });
});

describe('render refuses bad input with exit 2 and one line', () => {
  const cases: [string, () => string[], RegExp][] = [
    ['a path that does not exist', () => [join(scratch, 'missing.yaml')], /: no such file or directory$/],
    ['no paths', () => [], /^no files or directories given$/],
    ['an unknown option', () => [EXECUTE, '--nope'], /^unknown option --nope/],
    ['a bad --output', () => [EXECUTE, '-o', 'yaml'], /^--output must be text or json, not yaml$/],
    ['--fail without a value', () => [EXECUTE, '--fail'], /^--fail needs a value$/],
    [
      '--fail of an action no workflow has',
      () => [...RUNBOOK, EXECUTE, '--fail', 'promote'],
      /^--fail promote: no action of that name in the workflows given \(actions: freeze-writes, promote-replica, update-dns\)$/,
    ],
    ['YAML that does not parse', () => [scratchFile('broken.yaml', 'kind: DRPlan\n  metadata: [\n')], /broken\.yaml: not valid YAML: /],
    ['a document that is not a mapping', () => [scratchFile('list.yaml', '- a\n- b\n')], /list\.yaml: document 1 is not a YAML mapping$/],
    [
      'an unserved version of our API',
      () => [scratchFile('old.yaml', 'apiVersion: dr.bkbcs.tencent.com/v1beta1\nkind: DRPlan\nmetadata: { name: p }\n')],
      /old\.yaml: DRPlan p: apiVersion dr\.bkbcs\.tencent\.com\/v1beta1 is not served/,
    ],
    ['no execution to run', () => RUNBOOK, /^no DRPlanExecution in .*: add one/],
    [
      'the same object twice',
      () => [...RUNBOOK, scratchFile('plan-copy.yaml', readFileSync(sample('plan.yaml'), 'utf8')), EXECUTE],
      /^DRPlan default\/db-failover is defined twice: in .*plan\.yaml and in .*plan-copy\.yaml$/,
    ],
    [
      'a spec that is null (a scaffolded sample)',
      () => [
        ...RUNBOOK,
        scratchFile(
          'null-spec.yaml',
          'apiVersion: dr.bkbcs.tencent.com/v1alpha1\nkind: DRPlanExecution\nmetadata: { name: sample }\nspec:\n  # TODO(user): Add fields here\n',
        ),
      ],
      /null-spec\.yaml: DRPlanExecution default\/sample: the API server would reject it: spec: must be an object \(got null\) \(an execution names its plan: spec\.planRef: <plan name>, spec\.operationType: Execute or Revert\)$/,
    ],
    [
      'a spec of the wrong shape',
      () => [
        ...RUNBOOK,
        scratchFile(
          'wrong.yaml',
          'apiVersion: dr.bkbcs.tencent.com/v1alpha1\nkind: DRPlan\nmetadata: { name: p }\nspec: { stages: [{ name: s, workflows: {} }], historyLimit: many }\n',
        ),
        EXECUTE,
      ],
      /wrong\.yaml: DRPlan default\/p: the API server would reject it: spec\/stages\/0\/workflows: must be a list \(got an object\); spec\/historyLimit: must be an integer \(got "many"\)$/,
    ],
    [
      'an execution in the layout of early upstream documents',
      () => [
        ...RUNBOOK,
        scratchFile(
          'early.yaml',
          'apiVersion: dr.bkbcs.tencent.com/v1alpha1\nkind: DRPlanExecution\nmetadata: { name: e }\nspec: { planRef: { name: db-failover }, operation: execute }\n',
        ),
      ],
      /early\.yaml: DRPlanExecution default\/e: the API server would reject it: spec\/operationType: is required; spec\/planRef: must be a string \(got an object\) \(this is the layout of early upstream documents: write planRef: <plan name> and operationType: Execute or Revert\)$/,
    ],
    [
      'an object the API server rejects',
      () => [
        ...RUNBOOK,
        scratchFile(
          'bad-name.yaml',
          'apiVersion: dr.bkbcs.tencent.com/v1alpha1\nkind: DRPlanExecution\nmetadata: { name: Bad_Name }\nspec: { planRef: db-failover, operationType: Execute }\n',
        ),
      ],
      /bad-name\.yaml: DRPlanExecution default\/Bad_Name rejected: /,
    ],
  ];
  it.each(cases)('%s', async (_name, args, message) => {
    const rendered = await render(...args());
    expect(rendered.code).toBe(2);
    expect(rendered.stdout).toBe('');
    expect(rendered.stderr.endsWith('\n')).toBe(true);
    expect(rendered.stderr.trimEnd().split('\n')).toHaveLength(1);
    expect(rendered.stderr.trimEnd().replace(/^render: /, '')).toMatch(message);
  });
});

describe('render every action type', () => {
  const runbook = () =>
    scratchFile(
      'all-types.yaml',
      `apiVersion: dr.bkbcs.tencent.com/v1alpha1
kind: DRWorkflow
metadata: {name: all-types, namespace: default}
spec:
  actions:
    - name: job
      type: Job
      job: {template: {spec: {template: {spec: {restartPolicy: Never, containers: [{name: c, image: busybox}]}}}}}
    - name: notify
      type: HTTP
      http: {url: "https://hooks.example.com/dr?token=secret", method: POST}
    - name: scale
      type: KubernetesResource
      resource: {operation: Create, manifest: "apiVersion: v1\\nkind: ConfigMap\\nmetadata: {name: flag}\\n"}
    - name: localize
      type: Localization
      localization: {name: web, namespace: clusternet-west, spec: {feed: {apiVersion: apps/v1, kind: Deployment, name: web}}}
    - name: subscribe
      type: Subscription
      subscription: {name: web, namespace: apps, spec: {feeds: [{apiVersion: apps/v1, kind: Deployment, name: web}], subscribers: [{clusterAffinity: {}}]}}
    - name: globalize
      type: Globalization
      globalization: {name: web-defaults, spec: {priority: 100, feed: {apiVersion: apps/v1, kind: Deployment, name: web}}}
    - name: chart
      type: HelmChart
      helmChart: {name: redis, namespace: apps, spec: {repo: https://charts.example.com, chart: redis, targetNamespace: apps}}
---
apiVersion: dr.bkbcs.tencent.com/v1alpha1
kind: DRPlan
metadata: {name: all, namespace: default}
spec:
  stages: [{name: only, workflows: [{workflowRef: {name: all-types}}]}]
---
apiVersion: dr.bkbcs.tencent.com/v1alpha1
kind: DRPlanExecution
metadata: {name: all-exec, namespace: default}
spec: {planRef: all, operationType: Execute}
`,
    );

  it('runs each one, naming what each resource action touched, without calling anything', async () => {
    const rendered = await render(runbook());
    expect(rendered.code).toBe(0);
    expect(rendered.timeline).toEqual(
      expect.arrayContaining([
        '+0s  action notify: Succeeded — HTTP POST https://hooks.example.com/dr succeeded with status 200',
        '+0s  action scale: Succeeded — ConfigMap default/flag created',
        '+0s  action localize: Succeeded — Localization clusternet-west/web created',
        '+0s  action subscribe: Succeeded — Subscription apps/web created',
        '+0s  action globalize: Succeeded — Globalization web-defaults created',
        '+0s  action chart: Succeeded — HelmChart apps/redis created',
      ]),
    );
    expect(rendered.stdout).not.toContain('secret');
  });

  it('--fail fails a runner action with the reason', async () => {
    const rendered = await render(runbook(), '--fail', 'subscribe');
    expect(rendered.code).toBe(1);
    expect(rendered.timeline).toContain('+0s  action subscribe: Failed — failed by --fail');
    expect(rendered.timeline).toContainEqual(expect.stringMatching(/^\+0s {2}action globalize: Skipped/));
  });
});
