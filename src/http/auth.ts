import { timingSafeEqual } from 'node:crypto';

/**
 * A check of the `Authorization` header against `Bearer <token>`, in constant time so the
 * token cannot be guessed byte by byte. Without a token every request passes.
 */
export function bearerCheck(token: string | undefined): (header: string | undefined) => boolean {
  if (token === undefined) return () => true;
  const expected = Buffer.from(`Bearer ${token}`);
  return (header) => {
    if (header === undefined) return false;
    const given = Buffer.from(header);
    return given.length === expected.length && timingSafeEqual(given, expected);
  };
}
