import { describe, expect, it } from 'vitest';
import { executionParamProblems } from '../../src/execution/params.js';
import type { ObjectMap } from '../../src/k8s/metacontroller.js';
import { validatePlanSpec } from '../../src/plan/validate.js';
import { usableWorkflows, workflowVerdicts } from '../../src/plan/workflows.js';
import type { Action } from '../../src/api/workflow.js';
import { validateWorkflowSpec } from '../../src/workflow/validate.js';
import { jobAction, stage, workflow } from '../fixtures/objects.js';

const feed = { apiVersion: 'apps/v1', kind: 'Deployment', name: 'web' };
const check = (action: Record<string, unknown>) => validateWorkflowSpec({ actions: [action as Action] });

describe('action blocks, with the Go controller rules', () => {
  it.each([
    ['Localization Create with spec.feed', { type: 'Localization', localization: { name: 'l', namespace: 'ns', spec: { feed } } }, []],
    [
      'Localization Apply needs the feed',
      { type: 'Localization', localization: { operation: 'Apply', name: 'l', namespace: 'ns', spec: {} } },
      ['a: localization.spec.feed (apiVersion, kind, name) is required for Localization Apply'],
    ],
    [
      'Localization Patch needs no feed, but a rollback',
      { type: 'Localization', localization: { operation: 'Patch', name: 'l', namespace: 'ns', spec: { overrides: [] } } },
      ['a: rollback is required for Localization Patch operation'],
    ],
    ['Localization Delete needs no spec', { type: 'Localization', localization: { operation: 'Delete', name: 'l', namespace: 'ns' } }, []],
    [
      'Localization feed incomplete',
      { type: 'Localization', localization: { name: 'l', namespace: '', spec: { feed: { apiVersion: 'v1', kind: '' } } } },
      [
        'a: localization.namespace is required for Localization actions',
        'a: localization.spec.feed.kind is required for Localization Create',
        'a: localization.spec.feed.name is required for Localization Create',
      ],
    ],
    [
      'Localization with the early guide layout',
      { type: 'Localization', localization: { name: 'l', namespace: 'ns', feed } },
      [
        'a: localization.spec is required for Localization Create (found feed, overrides or priority directly under localization: they belong under localization.spec)',
      ],
    ],
    [
      'Globalization Apply (cluster-scoped: no namespace)',
      { type: 'Globalization', globalization: { operation: 'Apply', name: 'g', spec: { feed } } },
      [],
    ],
    ['Globalization without its block', { type: 'Globalization' }, ['a: globalization is required for Globalization actions']],
    [
      'Globalization Create without spec',
      { type: 'Globalization', globalization: { name: 'g' } },
      ['a: globalization.spec is required for Globalization Create'],
    ],
    [
      'HelmChart Apply',
      {
        type: 'HelmChart',
        helmChart: { operation: 'Apply', name: 'h', namespace: 'ns', spec: { repo: 'https://charts', chart: 'c', targetNamespace: 't' } },
      },
      [],
    ],
    [
      'HelmChart without chart fields',
      { type: 'HelmChart', helmChart: { name: 'h', namespace: 'ns', spec: { repo: 'https://charts' } } },
      ['a: helmChart.spec.chart is required for HelmChart Create', 'a: helmChart.spec.targetNamespace is required for HelmChart Create'],
    ],
    [
      'HelmChart Patch needs a rollback',
      { type: 'HelmChart', helmChart: { operation: 'Patch', name: 'h', namespace: 'ns', spec: {} } },
      ['a: rollback is required for HelmChart Patch operation'],
    ],
    [
      'KubernetesResource Apply needs no rollback',
      { type: 'KubernetesResource', resource: { operation: 'Apply', manifest: 'kind: ConfigMap' } },
      [],
    ],
    [
      'KubernetesResource Patch needs one',
      { type: 'KubernetesResource', resource: { operation: 'Patch', manifest: 'kind: ConfigMap' } },
      ['a: rollback is required for KubernetesResource Patch operation'],
    ],
    ['Subscription Apply needs no feeds', { type: 'Subscription', subscription: { operation: 'Apply', name: 's', spec: {} } }, []],
    [
      'Subscription Create needs feeds and subscribers',
      { type: 'Subscription', subscription: { name: 's', spec: { feeds: [] } } },
      [
        'a: subscription.spec.feeds must list at least one entry for Subscription Create',
        'a: subscription.spec.subscribers must list at least one entry for Subscription Create',
      ],
    ],
    ['Job with a pod template', jobAction('a'), []],
    [
      'Job without the pod template',
      { type: 'Job', job: { template: { spec: { backoffLimit: 0 } } } },
      ['a: job.template.spec.template (the pod template of the Job spec) is required for Job actions'],
    ],
    [
      'Job without containers',
      { type: 'Job', job: { template: { spec: { template: { spec: { containers: [] } } } } } },
      ['a: job.template.spec.template.spec.containers must list at least one container'],
    ],
  ])('%s', (_name, action, errors) => {
    const findings = check({ name: 'a', ...action });
    expect(findings.errors.map((error) => error.replace(/^action\[0\] /, ''))).toEqual(errors);
  });

  it('fields the API server would prune are warnings that say where they go', () => {
    const findings = check({ ...jobAction('a'), job: { ...jobAction('a').job, generateName: 'a-', backoffLimit: 3 } });
    expect(findings.errors).toEqual([]);
    expect(findings.warnings).toContain('action[0] a: job.backoffLimit is not a field and is ignored; use job.template.spec.backoffLimit');
  });

  it('a custom rollback is checked with the same rules', () => {
    const findings = check({
      ...jobAction('a'),
      rollback: { type: 'Localization', localization: { name: 'l', namespace: 'ns', spec: {} } },
    });
    expect(findings.errors).toEqual([
      'action[0] a rollback: localization.spec.feed (apiVersion, kind, name) is required for Localization Create',
    ]);
  });
});

describe('executionParamProblems', () => {
  it.each([
    [
      [
        { name: 'region', value: 'west' },
        { name: 'my_param-1', value: '' },
      ],
      [],
    ],
    [[{ name: '' }], ['params[0]: name must not be empty']],
    [[{ name: 'mode', value: 'upgrade' }], ['params[0] "mode": the name mode is reserved; set spec.mode instead']],
    [
      [{ name: '1foo' }, { name: 'foo.bar' }],
      ['params[0] "1foo": name must match [a-zA-Z][a-zA-Z0-9_-]*', 'params[1] "foo.bar": name must match [a-zA-Z][a-zA-Z0-9_-]*'],
    ],
    [
      [
        { name: 'a', value: '1' },
        { name: 'a', value: '2' },
      ],
      ['params[1] "a": duplicate parameter name'],
    ],
    [[{ name: 'a', value: '1', valueFrom: { manifestRef: {} } }], ['params[0] "a": value and valueFrom are mutually exclusive']],
    [[{ name: 'a', valueFrom: { manifestRef: {} } }], ['params[0] "a": valueFrom is not supported yet; give a value']],
  ])('%j', (params, problems) => {
    expect(executionParamProblems({ params })).toEqual(problems);
  });
});

describe('a plan says why a workflow it uses cannot be used', () => {
  const related = (...objects: unknown[]): ObjectMap =>
    ({
      'DRWorkflow.dr.bkbcs.tencent.com/v1alpha1': Object.fromEntries(objects.map((object, index) => [`k${index}`, object])),
    }) as ObjectMap;
  const spec = { stages: [stage('main', ['wf'])] };

  it.each([
    ['missing', related(), 'stage[0] main: workflow default/wf not found'],
    [
      'failing the schema',
      related({ ...workflow('wf'), spec: { failurePolicy: 'Stop', actions: [jobAction('a')] } }),
      'stage[0] main: workflow default/wf cannot be used: its spec fails the schema: spec/failurePolicy: must be one of FailFast, Continue (got "Stop")',
    ],
    [
      'Invalid',
      related(workflow('wf', { actions: [{ name: 'a', type: 'HTTP' }] })),
      'stage[0] main: workflow default/wf cannot be used: it is Invalid: action[0] a: http is required for HTTP actions',
    ],
  ])('%s', (_name, objects, problem) => {
    const verdicts = workflowVerdicts(objects, [{ namespace: 'default', name: 'wf' }]);
    expect(validatePlanSpec(spec, 'default', verdicts)).toEqual([problem]);
    expect(usableWorkflows(verdicts).size).toBe(0);
  });

  it('a usable workflow is offered to the run, its status ignored; workflows the plan does not use are not judged', () => {
    const verdicts = workflowVerdicts(
      related({ ...workflow('wf'), status: { phase: 'Invalid', bogus: true } }, workflow('unused', { actions: [] })),
      [{ namespace: 'default', name: 'wf' }],
    );
    expect(validatePlanSpec(spec, 'default', verdicts)).toEqual([]);
    expect([...usableWorkflows(verdicts).keys()]).toEqual(['default/wf']);
  });
});
