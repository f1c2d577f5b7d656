/**
 * Finds a dependency cycle and returns it as a path that starts and ends on the same node
 * (`[a, b, a]`), or undefined. Nodes are visited in the given order so the reported path
 * is stable. Unknown dependencies are ignored here; callers report them separately.
 */
export function findCycle(nodes: readonly string[], dependencies: (node: string) => readonly string[]): string[] | undefined {
  const known = new Set(nodes);
  const state = new Map<string, 'visiting' | 'done'>();
  const path: string[] = [];

  const visit = (node: string): string[] | undefined => {
    state.set(node, 'visiting');
    path.push(node);
    for (const next of dependencies(node)) {
      if (!known.has(next)) continue;
      const seen = state.get(next);
      if (seen === 'visiting') return [...path.slice(path.indexOf(next)), next];
      if (seen === undefined) {
        const cycle = visit(next);
        if (cycle) return cycle;
      }
    }
    path.pop();
    state.set(node, 'done');
    return undefined;
  };

  for (const node of nodes) {
    if (state.has(node)) continue;
    const cycle = visit(node);
    if (cycle) return cycle;
  }
  return undefined;
}
