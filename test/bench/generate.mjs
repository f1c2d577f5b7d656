/* global process */
/**
 * Request generators for the benchmark (`npm run bench`, see run.mjs).
 *
 * Plain ESM JavaScript importing the compiled core from `dist/`, like the server process the
 * benchmark drives: no TypeScript loader is installed, and the project tsconfig only covers
 * `.ts`, so these files need no separate build and time exactly the code that ships.
 *
 * The state in each request is produced by the hooks themselves, as Metacontroller would see it
 * after driving them: a plan is synced, an execution admitted and elected, its Jobs observed
 * (with the fields the API server and the Job controller add, Metacontroller's
 * last-applied annotation and one Pod each), until the run is where the case wants it.
 * Old executions are copies of one execution run to completion, renamed.
 */
import { readFileSync } from 'node:fs';
import { URL } from 'node:url';
import { syncExecution } from '../../dist/execution/hooks.js';
import { syncPlan } from '../../dist/plan/hooks.js';
import { syncWorkflow } from '../../dist/workflow/hooks.js';

const API_VERSION = 'dr.bkbcs.tencent.com/v1alpha1';
const NAMESPACE = 'dr-system';
const PLAN = 'payments-failover';
const PLAN_KEY = `DRPlan.${API_VERSION}`;
const EXECUTION_KEY = `DRPlanExecution.${API_VERSION}`;
const WORKFLOW_KEY = `DRWorkflow.${API_VERSION}`;
const JOB_KEY = 'Job.batch/v1';
const POD_KEY = 'Pod.v1';
const CONFIGMAP_KEY = 'ConfigMap.v1';
const HISTORY_LIMIT = 50;
/** Seconds between two simulated syncs. */
const TICK = 2;

const here = new URL('.', import.meta.url);
const recorded = (name) => JSON.parse(readFileSync(new URL(`../../hooks/${name}.request.json`, here), 'utf8'));
const CONTROLLERS = {
  plan: recorded('drplan-sync').controller,
  execution: recorded('drplanexecution-sync').controller,
  workflow: recorded('drworkflow-sync').controller,
};

/** Stages and workflows of the generated runbook; actions are spread evenly over the workflows. */
const LAYOUT = [
  { name: 'prepare', workflows: ['preflight-checks'] },
  { name: 'database', workflows: ['failover-db-east', 'failover-db-west'], parallel: true, dependsOn: ['prepare'] },
  { name: 'traffic', workflows: ['switch-dns', 'switch-gateway'], dependsOn: ['database'] },
  { name: 'verify', workflows: ['smoke-tests'], dependsOn: ['traffic'] },
];
const WORKFLOW_NAMES = LAYOUT.flatMap((stage) => stage.workflows);

let serial = 0;
const uid = (label) => {
  serial += 1;
  const hex = serial.toString(16).padStart(12, '0');
  return `${hex.slice(0, 8)}-${label.padEnd(4, '0').slice(0, 4)}-4000-8000-${hex}`;
};
const rv = () => String(100000 + serial * 7);
const iso = (ms) => `${new Date(ms).toISOString().slice(0, 19)}Z`;
const key = (object) => `${object.metadata.namespace}/${object.metadata.name}`;
const mapOf = (objects) => Object.fromEntries(objects.map((object) => [key(object), object]));

function container(name, text) {
  return {
    name,
    image: '$(params.image)',
    command: ['sh', '-c', text],
    env: [
      { name: 'TARGET_CLUSTER', value: '$(params.targetCluster)' },
      { name: 'REGION', value: '{{ .params.region }}' },
    ],
    resources: { requests: { cpu: '50m', memory: '64Mi' }, limits: { memory: '128Mi' } },
  };
}

function jobSpec(name, text) {
  return {
    template: {
      metadata: { labels: { 'app.kubernetes.io/part-of': 'dr-runbooks' } },
      spec: {
        backoffLimit: 0,
        template: { spec: { restartPolicy: 'Never', serviceAccountName: 'dr-actions', containers: [container(name, text)] } },
      },
    },
    ttlSecondsAfterFinished: 86400,
  };
}

function workflowObject(name, actionCount, createdMs) {
  const actions = [];
  for (let index = 1; index <= actionCount; index++) {
    const action = `${name}-step-${String(index).padStart(3, '0')}`;
    const entry = {
      name: action,
      type: 'Job',
      timeout: '1h',
      job: jobSpec(action, `echo ${action}: applying change on $(params.targetCluster) in $(params.region)`),
    };
    if (index % 3 === 1) {
      entry.rollback = {
        name: `undo-${action}`,
        type: 'Job',
        job: jobSpec(`undo-${action}`, `echo undoing ${action} on $(params.targetCluster)`),
      };
    }
    actions.push(entry);
  }
  const spec = {
    failurePolicy: 'FailFast',
    parameters: [
      { name: 'targetCluster', type: 'string', required: true, description: 'Cluster that takes over.' },
      { name: 'region', type: 'string', default: 'ap-southeast-1' },
      { name: 'image', type: 'string', default: 'registry.example.com/dr/toolbox:2.4.1' },
    ],
    actions,
  };
  return {
    apiVersion: API_VERSION,
    kind: 'DRWorkflow',
    metadata: {
      name,
      namespace: NAMESPACE,
      uid: uid('wf'),
      resourceVersion: rv(),
      generation: 1,
      creationTimestamp: iso(createdMs),
      labels: { 'app.kubernetes.io/part-of': 'dr-runbooks' },
      annotations: {
        'kubectl.kubernetes.io/last-applied-configuration': JSON.stringify({
          apiVersion: API_VERSION,
          kind: 'DRWorkflow',
          metadata: { name, namespace: NAMESPACE },
          spec,
        }),
      },
      finalizers: ['metacontroller.io/decoratorcontroller-drworkflow'],
    },
    spec,
  };
}

function planObject(name, createdMs) {
  const spec = {
    description: 'Fail payments over to the standby region, then move traffic.',
    failurePolicy: 'Stop',
    historyLimit: HISTORY_LIMIT,
    globalParams: [{ name: 'targetCluster', value: 'cluster-standby' }],
    stages: LAYOUT.map((stage) => ({
      name: stage.name,
      ...(stage.dependsOn ? { dependsOn: stage.dependsOn } : {}),
      ...(stage.parallel ? { parallel: true } : {}),
      workflows: stage.workflows.map((workflow) => ({
        workflowRef: { name: workflow },
        ...(workflow.endsWith('west') ? { params: [{ name: 'region', value: 'us-west-2' }] } : {}),
      })),
    })),
  };
  return {
    apiVersion: API_VERSION,
    kind: 'DRPlan',
    metadata: {
      name,
      namespace: NAMESPACE,
      uid: uid('plan'),
      resourceVersion: rv(),
      generation: 1,
      creationTimestamp: iso(createdMs),
      annotations: {
        'kubectl.kubernetes.io/last-applied-configuration': JSON.stringify({
          apiVersion: API_VERSION,
          kind: 'DRPlan',
          metadata: { name, namespace: NAMESPACE },
          spec,
        }),
      },
      finalizers: ['metacontroller.io/compositecontroller-drplan'],
    },
    spec,
  };
}

function executionObject(name, createdMs) {
  return {
    apiVersion: API_VERSION,
    kind: 'DRPlanExecution',
    metadata: {
      name,
      namespace: NAMESPACE,
      uid: uid('exec'),
      resourceVersion: rv(),
      generation: 1,
      creationTimestamp: iso(createdMs),
      labels: { 'dr.bkbcs.tencent.com/operation': 'Execute', 'dr.bkbcs.tencent.com/plan': PLAN },
      finalizers: ['metacontroller.io/decoratorcontroller-drplanexecution'],
    },
    spec: { planRef: PLAN, operationType: 'Execute', mode: 'Install', params: [{ name: 'ticket', value: 'INC-20431' }] },
  };
}

/** The owner reference Metacontroller puts on each child of the plan. */
function controllerRef(plan) {
  return {
    apiVersion: API_VERSION,
    kind: 'DRPlan',
    name: plan.metadata.name,
    uid: plan.metadata.uid,
    controller: true,
    blockOwnerDeletion: true,
  };
}

/**
 * A desired ConfigMap (the plan's usage and lock, a run's definitions) as the API server returns
 * it once Metacontroller created or updated it in place.
 */
function observedConfigMap(desired, observed, plan) {
  return {
    ...desired,
    metadata: {
      ...desired.metadata,
      uid: observed?.metadata.uid ?? uid('cm'),
      resourceVersion: rv(),
      labels: { ...desired.metadata.labels, 'controller-uid': plan.metadata.uid },
      ownerReferences: [controllerRef(plan)],
    },
  };
}

/** A desired Job as the API server and the Job controller return it once Metacontroller created it. */
function observedJob(desired, plan, createdMs) {
  const jobUid = uid('job');
  const jobLabels = {
    'batch.kubernetes.io/controller-uid': jobUid,
    'batch.kubernetes.io/job-name': desired.metadata.name,
    'controller-uid': jobUid,
    'job-name': desired.metadata.name,
  };
  const podTemplate = desired.spec.template ?? {};
  const podSpec = podTemplate.spec ?? {};
  return {
    apiVersion: 'batch/v1',
    kind: 'Job',
    metadata: {
      ...desired.metadata,
      uid: jobUid,
      resourceVersion: rv(),
      generation: 1,
      creationTimestamp: iso(createdMs),
      labels: { ...desired.metadata.labels, 'controller-uid': plan.metadata.uid },
      annotations: { ...desired.metadata.annotations, 'metacontroller.k8s.io/last-applied-configuration': JSON.stringify(desired) },
      ownerReferences: [controllerRef(plan)],
    },
    spec: {
      ...desired.spec,
      completionMode: 'NonIndexed',
      completions: 1,
      parallelism: 1,
      manualSelector: false,
      podReplacementPolicy: 'TerminatingOrFailed',
      suspend: false,
      selector: { matchLabels: { 'batch.kubernetes.io/controller-uid': jobUid } },
      template: {
        metadata: { ...podTemplate.metadata, labels: { ...podTemplate.metadata?.labels, ...jobLabels } },
        spec: {
          ...podSpec,
          containers: (podSpec.containers ?? []).map((c) => ({
            ...c,
            imagePullPolicy: 'IfNotPresent',
            terminationMessagePath: '/dev/termination-log',
            terminationMessagePolicy: 'File',
          })),
          dnsPolicy: 'ClusterFirst',
          schedulerName: 'default-scheduler',
          securityContext: {},
          terminationGracePeriodSeconds: 30,
        },
      },
    },
    status: { active: 1, ready: 1, startTime: iso(createdMs + 1000), terminating: 0, uncountedTerminatedPods: {} },
  };
}

function completeJob(job, atMs) {
  const at = iso(atMs);
  job.metadata.resourceVersion = rv();
  job.status = {
    conditions: [
      {
        type: 'SuccessCriteriaMet',
        status: 'True',
        reason: 'CompletionsReached',
        message: 'Reached expected number of succeeded pods',
        lastProbeTime: at,
        lastTransitionTime: at,
      },
      {
        type: 'Complete',
        status: 'True',
        reason: 'CompletionsReached',
        message: 'Reached expected number of succeeded pods',
        lastProbeTime: at,
        lastTransitionTime: at,
      },
    ],
    startTime: job.status.startTime,
    completionTime: at,
    succeeded: 1,
    ready: 0,
    terminating: 0,
    uncountedTerminatedPods: {},
  };
}

/** The Pod of a Job (selected by the plan label, so the plan's customize hook relates it). */
function podOf(job) {
  const name = `${job.metadata.name.slice(0, 57)}-${job.metadata.uid.slice(-5)}`;
  const done = job.status.completionTime !== undefined;
  const started = job.status.startTime;
  const finished = job.status.completionTime ?? started;
  const spec = job.spec.template.spec;
  const state = done
    ? {
        terminated: {
          exitCode: 0,
          reason: 'Completed',
          startedAt: started,
          finishedAt: finished,
          containerID: `containerd://${job.metadata.uid.replaceAll('-', '')}`,
        },
      }
    : { running: { startedAt: started } };
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      name,
      generateName: `${job.metadata.name}-`,
      namespace: job.metadata.namespace,
      uid: uid('pod'),
      resourceVersion: rv(),
      creationTimestamp: started,
      labels: { ...job.spec.template.metadata.labels },
      ownerReferences: [
        { apiVersion: 'batch/v1', kind: 'Job', name: job.metadata.name, uid: job.metadata.uid, controller: true, blockOwnerDeletion: true },
      ],
      ...(done ? {} : { finalizers: ['batch.kubernetes.io/job-tracking'] }),
    },
    spec: {
      ...spec,
      nodeName: 'node-pool-a-7f9c2',
      serviceAccount: spec.serviceAccountName,
      enableServiceLinks: true,
      preemptionPolicy: 'PreemptLowerPriority',
      priority: 0,
      tolerations: [
        { key: 'node.kubernetes.io/not-ready', operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 300 },
        { key: 'node.kubernetes.io/unreachable', operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 300 },
      ],
      volumes: [
        {
          name: 'kube-api-access-x7k2p',
          projected: {
            defaultMode: 420,
            sources: [
              { serviceAccountToken: { expirationSeconds: 3607, path: 'token' } },
              { configMap: { name: 'kube-root-ca.crt', items: [{ key: 'ca.crt', path: 'ca.crt' }] } },
            ],
          },
        },
      ],
    },
    status: {
      phase: done ? 'Succeeded' : 'Running',
      conditions: ['PodReadyToStartContainers', 'Initialized', 'Ready', 'ContainersReady', 'PodScheduled'].map((type) => ({
        type,
        status: done && type.includes('Ready') ? 'False' : 'True',
        lastProbeTime: null,
        lastTransitionTime: started,
      })),
      containerStatuses: spec.containers.map((c) => ({
        name: c.name,
        image: c.image,
        imageID: `${c.image}@sha256:${'3f'.repeat(32)}`,
        containerID: `containerd://${job.metadata.uid.replaceAll('-', '')}`,
        ready: !done,
        restartCount: 0,
        started: !done,
        state,
      })),
      hostIP: '10.0.12.34',
      podIP: '10.244.3.17',
      podIPs: [{ ip: '10.244.3.17' }],
      qosClass: 'Burstable',
      startTime: started,
    },
  };
}

/** A tiny Metacontroller: keeps the objects, calls the pure hooks, applies their answers. */
class World {
  constructor(actionsPerRun, nowMs) {
    this.now = nowMs;
    const counts = WORKFLOW_NAMES.map(
      (_, index) => Math.floor(actionsPerRun / WORKFLOW_NAMES.length) + (index < actionsPerRun % WORKFLOW_NAMES.length ? 1 : 0),
    );
    this.workflows = WORKFLOW_NAMES.map((name, index) => workflowObject(name, Math.max(1, counts[index] ?? 1), nowMs));
    this.plan = planObject(PLAN, nowMs);
    this.executions = [];
    this.jobs = new Map();
    this.configMaps = new Map();
    for (const workflow of this.workflows)
      workflow.status = syncWorkflow(this.workflowRequest(workflow, [this.plan]), this.date()).response.status;
    /** Pods are related but never read by the hooks: built only for the requests the benchmark sends. */
    this.withPods = false;
  }

  date() {
    return new Date(this.now);
  }

  tick() {
    this.now += TICK * 1000;
  }

  planRequest() {
    return {
      controller: CONTROLLERS.plan,
      parent: this.plan,
      children: { [JOB_KEY]: mapOf([...this.jobs.values()]), [CONFIGMAP_KEY]: mapOf([...this.configMaps.values()]) },
      related: {
        [EXECUTION_KEY]: mapOf(this.executions),
        [WORKFLOW_KEY]: mapOf(this.workflows),
        [POD_KEY]: this.withPods ? mapOf([...this.jobs.values()].map(podOf)) : {},
      },
      finalizing: false,
    };
  }

  executionRequest(execution) {
    return {
      controller: CONTROLLERS.execution,
      object: execution,
      attachments: {},
      related: { [PLAN_KEY]: mapOf([this.plan]), [EXECUTION_KEY]: mapOf(this.executions) },
      finalizing: false,
    };
  }

  workflowRequest(workflow, plans = []) {
    return {
      controller: CONTROLLERS.workflow,
      object: workflow,
      attachments: {},
      related: { [PLAN_KEY]: mapOf(plans) },
      finalizing: false,
    };
  }

  /** One plan sync applied: status written, desired Jobs created, absent ones deleted. */
  syncPlan() {
    const { response } = syncPlan(this.planRequest(), this.date());
    this.plan = { ...this.plan, metadata: { ...this.plan.metadata, resourceVersion: rv() }, status: response.status };
    const next = new Map();
    const configMaps = new Map();
    for (const desired of response.children) {
      const name = desired.metadata.name;
      // The lock is taken by updating its ConfigMap in place: the next sync must see it.
      if (desired.kind === 'ConfigMap') configMaps.set(name, observedConfigMap(desired, this.configMaps.get(name), this.plan));
      else next.set(name, this.jobs.get(name) ?? observedJob(desired, this.plan, this.now));
    }
    this.jobs = next;
    this.configMaps = configMaps;
    return response;
  }

  syncExecution(execution) {
    const { response } = syncExecution(this.executionRequest(execution), this.date());
    execution.metadata.labels = { ...execution.metadata.labels, ...response.labels };
    execution.metadata.resourceVersion = rv();
    execution.status = response.status;
    return response;
  }

  /** Jobs the run is waiting for, oldest action first. */
  activeJobs() {
    return [...this.jobs.values()].filter((job) => job.status.completionTime === undefined);
  }

  runActions() {
    return (this.plan.status.run?.stages ?? []).flatMap((stage) => stage.workflows.flatMap((workflow) => workflow.actions));
  }

  /** Admits and elects an execution created now. */
  start(name) {
    const execution = executionObject(name, this.now);
    this.executions.push(execution);
    this.syncExecution(execution);
    if (execution.status.phase !== 'Pending') throw new Error(`${name} not admitted: ${JSON.stringify(execution.status)}`);
    this.tick();
    this.syncPlan();
    this.syncExecution(execution);
    return execution;
  }

  /**
   * Completes every running Job and syncs the plan, until `stop` says so; then the execution
   * copies the run (the plan does not read it before the run ends).
   */
  drive(execution, stop) {
    for (let guard = 0; !stop(); guard++) {
      if (guard > 10_000) throw new Error('run does not progress');
      this.tick();
      for (const job of this.activeJobs()) completeJob(job, this.now);
      this.syncPlan();
    }
    this.syncExecution(execution);
  }
}

/** Renames a copy of a finished execution (its name, uid and the Job names derived from its name). */
function renamed(template, name, createdMs) {
  const text = JSON.stringify(template).replaceAll(template.metadata.name, name).replaceAll(template.metadata.uid, uid('exec'));
  const copy = JSON.parse(text);
  copy.metadata.creationTimestamp = iso(createdMs);
  copy.metadata.resourceVersion = rv();
  return copy;
}

const executionName = (index) => `${PLAN}-${String(index).padStart(5, '0')}`;

/**
 * The state of a plan with `executions` related executions and `actions` actions per run:
 * executions-2 finished Executes (copies of one real run; the newest HISTORY_LIMIT-1 still in
 * the history), one rejected while the run was going (ConcurrentExecution, no record), and the
 * current one half way through its run; the sync is the one right after one of its running
 * Jobs completed, so it observes, starts the next action and returns a new Job.
 */
export function planState({ executions, actions, nowMs }) {
  if (executions < 3) throw new Error('at least 3 executions');
  // Far enough in the past that the current run's last tick lands just before `nowMs`.
  const startMs = nowMs - (actions * 2 + 20) * TICK * 1000;
  const world = new World(actions, startMs);
  world.syncPlan();

  const finished = world.start(executionName(0));
  world.drive(finished, () => world.plan.status.run?.phase === 'Succeeded');
  if (finished.status.phase !== 'Succeeded') throw new Error('the finished execution did not succeed');
  world.tick();
  world.syncPlan(); // releases it
  const finishedRecord = world.plan.status.executionHistory.find((record) => record.uid === finished.metadata.uid);

  const current = world.start(executionName(executions - 1));
  const half = Math.ceil(actions / 2);
  world.drive(current, () => world.runActions().filter((action) => action.phase === 'Succeeded').length >= half);
  const rejected = executionObject(executionName(executions - 2), world.now);
  world.executions.push(rejected);
  world.syncExecution(rejected);
  if (rejected.status.phase !== 'Failed') throw new Error('expected a ConcurrentExecution rejection');

  // Older executions: copies of the finished one, oldest first, an hour apart.
  const older = [];
  for (let index = 0; index < executions - 2; index++) {
    older.push(index === 0 ? finished : renamed(finished, executionName(index), startMs - (executions - index) * 3_600_000));
  }
  if (older.length > 1) {
    // The real one is the oldest; give it its place in time too.
    finished.metadata.creationTimestamp = iso(startMs - executions * 3_600_000);
  }
  world.executions = [...older, rejected, current];
  const records = older
    .slice(-(HISTORY_LIMIT - 1))
    .reverse()
    .map((execution) => ({ ...finishedRecord, name: execution.metadata.name, uid: execution.metadata.uid }));
  const currentRecord = world.plan.status.executionHistory.find((record) => record.uid === current.metadata.uid);
  world.plan.status = {
    ...world.plan.status,
    executionHistory: [currentRecord, ...records],
    lastExecutionRef: records[0]?.name ?? world.plan.status.lastExecutionRef,
  };

  // One running Job has just completed; the plan has not seen it yet.
  world.tick();
  const [justDone] = world.activeJobs();
  if (justDone !== undefined) completeJob(justDone, world.now);
  world.tick();
  world.withPods = true;
  return { world, current };
}

/** The plan sync request of a case, and the `now` its response is computed at. */
export function planSyncRequest(options) {
  const { world } = planState(options);
  return { request: world.planRequest(), now: world.date() };
}

/** The sync of the running execution: it mirrors the plan's run into its status. */
export function executionSyncRequest(options) {
  const { world, current } = planState(options);
  return { request: world.executionRequest(current), now: world.date() };
}

/**
 * The sync of one workflow of the runbook, related to every DRPlan of the cluster: the busy plan
 * of the case and `otherPlans` idle ones that use the same workflows, each with a full history.
 */
export function workflowSyncRequest({ otherPlans = 9, ...options }) {
  const { world } = planState(options);
  const idle = [];
  for (let index = 1; index <= otherPlans; index++) {
    const name = `${PLAN}-${String(index).padStart(2, '0')}`;
    const plan = JSON.parse(JSON.stringify(world.plan).replaceAll(PLAN, name));
    plan.metadata.uid = uid('plan');
    delete plan.status.run;
    delete plan.status.currentExecution;
    plan.status.executionHistory = plan.status.executionHistory.slice(1);
    idle.push(plan);
  }
  const workflow = world.workflows[1];
  return { request: world.workflowRequest(workflow, [world.plan, ...idle]), now: world.date() };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  // `node test/bench/generate.mjs 100 50 > request.json`: one plan sync request, for curl or a profile.
  const [executions = '100', actions = '50'] = process.argv.slice(2);
  const { request } = planSyncRequest({ executions: Number(executions), actions: Number(actions), nowMs: Date.now() });
  process.stdout.write(JSON.stringify(request));
}
