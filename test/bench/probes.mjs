/* global process, console, setTimeout, clearTimeout */
/**
 * Probes under load, and what moving hook calls to worker threads costs ordinary requests:
 *
 *   npm run build && node test/bench/probes.mjs [--baseline=path/to/other/dist] [--seconds=20] [--clients=15] [--only=large|normal]
 *
 * Each build (this one, and `--baseline` when given, in the same run) serves with the
 * Deployment's memory settings (NODE_OPTIONS, OVERLOAD_MAX_HEAP_USED_BYTES) and is measured twice:
 *
 * - large: `--clients` clients behave like Metacontroller workers, each sending a plan sync just
 *   under the 16 MiB BODY_LIMIT_BYTES in a loop for `--seconds`, with a 10 s timeout and waiting
 *   `Retry-After` after a 429, while a kubelet-like prober (a process of its own) asks /healthz
 *   and /readyz every 100 ms. Reported: probe latency (max, p99, p50), probes slower than the Deployment's 2 s
 *   timeoutSeconds, hook answers by status, client timeouts, and the server's peak RSS.
 * - normal: autocannon (10 connections, `--duration` s per round, rounds alternating between
 *   the builds) on three ordinary requests: the recorded plan sync of hooks/ (a few kB, below
 *   HOOK_INLINE_MAX_BYTES), and generated plan syncs of 10 and 100 executions × 50 actions
 *   (0.7 and 4.2 MB). This build runs three times: as configured, with HOOK_WORKERS=0 (every call
 *   on the event loop) and with HOOK_INLINE_MAX_BYTES=0 (every call in a worker), which shows what
 *   the hand-off costs and where the inline threshold belongs.
 */
import { Buffer } from 'node:buffer';
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import http from 'node:http';
import { createServer } from 'node:net';
import os from 'node:os';
import { resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath, URL } from 'node:url';
import autocannon from 'autocannon';
import { planSyncRequest } from './generate.mjs';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const option = (name, fallback) => process.argv.find((arg) => arg.startsWith(`--${name}=`))?.split('=')[1] ?? fallback;
const SECONDS = Number(option('seconds', 20));
const CLIENTS = Number(option('clients', 15));
const DURATION = Number(option('duration', 5));
const ROUNDS = Number(option('rounds', 2));
/** `large` or `normal` runs one half only. */
const ONLY = option('only', '');
const BODY_LIMIT = 16 * 1024 * 1024;
const DEPLOYMENT_ENV = {
  NODE_OPTIONS: '--max-old-space-size=512',
  OVERLOAD_MAX_HEAP_USED_BYTES: String(256 * 1024 * 1024),
  LOG_LEVEL: 'warn',
};
const HOOK_TIMEOUT_MS = 10_000;
const PROBE_TIMEOUT_MS = 2_000;

const builds = [{ label: 'this build', dist: resolve(option('dist', `${ROOT}dist`)), env: {} }];
if (option('baseline', '') !== '') builds.unshift({ label: 'baseline', dist: resolve(option('baseline', '')), env: {} });

const sleep = (ms) => new Promise((done) => setTimeout(done, ms));
const quantile = (values, q) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted.length === 0 ? 0 : sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))];
};

async function freePort() {
  const server = createServer();
  await new Promise((done) => server.listen(0, '127.0.0.1', done));
  const { port } = server.address();
  await new Promise((done) => server.close(done));
  return port;
}

async function startServer(dist, env) {
  const port = await freePort();
  const child = spawn(process.execPath, [`${dist}/server.js`], {
    cwd: ROOT,
    env: { ...process.env, ...DEPLOYMENT_ENV, ...env, PORT: String(port), HOST: '127.0.0.1' },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let errors = '';
  child.stderr.on('data', (chunk) => (errors += String(chunk)));
  const base = `http://127.0.0.1:${port}`;
  for (let attempt = 0; ; attempt++) {
    if (child.exitCode !== null) throw new Error(`server exited: ${errors}`);
    if ((await call(base, 'GET', '/healthz').catch(() => undefined))?.status === 200) break;
    if (attempt > 200) throw new Error(`server did not start: ${errors}`);
    await sleep(50);
  }
  return {
    base,
    /** Peak resident set of the server process, from the kernel (VmHWM). */
    peakRssMiB: () => Number(/VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${child.pid}/status`, 'utf8'))?.[1] ?? 0) / 1024,
    alive: () => child.exitCode === null,
    stop: async () => {
      const exited = new Promise((done) => child.once('exit', done));
      child.kill('SIGTERM');
      await Promise.race([exited, sleep(5000)]);
      if (child.exitCode === null) child.kill('SIGKILL');
    },
  };
}

const agent = new http.Agent({ keepAlive: true, maxSockets: 64 });

/** One request; resolves with status, headers and milliseconds, or rejects on timeout. */
function call(base, method, path, body, timeoutMs = HOOK_TIMEOUT_MS) {
  return new Promise((done, fail) => {
    const started = performance.now();
    const request = http.request(
      `${base}${path}`,
      { method, agent, headers: body ? { 'content-type': 'application/json', 'content-length': body.length } : {} },
      (response) => {
        response.resume();
        response.on('end', () => {
          clearTimeout(timer);
          done({ status: response.statusCode, retryAfter: Number(response.headers['retry-after'] ?? 0), ms: performance.now() - started });
        });
      },
    );
    const timer = setTimeout(() => {
      request.destroy();
      fail(new Error('timeout'));
    }, timeoutMs);
    request.on('error', (error) => {
      clearTimeout(timer);
      fail(error);
    });
    request.end(body);
  });
}

function fetchText(url) {
  return new Promise((done, fail) => {
    http
      .get(url, { agent }, (response) => {
        let text = '';
        response.on('data', (chunk) => (text += chunk));
        response.on('end', () => done(text));
      })
      .on('error', fail);
  });
}

/**
 * The prober is a process of its own, as the kubelet is, so that the clients' work in this one
 * never counts as the server's: it asks /healthz and /readyz in turn every 100 ms for
 * `durationMs` and prints each latency (a failed probe counts as 10^6 ms).
 */
async function probeFromAnotherProcess(base, durationMs) {
  const script = `
    import http from 'node:http';
    const latencies = [];
    const deadline = performance.now() + ${durationMs};
    const probe = (path) => new Promise((done) => {
      const started = performance.now();
      http.get('${base}' + path, (response) => {
        response.resume();
        response.on('end', () => done(response.statusCode === 200 ? performance.now() - started : 1e6));
      }).on('error', () => done(1e6));
    });
    for (let turn = 0; performance.now() < deadline; turn++) {
      latencies.push(await probe(turn % 2 === 0 ? '/healthz' : '/readyz'));
      await new Promise((done) => setTimeout(done, 100));
    }
    process.stdout.write(JSON.stringify(latencies));`;
  const child = spawn(process.execPath, ['--input-type=module', '-e', script], { stdio: ['ignore', 'pipe', 'inherit'] });
  let output = '';
  child.stdout.on('data', (chunk) => (output += chunk));
  await new Promise((done) => child.once('exit', done));
  return JSON.parse(output);
}

/** `--clients` Metacontroller-like workers sending `body` for `--seconds`, and a prober meanwhile. */
async function large(server, body) {
  const deadline = performance.now() + SECONDS * 1000;
  const statuses = {};
  let timeouts = 0;
  const worker = async () => {
    while (performance.now() < deadline) {
      try {
        const answer = await call(server.base, 'POST', '/drplan/sync', body);
        statuses[answer.status] = (statuses[answer.status] ?? 0) + 1;
        if (answer.status === 429) await sleep(answer.retryAfter * 1000);
      } catch {
        timeouts++;
      }
    }
  };
  const probing = probeFromAnotherProcess(server.base, SECONDS * 1000);
  await Promise.all(Array.from({ length: CLIENTS }, worker));
  const probes = await probing;
  const all = probes;
  // The server's own view: the longest its event loop was held since it started (prom-client's
  // histogram is reset by each scrape, and this is the first).
  const metrics = await fetchText(`${server.base}/metrics`);
  const loopMaxMs = Number(/^nodejs_eventloop_lag_max_seconds (\S+)$/m.exec(metrics)?.[1]) * 1000;
  return {
    probeMaxMs: Math.round(Math.max(...all)),
    probeP99Ms: Math.round(quantile(all, 0.99)),
    probeP50Ms: Math.round(quantile(all, 0.5) * 10) / 10,
    probesOver2s: all.filter((ms) => ms > PROBE_TIMEOUT_MS).length,
    serverLoopMaxMs: Math.round(loopMaxMs),
    probes: all.length,
    statuses,
    timeouts,
    peakRssMiB: Math.round(server.peakRssMiB()),
    alive: server.alive(),
  };
}

async function cannon(server, path, body) {
  const result = await autocannon({
    url: `${server.base}${path}`,
    method: 'POST',
    body,
    headers: { 'content-type': 'application/json' },
    connections: 10,
    duration: DURATION,
  });
  return {
    requests: result['2xx'],
    other: result.non2xx + result.errors + result.timeouts,
    seconds: result.duration,
    p50: result.latency.p50,
    p99: result.latency.p99,
  };
}

/** The largest plan sync of 50-action executions under the body limit. */
function nearLimitPlanSync() {
  let executions = 440;
  let body = Buffer.from(JSON.stringify(planSyncRequest({ executions, actions: 50, nowMs: Date.parse('2026-01-01T12:00:00Z') }).request));
  while (body.length > BODY_LIMIT - 64 * 1024) {
    executions -= 5;
    body = Buffer.from(JSON.stringify(planSyncRequest({ executions, actions: 50, nowMs: Date.parse('2026-01-01T12:00:00Z') }).request));
  }
  return { executions, body };
}

async function main() {
  console.log(
    `node ${process.version}, ${os.cpus().length} CPUs, load average ${os
      .loadavg()
      .map((l) => l.toFixed(1))
      .join(' ')}`,
  );
  if (ONLY !== 'normal') await largeRequests();
  if (ONLY !== 'large') await normalRequests();
  agent.destroy();
}

async function largeRequests() {
  const big = nearLimitPlanSync();
  console.log(
    `large request: plan sync, ${big.executions} executions × 50 actions, ${(big.body.length / 1024 / 1024).toFixed(2)} MiB; ${CLIENTS} clients for ${SECONDS} s`,
  );
  for (const build of builds) {
    const server = await startServer(build.dist, build.env);
    try {
      console.log(`  ${build.label}: ${JSON.stringify(await large(server, big.body))}`);
    } finally {
      await server.stop();
    }
  }
}

async function normalRequests() {
  const now = Date.parse('2026-01-01T12:00:00Z');
  const normal = [
    ['recorded plan sync (hooks/)', readFileSync(`${ROOT}hooks/drplan-sync.request.json`)],
    ['plan sync 10 × 50', Buffer.from(JSON.stringify(planSyncRequest({ executions: 10, actions: 50, nowMs: now }).request))],
    ['plan sync 100 × 50', Buffer.from(JSON.stringify(planSyncRequest({ executions: 100, actions: 50, nowMs: now }).request))],
  ];
  const variants = [
    ...builds,
    { label: 'this build, HOOK_WORKERS=0', dist: builds.at(-1).dist, env: { HOOK_WORKERS: '0' } },
    { label: 'this build, HOOK_INLINE_MAX_BYTES=0', dist: builds.at(-1).dist, env: { HOOK_INLINE_MAX_BYTES: '0' } },
  ];
  const servers = await Promise.all(variants.map((variant) => startServer(variant.dist, variant.env)));
  try {
    for (const [name, body] of normal) {
      const totals = variants.map(() => ({ requests: 0, seconds: 0, other: 0, p50: [], p99: [] }));
      for (let round = 0; round < ROUNDS; round++) {
        for (const [index, server] of servers.entries()) {
          const result = await cannon(server, '/drplan/sync', body);
          const total = totals[index];
          total.requests += result.requests;
          total.seconds += result.seconds;
          total.other += result.other;
          total.p50.push(result.p50);
          total.p99.push(result.p99);
        }
      }
      console.log(`${name}, ${(body.length / 1024).toFixed(0)} kB:`);
      for (const [index, variant] of variants.entries()) {
        const total = totals[index];
        const rate = (total.requests / total.seconds).toFixed(1);
        console.log(
          `  ${variant.label}: ${rate} req/s, p50 ${Math.max(...total.p50)} ms, p99 ${Math.max(...total.p99)} ms${total.other ? `, ${total.other} not 2xx` : ''}`,
        );
      }
    }
  } finally {
    await Promise.all(servers.map((server) => server.stop()));
  }
}

await main();
