import crypto from 'node:crypto';

/** A SAML sign-in under way: the AuthnRequest Amphi sent, and where to go afterwards. */
export interface SamlRequest {
  provider: string;
  /** Where to go once signed in: a path on Amphi, already checked. */
  next: string;
  /** The opaque RelayState sent with the request; the IdP sends it back unchanged. */
  relayState: string;
  /** SHA-256 of the secret the browser that started it holds (its binding cookie). */
  bindingHash: string;
}

const TTL_MS = 10 * 60_000;

export function bindingHash(binding: string): string {
  return crypto.createHash('sha256').update(binding).digest('base64url');
}
const MAX_PENDING = 10_000;

/**
 * AuthnRequests sent and not yet answered, keyed by their ID: the signed assertion must say
 * InResponseTo one of these IDs, and each can be taken once, by the first answer naming it,
 * right or wrong. Each is also bound to the browser that started it by a secret in its binding
 * cookie; the IdP's answer comes as a cross-site POST, which carries no SameSite=Lax cookie, so
 * the check is made on the GET the ACS redirects to (see samlRoutes). In memory, so per node.
 */
export class SamlRequests {
  readonly #byId = new Map<string, SamlRequest & { expiresAt: number }>();

  constructor(private readonly now: () => number = Date.now) {}

  /** A fresh request ID (an NCName: SAML IDs may not start with a digit), RelayState and the browser's binding secret. */
  start(provider: string, next: string): { id: string; relayState: string; binding: string } {
    const t = this.now();
    for (const [id, entry] of this.#byId) {
      if (entry.expiresAt > t && this.#byId.size < MAX_PENDING) break;
      this.#byId.delete(id);
    }
    const id = `_${crypto.randomBytes(20).toString('hex')}`;
    const relayState = crypto.randomBytes(18).toString('base64url');
    const binding = crypto.randomBytes(24).toString('base64url');
    this.#byId.set(id, { provider, next, relayState, bindingHash: bindingHash(binding), expiresAt: t + TTL_MS });
    return { id, relayState, binding };
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

/**
 * Verified SAML answers waiting for their browser: the ACS checks the assertion and leaves the
 * result here under a one-time code, then redirects to a GET that presents the code with the
 * browser's binding cookie (a top-level GET carries Lax cookies). Only the browser that started
 * the sign-in gets a session: an attacker's own answer, posted by a victim's browser, does not.
 */
export class SamlArrivals<T> {
  readonly #byCode = new Map<string, { value: T; bindingHash: string; expiresAt: number }>();

  constructor(private readonly now: () => number = Date.now) {}

  leave(value: T, bindingHashOfRequest: string): string {
    const t = this.now();
    for (const [code, entry] of this.#byCode) if (entry.expiresAt <= t || this.#byCode.size >= MAX_PENDING) this.#byCode.delete(code);
    const code = crypto.randomBytes(24).toString('base64url');
    this.#byCode.set(code, { value, bindingHash: bindingHashOfRequest, expiresAt: t + ARRIVAL_TTL_MS });
    return code;
  }

  /** The answer for this code if the browser holds the binding of the request it answered; once. */
  take(code: string, binding: string | undefined): T | undefined {
    const entry = this.#byCode.get(code);
    if (!entry) return undefined;
    this.#byCode.delete(code);
    if (entry.expiresAt <= this.now() || !binding) return undefined;
    const a = Buffer.from(bindingHash(binding));
    const b = Buffer.from(entry.bindingHash);
    return a.length === b.length && crypto.timingSafeEqual(a, b) ? entry.value : undefined;
  }
}

/** The browser follows the ACS's redirect at once: a minute is plenty. */
const ARRIVAL_TTL_MS = 60_000;
