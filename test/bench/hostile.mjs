/* global process, console */
/**
 * CPU time of the hooks on runbooks made to be slow (the time budget in docs/design.md):
 *
 *   npm run build && node test/bench/hostile.mjs [--dist=path/to/dist] [--only=case] [--rounds=3]
 *
 * Each case is one workflow and one plan with an admitted Execute queued, so that the plan
 * sync validates, elects and tries to start a run. Times are CPU milliseconds of the pure hook
 * plus canonical JSON, the request parsed outside the timer; the median of `--rounds` calls
 * (3). `--dist` times another build, for a before/after comparison.
 */
import { Buffer } from 'node:buffer';
import { resolve } from 'node:path';
import { fileURLToPath, pathToFileURL, URL } from 'node:url';

const option = (name, fallback) => process.argv.find((arg) => arg.startsWith(`--${name}=`))?.split('=')[1] ?? fallback;
const dist = resolve(option('dist', fileURLToPath(new URL('../../dist', import.meta.url))));
const only = option('only', '');
const rounds = Number(option('rounds', 3));
const load = async (path) => import(pathToFileURL(`${dist}/${path}`).href);
const { syncPlan } = await load('plan/hooks.js');
const { syncWorkflow } = await load('workflow/hooks.js');
// The serializer moved; either build will do.
const { canonicalJson } = await load('k8s/json.js').catch(() => load('http/json.js'));

const API = 'dr.bkbcs.tencent.com/v1alpha1';
const NAMESPACE = 'default';
const T0 = '2026-01-01T00:00:00Z';
const meta = (name, uid) => ({ name, namespace: NAMESPACE, uid, generation: 1, creationTimestamp: T0 });
const workflow = (actions) => ({ apiVersion: API, kind: 'DRWorkflow', metadata: meta('wf', 'uid-wf'), spec: { actions } });
const queued = {
  apiVersion: API,
  kind: 'DRPlanExecution',
  metadata: meta('e1', 'uid-e1'),
  spec: { planRef: 'plan', operationType: 'Execute' },
  status: {
    phase: 'Pending',
    conditions: [{ type: 'Accepted', status: 'True', reason: 'Admitted', message: 'admitted', lastTransitionTime: T0 }],
  },
};
const stages = (count) =>
  Array.from({ length: count }, (_, index) => ({ name: `s${index}`, workflows: [{ workflowRef: { name: 'wf' } }] }));
const tiny = (index) => ({ name: `a${index}`, type: 'Job', job: { template: { spec: {} } } });

const CASES = {
  'placeholders-50k-x5-stages': () => {
    const text = Array.from({ length: 50_000 }, (_, index) => `$(params.p${index})`).join('');
    const job = { template: { spec: { template: { spec: { containers: [{ name: 'c', image: 'x', command: [text] }] } } } } };
    return { workflow: workflow([{ name: 'a', type: 'Job', job }]), stages: stages(5) };
  },
  'actions-100k': () => ({ workflow: workflow(Array.from({ length: 100_000 }, (_, index) => tiny(index))), stages: stages(1) }),
  'stages-1000-x-actions-2000': () => ({
    workflow: workflow(Array.from({ length: 2_000 }, (_, index) => tiny(index))),
    stages: stages(1_000),
  }),
};

function cpuMs(call) {
  const times = [];
  let output = '';
  for (let round = 0; round < rounds; round++) {
    const before = process.cpuUsage();
    output = canonicalJson(call().response);
    const used = process.cpuUsage(before);
    times.push((used.user + used.system) / 1000);
  }
  return { ms: Math.round(times.sort((a, b) => a - b)[Math.floor(rounds / 2)]), bytes: Buffer.byteLength(output) };
}

console.log(`dist: ${dist}`);
for (const [name, build] of Object.entries(CASES)) {
  if (only !== '' && only !== name) continue;
  const { workflow: wf, stages: planStages } = build();
  const plan = {
    apiVersion: API,
    kind: 'DRPlan',
    metadata: meta('plan', 'uid-plan'),
    spec: { stages: planStages },
    status: { phase: 'Ready' },
  };
  const planRequest = JSON.parse(
    canonicalJson({
      parent: plan,
      children: { 'Job.batch/v1': {} },
      related: { [`DRWorkflow.${API}`]: { 'default/wf': wf }, [`DRPlanExecution.${API}`]: { 'default/e1': queued } },
    }),
  );
  const workflowRequest = { object: wf, attachments: {}, related: {} };
  const now = new Date(T0);
  const workflowSync = cpuMs(() => syncWorkflow(workflowRequest, now));
  const planSync = cpuMs(() => syncPlan(planRequest, now));
  const requestMB = (Buffer.byteLength(canonicalJson(planRequest)) / 1e6).toFixed(2);
  console.log(
    `${name}: plan request ${requestMB} MB; workflow sync ${workflowSync.ms} ms CPU (${workflowSync.bytes} B answer); ` +
      `plan sync ${planSync.ms} ms CPU (${planSync.bytes} B answer)`,
  );
}
