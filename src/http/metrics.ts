import { collectDefaultMetrics, Counter, exponentialBuckets, Gauge, Histogram, Registry } from 'prom-client';
import type { DispatcherLoad } from './hook-dispatcher.js';

/** Hook traffic in Prometheus terms; labels are the hook and the status code only. */
export interface HookMetrics {
  registry: Registry;
  observe(sample: { hook: string; code: number; seconds: number; requestBytes: number; responseBytes: number }): void;
}

const SIZE_BUCKETS = exponentialBuckets(256, 4, 9);

/** `load` tells, when scraped, how busy the hook worker threads are. */
export function createMetrics(load: () => DispatcherLoad): HookMetrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  new Gauge({
    name: 'drplan_hook_workers_busy',
    help: 'Worker threads working on a hook call.',
    registers: [registry],
    collect() {
      this.set(load().busyWorkers);
    },
  });
  new Gauge({
    name: 'drplan_hook_queue_length',
    help: 'Hook calls waiting for a worker thread (HOOK_QUEUE_LIMIT at most; past it, 429).',
    registers: [registry],
    collect() {
      this.set(load().queued);
    },
  });
  const requests = new Counter({
    name: 'drplan_hook_requests_total',
    help: 'Hook requests by hook and HTTP status code.',
    labelNames: ['hook', 'code'],
    registers: [registry],
  });
  const duration = new Histogram({
    name: 'drplan_hook_duration_seconds',
    help: 'Time to answer a hook request, from the first byte read to the last byte written.',
    labelNames: ['hook'],
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
    registers: [registry],
  });
  const requestSize = new Histogram({
    name: 'drplan_hook_request_size_bytes',
    help: 'Size of hook request bodies.',
    labelNames: ['hook'],
    buckets: SIZE_BUCKETS,
    registers: [registry],
  });
  const responseSize = new Histogram({
    name: 'drplan_hook_response_size_bytes',
    help: 'Size of hook response bodies.',
    labelNames: ['hook'],
    buckets: SIZE_BUCKETS,
    registers: [registry],
  });
  return {
    registry,
    observe({ hook, code, seconds, requestBytes, responseBytes }) {
      requests.inc({ hook, code: String(code) });
      duration.observe({ hook }, seconds);
      requestSize.observe({ hook }, requestBytes);
      responseSize.observe({ hook }, responseBytes);
    },
  };
}
