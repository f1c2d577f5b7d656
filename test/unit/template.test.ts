import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { placeholders, renderDeep, renderText } from '../../src/engine/template.js';

describe('renderText', () => {
  const params = new Map([
    ['cluster', 'b'],
    ['db-host', 'db.example'],
  ]);
  it.each([
    ['dollar form', 'to $(params.cluster)', { value: 'to b', missing: [] }],
    ['brace form with spaces', 'to {{ .params.cluster }}', { value: 'to b', missing: [] }],
    ['brace form without spaces', 'to {{.params.cluster}}', { value: 'to b', missing: [] }],
    ['dashes in names', '$(params.db-host):5432', { value: 'db.example:5432', missing: [] }],
    ['escaped dollar', 'echo $$(params.cluster)', { value: 'echo $(params.cluster)', missing: [] }],
    ['shell expansion untouched', 'echo $(POD_NAME) $HOME', { value: 'echo $(POD_NAME) $HOME', missing: [] }],
    [
      'undefined reported once',
      '$(params.x) $(params.x) {{ .params.y }}',
      { value: '$(params.x) $(params.x) {{ .params.y }}', missing: ['x', 'y'] },
    ],
    ['inherited names are not params', '$(params.toString)', { value: '$(params.toString)', missing: ['toString'] }],
  ])('%s', (_name, text, expected) => {
    expect(renderText(text, params)).toEqual(expected);
  });
});

describe('renderDeep', () => {
  it('renders strings at any depth and leaves keys and other values alone', () => {
    const input = { '$(params.a)': ['$(params.a)', 3, true, null, { deep: '{{ .params.a }}' }] };
    expect(renderDeep(input, new Map([['a', 'x']]))).toEqual({
      value: { '$(params.a)': ['x', 3, true, null, { deep: 'x' }] },
      missing: [],
    });
  });
});

describe('placeholders', () => {
  it('lists each name once in order of use', () => {
    expect(placeholders('$(params.b) {{ .params.a }} $(params.b) $$(params.c)')).toEqual(['b', 'a']);
  });
});

describe('the scanner reads the template grammar', () => {
  // The grammar as one regular expression: the scanner must find exactly what it matches.
  const GRAMMAR = /\$\$\(|\$\(params\.([A-Za-z_][A-Za-z0-9_-]*)\)|\{\{\s*\.params\.([A-Za-z_][A-Za-z0-9_-]*)\s*\}\}/g;
  const fragment = fc.constantFrom(
    '$',
    '$$',
    '(',
    ')',
    '{',
    '{{',
    '}',
    '}}',
    'params',
    '.',
    '.params.',
    '$(params.',
    ' ',
    '\u00a0',
    '\t',
    'a',
    'Z',
    '_',
    '-',
    '9',
    'toString',
    '__proto__',
    'é',
  );
  const space = fc.constantFrom('', ' ', '  ', '\t', '\u00a0', '\u2028', '\ufeff', '\u200b');
  const name = fc.constantFrom('a', 'toString', '__proto__', 'a-9', '9a', '-a', '', 'é');
  // Near-placeholders: each part right or slightly wrong, so that both matches and misses are common.
  const placeholder = fc.oneof(
    fc
      .tuple(fc.constantFrom('$(params.', '$$(params.', '$(param.', '$('), name, fc.constantFrom(')', '', '}'))
      .map((parts) => parts.join('')),
    fc
      .tuple(
        fc.constantFrom('{{', '{', '{{{'),
        space,
        fc.constantFrom('.params.', 'params.', '.params'),
        name,
        space,
        fc.constantFrom('}}', '}', ')'),
      )
      .map((parts) => parts.join('')),
  );
  const text = fc.array(fc.oneof(fragment, placeholder), { maxLength: 20 }).map((parts) => parts.join(''));
  const defined = new Map([
    ['a', 'A'],
    ['toString', 'T'],
    ['a-9', 'D'],
  ]);

  it('finds the same names and renders the same text as the grammar', () => {
    fc.assert(
      fc.property(text, (input) => {
        const names = [...new Set([...input.matchAll(GRAMMAR)].flatMap((match) => [match[1] ?? match[2] ?? []].flat()))];
        const value = input.replace(GRAMMAR, (whole, dollar?: string, brace?: string) => {
          const name = dollar ?? brace;
          return name === undefined ? '$(' : (defined.get(name) ?? whole);
        });
        expect(placeholders(input)).toEqual(names);
        expect(renderText(input, defined)).toEqual({ value, missing: names.filter((name) => !defined.has(name)) });
      }),
      { numRuns: 2000 },
    );
  });
});
