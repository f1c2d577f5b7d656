import type { Params } from './template.js';

/**
 * The upstream `when` grammar: clauses `mode == "<value>"` (or the legacy `operation == …`)
 * joined by `||`. Nothing else is accepted, so a typo fails loudly instead of skipping.
 */
const CLAUSE = /^\s*(mode|operation)\s*==\s*["']?([a-zA-Z]+)["']?\s*$/;
const MODES = ['install', 'upgrade', 'delete', 'rollback'];

export type WhenResult = { run: true } | { run: false; message: string } | { error: string };

export function parseWhen(expression: string): { modes: string[] } | { error: string } {
  const modes: string[] = [];
  for (const clause of expression.split('||')) {
    const match = CLAUSE.exec(clause);
    if (!match) return { error: `unsupported expression "${clause.trim()}" in when "${expression}"` };
    const mode = (match[2] ?? '').toLowerCase();
    if (!MODES.includes(mode)) {
      return { error: `unsupported mode value "${match[2]}" in when "${expression}" (allowed: ${MODES.join(', ')})` };
    }
    modes.push(mode);
  }
  return { modes };
}

export function evaluateWhen(expression: string | undefined, params: Params): WhenResult {
  if (expression === undefined || expression.trim() === '') return { run: true };
  const parsed = parseWhen(expression);
  if ('error' in parsed) return parsed;
  const mode = (params.get('mode') ?? params.get('operation'))?.toLowerCase();
  // Without a mode every action runs, as upstream's compatibility mode does.
  if (mode === undefined || mode === '') return { run: true };
  if (parsed.modes.includes(mode)) return { run: true };
  return { run: false, message: `when not matched: mode=${mode}, expected one of [${parsed.modes.join(',')}]` };
}
