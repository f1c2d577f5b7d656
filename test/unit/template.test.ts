import { describe, expect, it } from 'vitest';
import { placeholders, renderDeep, renderText } from '../../src/engine/template.js';

describe('renderText', () => {
  const params = { cluster: 'b', 'db-host': 'db.example' };
  it.each([
    ['dollar form', 'to $(params.cluster)', { value: 'to b', missing: [] }],
    ['brace form with spaces', 'to {{ .params.cluster }}', { value: 'to b', missing: [] }],
    ['brace form without spaces', 'to {{.params.cluster}}', { value: 'to b', missing: [] }],
    ['dashes in names', '$(params.db-host):5432', { value: 'db.example:5432', missing: [] }],
    ['escaped dollar', 'echo $$(params.cluster)', { value: 'echo $(params.cluster)', missing: [] }],
    ['shell expansion untouched', 'echo $(POD_NAME) $HOME', { value: 'echo $(POD_NAME) $HOME', missing: [] }],
    ['undefined reported once', '$(params.x) $(params.x) {{ .params.y }}', { value: '$(params.x) $(params.x) {{ .params.y }}', missing: ['x', 'y'] }],
    ['inherited names are not params', '$(params.toString)', { value: '$(params.toString)', missing: ['toString'] }],
  ])('%s', (_name, text, expected) => {
    expect(renderText(text, params)).toEqual(expected);
  });
});

describe('renderDeep', () => {
  it('renders strings at any depth and leaves keys and other values alone', () => {
    const input = { '$(params.a)': ['$(params.a)', 3, true, null, { deep: '{{ .params.a }}' }] };
    expect(renderDeep(input, { a: 'x' })).toEqual({ value: { '$(params.a)': ['x', 3, true, null, { deep: 'x' }] }, missing: [] });
  });
});

describe('placeholders', () => {
  it('lists each name once in order of use', () => {
    expect(placeholders('$(params.b) {{ .params.a }} $(params.b) $$(params.c)')).toEqual(['b', 'a']);
  });
});
