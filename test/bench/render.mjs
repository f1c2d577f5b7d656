/* global process, console */
/**
 * `npm run bench`, last part: how long `drplan-hooks render` takes to rehearse long runbooks,
 * run as a user runs it (`node dist/cli.js render FILE`, a fresh process each time) on runbooks
 * written to a temporary directory. A script, not a test; it takes about a minute.
 *
 *   node test/bench/render.mjs            # every case, three runs each
 *   node test/bench/render.mjs --quick    # one run each, nothing written
 *
 * For each case: the median wall time of its runs, the largest peak resident memory, and the
 * time per action: the median less the start-up (the median of a one-action runbook, measured
 * first), divided by the actions. The baseline is the 100-action runbook of the same kind, run
 * in the same process: `per action ÷ baseline` is how much more each action costs in the long
 * runbook (1.0 would be linear; the rehearsal grows with the square of the runbook,
 * docs/design.md "Rehearsal"). Target: a 1,000-action runbook rehearses in under 10 s. The
 * machine's load shows in the times, so the load average is recorded with them. Results go to
 * the `render` key of test/bench/results.json.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { URL, fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const RESULTS = fileURLToPath(new URL('./results.json', import.meta.url));
const QUICK = process.argv.includes('--quick');
const RUNS = QUICK ? 1 : 3;
const TARGET_SECONDS = 10;
/** The child reports its own peak memory: a spawned process's resource usage is not returned to the parent. */
const REPORT_RSS = `data:text/javascript,process.on('exit',()=>process.stderr.write('maxrss '+process.resourceUsage().maxRSS+'\\n'))`;

const ACTION_KINDS = {
  Job: (index) => ({
    name: `step-${index}`,
    type: 'Job',
    job: {
      template: {
        spec: {
          template: {
            spec: { restartPolicy: 'Never', containers: [{ name: 'main', image: 'busybox', command: ['sh', '-c', `echo step ${index}`] }] },
          },
        },
      },
    },
  }),
  HTTP: (index) => ({
    name: `call-${index}`,
    type: 'HTTP',
    http: { url: `https://example.internal/step/${index}`, method: 'POST', successCodes: [200] },
  }),
};

/** Job and HTTP actions in turn. */
const mixed = (index) => (index % 2 === 0 ? ACTION_KINDS.Job(index) : ACTION_KINDS.HTTP(index));
/** A Job action whose rollback is a Job too. */
const withRollback = (index) => ({ ...ACTION_KINDS.Job(index), rollback: { ...ACTION_KINDS.Job(index), name: `undo-${index}` } });

/**
 * One runbook: `workflows` workflows of `actions` actions each (`action(index)` makes one): in one
 * stage, parallel when there are several, or one stage each, run in turn (`layout: 'stages'`).
 * Executed, then reverted when `revert` is set.
 */
function runbook({ action, workflows, actions, layout, revert }) {
  const metadata = (name) => ({ name, namespace: 'default' });
  const objects = [];
  for (let w = 0; w < workflows; w += 1) {
    objects.push({
      apiVersion: 'dr.bkbcs.tencent.com/v1alpha1',
      kind: 'DRWorkflow',
      metadata: metadata(`wf-${w}`),
      spec: { failurePolicy: 'FailFast', actions: Array.from({ length: actions }, (_, index) => action(w * actions + index)) },
    });
  }
  const refs = objects.map((workflow) => ({ workflowRef: { name: workflow.metadata.name } }));
  const stages =
    layout === 'stages'
      ? refs.map((ref, index) => ({ name: `stage-${index}`, workflows: [ref] }))
      : [{ name: 'all', parallel: workflows > 1, workflows: refs }];
  objects.push({ apiVersion: 'dr.bkbcs.tencent.com/v1alpha1', kind: 'DRPlan', metadata: metadata('bench'), spec: { stages } });
  const execution = (name, spec) => ({
    apiVersion: 'dr.bkbcs.tencent.com/v1alpha1',
    kind: 'DRPlanExecution',
    metadata: metadata(name),
    spec,
  });
  objects.push(execution('bench-exec', { planRef: 'bench', operationType: 'Execute' }));
  if (revert) objects.push(execution('bench-revert', { planRef: 'bench', operationType: 'Revert', revertExecutionRef: 'bench-exec' }));
  // JSON is YAML: the file is read as the user's runbook would be.
  return objects.map((object) => JSON.stringify(object)).join('\n---\n');
}

const CASES = [
  { id: 'start-up', name: 'start-up (1 Job action)', action: ACTION_KINDS.Job, workflows: 1, actions: 1 },
  { id: 'job-100', name: '100 Job actions', action: ACTION_KINDS.Job, workflows: 1, actions: 100 },
  { id: 'job-1000', name: '1,000 Job actions', action: ACTION_KINDS.Job, workflows: 1, actions: 1000, baseline: 'job-100' },
  { id: 'http-100', name: '100 HTTP actions', action: ACTION_KINDS.HTTP, workflows: 1, actions: 100 },
  { id: 'http-1000', name: '1,000 HTTP actions', action: ACTION_KINDS.HTTP, workflows: 1, actions: 1000, baseline: 'http-100' },
  {
    id: 'job-10x100',
    name: '10 parallel workflows × 100 Job actions',
    action: ACTION_KINDS.Job,
    workflows: 10,
    actions: 100,
    baseline: 'job-100',
  },
  {
    id: 'stages-100x10',
    name: '100 stages × 10 Job and HTTP actions',
    action: mixed,
    workflows: 100,
    actions: 10,
    layout: 'stages',
    baseline: 'job-100',
  },
  // Two runs of 1,000 steps each: the target is for one.
  {
    id: 'revert-1000',
    name: '1,000 Job actions, then their Revert (2,000 steps)',
    action: withRollback,
    workflows: 1,
    actions: 1000,
    revert: true,
    baseline: 'job-100',
    untargeted: true,
  },
];

function rehearse(file) {
  const started = performance.now();
  const child = spawnSync(process.execPath, ['--import', REPORT_RSS, join(ROOT, 'dist/cli.js'), 'render', file], {
    encoding: 'utf8',
    maxBuffer: 1 << 30,
  });
  const seconds = (performance.now() - started) / 1000;
  if (child.status !== 0) throw new Error(`render ${file} exited with ${child.status}: ${child.stderr.slice(0, 500)}`);
  const rss = /maxrss (\d+)/.exec(child.stderr);
  return { seconds, peakMemoryMB: rss === null ? undefined : Math.round(Number(rss[1]) / 1024) };
}

const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];

async function main() {
  const dir = mkdtempSync(join(os.tmpdir(), 'drplan-render-bench-'));
  const rows = [];
  try {
    for (const benchCase of CASES) {
      const file = join(dir, `${benchCase.id}.yaml`);
      writeFileSync(file, runbook(benchCase));
      const runs = Array.from({ length: RUNS }, () => rehearse(file));
      const seconds = median(runs.map((run) => run.seconds));
      const actions = benchCase.workflows * benchCase.actions;
      const startUp = rows.find((row) => row.id === 'start-up')?.seconds ?? 0;
      const perActionMs = ((seconds - startUp) * 1000) / actions;
      const baseline = rows.find((row) => row.id === benchCase.baseline);
      rows.push({
        id: benchCase.id,
        name: benchCase.name,
        actions,
        runs: runs.map((run) => Math.round(run.seconds * 100) / 100),
        seconds: Math.round(seconds * 100) / 100,
        perActionMs: benchCase.id === 'start-up' ? undefined : Math.round(perActionMs * 100) / 100,
        perActionVsBaseline: baseline === undefined ? undefined : Math.round((perActionMs / baseline.perActionMs) * 100) / 100,
        peakMemoryMB: Math.max(...runs.map((run) => run.peakMemoryMB ?? 0)),
        withinTarget: actions < 1000 || benchCase.untargeted ? undefined : seconds < TARGET_SECONDS,
      });
      const row = rows[rows.length - 1];
      console.log(
        `${row.name.padEnd(42)} ${String(row.seconds).padStart(6)} s  (${row.runs.join(', ')})` +
          `${row.perActionMs === undefined ? '' : `  ${row.perActionMs} ms/action`}` +
          `${row.perActionVsBaseline === undefined ? '' : `  ×${row.perActionVsBaseline} per action vs ${benchCase.baseline}`}  ${row.peakMemoryMB} MB` +
          `${row.withinTarget === undefined ? '' : row.withinTarget ? '  PASS (< 10 s)' : '  MISS (≥ 10 s)'}`,
      );
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  if (QUICK) return;
  let previous = {};
  try {
    previous = JSON.parse(readFileSync(RESULTS, 'utf8'));
  } catch {
    previous = {};
  }
  const render = {
    date: new Date().toISOString(),
    machine: { node: process.version, cpu: os.cpus()[0]?.model ?? 'unknown', cores: os.cpus().length, loadAverage: os.loadavg() },
    runsPerCase: RUNS,
    target: `a runbook of 1,000 actions rehearses in under ${TARGET_SECONDS} s (median of the runs)`,
    cases: rows,
  };
  writeFileSync(RESULTS, `${JSON.stringify({ ...previous, render }, null, 2)}\n`);
  if (rows.some((row) => row.withinTarget === false)) process.exitCode = 1;
}

await main();
