import { describe, expect, it } from 'vitest';
import { usageConfigMap } from '../../src/api/usage.js';
import type { DecoratorRequest, KubeObject } from '../../src/k8s/metacontroller.js';
import { finalizeWorkflow, syncWorkflow } from '../../src/workflow/hooks.js';
import { jobAction, T0, workflow } from '../fixtures/objects.js';

const NOW = new Date('2026-01-01T00:01:00Z');
const AT = '2026-01-01T00:01:00Z';
/** A plan `ns/name` that uses the workflows given, as its usage ConfigMap tells the workflow. */
const uses = (planKey: string, ...workflows: string[]) => {
  const [namespace = '', name = ''] = planKey.split('/');
  const keys = workflows.map((key) => ({ namespace: key.split('/')[0] ?? '', name: key.split('/')[1] ?? '' }));
  return usageConfigMap({ namespace, name }, keys);
};
const request = (object: unknown, usage: KubeObject[] = []): DecoratorRequest =>
  ({
    object,
    attachments: {},
    related: { 'ConfigMap.v1': Object.fromEntries(usage.map((c, i) => [`k${i}`, c])) },
  }) as DecoratorRequest;

describe('DRWorkflow sync: the whole response per case', () => {
  it.each([
    [
      'valid, used by one plan in another namespace',
      workflow('wf'),
      [uses('ops/user', 'default/wf'), uses('ops/other', 'default/wf-2')],
      {
        status: {
          phase: 'Ready',
          conditions: [
            {
              type: 'Ready',
              status: 'True',
              reason: 'ValidationSucceeded',
              message: 'Workflow is valid and ready to execute',
              observedGeneration: 1,
              lastTransitionTime: AT,
            },
          ],
          usedBy: ['ops/user'],
          actionCount: 1,
          observedGeneration: 1,
        },
        attachments: [],
      },
    ],
    [
      'undeclared placeholder is a warning',
      workflow('wf', {
        actions: [
          jobAction('a', {
            job: { template: { spec: { template: { spec: { containers: [{ name: 'main', image: 'tool:$(params.region)' }] } } } } },
          }),
        ],
      }),
      [],
      {
        status: {
          phase: 'Ready',
          conditions: [
            {
              type: 'Ready',
              status: 'True',
              reason: 'ValidationSucceeded',
              message:
                'Workflow is valid and ready to execute; warning: action[0] a uses undeclared parameter(s) region; the plan must pass them',
              observedGeneration: 1,
              lastTransitionTime: AT,
            },
          ],
          usedBy: [],
          actionCount: 1,
          observedGeneration: 1,
        },
        attachments: [],
      },
    ],
    [
      'every problem is listed',
      workflow('wf', {
        parameters: [{ name: 'p' }, { name: 'p' }],
        actions: [
          jobAction('a', { dependsOn: ['b'] }),
          jobAction('b', { dependsOn: ['a'] }),
          { name: 'a', type: 'HTTP' },
          { name: 'patch', type: 'KubernetesResource', resource: { operation: 'Patch', manifest: 'kind: ConfigMap' } },
          jobAction('bad-when', { when: 'mode in [x]', timeout: 'soon' }),
        ],
      }),
      [],
      {
        status: {
          phase: 'Invalid',
          conditions: [
            {
              type: 'Ready',
              status: 'False',
              reason: 'ValidationFailed',
              message:
                'Validation failed: [parameters: duplicate parameter "p"; action[2] a: duplicate action name; action[2] a: http is required for HTTP actions; action[3] patch: rollback is required for KubernetesResource Patch operation; action[4] bad-when: timeout "soon" is not a positive duration such as 30s, 5m or 1h; action[4] bad-when: unsupported expression "mode in [x]" in when "mode in [x]"; cycle detected in action dependencies: a -> b -> a]',
              observedGeneration: 1,
              lastTransitionTime: AT,
            },
          ],
          usedBy: [],
          actionCount: 5,
          observedGeneration: 1,
        },
        attachments: [],
      },
    ],
    [
      'a spec that does not match the schema',
      { ...workflow('wf'), spec: { actions: 'none' } },
      [],
      {
        status: {
          phase: 'Invalid',
          conditions: [
            {
              type: 'Ready',
              status: 'False',
              reason: 'ValidationFailed',
              message: 'Validation failed: [spec/actions: must be a list (got "none")]',
              observedGeneration: 1,
              lastTransitionTime: AT,
            },
          ],
          usedBy: [],
          observedGeneration: 1,
        },
        attachments: [],
      },
    ],
  ])('%s', (_name, object, plans, expected) => {
    expect(syncWorkflow(request(object, plans), NOW).response).toEqual(expected);
  });

  it('keeps lastTransitionTime while the Ready status does not change', () => {
    const first = syncWorkflow(request(workflow('wf')), new Date(T0)).response;
    const again = syncWorkflow(request({ ...workflow('wf'), status: first.status }), NOW).response;
    expect(again).toEqual(first);
  });
});

describe('DRWorkflow finalize', () => {
  it('holds deletion while a plan in the namespace uses it', () => {
    const { response } = finalizeWorkflow(
      request(workflow('wf'), [uses('default/user', 'default/wf'), uses('ops/elsewhere', 'default/wf')]),
      NOW,
    );
    expect(response).toEqual({
      status: {
        conditions: [
          {
            type: 'InUse',
            status: 'True',
            reason: 'ReferencedByPlans',
            message: 'deletion waits: referenced by DRPlan(s): [default/user]',
            lastTransitionTime: AT,
          },
        ],
      },
      attachments: [],
      finalized: false,
      resyncAfterSeconds: 30,
    });
  });
  it('completes once no plan of its namespace uses it (a plan being deleted drops its usage ConfigMap)', () => {
    expect(finalizeWorkflow(request(workflow('wf'), [uses('ops/elsewhere', 'default/wf')]), NOW).response).toEqual({
      status: null,
      attachments: [],
      finalized: true,
    });
  });
});
