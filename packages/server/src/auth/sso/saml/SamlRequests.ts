import crypto from 'node:crypto';

/** A SAML sign-in under way: the AuthnRequest Amphi sent, and where to go afterwards. */
export interface SamlRequest {
  provider: string;
  /** Where to go once signed in: a path on Amphi, already checked. */
  next: string;
  /** The opaque RelayState sent with the request; the IdP sends it back unchanged. */
  relayState: string;
}

const TTL_MS = 10 * 60_000;
const MAX_PENDING = 10_000;

/**
 * AuthnRequests sent and not yet answered, keyed by their ID. The IdP's answer comes back as a
 * cross-site POST, which carries no SameSite=Lax cookie, so the sign-in is bound server-side:
 * the signed assertion must say InResponseTo one of these IDs, and each can be taken once, by the
 * first answer naming it, right or wrong. In memory, so per node (like PendingSignIns).
 */
export class SamlRequests {
  readonly #byId = new Map<string, SamlRequest & { expiresAt: number }>();

  constructor(private readonly now: () => number = Date.now) {}

  /** A fresh request ID (an NCName: SAML IDs may not start with a digit) and RelayState. */
  start(provider: string, next: string): { id: string; relayState: string } {
    const t = this.now();
    for (const [id, entry] of this.#byId) {
      if (entry.expiresAt > t && this.#byId.size < MAX_PENDING) break;
      this.#byId.delete(id);
    }
    const id = `_${crypto.randomBytes(20).toString('hex')}`;
    const relayState = crypto.randomBytes(18).toString('base64url');
    this.#byId.set(id, { provider, next, relayState, expiresAt: t + TTL_MS });
    return { id, relayState };
  }

  /** The live request with this ID, removed; undefined when unknown, expired or already used. */
  take(id: string): SamlRequest | undefined {
    const entry = this.#byId.get(id);
    if (!entry) return undefined;
    this.#byId.delete(id);
    if (entry.expiresAt <= this.now()) return undefined;
    const { expiresAt: _e, ...request } = entry;
    return request;
  }
}

/**
 * Assertion IDs already used, each kept until the assertion itself expires (after which the
 * validity checks refuse it anyway), so that an assertion copied from a browser or a log cannot
 * sign anyone in a second time, whatever its InResponseTo.
 */
export class AssertionReplayCache {
  readonly #until = new Map<string, number>();

  constructor(private readonly now: () => number = Date.now) {}

  /** Records the ID; false when it was already seen. */
  firstUse(assertionId: string, keepUntil: number): boolean {
    const t = this.now();
    for (const [id, until] of this.#until) if (until <= t) this.#until.delete(id);
    if (this.#until.has(assertionId)) return false;
    this.#until.set(assertionId, keepUntil);
    return true;
  }
}
