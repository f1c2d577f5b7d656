/**
 * A problem with what the user gave a command (arguments, files, objects, a refused request):
 * reported as one line with exit code 2, never with a stack trace, since the fix is on the
 * user's side.
 */
export class InputError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'InputError';
  }
}
