/**
 * Size budgets for everything the hooks write or log. etcd refuses objects over about
 * 1.5 MiB, and a status it refuses stops the ledger for good, so every text and list built
 * from user data is cut here, at the place it is composed, never left to grow with the input.
 */

/** The longest message a `metav1.Condition` may carry. */
export const MAX_MESSAGE_CHARS = 32_768;
/** Messages of history records: up to 50 of them (more while held) share one status. */
export const MAX_RECORD_MESSAGE_CHARS = 1_024;
/** Messages of run steps; one per stage, workflow and action of the run. */
export const MAX_STEP_MESSAGE_CHARS = 256;
/** A problem list shows this many problems, then how many more there are. */
const MAX_LISTED = 20;
/** One listed problem; it may quote user names and values of any length. */
export const MAX_PROBLEM_CHARS = 1_024;
/** One line of the hook log; a line carries a decision and, at most, a handful of notes. */
export const MAX_LOG_TEXT_CHARS = 4_096;

/** `text` when short enough, else its beginning and how much was left out. */
export function capText(text: string, max: number): string {
  if (text.length <= max) return text;
  const omitted = `… (${text.length} characters in all)`;
  let cut = Math.max(0, max - omitted.length);
  // Never split a surrogate pair: half a character is not valid UTF-8 for the API server.
  const code = text.charCodeAt(cut - 1);
  if (code >= 0xd800 && code <= 0xdbff) cut -= 1;
  return `${text.slice(0, cut)}${omitted}`;
}

/**
 * The first `max` items, each cut to `itemChars`, then "and N more": what a status or a log
 * line says about a list of any length, in time proportional to what it shows.
 */
export function listed(items: readonly string[], separator = '; ', max = MAX_LISTED, itemChars = MAX_PROBLEM_CHARS): string {
  const shown = items.slice(0, max).map((item) => capText(item, itemChars));
  if (items.length > max) shown.push(`and ${items.length - max} more`);
  return shown.join(separator);
}

/** The first `max` names of a list kept in a status, then one entry that counts the rest. */
export function cappedNames(names: readonly string[], max = MAX_LISTED * 5): string[] {
  if (names.length <= max) return [...names];
  return [...names.slice(0, max), `and ${names.length - max} more`];
}
