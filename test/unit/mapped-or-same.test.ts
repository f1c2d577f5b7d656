import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { mappedOrSame } from '../../src/shared/mapped-or-same.js';

describe('mappedOrSame', () => {
  it('maps like map, and gives the list itself exactly when every item comes back the same', () => {
    fc.assert(
      fc.property(fc.array(fc.record({ id: fc.nat(5) })), fc.nat(5), (items, changed) => {
        const each = (item: { id: number }) => (item.id === changed ? { id: item.id } : item);
        const result = mappedOrSame(items, each);
        expect(result).toEqual(items.map(each));
        expect(result === items).toBe(items.every((item) => item.id !== changed));
        expect(result.every((item, index) => (item === items[index]) === (items[index]?.id !== changed))).toBe(true);
      }),
    );
  });
});
