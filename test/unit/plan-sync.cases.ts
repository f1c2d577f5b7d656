import type { DRPlanExecution } from '../../src/api/execution.js';
import type { CompositeRequest, KubeObject, ObjectMap } from '../../src/k8s/metacontroller.js';
import type { DRPlanStatus } from '../../src/api/plan.js';
import { execution, NAMESPACE, plan, readyWorkflow, T0 } from '../fixtures/objects.js';

/** The inputs of the plan hook's table test: a plan `p` of one stage running workflow `wf` (one Job action `step-1`). */

const ADMITTED = {
  type: 'Accepted',
  status: 'True',
  reason: 'Admitted',
  message: 'admitted; runs when the plan elects it',
  lastTransitionTime: T0,
};

export function objectMap(...objects: KubeObject[]): ObjectMap {
  const map: ObjectMap = {};
  for (const object of objects) {
    const key = `${object.kind}.${object.apiVersion}`;
    (map[key] ??= {})[`${object.metadata.namespace ?? ''}/${object.metadata.name}`] = object;
  }
  return map;
}

export function planRequest(
  status: DRPlanStatus | undefined,
  related: KubeObject[],
  children: KubeObject[] = [],
  finalizing = false,
): CompositeRequest {
  const parent = plan('p', {}, status === undefined ? {} : { status });
  return {
    controller: {},
    parent,
    children: objectMap(...children),
    related: objectMap(...related),
    ...(finalizing ? { finalizing } : {}),
  } as CompositeRequest;
}

export function admitted(name: string, phase = 'Pending', extra: Partial<DRPlanExecution['metadata']> = {}): DRPlanExecution {
  const object = execution(name, { planRef: 'p' }, { status: { phase, conditions: [ADMITTED] } } as Partial<DRPlanExecution>);
  object.metadata = { ...object.metadata, labels: { 'dr.bkbcs.tencent.com/plan': 'p' }, ...extra };
  return object;
}

export const wf = readyWorkflow('wf');
export { NAMESPACE, T0 };
