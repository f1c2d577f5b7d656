/** Action types this version can run as Jobs; a run that needs another fails before it starts. */
export const RUNNABLE_TYPES: readonly string[] = ['Job'];

export function unsupportedType(type: string): string {
  return `action type ${type} is not supported yet`;
}
