import crypto from 'node:crypto';
import type { OneTimeStore } from '../../ports/OneTimeStore.ts';
import { MemoryOneTimeStore } from '../../shared/MemoryOneTimeStore.ts';

/** What Amphi must remember between sending a browser to the provider and its return. */
export interface PendingSignIn {
  provider: string;
  /** OIDC only: the nonce and PKCE verifier of this attempt (CAS has neither). */
  nonce?: string;
  codeVerifier?: string;
  /** Where to go once signed in: a path on Amphi, already checked. */
  next: string;
}

const TTL_MS = 10 * 60_000;

function hash(value: string): string {
  return crypto.createHash('sha256').update(value).digest('base64url');
}

/**
 * Sign-in attempts under way, kept server-side and keyed by their `state`. Each is bound to the
 * browser that started it by a random secret that only that browser holds (in a short-lived
 * HttpOnly cookie), so a callback URL carried to another browser is refused; each can be
 * taken once. Kept in the one-time store (ADR 8).
 */
export class PendingSignIns {
  constructor(private readonly store: OneTimeStore = new MemoryOneTimeStore()) {}

  /** Remembers an attempt; returns its `state` and the browser's binding secret. */
  async start(attempt: PendingSignIn): Promise<{ state: string; binding: string }> {
    const state = crypto.randomBytes(24).toString('base64url');
    const binding = crypto.randomBytes(24).toString('base64url');
    await this.store.put('sso.sign-in', state, { ...attempt, bindingHash: hash(binding) }, TTL_MS);
    return { state, binding };
  }

  /**
   * The attempt for this state if it is live and was started by the browser holding `binding`.
   * A state is used up by the first try that names it, right or wrong, so it can never be replayed.
   */
  async take(state: string, binding: string | undefined): Promise<PendingSignIn | undefined> {
    const entry = (await this.store.take('sso.sign-in', state)) as (PendingSignIn & { bindingHash: string }) | undefined;
    if (!entry) return undefined;
    if (!binding || !crypto.timingSafeEqual(Buffer.from(hash(binding)), Buffer.from(entry.bindingHash))) return undefined;
    const { bindingHash: _b, ...attempt } = entry;
    return attempt;
  }
}
