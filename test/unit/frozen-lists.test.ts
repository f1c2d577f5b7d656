import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { copyOf, eachOf, everyOf, filteredOf } from '../../src/shared/frozen-lists.js';

/** The walks over lists that may be frozen answer as the array builtins they stand for. */
describe('walks over frozen lists', () => {
  it('answer as every, forEach, filter and slice, frozen or not', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: -5, max: 5 })), fc.boolean(), fc.integer({ min: -5, max: 5 }), (items, frozen, limit) => {
        const list = frozen ? Object.freeze([...items]) : [...items];
        const test = (item: number, index: number) => item + index > limit;
        expect(everyOf(list, test)).toBe(list.every(test));
        expect(filteredOf(list, test)).toEqual(list.filter(test));
        const visited: [number, number][] = [];
        eachOf(list, (item, index) => visited.push([item, index]));
        expect(visited).toEqual(list.map((item, index) => [item, index]));
        const copy = copyOf(list);
        expect(copy).toEqual(list.slice());
        expect(Object.isFrozen(copy)).toBe(false);
      }),
    );
  });
});
