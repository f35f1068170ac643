import crypto from 'node:crypto';

/** The hash BigBlueButton picks from the checksum's hex length (what its validator does). */
const BY_LENGTH: Record<number, string> = { 40: 'sha1', 64: 'sha256', 96: 'sha384', 128: 'sha512' };

/**
 * The raw query string (as received, still percent-encoded) split into the checksum and the
 * rest that it covers. The checksum parameter is cut out the way BBB does it: `&checksum=X`,
 * else `checksum=X&`, else `checksum=X`, so every other byte stays exactly as the caller
 * signed it, whatever encoder built it (PHP's `+` for spaces, Node's `%20`, `~`, brackets…).
 */
export function splitChecksum(rawQuery: string): { checksum: string | undefined; signed: string } {
  const match = /(?:^|&)checksum=([^&]*)/.exec(rawQuery);
  if (!match) return { checksum: undefined, signed: rawQuery };
  const checksum = match[1]!;
  let signed = rawQuery;
  for (const piece of [`&checksum=${checksum}`, `checksum=${checksum}&`, `checksum=${checksum}`]) {
    const at = signed.indexOf(piece);
    if (at >= 0) {
      signed = signed.slice(0, at) + signed.slice(at + piece.length);
      break;
    }
  }
  return { checksum, signed };
}

/** hex(HASH(action + query + secret)), with the hash named as Node knows it ('sha1', 'sha256'…). */
export function computeChecksum(algorithm: string, action: string, query: string, secret: string): string {
  return crypto.createHash(algorithm).update(action + query + secret, 'utf8').digest('hex');
}

/**
 * Whether `checksum` (hex, any case) signs `action` + `signed` with `secret`. The algorithm
 * follows from the length; the comparison takes the same time wherever the first difference is.
 */
export function checksumMatches(checksum: string, action: string, signed: string, secret: string): boolean {
  const algorithm = BY_LENGTH[checksum.length];
  if (!algorithm || !/^[0-9a-fA-F]+$/.test(checksum)) return false;
  const expected = Buffer.from(computeChecksum(algorithm, action, signed, secret), 'utf8');
  const given = Buffer.from(checksum.toLowerCase(), 'utf8');
  return expected.length === given.length && crypto.timingSafeEqual(expected, given);
}

/**
 * The secret among `secrets` that signed this call, if any. Every secret is tried (there are
 * few consumers), so the time taken does not say which one came close.
 */
export function findSigner<T extends { secret: string }>(consumers: readonly T[], action: string, rawQuery: string): T | undefined {
  const { checksum, signed } = splitChecksum(rawQuery);
  if (checksum === undefined) return undefined;
  let found: T | undefined;
  for (const c of consumers) {
    // Moodle trims the secret before hashing; a secret pasted with a stray space still works.
    if (checksumMatches(checksum, action, signed, c.secret.trim()) && !found) found = c;
  }
  return found;
}

/**
 * The query's parameters, decoded with application/x-www-form-urlencoded rules (`+` is a space,
 * `%XX` UTF-8). A repeated name keeps its first value; a malformed escape is kept as written.
 */
export function parseQuery(rawQuery: string): Map<string, string> {
  const params = new Map<string, string>();
  for (const part of rawQuery.split('&')) {
    if (part === '') continue;
    const eq = part.indexOf('=');
    const name = decodeComponent(eq < 0 ? part : part.slice(0, eq));
    const value = decodeComponent(eq < 0 ? '' : part.slice(eq + 1));
    if (!params.has(name)) params.set(name, value);
  }
  return params;
}

function decodeComponent(s: string): string {
  const spaced = s.replace(/\+/g, ' ');
  try {
    return decodeURIComponent(spaced);
  } catch {
    return spaced;
  }
}
