import type { ServerResponse } from 'node:http';
import type { Store, StoreChange } from '../store.js';
import type { KubeObject } from '../types.js';
import { matcher, type Target } from './target.js';

/** Changes kept for watches that start from a resourceVersion a list returned a moment ago. */
const KEPT_CHANGES = 5000;

interface Logged {
  resourceVersion: number;
  change: StoreChange;
}

/**
 * The store's recent changes, numbered by the resourceVersion they made: a client lists, then
 * watches from the list's resourceVersion, and must not miss what happened in between.
 */
export class ChangeLog {
  readonly #entries: Logged[] = [];

  constructor(store: Store) {
    store.subscribe((change) => {
      this.#entries.push({ resourceVersion: Number(store.resourceVersion), change });
      if (this.#entries.length > KEPT_CHANGES) this.#entries.splice(0, this.#entries.length - KEPT_CHANGES);
    });
  }

  since(resourceVersion: number): StoreChange[] {
    return this.#entries.filter((entry) => entry.resourceVersion > resourceVersion).map((entry) => entry.change);
  }
}

export type WatchEvent = 'ADDED' | 'MODIFIED' | 'DELETED';

/**
 * A watch as newline-delimited JSON events: without a resourceVersion it starts with the
 * current state, as a real server's does; with one, with every change since.
 */
export function streamWatch(
  store: Store,
  log: ChangeLog,
  target: Target,
  query: URLSearchParams,
  response: ServerResponse,
  present: (object: KubeObject, first: boolean) => unknown,
): void {
  const matches = matcher(target, query);
  const mine = (obj: KubeObject | undefined): obj is KubeObject =>
    obj !== undefined && obj.apiVersion === target.type.apiVersion && obj.kind === target.type.kind && matches(obj);
  response.writeHead(200, { 'Content-Type': 'application/json', 'Transfer-Encoding': 'chunked' });
  response.flushHeaders();
  let first = true;
  const send = (type: WatchEvent, object: KubeObject) => {
    response.write(`${JSON.stringify({ type, object: present(object, first) })}\n`);
    first = false;
  };
  const forward = ({ before, after }: StoreChange) => {
    const was = mine(before);
    const is = mine(after);
    if (is) send(was ? 'MODIFIED' : 'ADDED', after);
    else if (was) send('DELETED', after ?? before);
  };
  const from = query.get('resourceVersion');
  if (from === null || from === '' || from === '0') {
    for (const obj of store.list(target.type, target.namespace === '' ? undefined : target.namespace).filter(matches)) send('ADDED', obj);
  } else {
    for (const change of log.since(Number(from))) forward(change);
  }
  const stop = store.subscribe(forward);
  const seconds = Number(query.get('timeoutSeconds') ?? '');
  const timer = Number.isFinite(seconds) && seconds > 0 ? setTimeout(() => response.end(), seconds * 1000) : undefined;
  timer?.unref();
  // The request's own 'close' fires once its (empty) body is read; the response's when the client leaves.
  response.on('close', () => {
    stop();
    if (timer) clearTimeout(timer);
  });
}
