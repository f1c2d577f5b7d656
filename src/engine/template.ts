/**
 * Parameter templates. Two spellings are accepted, `$(params.name)` and the older
 * `{{ .params.name }}`; `$$(` writes a literal `$(`. Anything else is left as written, so
 * shell or Kubernetes `$(VAR)` expansions in Job commands keep working.
 */
const PLACEHOLDER =
  /\$\$\(|\$\(params\.([A-Za-z_][A-Za-z0-9_-]*)\)|\{\{\s*\.params\.([A-Za-z_][A-Za-z0-9_-]*)\s*\}\}/g;

export type Params = Readonly<Record<string, string>>;

export interface Rendered<T> {
  value: T;
  /** Names referenced but not defined, in order of first use. */
  missing: string[];
}

export function placeholders(text: string): string[] {
  const names: string[] = [];
  for (const match of text.matchAll(PLACEHOLDER)) {
    const name = match[1] ?? match[2];
    if (name !== undefined && !names.includes(name)) names.push(name);
  }
  return names;
}

export function renderText(text: string, params: Params): Rendered<string> {
  const missing: string[] = [];
  const value = text.replace(PLACEHOLDER, (whole, dollarName?: string, braceName?: string) => {
    const name = dollarName ?? braceName;
    if (name === undefined) return '$(';
    const param = Object.hasOwn(params, name) ? params[name] : undefined;
    if (param === undefined) {
      if (!missing.includes(name)) missing.push(name);
      return whole;
    }
    return param;
  });
  return { value, missing };
}

/** Renders every string inside a JSON value; keys are left alone. */
export function renderDeep<T>(value: T, params: Params): Rendered<T> {
  const missing: string[] = [];
  const walk = (node: unknown): unknown => {
    if (typeof node === 'string') {
      const rendered = renderText(node, params);
      for (const name of rendered.missing) if (!missing.includes(name)) missing.push(name);
      return rendered.value;
    }
    if (Array.isArray(node)) return node.map(walk);
    if (node !== null && typeof node === 'object') {
      return Object.fromEntries(Object.entries(node).map(([key, child]) => [key, walk(child)]));
    }
    return node;
  };
  return { value: walk(value) as T, missing };
}

/** Every placeholder name used anywhere inside a JSON value. */
export function placeholdersDeep(value: unknown): string[] {
  const names = new Set<string>();
  const walk = (node: unknown): void => {
    if (typeof node === 'string') for (const name of placeholders(node)) names.add(name);
    else if (Array.isArray(node)) node.forEach(walk);
    else if (node !== null && typeof node === 'object') Object.values(node).forEach(walk);
  };
  walk(value);
  return [...names];
}
