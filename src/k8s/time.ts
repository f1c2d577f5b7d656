import { capText } from './bounds.js';

/** Kubernetes timestamps: RFC 3339 in UTC with whole seconds, as metav1.Time marshals them. */
export function formatTime(date: Date): string {
  return `${date.toISOString().slice(0, 19)}Z`;
}

/** Milliseconds since the epoch, or undefined for an absent or unparsable timestamp. */
export function parseTime(value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const ms = Date.parse(value);
  return Number.isNaN(ms) ? undefined : ms;
}

/** Go-style duration text ("1m30s") for the upstream `duration` fields. */
export function formatDuration(ms: number): string {
  const total = Math.max(0, Math.round(ms / 1000));
  const hours = Math.floor(total / 3600);
  const minutes = Math.floor((total % 3600) / 60);
  const seconds = total % 60;
  if (hours > 0) return `${hours}h${minutes}m${seconds}s`;
  if (minutes > 0) return `${minutes}m${seconds}s`;
  return `${seconds}s`;
}

const DURATION_UNIT_MS = new Map([
  ['ms', 1],
  ['s', 1000],
  ['m', 60_000],
  ['h', 3_600_000],
]);

/** The longest Go `time.Duration` (2^63-1 ns, about 292 years); Go refuses longer text too. */
const MAX_DURATION_MS = 9_223_372_036_854;

/** The milliseconds Go duration text stands for, however many; undefined when it is not one. */
function scanDuration(text: string): number | undefined {
  const trimmed = text.trim();
  if (trimmed === '') return undefined;
  const part = /(\d+(?:\.\d+)?)(ms|s|m|h)/y;
  let total = 0;
  let index = 0;
  while (index < trimmed.length) {
    part.lastIndex = index;
    const match = part.exec(trimmed);
    if (!match) return undefined;
    total += Number(match[1]) * (DURATION_UNIT_MS.get(match[2] ?? '') ?? 0);
    index = part.lastIndex;
  }
  return total;
}

/**
 * Parses a Go duration such as "5m", "1h30m" or "90s" into milliseconds; undefined for text
 * that is not one, or is longer than Go accepts (`99999…h` would be Infinity, and `null` in JSON).
 */
export function parseDuration(text: string): number | undefined {
  const ms = scanDuration(text);
  return ms !== undefined && ms <= MAX_DURATION_MS ? ms : undefined;
}

/** Why `text` cannot be a timeout, in words for a status; undefined when it can. */
export function timeoutProblem(text: string): string | undefined {
  const ms = scanDuration(text);
  const shown = capText(text, 64);
  if (ms !== undefined && ms > MAX_DURATION_MS) {
    return `timeout "${shown}" is longer than the longest duration, ${formatDuration(MAX_DURATION_MS)}`;
  }
  if (ms === undefined || ms <= 0) return `timeout "${shown}" is not a positive duration such as 30s, 5m or 1h`;
  return undefined;
}
