/* global process, console */
/**
 * `npm run bench:fanout` (also the first part of `npm run bench`): how many hook calls, and how
 * many request bytes, one change costs in a cluster at the upstream controller's targets.
 *
 * The cluster runs under the contract harness (the same Metacontroller rules the tests use:
 * customize answers cached per generation, a change enqueues exactly the parents whose related
 * rules select the object before or after it, archived executions outside the execution
 * controller's selector) against the real hook app in-process:
 * - 500 plans and 2,000 workflows in 41 namespaces: `payments` holds 100 plans, the others 10
 *   each; every plan uses 4 workflows of its own namespace;
 * - the busy plan `payments/plan-000` is drilled: its runbook has 48 Job actions; drills
 *   (Execute, then Revert) really run through the hooks until its history is full; then 1,000
 *   finished executions, copies of the real ones as the hooks left them (archived), are added;
 *   and one more Execute is left running (its current Job held).
 * Then each change below is made alone and the harness settles. Each row gives the change's
 * direct fan-out (the hook calls its watch event causes: what the budget bounds) and the whole
 * cascade until the cluster is quiet again (including the syncs its answers' own writes cause),
 * with request bytes and the largest request.
 *
 * Target (docs/design.md, "Fan-out"): at most 10 hook calls per change and every request under
 * 1 MiB. Results go to the `fanout` key of test/bench/results.json.
 */
import { Buffer } from 'node:buffer';
import { readFileSync, writeFileSync } from 'node:fs';
import { URL, fileURLToPath } from 'node:url';
import { ContractHarness, injectTransport } from '../../dist/harness/index.js';
import { buildApp } from '../../dist/http/app.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const RESULTS = fileURLToPath(new URL('./results.json', import.meta.url));
const API = 'dr.bkbcs.tencent.com/v1alpha1';
const MiB = 1024 * 1024;
const BUDGET = { calls: 10, largestBytes: MiB };
const BUSY = { namespace: 'payments', name: 'plan-000' };
const TEAMS = Number(process.argv.find((arg) => arg.startsWith('--teams='))?.split('=')[1] ?? 40);
const FINISHED = Number(process.argv.find((arg) => arg.startsWith('--finished='))?.split('=')[1] ?? 1000);

/** A one-container Job that runs `script` with the DR tools image. */
function toolsJob(container, script) {
  return {
    template: {
      spec: {
        backoffLimit: 0,
        template: {
          spec: {
            restartPolicy: 'Never',
            containers: [{ name: container, image: 'registry.example.com/dr/tools:1.4.2', command: ['/bin/sh', '-c', script] }],
          },
        },
      },
    },
  };
}

function jobAction(name) {
  return {
    name,
    type: 'Job',
    timeout: '10m',
    job: toolsJob('step', `dr-step ${name} --region $(params.region) --mode $(params.mode)`),
    rollback: { name: `undo-${name}`, type: 'Job', job: toolsJob('undo', `dr-undo ${name}`) },
  };
}

function workflow(namespace, name, actions) {
  return {
    apiVersion: API,
    kind: 'DRWorkflow',
    metadata: { name, namespace },
    spec: {
      parameters: [
        { name: 'region', type: 'string', default: 'east' },
        { name: 'mode', type: 'string', default: 'install' },
      ],
      actions: Array.from({ length: actions }, (_, index) => jobAction(`${name}-step-${String(index).padStart(2, '0')}`)),
    },
  };
}

function plan(namespace, name, workflows) {
  return {
    apiVersion: API,
    kind: 'DRPlan',
    metadata: { name, namespace },
    spec: {
      stages: [
        { name: 'database', workflows: workflows.slice(0, 2).map((wf) => ({ workflowRef: { name: wf } })), parallel: true },
        { name: 'traffic', dependsOn: ['database'], workflows: workflows.slice(2).map((wf) => ({ workflowRef: { name: wf } })) },
      ],
    },
  };
}

function execution(namespace, name, planRef, operationType = 'Execute') {
  return { apiVersion: API, kind: 'DRPlanExecution', metadata: { name, namespace }, spec: { planRef, operationType } };
}

/** 41 namespaces: `payments` with 100 plans, 40 teams with 10 each; 4 workflows per plan. */
function clusterLayout() {
  const namespaces = [
    { name: 'payments', plans: 100 },
    ...Array.from({ length: TEAMS }, (_, index) => ({ name: `team-${String(index).padStart(2, '0')}`, plans: 10 })),
  ];
  const objects = [];
  for (const { name: namespace, plans } of namespaces) {
    for (let index = 0; index < plans; index++) {
      const planName = `plan-${String(index).padStart(3, '0')}`;
      const busy = namespace === BUSY.namespace && planName === BUSY.name;
      const names = ['db-east', 'db-west', 'dns', 'gateway'].map((suffix) => `${planName}-${suffix}`);
      for (const wf of names) objects.push(workflow(namespace, wf, busy ? 12 : 2));
      objects.push(plan(namespace, planName, names));
    }
  }
  return objects;
}

async function timed(harness, label, action) {
  const start = process.hrtime.bigint();
  await action();
  console.error(`  ${label}: ${Number(process.hrtime.bigint() - start) / 1e9} s, ${harness.hookCalls} hook calls so far`);
}

/**
 * One change, alone, until the cluster is quiet: the row of the table. `direct` is the change's
 * own fan-out (the syncs its watch event enqueues and the customize calls it causes), which the
 * budget bounds; `cascade` adds every call that the answers' own writes cause until nothing moves.
 */
async function measure(harness, id, name, change) {
  harness.resetTraffic();
  await change();
  await harness.settle();
  const report = harness.traffic();
  const first = report.causes[0] ?? { cause: '(none)', calls: 0, requestBytes: 0, largestRequest: 0, hooks: {} };
  const row = {
    id,
    name,
    cause: first.cause,
    direct: {
      hookCalls: first.calls,
      requestBytes: first.requestBytes,
      largestRequestBytes: first.largestRequest,
      byHook: Object.fromEntries(Object.entries(first.hooks).map(([hook, t]) => [hook, t.calls])),
    },
    cascade: {
      hookCalls: report.total.calls,
      requestBytes: report.total.requestBytes,
      largestRequestBytes: report.total.largestRequest,
      causes: report.causes.length,
    },
  };
  row.withinBudget = row.direct.hookCalls <= BUDGET.calls && row.cascade.largestRequestBytes < BUDGET.largestBytes;
  if (harness.errors.length > 0) throw new Error(`hook errors: ${JSON.stringify(harness.errors.slice(0, 3))}`);
  return row;
}

function renamedCopy(template, name, index) {
  const copy = JSON.parse(JSON.stringify(template).replaceAll(template.metadata.name, name));
  copy.metadata = { name, namespace: template.metadata.namespace, labels: template.metadata.labels };
  copy.metadata.creationTimestamp = template.metadata.creationTimestamp;
  return { copy, status: { ...copy.status, startTime: copy.status.startTime, message: `${copy.status.message ?? ''} (#${index})` } };
}

async function main() {
  // No overload shedding: the cluster loop itself keeps the event loop busy, and a 429 would
  // only move work to a later (fake) time that this script never advances to.
  const app = buildApp({ clock: () => harness.now(), bodyLimitBytes: 64 * MiB, overload: { maxEventLoopDelayMs: 0 } });
  const harness = await ContractHarness.create({
    manifestsDir: `${ROOT}manifests`,
    transport: injectTransport(app),
    maxSyncsPerSettle: 1_000_000,
    // The busy plan's running Job stays running; drills complete every Job.
    kubelet: (job) =>
      job.metadata.labels?.['dr.bkbcs.tencent.com/execution'] === 'running-drill' ? { outcome: 'hold' } : { outcome: 'succeed' },
  });
  console.error('building the cluster (500 plans, 2000 workflows)…');
  await timed(harness, 'cluster', async () => {
    for (const object of clusterLayout()) harness.apply(object);
    await harness.settle();
  });

  console.error('drilling the busy plan until its history is full…');
  let drill = 0;
  await timed(harness, 'drills', async () => {
    for (; drill < 5; drill++) {
      harness.apply(execution(BUSY.namespace, `drill-${drill}-execute`, BUSY.name));
      await harness.settle();
      await harness.advance(30);
      harness.apply({
        ...execution(BUSY.namespace, `drill-${drill}-revert`, BUSY.name, 'Revert'),
        spec: { planRef: BUSY.name, operationType: 'Revert', revertExecutionRef: `drill-${drill}-execute` },
      });
      await harness.settle();
      await harness.advance(30);
    }
  });

  // 1,000 older drills, as the hooks left them: finished, archived, out of every related set.
  const templates = ['drill-0-execute', 'drill-0-revert'].map((name) => harness.get('DRPlanExecution', BUSY.namespace, name));
  if (templates.some((t) => t?.metadata.labels?.['dr.bkbcs.tencent.com/archived'] !== 'true')) {
    throw new Error(`the first drill's executions are not archived: ${JSON.stringify(templates.map((t) => t?.metadata.labels))}`);
  }
  await timed(harness, `${FINISHED} finished executions`, async () => {
    for (let index = 0; index < FINISHED; index++) {
      const template = templates[index % 2];
      const { copy, status } = renamedCopy(
        template,
        `old-${String(index).padStart(4, '0')}-${template.spec.operationType.toLowerCase()}`,
        index,
      );
      harness.apply(copy);
      harness.updateStatus('DRPlanExecution', BUSY.namespace, copy.metadata.name, status);
    }
    await harness.settle();
  });

  harness.apply(execution(BUSY.namespace, 'running-drill', BUSY.name));
  await harness.settle();
  const busyPlan = harness.get('DRPlan', BUSY.namespace, BUSY.name);
  if (busyPlan?.status?.currentExecution?.name !== 'running-drill') {
    const phases = harness
      .list('DRPlanExecution', BUSY.namespace)
      .filter((e) => !e.metadata.name.startsWith('old-'))
      .map((e) => `${e.metadata.name}:${e.status?.phase}:${e.status?.message ?? ''}`);
    throw new Error(
      `the running drill is not current: ${JSON.stringify(busyPlan?.status?.currentExecution)} ${phases.join(' | ')}; errors: ${JSON.stringify(harness.errors.slice(0, 3))}; events: ${harness.events.slice(-15).join(' | ')}`,
    );
  }
  const executions = harness.list('DRPlanExecution', BUSY.namespace);
  const archived = executions.filter((e) => e.metadata.labels?.['dr.bkbcs.tencent.com/archived'] === 'true').length;
  const runningJob = harness
    .list('Job', BUSY.namespace)
    .find((job) => job.metadata.labels?.['dr.bkbcs.tencent.com/execution'] === 'running-drill');
  const sizes = {
    finishedExecuteBytes: Buffer.byteLength(JSON.stringify(harness.get('DRPlanExecution', BUSY.namespace, 'drill-4-execute'))),
    busyPlanBytes: Buffer.byteLength(JSON.stringify(busyPlan)),
    busyWorkflowBytes: Buffer.byteLength(JSON.stringify(harness.get('DRWorkflow', BUSY.namespace, `${BUSY.name}-db-east`))),
  };

  // A status write that changes something: a field the hooks do not write, set anew each time.
  let touches = 0;
  const touch = (kind, namespace, name) => {
    const object = harness.get(kind, namespace, name);
    touches += 1;
    harness.updateStatus(kind, namespace, name, { ...object.status, touched: String(touches) });
  };
  const rows = [];
  rows.push(
    await measure(harness, 'busy-plan-status', 'a status write of the busy plan', () => touch('DRPlan', BUSY.namespace, BUSY.name)),
  );
  rows.push(
    await measure(harness, 'running-execution-status', 'a status write of its running execution', () =>
      touch('DRPlanExecution', BUSY.namespace, 'running-drill'),
    ),
  );
  rows.push(
    await measure(harness, 'new-execution', 'a new execution of the busy plan (rejected: a run is going)', () =>
      harness.apply(execution(BUSY.namespace, 'impatient', BUSY.name)),
    ),
  );
  rows.push(
    await measure(harness, 'job-completes', 'a Job of the busy plan completes', () =>
      harness.kubelet.complete(BUSY.namespace, runningJob.metadata.name),
    ),
  );
  rows.push(
    await measure(harness, 'idle-plan-status', 'a status write of an idle plan in another namespace', () =>
      touch('DRPlan', 'team-00', 'plan-003'),
    ),
  );
  rows.push(
    await measure(harness, 'workflow-status', 'a status write of a workflow of the busy plan', () =>
      touch('DRWorkflow', BUSY.namespace, `${BUSY.name}-dns`),
    ),
  );

  const result = {
    date: new Date().toISOString(),
    budget: { hookCallsPerChange: BUDGET.calls, largestRequestBytes: BUDGET.largestBytes },
    cluster: {
      plans: harness.list('DRPlan').length,
      workflows: harness.list('DRWorkflow').length,
      busyPlanExecutions: executions.length,
      busyPlanArchivedExecutions: archived,
      busyPlanHistoryRecords: busyPlan.status.executionHistory.length,
      ...sizes,
    },
    rows,
  };
  console.log(
    [
      'change'.padEnd(62),
      'direct'.padStart(7),
      'bytes'.padStart(11),
      'cascade'.padStart(8),
      'bytes'.padStart(11),
      'largest'.padStart(9),
      ' budget',
    ].join(' '),
  );
  for (const row of rows) {
    console.log(
      [
        row.name.padEnd(62),
        String(row.direct.hookCalls).padStart(7),
        String(row.direct.requestBytes).padStart(11),
        String(row.cascade.hookCalls).padStart(8),
        String(row.cascade.requestBytes).padStart(11),
        String(row.cascade.largestRequestBytes).padStart(9),
        row.withinBudget ? ' PASS' : ' MISS',
      ].join(' '),
    );
  }
  let previous = {};
  try {
    previous = JSON.parse(readFileSync(RESULTS, 'utf8'));
  } catch {
    previous = {};
  }
  writeFileSync(RESULTS, `${JSON.stringify({ ...previous, fanout: result }, null, 2)}\n`);
  await app.close();
  await harness.close();
  if (rows.some((row) => !row.withinBudget)) process.exitCode = 1;
}

await main();
