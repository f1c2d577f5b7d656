import { timingSafeEqual } from 'node:crypto';

/**
 * The tokens a hook request may carry. `previous` is accepted too while a rotation is under
 * way: Metacontroller keeps sending the old token until it reads its Secret again.
 */
export interface BearerTokens {
  current: string;
  previous?: string | undefined;
}

/** Which token a request carried; `open` when the server requires none. */
export type Authentication = 'open' | 'current' | 'previous' | 'refused';

/**
 * A check of the `Authorization` header against `Bearer <token>` (the scheme in any case, as
 * RFC 7235 has it). Both tokens are compared, in constant time, so neither can be guessed byte
 * by byte nor told apart by timing.
 */
export function bearerCheck(tokens: BearerTokens | undefined): (header: string | undefined) => Authentication {
  if (tokens === undefined) return () => 'open';
  const current = Buffer.from(tokens.current);
  const previous = tokens.previous === undefined ? undefined : Buffer.from(tokens.previous);
  return (header) => {
    const match = header === undefined ? null : /^bearer +(.+)$/i.exec(header);
    if (match?.[1] === undefined) return 'refused';
    const given = Buffer.from(match[1]);
    const isCurrent = same(given, current);
    const isPrevious = previous !== undefined && same(given, previous);
    return isCurrent ? 'current' : isPrevious ? 'previous' : 'refused';
  };
}

function same(given: Buffer, expected: Buffer): boolean {
  return given.length === expected.length && timingSafeEqual(given, expected);
}
