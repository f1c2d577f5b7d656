import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { mappedAlongLists, mappedInPlaceAlongLists } from '../../src/shared/along-lists.js';

/**
 * `mappedAlongLists` carries what it made of a list's items to the next list that holds the same
 * frozen objects at the same places; its answers must always be those of a plain `map`.
 */

interface Item {
  value: number;
}

function counted(): { each: (item: Item) => { doubled: number }; calls: () => number } {
  let calls = 0;
  return {
    each: (item) => {
      calls += 1;
      return { doubled: item.value * 2 };
    },
    calls: () => calls,
  };
}

const frozenItems = (count: number) => Object.freeze(Array.from({ length: count }, (_, value) => Object.freeze({ value })));

/** Rounds of edits to a list: items inserted, removed, replaced or moved to the end, frozen or loose. */
const editRounds = fc.array(
  fc.array(fc.record({ at: fc.nat(), kind: fc.constantFrom('insert', 'remove', 'replace', 'move'), loose: fc.boolean() }), {
    maxLength: 4,
  }),
  { maxLength: 25 },
);

/**
 * Plays `rounds` on a list of `length` frozen items, each round on a new list, and asks `ask` of
 * each round's list, frozen. Loose items change in place between rounds, as objects being edited do.
 */
function playEdits(length: number, rounds: { at: number; kind: string; loose: boolean }[][], ask: (items: readonly Item[]) => void): void {
  let items: Item[] = [...frozenItems(length)];
  let next = 1000;
  for (const edits of rounds) {
    items = [...items];
    for (const { at, kind, loose } of edits) {
      const made: Item = loose ? { value: next } : Object.freeze({ value: next });
      next += 1;
      const index = items.length === 0 ? 0 : at % items.length;
      if (kind === 'insert') items.splice(index, 0, made);
      else if (kind === 'remove') items.splice(index, 1);
      else if (kind === 'move') items.push(...items.splice(index, 1));
      else items[index] = made;
    }
    for (const item of items) if (!Object.isFrozen(item)) item.value += 1;
    ask(Object.freeze(items));
  }
}

describe('mappedAlongLists', () => {
  it('maps only the items that differ from the last list of the same length', () => {
    const { each, calls } = counted();
    const map = mappedAlongLists(each);
    const first = frozenItems(100);
    const firstResults = map(first);
    expect(calls()).toBe(100);
    const second = Object.freeze(first.map((item, index) => (index === 40 ? Object.freeze({ value: -1 }) : item)));
    const secondResults = map(second);
    expect(calls()).toBe(101);
    expect(secondResults).toEqual(second.map((item) => ({ doubled: item.value * 2 })));
    expect(secondResults[39]).toBe(firstResults[39]);
    expect(secondResults[40]).not.toBe(firstResults[40]);
    expect(map(second)).toBe(secondResults);
    expect(calls()).toBe(101);
  });

  it('lines up lists that gained, lost or replaced items here and there', () => {
    const { each, calls } = counted();
    const map = mappedAlongLists(each);
    const items = frozenItems(50);
    map(items);
    const changed = [...items];
    changed.splice(30, 1);
    changed.splice(20, 0, Object.freeze({ value: -1 }));
    changed[10] = Object.freeze({ value: -2 });
    changed.push(Object.freeze({ value: -3 }));
    const results = map(Object.freeze(changed));
    expect(results).toEqual(changed.map((item) => ({ doubled: item.value * 2 })));
    expect(calls()).toBe(53);
  });

  it('follows two lineages of lists that share their first item, asked in turn', () => {
    const { each, calls } = counted();
    const map = mappedAlongLists(each);
    const shared = Object.freeze({ value: 0 });
    let lineages = [0, 1].map((lineage) =>
      Object.freeze([
        shared,
        ...frozenItems(30)
          .slice(1)
          .map((item) => Object.freeze({ value: item.value + lineage * 100 })),
      ]),
    );
    for (const list of lineages) map(list);
    const before = calls();
    for (let step = 1; step <= 10; step += 1) {
      lineages = lineages.map((list) =>
        Object.freeze(list.map((item, index) => (index === step ? Object.freeze({ value: -step }) : item))),
      );
      for (const list of lineages) expect(map(list)).toEqual(list.map((item) => ({ doubled: item.value * 2 })));
    }
    expect(calls() - before).toBe(20);
  });

  it('maps again an item that is not frozen, which may have changed since', () => {
    const { each } = counted();
    const map = mappedAlongLists(each);
    const [kept, replaced] = frozenItems(2) as readonly [Item, Item];
    const loose: Item = { value: 1 };
    map(Object.freeze([kept, replaced]));
    expect(map(Object.freeze([kept, loose]))).toEqual([{ doubled: 0 }, { doubled: 2 }]);
    loose.value = 5;
    expect(map(Object.freeze([kept, loose]))).toEqual([{ doubled: 0 }, { doubled: 10 }]);
  });

  it('keeps nothing of a list that is not frozen: it may change after it was asked about', () => {
    const { each } = counted();
    const map = mappedAlongLists(each);
    const items = [...frozenItems(3)];
    expect(map(items)).toEqual([{ doubled: 0 }, { doubled: 2 }, { doubled: 4 }]);
    items[1] = Object.freeze({ value: 7 });
    expect(map(Object.freeze([...items]))).toEqual([{ doubled: 0 }, { doubled: 14 }, { doubled: 4 }]);
  });

  it('answers as a plain map for any sequence of lists', () => {
    const pool = [...frozenItems(6), { value: 100 }, { value: 101 }];
    const list = fc.record({
      picks: fc.array(fc.nat(pool.length - 1), { maxLength: 12 }),
      frozen: fc.boolean(),
    });
    fc.assert(
      fc.property(fc.array(fc.tuple(list, fc.nat(1), fc.integer({ min: -5, max: 5 })), { maxLength: 40 }), (steps) => {
        const { each } = counted();
        const map = mappedAlongLists(each);
        for (const [{ picks, frozen }, mutated, delta] of steps) {
          // The pool's loose items change between lists, as an object being edited would.
          const loose = pool[6 + mutated] as Item;
          loose.value += delta;
          const items = picks.map((pick) => pool[pick] as Item);
          const asked = frozen ? Object.freeze(items) : items;
          expect(map(asked)).toEqual(items.map((item) => ({ doubled: item.value * 2 })));
        }
      }),
      { numRuns: 500 },
    );
  });

  it('answers as a plain map for lists edited from one to the next', () => {
    fc.assert(
      fc.property(fc.nat(20), editRounds, (length, rounds) => {
        const map = mappedAlongLists(counted().each);
        playEdits(length, rounds, (items) => expect(map(items)).toEqual(items.map((item) => ({ doubled: item.value * 2 }))));
      }),
      { numRuns: 500 },
    );
  });
});

/** A map that also reads each item's place: carried only place by place, from a list of the same length. */
describe('mappedInPlaceAlongLists', () => {
  const placed = () => {
    let calls = 0;
    const each = (item: Item, index: number) => {
      calls += 1;
      return { at: index, doubled: item.value * 2 };
    };
    return { map: mappedInPlaceAlongLists(each), calls: () => calls };
  };

  it('maps only the items that differ from the last list of the same length, and a list of another length whole', () => {
    const { map, calls } = placed();
    const first = frozenItems(50);
    map(first);
    const second = Object.freeze(first.map((item, index) => (index === 7 ? Object.freeze({ value: -1 }) : item)));
    expect(map(second)).toEqual(second.map((item, index) => ({ at: index, doubled: item.value * 2 })));
    expect(calls()).toBe(51);
    const shifted = Object.freeze([Object.freeze({ value: -2 }), ...second]);
    expect(map(shifted)).toEqual(shifted.map((item, index) => ({ at: index, doubled: item.value * 2 })));
    expect(calls()).toBe(102);
  });

  it('answers as a plain map, places included, for lists edited from one to the next', () => {
    fc.assert(
      fc.property(fc.nat(20), editRounds, (length, rounds) => {
        const { map } = placed();
        playEdits(length, rounds, (items) =>
          expect(map(items)).toEqual(items.map((item, index) => ({ at: index, doubled: item.value * 2 }))),
        );
      }),
      { numRuns: 500 },
    );
  });
});
