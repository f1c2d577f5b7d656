import { isRecord } from '../k8s/json.js';
import type { Action } from '../api/workflow.js';

/**
 * The per-type checks of an action's block, with the Go controller's rules: each type's block is
 * present with the fields its operation needs, and Patch, which nothing can undo automatically,
 * names a rollback. Where a block has the shape of upstream's early user guide, the message says
 * where the field belongs now.
 */

export interface BlockFindings {
  errors: string[];
  warnings: string[];
}

type Operation = 'Create' | 'Apply' | 'Patch' | 'Delete' | 'Replace';

export function checkBlock(action: Action, label: string, isRollback: boolean): BlockFindings {
  const findings: BlockFindings = { errors: [], warnings: [] };
  const context: Context = { action, label, isRollback, findings };
  switch (action.type) {
    case 'HTTP':
      if (action.http === undefined) missing(context, 'http');
      else if (action.http.url.trim() === '') missing(context, 'http.url');
      misplaced(context, action.http, 'http', { timeout: "the action's timeout", expectedStatusCodes: 'http.successCodes' });
      break;
    case 'Job':
      checkJob(context);
      break;
    case 'Localization':
      checkClusternet(context, 'localization', action.localization, { namespaced: true, required: feedFields });
      break;
    case 'Globalization':
      checkClusternet(context, 'globalization', action.globalization, { namespaced: false, required: feedFields });
      break;
    case 'HelmChart':
      checkClusternet(context, 'helmChart', action.helmChart, { namespaced: true, required: helmChartFields });
      break;
    case 'Subscription':
      checkSubscription(context);
      break;
    case 'KubernetesResource':
      if (action.resource === undefined) {
        missing(context, 'resource');
        break;
      }
      if (action.resource.manifest.trim() === '') missing(context, 'resource.manifest');
      requireRollbackFor(context, action.resource.operation ?? 'Create');
      break;
  }
  return findings;
}

interface Context {
  action: Action;
  label: string;
  isRollback: boolean;
  findings: BlockFindings;
}

function missing({ action, label, findings }: Context, field: string, operation?: Operation): void {
  findings.errors.push(`${label}: ${field} is required for ${action.type}${operation === undefined ? ' actions' : ` ${operation}`}`);
}

/** Only Patch: a created or applied object is deleted on Revert, and a deleted one stays deleted. */
function requireRollbackFor({ action, label, isRollback, findings }: Context, operation: Operation): void {
  if (operation === 'Patch' && !isRollback && action.rollback === undefined) {
    findings.errors.push(`${label}: rollback is required for ${action.type} Patch operation`);
  }
}

/** Fields the API server would prune from a block, and where they go instead. */
function misplaced({ label, findings }: Context, block: object | undefined, name: string, moves: Record<string, string>): void {
  if (block === undefined) return;
  for (const [field, instead] of Object.entries(moves)) {
    if (Object.hasOwn(block, field)) findings.warnings.push(`${label}: ${name}.${field} is not a field and is ignored; use ${instead}`);
  }
}

function checkJob(context: Context): void {
  const { action, label, findings } = context;
  const job = action.job;
  if (job === undefined) {
    missing(context, 'job');
    return;
  }
  const spec = job.template.spec;
  if (Object.hasOwn(spec, 'containers')) {
    findings.errors.push(
      `${label}: job.template.spec is a Job spec, not a pod spec: put the pod (restartPolicy, containers, ...) under job.template.spec.template.spec`,
    );
  } else {
    const podTemplate = spec['template'];
    const podSpec = isRecord(podTemplate) ? podTemplate['spec'] : undefined;
    if (!isRecord(podTemplate)) missing(context, 'job.template.spec.template (the pod template of the Job spec)');
    else if (!isRecord(podSpec) || !Array.isArray(podSpec['containers']) || podSpec['containers'].length === 0) {
      findings.errors.push(`${label}: job.template.spec.template.spec.containers must list at least one container`);
    }
  }
  misplaced(context, job, 'job', {
    generateName: 'nothing: Job names are chosen per run',
    backoffLimit: 'job.template.spec.backoffLimit',
    timeout: "the action's timeout",
  });
}

interface ClusternetBlock {
  operation?: Operation | undefined;
  name: string;
  namespace?: string | undefined;
  spec?: Record<string, unknown> | undefined;
}

interface ClusternetRules {
  /** Localization and HelmChart live in a namespace; a Globalization is cluster-scoped. */
  namespaced: boolean;
  /** The spec fields an operation other than Patch or Delete needs. */
  required: (context: Context, name: string, block: ClusternetBlock, operation: Operation) => void;
}

function checkClusternet(context: Context, name: string, block: ClusternetBlock | undefined, rules: ClusternetRules): void {
  if (block === undefined) {
    missing(context, name);
    return;
  }
  const operation = block.operation ?? 'Create';
  if (block.name.trim() === '') missing(context, `${name}.name`);
  if (rules.namespaced && (block.namespace ?? '').trim() === '') missing(context, `${name}.namespace`);
  requireRollbackFor(context, operation);
  if (operation === 'Delete') return;
  if (block.spec === undefined) {
    const hint = ['feed', 'overrides', 'priority'].some((field) => Object.hasOwn(block, field))
      ? ` (found feed, overrides or priority directly under ${name}: they belong under ${name}.spec)`
      : '';
    context.findings.errors.push(`${context.label}: ${name}.spec is required for ${context.action.type} ${operation}${hint}`);
    return;
  }
  if (operation !== 'Patch') rules.required(context, name, block, operation);
}

const FEED_FIELDS = ['apiVersion', 'kind', 'name'] as const;

function feedFields(context: Context, name: string, block: ClusternetBlock, operation: Operation): void {
  const spec = block.spec ?? {};
  const feed = spec['feed'];
  if (!isRecord(feed)) {
    const inline = FEED_FIELDS.some((field) => Object.hasOwn(spec, field));
    const hint = inline ? ` (found ${FEED_FIELDS.join(', ')} directly under ${name}.spec: they belong under ${name}.spec.feed)` : '';
    context.findings.errors.push(
      `${context.label}: ${name}.spec.feed (${FEED_FIELDS.join(', ')}) is required for ${context.action.type} ${operation}${hint}`,
    );
    return;
  }
  for (const field of FEED_FIELDS) {
    if (!nonEmpty(feed[field])) missing(context, `${name}.spec.feed.${field}`, operation);
  }
}

function helmChartFields(context: Context, name: string, block: ClusternetBlock, operation: Operation): void {
  const spec = block.spec ?? {};
  for (const field of ['repo', 'chart', 'targetNamespace']) {
    if (!nonEmpty(spec[field])) missing(context, `${name}.spec.${field}`, operation);
  }
}

function checkSubscription(context: Context): void {
  const subscription = context.action.subscription;
  if (subscription === undefined) {
    missing(context, 'subscription');
    return;
  }
  const operation = subscription.operation ?? 'Create';
  if (subscription.name.trim() === '') missing(context, 'subscription.name');
  requireRollbackFor(context, operation);
  if (operation !== 'Create') return;
  const spec = subscription.spec;
  if (spec === undefined) {
    missing(context, 'subscription.spec', operation);
    return;
  }
  for (const field of ['feeds', 'subscribers']) {
    const list = spec[field];
    if (!Array.isArray(list) || list.length === 0) {
      context.findings.errors.push(`${context.label}: subscription.spec.${field} must list at least one entry for Subscription Create`);
    }
  }
}

function nonEmpty(value: unknown): boolean {
  return typeof value === 'string' && value.trim() !== '';
}
