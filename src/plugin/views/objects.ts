import { stringify } from 'yaml';

/** -o json|yaml: the objects as the API server holds them, for scripts (jq, yq). */
export function formatObject(value: unknown, output: 'json' | 'yaml'): string {
  return output === 'json' ? `${JSON.stringify(value, null, 2)}\n` : stringify(value);
}
