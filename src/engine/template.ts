import { forEachString, mapStrings } from '../k8s/json.js';

/**
 * Parameter templates. Two spellings are accepted, `$(params.name)` and the older
 * `{{ .params.name }}`; `$$(` writes a literal `$(`. Anything else is left as written, so
 * shell or Kubernetes `$(VAR)` expansions in Job commands keep working. A name is a letter or
 * `_`, then letters, digits, `_` or `-`; the braces allow white space inside.
 *
 * Each string is read once, left to right, by a scanner (a regular expression costs about a
 * microsecond a match, a second for the placeholders a 16 MiB request can hold). Names are
 * looked up in a Map, so a parameter called `constructor` is a name like any other.
 */
export type Params = ReadonlyMap<string, string>;

/**
 * Characters that substitutions may still add. A value is substituted wherever its name is, so
 * the output can be far larger than the request (a 1 MiB value used 50,000 times); once spent,
 * the rest is left unrendered, and whoever set the budget reports it.
 */
export interface RenderBudget {
  remaining: number;
}

const UNLIMITED: RenderBudget = { remaining: Infinity };

export interface Rendered<T> {
  value: T;
  /** Names referenced but not defined, in order of first use. */
  missing: string[];
}

const DOLLAR = 0x24;
const OPEN_PAREN = 0x28;
const CLOSE_PAREN = 0x29;
const OPEN_BRACE = 0x7b;
const CLOSE_BRACE = 0x7d;
const DOLLAR_PREFIX = '$(params.';
const BRACE_PREFIX = '.params.';

function isNameStart(code: number): boolean {
  return (code >= 0x41 && code <= 0x5a) || (code >= 0x61 && code <= 0x7a) || code === 0x5f;
}

function isNamePart(code: number): boolean {
  return isNameStart(code) || (code >= 0x30 && code <= 0x39) || code === 0x2d;
}

/** White space as regular expressions define `\s`. */
function isSpace(code: number): boolean {
  if (code <= 0x20) return code === 0x20 || (code >= 0x09 && code <= 0x0d);
  return (
    code === 0xa0 ||
    code === 0x1680 ||
    (code >= 0x2000 && code <= 0x200a) ||
    code === 0x2028 ||
    code === 0x2029 ||
    code === 0x202f ||
    code === 0x205f ||
    code === 0x3000 ||
    code === 0xfeff
  );
}

/** The end of the name starting at `from`, or `from` when there is none. */
function nameEnd(text: string, from: number): number {
  if (from >= text.length || !isNameStart(text.charCodeAt(from))) return from;
  let end = from + 1;
  while (end < text.length && isNamePart(text.charCodeAt(end))) end += 1;
  return end;
}

function skipSpaces(text: string, from: number): number {
  let index = from;
  while (index < text.length && isSpace(text.charCodeAt(index))) index += 1;
  return index;
}

/** A placeholder (with its name) or an escape found at some position. */
interface Token {
  end: number;
  name?: string;
}

function tokenAt(text: string, at: number): Token | undefined {
  const code = text.charCodeAt(at);
  if (code === DOLLAR) {
    if (text.charCodeAt(at + 1) === DOLLAR && text.charCodeAt(at + 2) === OPEN_PAREN) return { end: at + 3 };
    if (!text.startsWith(DOLLAR_PREFIX, at)) return undefined;
    const start = at + DOLLAR_PREFIX.length;
    const end = nameEnd(text, start);
    if (end === start || text.charCodeAt(end) !== CLOSE_PAREN) return undefined;
    return { end: end + 1, name: text.slice(start, end) };
  }
  if (code !== OPEN_BRACE || text.charCodeAt(at + 1) !== OPEN_BRACE) return undefined;
  const dot = skipSpaces(text, at + 2);
  if (!text.startsWith(BRACE_PREFIX, dot)) return undefined;
  const start = dot + BRACE_PREFIX.length;
  const end = nameEnd(text, start);
  if (end === start) return undefined;
  const close = skipSpaces(text, end);
  if (text.charCodeAt(close) !== CLOSE_BRACE || text.charCodeAt(close + 1) !== CLOSE_BRACE) return undefined;
  return { end: close + 2, name: text.slice(start, end) };
}

/** Where `char` next appears at or after `from`; Infinity when it does not. */
function nextOf(text: string, char: string, from: number): number {
  const at = text.indexOf(char, from);
  return at < 0 ? Infinity : at;
}

/**
 * Visits the placeholders and escapes of `text` left to right, each with its position. A
 * token is only looked for where a `$` or `{` is, and the scan goes on after each token; the
 * next of each is searched for again only once the scan has passed it.
 */
function scan(text: string, visit: (start: number, token: Token) => void): void {
  let dollar = -1;
  let brace = -1;
  for (let index = 0; index < text.length;) {
    if (dollar < index) dollar = nextOf(text, '$', index);
    if (brace < index) brace = nextOf(text, '{', index);
    const next = Math.min(dollar, brace);
    if (next === Infinity) return;
    const token = tokenAt(text, next);
    if (token === undefined) {
      index = next + 1;
      continue;
    }
    visit(next, token);
    index = token.end;
  }
}

function substitute(text: string, params: Params, missing: Set<string>, budget: RenderBudget): string {
  let out = '';
  let copied = 0;
  scan(text, (start, { end, name }) => {
    const value = name === undefined ? '$(' : params.get(name);
    if (value === undefined) {
      if (name !== undefined) missing.add(name);
      return;
    }
    if (value.length > budget.remaining) {
      budget.remaining = -1;
      return;
    }
    budget.remaining -= value.length;
    out += text.slice(copied, start) + value;
    copied = end;
  });
  return copied === 0 ? text : out + text.slice(copied);
}

export function placeholders(text: string): string[] {
  const names = new Set<string>();
  scan(text, (_start, { name }) => {
    if (name !== undefined) names.add(name);
  });
  return [...names];
}

export function renderText(text: string, params: Params): Rendered<string> {
  const missing = new Set<string>();
  const value = substitute(text, params, missing, UNLIMITED);
  return { value, missing: [...missing] };
}

/** Renders every string inside a JSON value, at any depth; keys are left alone. */
export function renderDeep<T>(value: T, params: Params, budget = UNLIMITED): Rendered<T> {
  const missing = new Set<string>();
  const rendered = mapStrings(value, (text) => substitute(text, params, missing, budget));
  return { value: rendered, missing: [...missing] };
}

/** Every placeholder name used anywhere inside a JSON value, in order of first use. */
export function placeholdersDeep(value: unknown): string[] {
  const names = new Set<string>();
  forEachString(value, (text) =>
    scan(text, (_start, { name }) => {
      if (name !== undefined) names.add(name);
    }),
  );
  return [...names];
}
