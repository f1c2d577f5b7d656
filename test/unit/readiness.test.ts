import { describe, expect, it } from 'vitest';
import { readiness } from '../../src/runner/readiness.js';

const conditions = (...list: [string, string][]) => ({ conditions: list.map(([type, status]) => ({ type, status })) });

describe('readiness by kstatus rules', () => {
  it('waits for the controller to observe the latest generation', () => {
    expect(
      readiness({
        apiVersion: 'example.com/v1',
        kind: 'Thing',
        metadata: { generation: 3 },
        status: { observedGeneration: 2, ...conditions(['Ready', 'True']) },
      }),
    ).toEqual({
      state: 'progressing',
      message: 'observedGeneration 2 is behind generation 3',
    });
  });

  it('reads Ready, then Available; Stalled is final; no conditions means ready', () => {
    const thing = (status: unknown) => readiness({ apiVersion: 'example.com/v1', kind: 'Thing', status });
    expect(thing(conditions(['Ready', 'False'])).state).toBe('progressing');
    expect(thing(conditions(['Available', 'True'])).state).toBe('ready');
    expect(thing(conditions(['Ready', 'True'], ['Reconciling', 'True'])).state).toBe('progressing');
    expect(thing(conditions(['Stalled', 'True'])).state).toBe('failed');
    expect(thing({}).state).toBe('ready');
  });

  it('knows the built-in workloads', () => {
    const deployment = (status: Record<string, unknown>) =>
      readiness({
        apiVersion: 'apps/v1',
        kind: 'Deployment',
        metadata: { generation: 1 },
        spec: { replicas: 2 },
        status: { observedGeneration: 1, ...status },
      });
    expect(deployment({ replicas: 3, updatedReplicas: 2, readyReplicas: 2, availableReplicas: 2 })).toMatchObject({
      state: 'progressing',
      message: '3 replicas exist, 2 desired: old ones still terminating',
    });
    expect(deployment({ replicas: 2, updatedReplicas: 2, readyReplicas: 2, availableReplicas: 2 }).state).toBe('ready');
    expect(deployment({ conditions: [{ type: 'Progressing', status: 'False', reason: 'ProgressDeadlineExceeded' }] }).state).toBe('failed');
    expect(readiness({ apiVersion: 'batch/v1', kind: 'Job', status: conditions(['Failed', 'True']) }).state).toBe('failed');
    expect(readiness({ apiVersion: 'v1', kind: 'Pod', status: { phase: 'Running', ...conditions(['Ready', 'True']) } }).state).toBe(
      'ready',
    );
    expect(
      readiness({
        apiVersion: 'apps/v1',
        kind: 'StatefulSet',
        spec: { replicas: 1 },
        status: { readyReplicas: 1, currentReplicas: 1, currentRevision: 'a', updateRevision: 'b' },
      }).state,
    ).toBe('progressing');
  });

  it('reports a PerCluster Subscription cluster by cluster', () => {
    const subscription = readiness(
      {
        apiVersion: 'apps.clusternet.io/v1alpha1',
        kind: 'Subscription',
        status: {
          bindingClusters: ['clusternet-a/a', 'clusternet-b/b'],
          desiredReleases: 2,
          completedReleases: 2,
          aggregatedStatuses: [
            {
              feedStatusDetails: [
                { clusterName: 'a', clusterId: 'id-a', available: true },
                { clusterName: 'b', clusterId: 'id-b', available: false },
              ],
            },
          ],
        },
      },
      { perCluster: true },
    );
    expect(subscription).toEqual({
      state: 'progressing',
      message: 'not ready in clusternet-b/b',
      clusterStatuses: [
        { cluster: 'clusternet-a/a', clusterID: 'id-a', phase: 'Succeeded' },
        { cluster: 'clusternet-b/b', clusterID: 'id-b', phase: 'Running', message: '1 feed(s) not available' },
      ],
    });
  });
});
