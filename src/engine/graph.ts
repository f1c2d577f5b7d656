/**
 * Finds a dependency cycle and returns it as a path that starts and ends on the same node
 * (`[a, b, a]`), or undefined. Nodes are visited in the given order so the reported path
 * is stable. Unknown dependencies are ignored here; callers report them separately.
 * The depth-first search keeps its own stack: a chain of 100,000 dependencies is a valid
 * input, and far deeper than the call stack.
 */
export function findCycle(nodes: readonly string[], dependencies: (node: string) => readonly string[]): string[] | undefined {
  const known = new Set(nodes);
  const done = new Set<string>();
  /** The nodes on the current path, with their index in it. */
  const onPath = new Map<string, number>();
  const path: string[] = [];
  const stack: { node: string; next: readonly string[]; index: number }[] = [];
  const enter = (node: string): void => {
    onPath.set(node, path.length);
    path.push(node);
    stack.push({ node, next: dependencies(node), index: 0 });
  };

  for (const root of nodes) {
    if (done.has(root) || onPath.has(root)) continue;
    enter(root);
    while (stack.length > 0) {
      const frame = stack[stack.length - 1] as (typeof stack)[number];
      if (frame.index >= frame.next.length) {
        stack.pop();
        path.pop();
        onPath.delete(frame.node);
        done.add(frame.node);
        continue;
      }
      const next = frame.next[frame.index] as string;
      frame.index += 1;
      if (!known.has(next) || done.has(next)) continue;
      const start = onPath.get(next);
      if (start !== undefined) return [...path.slice(start), next];
      enter(next);
    }
  }
  return undefined;
}
