import type { LabelSelector } from '../selectors.js';

/** The forms of one requirement, tried in order; `add` gets the pattern's groups. */
const TERM_FORMS: readonly { pattern: RegExp; add: (key: string, second: string, third: string, into: Required<LabelSelector>) => void }[] =
  [
    {
      pattern: /^([^\s!=]+)\s+(in|notin)\s+\(([^)]*)\)$/,
      add: (key, operator, list, into) => {
        const values = list
          .split(',')
          .map((v) => v.trim())
          .filter((v) => v !== '');
        into.matchExpressions.push({ key, operator: operator === 'in' ? 'In' : 'NotIn', values });
      },
    },
    {
      pattern: /^([^\s!=]+)\s*!=\s*(\S*)$/,
      add: (key, value, _, into) => into.matchExpressions.push({ key, operator: 'NotIn', values: [value] }),
    },
    {
      pattern: /^([^\s!=]+)\s*==?\s*(\S*)$/,
      add: (key, value, _, into) => {
        // A second `key=other` can never match together with the first: kept as a requirement that says so.
        if (key in into.matchLabels && into.matchLabels[key] !== value)
          into.matchExpressions.push({ key, operator: 'In', values: [value] });
        else into.matchLabels[key] = value;
      },
    },
    { pattern: /^!\s*([^\s!=]+)$/, add: (key, _, __, into) => into.matchExpressions.push({ key, operator: 'DoesNotExist' }) },
    { pattern: /^([^\s!=(),]+)$/, add: (key, _, __, into) => into.matchExpressions.push({ key, operator: 'Exists' }) },
  ];

/**
 * The string form of a label selector (`app=web,tier!=db,env in (a,b),!legacy,owner`), as
 * `?labelSelector=` carries it, turned into the structured form the store matches with.
 */
export function parseLabelSelector(text: string): LabelSelector {
  const selector: Required<LabelSelector> = { matchLabels: {}, matchExpressions: [] };
  for (const term of splitTerms(text)) addTerm(term, selector);
  const { matchLabels, matchExpressions } = selector;
  return {
    ...(Object.keys(matchLabels).length > 0 ? { matchLabels } : {}),
    ...(matchExpressions.length > 0 ? { matchExpressions } : {}),
  };
}

function addTerm(term: string, into: Required<LabelSelector>): void {
  for (const { pattern, add } of TERM_FORMS) {
    const match = pattern.exec(term);
    if (match) {
      add(match[1] ?? '', match[2] ?? '', match[3] ?? '', into);
      return;
    }
  }
  throw new Error(`unable to parse requirement: ${term}`);
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
  for (const term of text
    .split(',')
    .map((t) => t.trim())
    .filter((t) => t !== '')) {
    const match = /^metadata\.(name|namespace)\s*==?\s*(.*)$/.exec(term);
    if (!match) throw new Error(`field selector ${term} is not supported`);
    out[match[1] === 'name' ? 'name' : 'namespace'] = match[2] ?? '';
  }
  return out;
}
