import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { clone, storable } from '../../src/harness/types.js';
import { deepFreeze } from '../../src/shared/frozen.js';

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

  it('copies any JSON tree, lists and maps alike; a stored copy shares its frozen parts and freezes as deep', () => {
    fc.assert(
      fc.property(fc.jsonValue(), fc.jsonValue(), (value, part) => {
        expect(clone(value)).toStrictEqual(value);
        const frozenPart = deepFreeze(structuredClone(part));
        const tree = { list: [value, frozenPart], map: { part: frozenPart } };
        const stored = deepFreeze(storable(tree));
        expect(stored).toStrictEqual(tree);
        expect([stored.list[1], stored.map.part]).toEqual([frozenPart, frozenPart]);
        if (typeof frozenPart === 'object' && frozenPart !== null) expect(stored.map.part).toBe(frozenPart);
        const unfrozen: unknown[] = [];
        const visit = (node: unknown): void => {
          if (typeof node !== 'object' || node === null) return;
          if (!Object.isFrozen(node)) unfrozen.push(node);
          Object.values(node).forEach(visit);
        };
        visit(stored);
        expect(unfrozen).toEqual([]);
      }),
      { numRuns: 300 },
    );
  });

  it('freezes every object, past undefined values and holes in lists', () => {
    const inner = [{ c: 3 }];
    // A hole at 0: only items 1 to 3 are set.
    const list: unknown[] = [];
    Object.assign(list, { 1: { b: 2 }, 2: undefined, 3: inner });
    const tree = { first: { a: 1 }, gap: undefined, list, last: { d: 4 } };
    deepFreeze(tree);
    expect([tree, tree.first, list, list[1], inner, inner[0], tree.last].every(Object.isFrozen)).toBe(true);
    expect(0 in list).toBe(false);
  });
});
