import crypto from 'node:crypto';
import type { OneTimeStore } from '../../../ports/OneTimeStore.ts';
import { MemoryOneTimeStore } from '../../../shared/MemoryOneTimeStore.ts';

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

/**
 * AuthnRequests sent and not yet answered, keyed by their ID: the signed assertion must say
 * InResponseTo one of these IDs, and each can be taken once, by the first answer naming it,
 * right or wrong. Each is also bound to the browser that started it by a secret in its binding
 * cookie; the IdP's answer comes as a cross-site POST, which carries no SameSite=Lax cookie, so
 * the check is made on the GET the ACS redirects to (see samlRoutes). In the one-time store (ADR 8).
 */
export class SamlRequests {
  constructor(private readonly store: OneTimeStore = new MemoryOneTimeStore()) {}

  /** A fresh request ID (an NCName: SAML IDs may not start with a digit), RelayState and the browser's binding secret. */
  async start(provider: string, next: string): Promise<{ id: string; relayState: string; binding: string }> {
    const id = `_${crypto.randomBytes(20).toString('hex')}`;
    const relayState = crypto.randomBytes(18).toString('base64url');
    const binding = crypto.randomBytes(24).toString('base64url');
    const request: SamlRequest = { provider, next, relayState, bindingHash: bindingHash(binding) };
    await this.store.put('saml.request', id, request, TTL_MS);
    return { id, relayState, binding };
  }

  /** The live request with this ID, removed; undefined when unknown, expired or already used. */
  async take(id: string): Promise<SamlRequest | undefined> {
    return (await this.store.take('saml.request', id)) as SamlRequest | undefined;
  }
}

/**
 * Assertion IDs already used, each kept until the assertion itself expires (after which the
 * validity checks refuse it anyway), so that an assertion copied from a browser or a log cannot
 * sign anyone in a second time, whatever its InResponseTo.
 */
export class AssertionReplayCache {
  constructor(
    private readonly store: OneTimeStore = new MemoryOneTimeStore(),
    private readonly now: () => number = Date.now,
  ) {}

  /** Records the ID; false when it was already seen. */
  async firstUse(assertionId: string, keepUntil: number): Promise<boolean> {
    return this.store.put('saml.assertion', assertionId, true, Math.max(1, keepUntil - this.now()));
  }
}

/**
 * Verified SAML answers waiting for their browser: the ACS checks the assertion and leaves the
 * result here under a one-time code, then redirects to a GET that presents the code with the
 * browser's binding cookie (a top-level GET carries Lax cookies). Only the browser that started
 * the sign-in gets a session: an attacker's own answer, posted by a victim's browser, does not.
 */
export class SamlArrivals<T> {
  constructor(private readonly store: OneTimeStore = new MemoryOneTimeStore()) {}

  async leave(value: T, bindingHashOfRequest: string): Promise<string> {
    const code = crypto.randomBytes(24).toString('base64url');
    await this.store.put('saml.arrival', code, { value, bindingHash: bindingHashOfRequest }, ARRIVAL_TTL_MS);
    return code;
  }

  /** The answer for this code if the browser holds the binding of the request it answered; once. */
  async take(code: string, binding: string | undefined): Promise<T | undefined> {
    const entry = (await this.store.take('saml.arrival', code)) as { value: T; bindingHash: string } | undefined;
    if (!entry || !binding) return undefined;
    const a = Buffer.from(bindingHash(binding));
    const b = Buffer.from(entry.bindingHash);
    return a.length === b.length && crypto.timingSafeEqual(a, b) ? entry.value : undefined;
  }
}

/** The browser follows the ACS's redirect at once: a minute is plenty. */
const ARRIVAL_TTL_MS = 60_000;
