import type { LabelSelector, LabelSelectorRequirement } from '../selectors.js';

/**
 * The string form of a label selector (`app=web,tier!=db,env in (a,b),!legacy,owner`), as
 * `?labelSelector=` carries it, turned into the structured form the store matches with.
 */
export function parseLabelSelector(text: string): LabelSelector {
  const matchLabels: Record<string, string> = {};
  const matchExpressions: LabelSelectorRequirement[] = [];
  for (const term of splitTerms(text)) {
    const set = /^([^\s!=]+)\s+(in|notin)\s+\(([^)]*)\)$/.exec(term);
    if (set) {
      const values = (set[3] ?? '').split(',').map((v) => v.trim()).filter((v) => v !== '');
      matchExpressions.push({ key: set[1] ?? '', operator: set[2] === 'in' ? 'In' : 'NotIn', values });
      continue;
    }
    const unequal = /^([^\s!=]+)\s*!=\s*(\S*)$/.exec(term);
    if (unequal) {
      matchExpressions.push({ key: unequal[1] ?? '', operator: 'NotIn', values: [unequal[2] ?? ''] });
      continue;
    }
    const equal = /^([^\s!=]+)\s*==?\s*(\S*)$/.exec(term);
    if (equal) {
      const key = equal[1] ?? '';
      if (key in matchLabels && matchLabels[key] !== equal[2]) matchExpressions.push({ key, operator: 'In', values: [equal[2] ?? ''] });
      else matchLabels[key] = equal[2] ?? '';
      continue;
    }
    const absent = /^!\s*([^\s!=]+)$/.exec(term);
    if (absent) {
      matchExpressions.push({ key: absent[1] ?? '', operator: 'DoesNotExist' });
      continue;
    }
    if (/^[^\s!=(),]+$/.test(term)) {
      matchExpressions.push({ key: term, operator: 'Exists' });
      continue;
    }
    throw new Error(`unable to parse requirement: ${term}`);
  }
  return {
    ...(Object.keys(matchLabels).length > 0 ? { matchLabels } : {}),
    ...(matchExpressions.length > 0 ? { matchExpressions } : {}),
  };
}

/** Commas separate terms except inside the parentheses of `in (a,b)`. */
function splitTerms(text: string): string[] {
  const terms: string[] = [];
  let depth = 0;
  let current = '';
  for (const char of text) {
    if (char === '(') depth += 1;
    if (char === ')') depth -= 1;
    if (char === ',' && depth === 0) {
      terms.push(current.trim());
      current = '';
    } else {
      current += char;
    }
  }
  if (current.trim() !== '') terms.push(current.trim());
  return terms.filter((term) => term !== '');
}

/** `metadata.name=x` and `metadata.namespace=y` (what kubectl sends); other fields are refused. */
export function parseFieldSelector(text: string): { name?: string; namespace?: string } {
  const out: { name?: string; namespace?: string } = {};
  for (const term of text.split(',').map((t) => t.trim()).filter((t) => t !== '')) {
    const match = /^metadata\.(name|namespace)\s*==?\s*(.*)$/.exec(term);
    if (!match) throw new Error(`field selector ${term} is not supported`);
    out[match[1] === 'name' ? 'name' : 'namespace'] = match[2] ?? '';
  }
  return out;
}
