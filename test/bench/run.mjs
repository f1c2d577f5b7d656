/* global process, console, fetch, setTimeout */
/**
 * `npm run bench`: throughput and latency of the real hook server, against a floor, and the
 * time of the pure core alone. A script, not a test; a full run takes about four minutes.
 *
 *   npm run bench                      # build, then every case
 *   node test/bench/run.mjs --quick    # shorter runs (smoke test, numbers not for the README)
 *   node test/bench/run.mjs --only=plan-sync-100x50,workflow-sync-10-plans --core-only
 *
 * Plain ESM JavaScript against `dist/` (hence `npm run build` first): the server process it
 * starts runs `dist/`, no TypeScript loader is installed, and the project tsconfig covers `.ts`
 * only, so the benchmark needs no build of its own and times the code that ships.
 *
 * For each case (generate.mjs builds the requests from what the hooks themselves answer):
 * - core: the pure hook in-process, `handle(request, now)` + `canonicalJson(response)`, with the
 *   request parsed once outside the timer (its JSON.parse is timed separately: `parse ms`);
 *   the median of at least 10 calls and 1.5 s, after warm-up. The answer must be the same bytes
 *   every call (the hook must not modify its request).
 * - hook: `node dist/server.js` in a child process (LOG_LEVEL=warn: at info pino writes one line
 *   per call to stdout, which a separate row measures with stdout going to /dev/null), loaded by
 *   autocannon from this process: 10 connections, pipelining 1. A warm-up of 10 requests (of one
 *   when a request takes over a second) gives the rate; then four rounds (two for the slowest
 *   cases), alternating with the floor, send as many requests as take about 5 s in all at that
 *   rate (at least 20): every request completes, none is cut off at the end. Other processes on
 *   the machine add noise: the load average is printed and recorded.
 * - floor: floor-server.mjs, the same fastify with the same body limit and paths, parsing the same
 *   request and answering the real answer precomputed. ratio = hook req/s ÷ floor req/s.
 * Only 2xx answers count as requests served; anything else is reported and fails the run.
 *
 * Output: a table on stdout, test/bench/results.json, and PASS/MISS for each target.
 */
import { Buffer } from 'node:buffer';
import { spawn } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import os from 'node:os';
import { performance } from 'node:perf_hooks';
import { URL, fileURLToPath } from 'node:url';
import autocannon from 'autocannon';
import { syncExecution } from '../../dist/execution/hooks.js';
import { canonicalJson } from '../../dist/k8s/json.js';
import { syncPlan } from '../../dist/plan/hooks.js';
import { syncWorkflow } from '../../dist/workflow/hooks.js';
import { executionSyncRequest, planSyncRequest, workflowSyncRequest } from './generate.mjs';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const RESULTS = fileURLToPath(new URL('./results.json', import.meta.url));
const args = new Set(process.argv.slice(2).filter((arg) => !arg.includes('=')));
const option = (name, fallback) => process.argv.find((arg) => arg.startsWith(`--${name}=`))?.split('=')[1] ?? fallback;
const QUICK = args.has('--quick');
const CORE_ONLY = args.has('--core-only');
const ONLY = option('only', '')
  .split(',')
  .filter((id) => id !== '');
const SETTINGS = {
  connections: 10,
  pipelining: 1,
  /** The measured run of each server and case lasts about this long (at least `minRequests`). */
  durationSeconds: Number(option('duration', QUICK ? 2 : 5)),
  warmupRequests: 10,
  minRequests: QUICK ? 10 : 20,
  coreMinMs: QUICK ? 500 : 1500,
  coreMinIterations: QUICK ? 3 : 10,
  logLevel: 'warn',
};

/** The cases: plan sync along executions (50 actions) and along actions (100 executions), then the decorators. */
const CASES = [
  ...[10, 100, 1000].map((executions) => planCase(executions, 50)),
  ...[10, 100, 500].map((actions) => planCase(100, actions)),
  {
    id: 'execution-sync-100x50',
    name: 'execution sync (100 exec, 50 act)',
    path: '/drplanexecution/sync',
    handle: syncExecution,
    generate: (nowMs) => executionSyncRequest({ executions: 100, actions: 50, nowMs }),
  },
  {
    id: 'workflow-sync-10-plans',
    name: 'workflow sync (10 plans)',
    path: '/drworkflow/sync',
    handle: syncWorkflow,
    generate: (nowMs) => workflowSyncRequest({ executions: 100, actions: 50, otherPlans: 9, nowMs }),
  },
];

function planCase(executions, actions) {
  return {
    id: `plan-sync-${executions}x${actions}`,
    name: `plan sync ${executions} exec × ${actions} act`,
    path: '/drplan/sync',
    executions,
    actions,
    handle: syncPlan,
    generate: (nowMs) => planSyncRequest({ executions, actions, nowMs }),
  };
}

/** The row measured a second time with LOG_LEVEL=info, stdout to /dev/null. */
const INFO_LOG_CASE = 'plan-sync-100x50';
/** Measured runs per server and case, alternating between the servers: more when requests are quick. */
const ROUNDS = { heavy: 2, light: 4 };

const TARGETS = [
  {
    name: 'ratio to floor ≥ 0.6, plan sync 100 exec × 50 act',
    value: (rows) => row(rows, 'plan-sync-100x50')?.ratio,
    check: (value) => value >= 0.6,
    bound: '≥ 0.6',
  },
  {
    name: 'core linear in executions: core(1000) ≤ 12 × core(100)',
    value: (rows) => quotient(row(rows, 'plan-sync-1000x50')?.coreMs, row(rows, 'plan-sync-100x50')?.coreMs),
    check: (value) => value <= 12,
    bound: '≤ 12',
  },
  {
    // Same 20 % allowance as the executions target, for 5 × the actions.
    name: 'core linear in actions: core(500) ≤ 6 × core(100)',
    value: (rows) => quotient(row(rows, 'plan-sync-100x500')?.coreMs, row(rows, 'plan-sync-100x100')?.coreMs),
    check: (value) => value <= 6,
    bound: '≤ 6',
  },
];

const row = (rows, id) => rows.find((entry) => entry.id === id);
const quotient = (a, b) => (a === undefined || b === undefined ? undefined : a / b);
const round = (value, digits = 2) => (value === undefined ? undefined : Math.round(value * 10 ** digits) / 10 ** digits);
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
const median = (values) => {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[middle] : ((sorted[middle - 1] ?? 0) + (sorted[middle] ?? 0)) / 2;
};

/** The pure core alone: median ms of `handle(request, now)` + canonicalJson, request parsed once. */
function timeCore(handle, text, now) {
  const request = JSON.parse(text);
  const expected = canonicalJson(handle(request, now).response);
  const call = () => canonicalJson(handle(request, now).response);
  for (let warm = performance.now(); performance.now() - warm < SETTINGS.coreMinMs / 3;) call();
  const samples = [];
  const started = performance.now();
  let last = '';
  while (samples.length < SETTINGS.coreMinIterations || (performance.now() - started < SETTINGS.coreMinMs && samples.length < 2000)) {
    const before = performance.now();
    last = call();
    samples.push(performance.now() - before);
  }
  if (last !== expected) throw new Error('the hook answered differently to the same request: does it modify its input?');
  const parses = [];
  for (let index = 0; index < 5; index++) {
    const before = performance.now();
    JSON.parse(text);
    parses.push(performance.now() - before);
  }
  return {
    coreMs: median(samples),
    coreMeanMs: samples.reduce((sum, value) => sum + value, 0) / samples.length,
    coreIterations: samples.length,
    parseMs: median(parses),
    responseBytes: Buffer.byteLength(expected),
  };
}

async function freePort() {
  const server = createServer();
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address();
  await new Promise((resolve) => server.close(resolve));
  return port;
}

const children = new Set();
process.on('exit', () => {
  for (const child of children) child.kill('SIGKILL');
});

/** Starts a server process and waits until `GET /healthz` answers. */
async function startServer(label, script, env, stdio = 'pipe') {
  const port = await freePort();
  const child = spawn(process.execPath, [script], {
    cwd: ROOT,
    env: { ...process.env, ...env, PORT: String(port), HOST: '127.0.0.1' },
    stdio: ['ignore', stdio, 'pipe'],
  });
  children.add(child);
  const log = [];
  child.stdout?.on('data', (chunk) => log.push(String(chunk)));
  child.stderr.on('data', (chunk) => log.push(String(chunk)));
  const exited = new Promise((resolve) => child.once('exit', resolve));
  const base = `http://127.0.0.1:${port}`;
  for (let attempt = 0; ; attempt++) {
    if (child.exitCode !== null) throw new Error(`${label} exited: ${log.join('')}`);
    try {
      if ((await fetch(`${base}/healthz`)).ok) break;
    } catch {
      // not listening yet
    }
    if (attempt > 200) throw new Error(`${label} did not start: ${log.join('')}`);
    await sleep(50);
  }
  // What it writes while starting (a deprecation warning…) is not about the load.
  log.splice(0);
  return {
    label,
    base,
    /** Log lines written since the last call. */
    drainLog: () =>
      log
        .splice(0)
        .join('')
        .split('\n')
        .filter((line) => line.trim() !== ''),
    stop: async () => {
      child.kill('SIGTERM');
      await Promise.race([exited, sleep(5000)]);
      if (child.exitCode === null) child.kill('SIGKILL');
      children.delete(child);
    },
  };
}

async function post(base, path, body) {
  const response = await fetch(`${base}${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
  return { status: response.status, headers: response.headers, text: await response.text() };
}

function load(base, path, body, amount) {
  return autocannon({
    url: `${base}${path}`,
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body,
    connections: SETTINGS.connections,
    pipelining: SETTINGS.pipelining,
    amount,
    // autocannon ends a run on its next sample tick after the last answer: tick often, so
    // that the duration (and req/s) is not rounded up by as much as a second.
    sampleInt: 10,
    timeout: 300,
  });
}

/**
 * Posts until the server answers 200: after a heavy case the hook server's overload shedding
 * (429 + Retry-After) may still be on, and each measurement starts from a server that serves.
 */
async function settle(server, path, body) {
  for (let attempt = 0; ; attempt++) {
    const answer = await post(server.base, path, body);
    if (answer.status === 200) return answer;
    if (answer.status !== 429 || attempt === 30) throw new Error(`${server.label} answered ${answer.status}: ${answer.text.slice(0, 300)}`);
    await sleep(1000 * Number(answer.headers.get('retry-after') ?? 1));
  }
}

/**
 * Loads each server in turn, a few rounds (floor, hook, floor, hook…) so that drift on a busy
 * machine hits both alike. Each server gets a warm-up first, which also gives its rate; each
 * round then sends as many requests as last about durationSeconds / rounds at that rate.
 * req/s counts 2xx answers only; p50 is the mean of the rounds', p99 the worst round's.
 */
async function measure(servers, path, body) {
  const rounds = new Map(servers.map((server) => [server, []]));
  const rates = new Map();
  for (const server of servers) {
    const before = performance.now();
    await settle(server, path, body);
    let rate = 1000 / (performance.now() - before);
    // Requests of a second or more: the probe was the warm-up (ten more would take half a minute).
    if (rate > 1) {
      const warm = await load(server.base, path, body, SETTINGS.warmupRequests);
      rate = (warm['2xx'] + warm.non2xx) / warm.duration;
    }
    rates.set(server, rate);
  }
  const slowest = Math.min(...rates.values());
  const count = slowest * SETTINGS.durationSeconds >= 2 * SETTINGS.connections * ROUNDS.light ? ROUNDS.light : ROUNDS.heavy;
  const amounts = new Map(
    servers.map((server) => {
      const amount = Math.round(((rates.get(server) ?? 1) * SETTINGS.durationSeconds) / count);
      return [server, Math.min(50_000, Math.max(SETTINGS.connections, Math.ceil(SETTINGS.minRequests / count), amount))];
    }),
  );
  for (let round = 0; round < count; round++) {
    for (const server of servers) {
      await settle(server, path, body);
      server.drainLog();
      const result = await load(server.base, path, body, amounts.get(server));
      // autocannon closes its sockets at the end: fastify logs those as aborted requests.
      rounds.get(server).push({ result, log: server.drainLog().filter((line) => !line.includes('"reason":"aborted"')) });
    }
  }
  return servers.map((server) => {
    const runs = rounds.get(server);
    const sum = (pick) => runs.reduce((total, run) => total + pick(run.result), 0);
    const served = sum((result) => result['2xx']);
    const seconds = sum((result) => result.duration);
    const statusCodes = {};
    for (const { result } of runs) {
      for (const [code, stat] of Object.entries(result.statusCodeStats)) statusCodes[code] = (statusCodes[code] ?? 0) + stat.count;
    }
    return {
      reqPerSec: served / seconds,
      p50Ms: sum((result) => result.latency.p50) / runs.length,
      p99Ms: Math.max(...runs.map((run) => run.result.latency.p99)),
      served,
      seconds,
      failed: sum((result) => result.non2xx + result.errors + result.timeouts),
      statusCodes,
      log: runs.flatMap((run) => run.log),
    };
  });
}

function machine() {
  const cpus = os.cpus();
  return {
    node: process.version,
    cpu: cpus[0]?.model.trim() ?? 'unknown',
    cores: cpus.length,
    memoryGiB: round(os.totalmem() / 2 ** 30, 1),
    loadAverageAtEnd: os.loadavg().map((value) => round(value)),
    os: `${os.type()} ${os.release()} ${os.arch()}`,
  };
}

const kb = (bytes) => (bytes >= 1e6 ? `${(bytes / 1e6).toFixed(1)} MB` : `${(bytes / 1e3).toFixed(1)} kB`);
const fixed = (value, digits = 1) => (value === undefined || Number.isNaN(value) ? '—' : value.toFixed(digits));

function table(rows) {
  const header = ['case', 'request', 'response', 'req/s', 'p50 ms', 'p99 ms', 'not 2xx', 'floor req/s', 'ratio', 'core ms', 'parse ms'];
  const lines = rows.map((entry) => [
    entry.name,
    kb(entry.requestBytes),
    kb(entry.responseBytes),
    fixed(entry.reqPerSec),
    fixed(entry.p50Ms, 0),
    fixed(entry.p99Ms, 0),
    entry.failed === undefined ? '—' : String(entry.failed),
    fixed(entry.floorReqPerSec),
    fixed(entry.ratio, 2),
    fixed(entry.coreMs, 2),
    fixed(entry.parseMs, 2),
  ]);
  const widths = header.map((title, column) => Math.max(title.length, ...lines.map((line) => line[column].length)));
  const format = (cells) =>
    `| ${cells.map((cell, column) => (column === 0 ? cell.padEnd(widths[column]) : cell.padStart(widths[column]))).join(' | ')} |`;
  return [
    format(header),
    `|${widths.map((width, column) => (column === 0 ? '-'.repeat(width + 2) : `${'-'.repeat(width + 1)}:`)).join('|')}|`,
    ...lines.map(format),
  ].join('\n');
}

async function main() {
  const startedAt = new Date();
  const loadAverageAtStart = os.loadavg().map((value) => round(value));
  const cases = CASES.filter((entry) => ONLY.length === 0 || ONLY.includes(entry.id));
  if (cases.length === 0) throw new Error(`no case ${ONLY.join(', ')}; cases: ${CASES.map((entry) => entry.id).join(', ')}`);
  const generated = [];
  for (const entry of cases) {
    const before = performance.now();
    const { request, now } = entry.generate(Date.now());
    const text = JSON.stringify(request);
    generated.push({ entry, text, now, body: Buffer.from(text) });
    console.error(`generated ${entry.name}: ${kb(text.length)} in ${Math.round(performance.now() - before)} ms`);
  }
  // Larger than the default BODY_LIMIT_BYTES (16 MiB) would be a 413: the same limit for both servers.
  const largest = Math.max(...generated.map((item) => item.body.length));
  const bodyLimitBytes = Math.max(16 * 1024 * 1024, 2 ** Math.ceil(Math.log2(largest + 1)));

  const rows = [];
  for (const { entry, text, now, body } of generated) {
    const core = timeCore(entry.handle, text, now);
    rows.push({ id: entry.id, name: entry.name, hook: entry.path, requestBytes: body.length, ...core });
    console.error(`core ${entry.name}: ${core.coreMs.toFixed(2)} ms (${core.coreIterations} calls), parse ${core.parseMs.toFixed(2)} ms`);
  }

  const problems = [];
  if (!CORE_ONLY) {
    const env = { LOG_LEVEL: SETTINGS.logLevel, BODY_LIMIT_BYTES: String(bodyLimitBytes) };
    const hook = await startServer('hook server', 'dist/server.js', env);
    const floor = await startServer('floor server', 'test/bench/floor-server.mjs', env);
    const withInfo = generated.some((item) => item.entry.id === INFO_LOG_CASE)
      ? await startServer('hook server (info)', 'dist/server.js', { ...env, LOG_LEVEL: 'info' }, 'ignore')
      : undefined;
    try {
      for (const { entry, body } of generated) {
        const result = row(rows, entry.id);
        // The real answer (at the server's clock), and the floor set up to answer it.
        const probe = await settle(hook, entry.path, body);
        result.responseBytes = Buffer.byteLength(probe.text);
        await fetch(`${floor.base}/__response`, { method: 'PUT', headers: { 'content-type': 'text/plain' }, body: probe.text });
        const floorProbe = await post(floor.base, entry.path, body);
        if (floorProbe.status !== 200 || floorProbe.text !== probe.text)
          throw new Error(`${entry.name}: floor answered ${floorProbe.status}`);

        const info = withInfo !== undefined && entry.id === INFO_LOG_CASE;
        const [floorRun, hookRun, infoRun] = await measure(info ? [floor, hook, withInfo] : [floor, hook], entry.path, body);
        Object.assign(result, {
          reqPerSec: hookRun.reqPerSec,
          p50Ms: hookRun.p50Ms,
          p99Ms: hookRun.p99Ms,
          served: hookRun.served,
          failed: hookRun.failed,
          seconds: hookRun.seconds,
          floorReqPerSec: floorRun.reqPerSec,
          floorP50Ms: floorRun.p50Ms,
          floorP99Ms: floorRun.p99Ms,
          floorServed: floorRun.served,
          floorSeconds: floorRun.seconds,
          ratio: hookRun.reqPerSec / floorRun.reqPerSec,
        });
        for (const [label, run] of [
          ['hook', hookRun],
          ['floor', floorRun],
        ]) {
          if (run.failed > 0) problems.push(`${entry.name}: ${label} answered ${JSON.stringify(run.statusCodes)}, ${run.failed} not 2xx`);
          if (run.log.length > 0)
            problems.push(`${entry.name}: ${label} logged ${run.log.length} line(s), first: ${run.log[0]?.slice(0, 200)}`);
        }
        console.error(`http ${entry.name}: ${hookRun.reqPerSec.toFixed(1)} req/s vs floor ${floorRun.reqPerSec.toFixed(1)}`);

        if (infoRun !== undefined) {
          rows.push({
            ...result,
            id: `${entry.id}-info-log`,
            name: `${entry.name}, LOG_LEVEL=info`,
            reqPerSec: infoRun.reqPerSec,
            p50Ms: infoRun.p50Ms,
            p99Ms: infoRun.p99Ms,
            served: infoRun.served,
            failed: infoRun.failed,
            seconds: infoRun.seconds,
            ratio: infoRun.reqPerSec / floorRun.reqPerSec,
          });
          if (infoRun.failed > 0) problems.push(`${entry.name} (info): ${infoRun.failed} not 2xx`);
        }
      }
    } finally {
      await Promise.all([hook.stop(), floor.stop(), withInfo?.stop()]);
    }
  }

  const targets = TARGETS.map((target) => {
    const value = target.value(rows);
    return {
      name: target.name,
      bound: target.bound,
      value: round(value),
      result: value === undefined ? 'n/a' : target.check(value) ? 'PASS' : 'MISS',
    };
  });
  const results = {
    date: startedAt.toISOString(),
    machine: { ...machine(), loadAverageAtStart },
    settings: { ...SETTINGS, bodyLimitBytes, quick: QUICK },
    notes: [
      'req/s, p50, p99: autocannon against `node dist/server.js` (LOG_LEVEL=warn unless the row says info, info logs to /dev/null)',
      'floor: the same fastify parsing the same request and answering the same bytes precomputed; ratio = req/s ÷ floor req/s',
      'core ms: median of handle(request, now) + canonicalJson in-process, request parsed once outside the timer; parse ms: JSON.parse of the request alone',
      `BODY_LIMIT_BYTES=${bodyLimitBytes} for both servers${bodyLimitBytes > 16 * 1024 * 1024 ? ' (the largest request exceeds the 16 MiB default)' : ''}`,
    ],
    cases: rows.map((entry) => ({
      ...entry,
      ...Object.fromEntries(
        Object.entries(entry)
          .filter(([, value]) => typeof value === 'number')
          .map(([name, value]) => [name, round(value, 3)]),
      ),
    })),
    targets,
    problems,
  };
  if (!QUICK && ONLY.length === 0 && !CORE_ONLY) {
    // The fan-out and render benchmarks (fanout.mjs and render.mjs, run before and after this one by `npm run bench`) keep their results in the same file.
    const { fanout, render } = existsSync(RESULTS) ? JSON.parse(readFileSync(RESULTS, 'utf8')) : {};
    writeFileSync(
      RESULTS,
      `${JSON.stringify({ ...results, ...(fanout === undefined ? {} : { fanout }), ...(render === undefined ? {} : { render }) }, null, 2)}\n`,
    );
  }

  console.log(
    `\ndrplan-hooks benchmark, ${results.date}, node ${results.machine.node}, ${results.machine.cpu} × ${results.machine.cores}, load average ${loadAverageAtStart[0]} at start, ${results.machine.loadAverageAtEnd[0]} at end`,
  );
  console.log(
    `autocannon: ${SETTINGS.connections} connections, pipelining ${SETTINGS.pipelining}; per server and case ${SETTINGS.warmupRequests} requests of warm-up, then ~${SETTINGS.durationSeconds} s (≥ ${SETTINGS.minRequests} requests) in ${ROUNDS.light} rounds (${ROUNDS.heavy} for requests of ~1 s) alternating with the floor; hook server LOG_LEVEL=${SETTINGS.logLevel}`,
  );
  console.log(
    `BODY_LIMIT_BYTES=${bodyLimitBytes} for both servers${bodyLimitBytes > 16 * 1024 * 1024 ? ' (raised: the largest request is over the 16 MiB default, which would answer 413)' : ''}\n`,
  );
  console.log(table(rows));
  console.log('');
  for (const target of targets) console.log(`${target.result.padEnd(4)}  ${target.name}: ${target.value ?? '—'} (${target.bound})`);
  for (const problem of problems) console.log(`PROBLEM  ${problem}`);
  if (!QUICK && ONLY.length === 0 && !CORE_ONLY) console.log(`\nwritten to ${RESULTS}`);
  if (problems.length > 0 || targets.some((target) => target.result === 'MISS')) process.exitCode = 1;
}

await main();
