import { describe, expect, it } from 'vitest';
import { evaluateWhen } from '../../src/engine/when.js';

describe("evaluateWhen (the Go controller's grammar)", () => {
  it.each([
    ['empty runs', '', { mode: 'install' }, { run: true }],
    ['no mode runs', 'mode == "upgrade"', {}, { run: true }],
    ['match', 'mode == "upgrade"', { mode: 'upgrade' }, { run: true }],
    ['case-insensitive', "mode == 'Upgrade'", { mode: 'upgrade' }, { run: true }],
    ['legacy operation', 'operation == upgrade', { mode: 'upgrade' }, { run: true }],
    ['or', 'mode == "install" || mode == "rollback"', { mode: 'rollback' }, { run: true }],
    [
      'operation param as fallback mode',
      'mode == "delete"',
      { operation: 'install' },
      { run: false, message: 'when not matched: mode=install, expected one of [delete]' },
    ],
    [
      'mismatch',
      'mode == "delete"',
      { mode: 'install' },
      { run: false, message: 'when not matched: mode=install, expected one of [delete]' },
    ],
    [
      'in is unsupported',
      'mode in [install]',
      { mode: 'install' },
      { error: 'unsupported expression "mode in [install]" in when "mode in [install]"' },
    ],
    [
      'and is unsupported',
      'mode == install && mode == delete',
      { mode: 'install' },
      { error: 'unsupported expression "mode == install && mode == delete" in when "mode == install && mode == delete"' },
    ],
    [
      'unknown value',
      'mode == "migrate"',
      { mode: 'install' },
      { error: 'unsupported mode value "migrate" in when "mode == "migrate"" (allowed: install, upgrade, delete, rollback)' },
    ],
  ])('%s', (_name, expression, params, expected) => {
    expect(evaluateWhen(expression, new Map(Object.entries(params)))).toEqual(expected);
  });
});
