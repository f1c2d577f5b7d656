import { describe, expect, it } from 'vitest';
import { clone } from '../../src/harness/types.js';

describe('clone of a JSON tree', () => {
  it('copies every level, so changing the copy leaves the original as it was', () => {
    const original = { metadata: { name: 'a', labels: { x: '1' } }, spec: { list: [{ n: 1 }, [2, null, 'three']], flag: true } };
    const copy = clone(original);
    expect(copy).toStrictEqual(original);
    copy.metadata.labels.x = '2';
    (copy.spec.list[0] as { n: number }).n = 9;
    expect(original.metadata.labels.x).toBe('1');
    expect(original.spec.list[0]).toEqual({ n: 1 });
  });

  it('keeps a __proto__ key as a key, never as the prototype', () => {
    const original = JSON.parse('{"headers":{"__proto__":{"polluted":"yes"},"a":"b"}}') as { headers: Record<string, unknown> };
    const copy = clone(original);
    expect(Object.getPrototypeOf(copy.headers)).toBe(Object.prototype);
    expect(Object.keys(copy.headers)).toEqual(['__proto__', 'a']);
    expect(JSON.stringify(copy)).toBe(JSON.stringify(original));
  });

  it('copies an object nested far deeper than the call stack would allow', () => {
    let deep: unknown = 'bottom';
    for (let level = 0; level < 100_000; level++) deep = { next: deep };
    let copy = clone(deep) as { next: unknown } | string;
    let levels = 0;
    while (typeof copy === 'object') {
      copy = copy.next as { next: unknown } | string;
      levels++;
    }
    expect({ levels, copy }).toEqual({ levels: 100_000, copy: 'bottom' });
  });
});
