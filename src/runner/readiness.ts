import type { ClusterStatus } from './result.js';

/**
 * Whether a live object is ready, by the rules `kstatus` applies (the status library behind
 * `kubectl wait` and GitOps health checks): the controller has seen the latest generation, the
 * built-in workloads have their replicas updated and available, and other kinds report
 * `Ready` / `Available` conditions. `failed` is final: waiting longer cannot help.
 */
export type Readiness =
  | { state: 'ready'; message: string; clusterStatuses?: ClusterStatus[] }
  | { state: 'progressing'; message: string; clusterStatuses?: ClusterStatus[] }
  | { state: 'failed'; message: string; clusterStatuses?: ClusterStatus[] };

export interface LiveObject {
  apiVersion?: string;
  kind?: string;
  metadata?: { generation?: number; deletionTimestamp?: unknown; uid?: string };
  spec?: unknown;
  status?: unknown;
}

interface Condition {
  type: string;
  status: string;
  reason?: string;
  message?: string;
}

export function readiness(object: LiveObject, options: { perCluster?: boolean } = {}): Readiness {
  if (object.metadata?.deletionTimestamp !== undefined && object.metadata.deletionTimestamp !== null) {
    return { state: 'progressing', message: 'being deleted' };
  }
  const status = record(object.status);
  const generation = object.metadata?.generation;
  const observed = status['observedGeneration'];
  if (typeof generation === 'number' && typeof observed === 'number' && observed < generation) {
    return { state: 'progressing', message: `observedGeneration ${observed} is behind generation ${generation}` };
  }
  const group = (object.apiVersion ?? '').split('/').slice(0, -1).join('/');
  const byKind = KIND_RULES.get(`${group}/${object.kind ?? ''}`);
  return byKind ? byKind(object, status, options) : byConditions(status);
}

type Rule = (object: LiveObject, status: Record<string, unknown>, options: { perCluster?: boolean }) => Readiness;

const KIND_RULES = new Map<string, Rule>([
  ['apps/Deployment', deployment],
  ['apps/StatefulSet', statefulSet],
  ['apps/ReplicaSet', replicaSet],
  ['apps/DaemonSet', daemonSet],
  ['batch/Job', job],
  ['/Pod', pod],
  [
    '/PersistentVolumeClaim',
    (_o, status) => (status['phase'] === 'Bound' ? ready('Bound') : progressing(`phase ${shown(status['phase'] ?? 'unknown')}`)),
  ],
  ['apps.clusternet.io/Subscription', subscription],
]);

function deployment(object: LiveObject, status: Record<string, unknown>): Readiness {
  const conditions = conditionsOf(status);
  const progressingCondition = conditions.find((c) => c.type === 'Progressing');
  if (progressingCondition?.reason === 'ProgressDeadlineExceeded') {
    return { state: 'failed', message: `progress deadline exceeded: ${progressingCondition.message ?? ''}`.trim() };
  }
  const desired = desiredReplicas(object);
  const gap = replicaGap(status, desired, ['updatedReplicas', 'readyReplicas', 'availableReplicas']);
  if (gap !== undefined) return progressing(gap);
  if (number(status['replicas']) > desired)
    return progressing(`${number(status['replicas'])} replicas exist, ${desired} desired: old ones still terminating`);
  const available = conditions.find((c) => c.type === 'Available');
  if (available !== undefined && available.status !== 'True')
    return progressing(`Available is ${available.status}: ${available.message ?? ''}`.trim());
  return ready(`${desired} replica(s) updated and available`);
}

function statefulSet(object: LiveObject, status: Record<string, unknown>): Readiness {
  const desired = desiredReplicas(object);
  const gap = replicaGap(status, desired, ['readyReplicas', 'currentReplicas']);
  if (gap !== undefined) return progressing(gap);
  const update = status['updateRevision'];
  if (typeof update === 'string' && update !== '' && status['currentRevision'] !== update) {
    return progressing(`rolling out revision ${update}`);
  }
  return ready(`${desired} replica(s) ready`);
}

function replicaSet(object: LiveObject, status: Record<string, unknown>): Readiness {
  const desired = desiredReplicas(object);
  const gap = replicaGap(status, desired, ['readyReplicas', 'availableReplicas']);
  return gap === undefined ? ready(`${desired} replica(s) available`) : progressing(gap);
}

function daemonSet(_object: LiveObject, status: Record<string, unknown>): Readiness {
  const desired = number(status['desiredNumberScheduled']);
  for (const field of ['updatedNumberScheduled', 'numberAvailable', 'numberReady']) {
    if (number(status[field]) < desired) return progressing(`${field} ${number(status[field])} of ${desired}`);
  }
  return ready(`${desired} pod(s) available`);
}

function job(_object: LiveObject, status: Record<string, unknown>): Readiness {
  const conditions = conditionsOf(status);
  const failed = conditions.find((c) => c.type === 'Failed' && c.status === 'True');
  if (failed) return { state: 'failed', message: `Job failed: ${failed.message ?? failed.reason ?? ''}`.trim() };
  if (conditions.some((c) => c.type === 'Complete' && c.status === 'True')) return ready('Job complete');
  return progressing('Job not complete yet');
}

function pod(_object: LiveObject, status: Record<string, unknown>): Readiness {
  const phase = status['phase'];
  if (phase === 'Succeeded') return ready('Pod succeeded');
  if (phase === 'Failed') return { state: 'failed', message: `Pod failed: ${shown(status['message'] ?? status['reason'] ?? '')}`.trim() };
  const readyCondition = conditionsOf(status).find((c) => c.type === 'Ready');
  return phase === 'Running' && readyCondition?.status === 'True'
    ? ready('Pod running and ready')
    : progressing(`Pod ${shown(phase ?? 'Pending')}`);
}

/**
 * Clusternet's hub view of a Subscription: bound to clusters, and every release it wants
 * there completed. Per cluster, the feeds' aggregated status says whether they are available.
 */
function subscription(_object: LiveObject, status: Record<string, unknown>, options: { perCluster?: boolean }): Readiness {
  const generic = byConditions(status);
  if (generic.state === 'failed') return generic;
  const clusters = Array.isArray(status['bindingClusters'])
    ? status['bindingClusters'].filter((c): c is string => typeof c === 'string')
    : [];
  if (clusters.length === 0) return progressing('not bound to any cluster yet');
  const desired = status['desiredReleases'];
  const completed = number(status['completedReleases']);
  const allReleased = typeof desired !== 'number' || completed >= desired;
  const perCluster = clusters.map((cluster) => clusterStatus(cluster, status, allReleased));
  const pending = perCluster.filter((c) => c.phase !== 'Succeeded');
  const statuses = options.perCluster ? { clusterStatuses: perCluster } : {};
  if (!allReleased) return { state: 'progressing', message: `${completed} of ${String(desired)} release(s) completed`, ...statuses };
  if (pending.length > 0) return { state: 'progressing', message: `not ready in ${pending.map((c) => c.cluster).join(', ')}`, ...statuses };
  if (generic.state === 'progressing') return { ...generic, ...statuses };
  return { state: 'ready', message: `ready in ${clusters.length} cluster(s)`, ...statuses };
}

function clusterStatus(cluster: string, status: Record<string, unknown>, released: boolean): ClusterStatus {
  const name = cluster.split('/').pop() ?? cluster;
  const aggregated = Array.isArray(status['aggregatedStatuses']) ? status['aggregatedStatuses'].map(record) : [];
  const details = aggregated.map((feed) =>
    (Array.isArray(feed['feedStatusDetails']) ? feed['feedStatusDetails'].map(record) : []).find(
      (detail) => detail['clusterName'] === name || detail['clusterId'] === name || detail['clusterID'] === name,
    ),
  );
  const id = details.map((detail) => detail?.['clusterId'] ?? detail?.['clusterID']).find((value) => typeof value === 'string');
  const base: ClusterStatus = { cluster, phase: 'Succeeded', ...(typeof id === 'string' ? { clusterID: id } : {}) };
  if (!released) return { ...base, phase: 'Running', message: 'release not completed' };
  const missing = details.filter((detail) => detail !== undefined && record(detail['feedStatus'] ?? detail)['available'] === false);
  if (missing.length > 0) return { ...base, phase: 'Running', message: `${missing.length} feed(s) not available` };
  return base;
}

/** Any other kind: a `Ready` or `Available` condition decides; `Stalled` is final; none means ready. */
function byConditions(status: Record<string, unknown>): Readiness {
  const conditions = conditionsOf(status);
  const stalled = conditions.find((c) => c.type === 'Stalled' && c.status === 'True');
  if (stalled) return { state: 'failed', message: `Stalled: ${stalled.message ?? stalled.reason ?? ''}`.trim() };
  const reconciling = conditions.find((c) => c.type === 'Reconciling' && c.status === 'True');
  if (reconciling) return progressing(`Reconciling: ${reconciling.message ?? reconciling.reason ?? ''}`.trim());
  for (const type of ['Ready', 'Available']) {
    const condition = conditions.find((c) => c.type === type);
    if (condition === undefined) continue;
    return condition.status === 'True'
      ? ready(`${type} is True`)
      : progressing(`${type} is ${condition.status}: ${condition.message ?? condition.reason ?? ''}`.trim());
  }
  return ready('no readiness conditions to wait for');
}

function desiredReplicas(object: LiveObject): number {
  const replicas = record(object.spec)['replicas'];
  return typeof replicas === 'number' ? replicas : 1;
}

function replicaGap(status: Record<string, unknown>, desired: number, fields: readonly string[]): string | undefined {
  for (const field of fields) {
    if (number(status[field]) < desired) return `${field} ${number(status[field])} of ${desired}`;
  }
  return undefined;
}

function conditionsOf(status: Record<string, unknown>): Condition[] {
  const list = status['conditions'];
  if (!Array.isArray(list)) return [];
  return list
    .map(record)
    .flatMap((c) =>
      typeof c['type'] === 'string' && typeof c['status'] === 'string'
        ? [{ type: c['type'], status: c['status'], ...text('reason', c['reason']), ...text('message', c['message']) }]
        : [],
    );
}

function text<K extends string>(key: K, value: unknown): { [P in K]?: string } {
  return (typeof value === 'string' ? { [key]: value } : {}) as { [P in K]?: string };
}

function ready(message: string): Readiness {
  return { state: 'ready', message };
}

function progressing(message: string): Readiness {
  return { state: 'progressing', message };
}

function number(value: unknown): number {
  return typeof value === 'number' ? value : 0;
}

function record(value: unknown): Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : {};
}

/** A status field as a message shows it: strings as they are, anything else as JSON. */
function shown(value: unknown): string {
  return typeof value === 'string' ? value : (JSON.stringify(value) ?? '');
}
