import { describe, expect, it } from 'vitest';
import { findCycle } from '../../src/engine/graph.js';

describe('findCycle', () => {
  const graph = (edges: Record<string, string[]>) => (node: string) => edges[node] ?? [];
  it.each([
    ['none', ['a', 'b', 'c'], { b: ['a'], c: ['b'] }, undefined],
    ['self loop', ['a'], { a: ['a'] }, ['a', 'a']],
    ['three nodes', ['a', 'b', 'c'], { a: ['c'], b: ['a'], c: ['b'] }, ['a', 'c', 'b', 'a']],
    ['unknown dependency ignored', ['a'], { a: ['ghost'] }, undefined],
    ['cycle behind an acyclic prefix', ['x', 'a', 'b'], { x: ['a'], a: ['b'], b: ['a'] }, ['a', 'b', 'a']],
  ])('%s', (_name, nodes, edges, expected) => {
    expect(findCycle(nodes, graph(edges))).toEqual(expected);
  });
});
