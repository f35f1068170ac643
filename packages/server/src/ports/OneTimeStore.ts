/**
 * Short-lived secrets that each stand for something kept server-side and are used once: an LTI
 * login's state, a sign-in under way, a SAML answer waiting for its browser, a join ticket, an
 * assertion or CAS ticket already seen. One place for all of them (ADR 8), so that several Amphi
 * nodes can share it (Redis, issue 16); one process's memory by default. Values must survive
 * JSON (a shared store keeps them as text).
 */
export interface OneTimeStore {
  /** Keeps `value` under `key` for `ttlMs`; false (and nothing changed) when the key is there already. */
  put(kind: string, key: string, value: unknown, ttlMs: number): Promise<boolean>;
  /** The value, removed: of two takes of one key, one gets it. Undefined when unknown, taken or expired. */
  take(kind: string, key: string): Promise<unknown>;
  /** The value, left in place (a page shown, then submitted). */
  peek(kind: string, key: string): Promise<unknown>;
}
