import { describe, expect, it } from 'vitest';
import { trimHistory } from '../../src/plan/ledger.js';
import type { ExecutionRecord } from '../../src/api/plan.js';

const record = (name: string, phase: ExecutionRecord['phase']): ExecutionRecord => ({
  name,
  namespace: 'default',
  uid: name,
  operationType: 'Execute',
  phase,
});

describe('trimHistory', () => {
  const history = [
    record('e5', 'Pending'),
    record('e4', 'Succeeded'),
    record('e3', 'Running'),
    record('e2', 'Failed'),
    record('e1', 'Cancelled'),
  ];
  const names = (records: ExecutionRecord[]) => records.map((r) => r.name);

  it.each([
    ['drops the oldest terminal records first', 3, [], ['e5', 'e4', 'e3']],
    ['never drops open records, even past the limit', 1, [], ['e5', 'e3']],
    ['never drops held records (current, or not yet copied by their execution)', 2, ['e1'], ['e5', 'e3', 'e1']],
    ['keeps everything under the limit', 10, [], ['e5', 'e4', 'e3', 'e2', 'e1']],
  ])('%s', (_name, limit, held, expected) => {
    expect(names(trimHistory(history, limit, (r) => (held as string[]).includes(r.name)))).toEqual(expected);
  });
});
