/** What `kubectl drplan` exits with; scripts and CI branch on these. */
export const EXIT = {
  succeeded: 0,
  /** The execution ended Failed or Cancelled. */
  failed: 1,
  /** Bad arguments, or a request refused before anything was created. */
  usage: 2,
  /** `--timeout` passed while waiting; the execution goes on. */
  timeout: 3,
  /** Ctrl-C while waiting (128 + SIGINT, as shells report it); the execution goes on. */
  interrupted: 130,
} as const;

export type ExitCode = (typeof EXIT)[keyof typeof EXIT];
