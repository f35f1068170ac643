import crypto from 'node:crypto';
import type { OneTimeStore } from '../../ports/OneTimeStore.ts';
import { MemoryOneTimeStore } from '../../shared/MemoryOneTimeStore.ts';

/**
 * Short-lived secrets that each stand for something kept server-side (an LTI login's state and
 * nonce, a deep-linking request under way): handed to the browser in a URL or a form, taken back
 * once. LTI runs in the platform's iframe, where Amphi's cookies are third-party and fragile
 * (moodle.md C.8), so nothing here relies on a cookie: the secret alone is the capability, and
 * it is random, short-lived and used up by the first request that names it. Kept in the
 * one-time store (ADR 8), under their `kind`.
 */
export class OneUseTokens<T> {
  constructor(
    private readonly kind: string,
    private readonly ttlMs: number,
    private readonly store: OneTimeStore = new MemoryOneTimeStore(),
  ) {}

  /** Keeps `value`; returns the secret that takes it back (24 random bytes, base64url). */
  async issue(value: T): Promise<string> {
    const token = crypto.randomBytes(24).toString('base64url');
    await this.store.put(this.kind, token, value, this.ttlMs);
    return token;
  }

  /** The value, used up; undefined when unknown, already taken or expired. */
  async take(token: string): Promise<T | undefined> {
    return (await this.store.take(this.kind, token)) as T | undefined;
  }

  /** The value without using it up (a page that is shown, then submitted). */
  async peek(token: string): Promise<T | undefined> {
    return (await this.store.peek(this.kind, token)) as T | undefined;
  }
}
