import crypto from 'node:crypto';

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
/** A bound on memory: a flood of unfinished attempts evicts the oldest, never grows without end. */
const MAX_PENDING = 10_000;

function hash(value: string): string {
  return crypto.createHash('sha256').update(value).digest('base64url');
}

/**
 * Sign-in attempts under way, kept server-side and keyed by their `state`. Each is bound to the
 * browser that started it by a random secret that only that browser holds (in a short-lived
 * HttpOnly cookie), so a callback URL carried to another browser is refused; each can be
 * taken once. In memory, so per node (like RateLimiter); scale-out moves it to the shared store.
 */
export class PendingSignIns {
  readonly #byState = new Map<string, PendingSignIn & { bindingHash: string; expiresAt: number }>();

  constructor(private readonly now: () => number = Date.now) {}

  /** Remembers an attempt; returns its `state` and the browser's binding secret. */
  start(attempt: PendingSignIn): { state: string; binding: string } {
    const t = this.now();
    this.#sweep(t);
    while (this.#byState.size >= MAX_PENDING) {
      const oldest = this.#byState.keys().next().value;
      if (oldest === undefined) break;
      this.#byState.delete(oldest);
    }
    const state = crypto.randomBytes(24).toString('base64url');
    const binding = crypto.randomBytes(24).toString('base64url');
    this.#byState.set(state, { ...attempt, bindingHash: hash(binding), expiresAt: t + TTL_MS });
    return { state, binding };
  }

  /**
   * The attempt for this state if it is live and was started by the browser holding `binding`.
   * A state is used up by the first try that names it, right or wrong, so it can never be replayed.
   */
  take(state: string, binding: string | undefined): PendingSignIn | undefined {
    const entry = this.#byState.get(state);
    if (!entry) return undefined;
    this.#byState.delete(state);
    if (entry.expiresAt <= this.now()) return undefined;
    if (!binding || !crypto.timingSafeEqual(Buffer.from(hash(binding)), Buffer.from(entry.bindingHash))) return undefined;
    const { bindingHash: _b, expiresAt: _e, ...attempt } = entry;
    return attempt;
  }

  get size(): number {
    return this.#byState.size;
  }

  #sweep(t: number): void {
    // Insertion order is expiry order (same TTL for all), so stop at the first live one.
    for (const [state, entry] of this.#byState) {
      if (entry.expiresAt > t) break;
      this.#byState.delete(state);
    }
  }
}
