import { canonicalJson } from '../k8s/json.js';
import { ENVELOPE_SHAPES, everyRequestObject, KubeObject, namespacedName } from '../k8s/metacontroller.js';
import { mappedAlongLists } from '../shared/along-lists.js';
import { rememberedWhenFrozen } from '../shared/frozen.js';
import { compiledCheck } from '../k8s/validate.js';
import { etagOf } from './etag.js';
import { HOOK_ROUTES, type HookRoute, type HookSettings } from './hooks.js';

/**
 * What one hook call came to, as plain data: the same whether the call ran on the event loop
 * or in a worker thread (which sends it back by structured clone).
 */
export type HookOutcome =
  | { kind: 'answered'; body: string | Uint8Array; etag: string; object: string; decision: string; durationMs: number }
  | { kind: 'deferred'; retryAfterSeconds: number; object: string; decision: string; durationMs: number }
  | { kind: 'refused'; reason: string }
  | { kind: 'failed'; object: string; error: unknown };

/** The raw request body (JSON bytes), the hook's `now` in epoch ms, and which hook. */
export interface HookCall {
  hook: string;
  /** Absent when the request had no body at all. */
  body: Uint8Array | undefined;
  nowMs: number;
}

// fastify's own words for these, kept so a client sees the same 400 wherever the body is parsed.
const EMPTY_BODY = "Body cannot be empty when content-type is set to 'application/json'";
const INVALID_JSON = "Body is not valid JSON but content-type is set to 'application/json'";
const BYTE_ORDER_MARK = 0xfeff;

const routes = new Map(HOOK_ROUTES.map((route) => [route.name, route]));

/** What the pure hook made of a request, before its answer is serialised. */
export type HookAnswer =
  | { kind: 'answered'; response: unknown; object: string; decision: string; durationMs: number }
  | Exclude<HookOutcome, { kind: 'answered' }>;

/**
 * The expensive part of a hook request, start to end: parse the body, check the envelope,
 * call the pure hook, serialise its answer canonically and hash it. Plain `JSON.parse`, as
 * fastify's parser with prototype poisoning checks off (docs/design.md, "Names").
 */
export function callHook({ hook, body, nowMs }: HookCall, settings: HookSettings): HookOutcome {
  const started = performance.now();
  const route = routes.get(hook);
  if (route === undefined) throw new Error(`no hook named ${hook}`);
  const parsed = parse(body);
  if (parsed.kind === 'refused') return parsed;
  const answer = answerHook(route, parsed.value, nowMs, settings, started);
  if (answer.kind !== 'answered') return answer;
  const { response, ...rest } = answer;
  const text = canonicalJson(response);
  return { ...rest, body: text, etag: etagOf(text) };
}

/**
 * A request already parsed: check its envelope and call the pure hook. A rehearsal calls this
 * in process with the objects it holds (docs/design.md, "Rehearsal"); the server, via callHook.
 */
export function answerHook(
  route: HookRoute,
  value: unknown,
  nowMs: number,
  settings: HookSettings,
  started = performance.now(),
): HookAnswer {
  const problem = envelopeProblem(route, value);
  if (problem !== undefined) return { kind: 'refused', reason: problem };
  const object = namespacedName(route.subject(value));
  let result;
  try {
    result = route.handle(value, new Date(nowMs), settings);
  } catch (error) {
    return { kind: 'failed', object, error };
  }
  const durationMs = Math.round((performance.now() - started) * 100) / 100;
  if (result.deferSeconds !== undefined) {
    return { kind: 'deferred', retryAfterSeconds: result.deferSeconds, object, decision: result.decision, durationMs };
  }
  return { kind: 'answered', response: result.response, object, decision: result.decision, durationMs };
}

function parse(body: Uint8Array | undefined): { kind: 'parsed'; value: unknown } | { kind: 'refused'; reason: string } {
  // No body is no object: the envelope check says so in its own words.
  if (body === undefined) return { kind: 'parsed', value: undefined };
  if (body.byteLength === 0) return { kind: 'refused', reason: EMPTY_BODY };
  let text = Buffer.from(body.buffer, body.byteOffset, body.byteLength).toString('utf8');
  if (text.charCodeAt(0) === BYTE_ORDER_MARK) text = text.slice(1);
  try {
    return { kind: 'parsed', value: JSON.parse(text) as unknown };
  } catch {
    return { kind: 'refused', reason: INVALID_JSON };
  }
}

/** The first thing wrong with the envelope, as `<path>: <what>`, or undefined when it is a hook request. */
function envelopeProblem(route: HookRoute, value: unknown): string | undefined {
  const shape = ENVELOPE_SHAPES.get(route.schema);
  // Its shape, then each object on its own: the same verdict as the whole envelope's schema.
  if (shape !== undefined && compiledCheck(shape).Check(value) && everyRequestObject(value as Record<string, unknown>, allKubeObjects)) {
    return undefined;
  }
  const check = compiledCheck(route.schema);
  if (check.Check(value)) return undefined;
  const first = check.Errors(value).First();
  return `${first?.path || '/'}: ${first?.message ?? 'not a hook request'}`;
}

/** A frozen object (a rehearsal's) is checked once, however many requests carry it. */
const checkedObject = rememberedWhenFrozen((object: object) => compiledCheck(KubeObject).Check(object));

function isKubeObject(value: unknown): boolean {
  return typeof value === 'object' && value !== null && checkedObject(value);
}

/** The verdicts on a request map's objects, carried from one request's map to the next. */
const kubeObjectVerdicts = mappedAlongLists(isKubeObject);

function allKubeObjects(objects: readonly unknown[]): boolean {
  return kubeObjectVerdicts(objects).every(Boolean);
}
