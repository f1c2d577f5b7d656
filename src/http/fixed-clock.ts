/**
 * A request header that sets the hooks' `now`, for trying them by hand on recorded requests
 * (hooks/): the answer then is the one recorded, whatever the date. Metacontroller never sends
 * it, and a server that has not been started with HOOK_FIXED_CLOCK_ENABLED=true refuses it, so a
 * cluster's clock cannot be set from outside.
 */
export const FIXED_CLOCK_HEADER = 'x-drplan-now';

const RFC3339 = /^(\d{4})-(\d{2})-(\d{2})T([01]\d|2[0-3]):[0-5]\d:[0-5]\d(\.\d{1,9})?(Z|[+-](?:[01]\d|2[0-3]):[0-5]\d)$/i;
const EXAMPLE = '2026-01-01T00:01:00Z';

export class FixedClockRefused extends Error {
  readonly statusCode = 400;
}

/** The time a request asks for, or undefined when it asks for none; throws when it may not or says nonsense. */
export function requestedNow(header: string | string[] | undefined, enabled: boolean): Date | undefined {
  if (header === undefined) return undefined;
  if (!enabled) {
    throw new FixedClockRefused(
      'X-Drplan-Now is refused: the server sets the clock itself unless started with HOOK_FIXED_CLOCK_ENABLED=true',
    );
  }
  const value = Array.isArray(header) ? header.join(', ') : header;
  const match = RFC3339.exec(value);
  const time = match === null ? Number.NaN : Date.parse(value);
  if (match === null || Number.isNaN(time) || !isCalendarDate(Number(match[1]), Number(match[2]), Number(match[3]))) {
    throw new FixedClockRefused(`X-Drplan-Now must be an RFC 3339 time such as ${EXAMPLE}, got "${value.slice(0, 64)}"`);
  }
  return new Date(time);
}

/** `Date` would read 2026-02-30 as March 2nd. */
function isCalendarDate(year: number, month: number, day: number): boolean {
  const date = new Date(Date.UTC(year, month - 1, day));
  return date.getUTCFullYear() === year && date.getUTCMonth() === month - 1 && date.getUTCDate() === day;
}
