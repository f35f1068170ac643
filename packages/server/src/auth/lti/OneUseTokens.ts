import crypto from 'node:crypto';

/** A bound on memory: a flood of unfinished attempts evicts the oldest, never grows without end. */
const MAX_ENTRIES = 10_000;

/**
 * Short-lived secrets that each stand for something kept server-side (an LTI login's state and
 * nonce, a deep-linking request under way): handed to the browser in a URL or a form, taken back
 * once. LTI runs in the platform's iframe, where Amphi's cookies are third-party and fragile
 * (moodle.md C.8), so nothing here relies on a cookie: the secret alone is the capability, and
 * it is random, short-lived and used up by the first request that names it. In memory, so per
 * node (like JoinTickets).
 */
export class OneUseTokens<T> {
  readonly #entries = new Map<string, { value: T; expiresAt: number }>();

  constructor(
    private readonly ttlMs: number,
    private readonly now: () => number = Date.now,
  ) {}

  /** Keeps `value`; returns the secret that takes it back (24 random bytes, base64url). */
  issue(value: T): string {
    const t = this.now();
    // Insertion order is expiry order (one TTL for all), so stop at the first live one.
    for (const [key, entry] of this.#entries) {
      if (entry.expiresAt > t) break;
      this.#entries.delete(key);
    }
    while (this.#entries.size >= MAX_ENTRIES) {
      const oldest = this.#entries.keys().next().value;
      if (oldest === undefined) break;
      this.#entries.delete(oldest);
    }
    const token = crypto.randomBytes(24).toString('base64url');
    this.#entries.set(token, { value, expiresAt: t + this.ttlMs });
    return token;
  }

  /** The value, used up; undefined when unknown, already taken or expired. */
  take(token: string): T | undefined {
    const entry = this.#entries.get(token);
    if (!entry) return undefined;
    this.#entries.delete(token);
    return entry.expiresAt > this.now() ? entry.value : undefined;
  }

  /** The value without using it up (a page that is shown, then submitted). */
  peek(token: string): T | undefined {
    const entry = this.#entries.get(token);
    return entry && entry.expiresAt > this.now() ? entry.value : undefined;
  }
}
