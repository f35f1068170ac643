import crypto from 'node:crypto';

/** A CAS service ticket lives seconds at the server; remembering it this long covers any replay. */
const TTL_MS = 15 * 60_000;
/** A bound on memory: a flood evicts the oldest, never grows without end. */
const MAX_TICKETS = 50_000;

/**
 * Tickets this node has already presented for validation. CAS servers refuse a ticket the second
 * time, but Amphi does not rely on that alone (a misconfigured server, or one that validates
 * "renewable" tickets, would let a ticket copied from a log or a Referer sign someone in again).
 * Only hashes are kept. In memory and per node, like PendingSignIns.
 */
export class UsedTickets {
  readonly #seen = new Map<string, number>();

  constructor(private readonly now: () => number = Date.now) {}

  /** Marks the ticket used; true the first time, false if it was seen before (a replay). */
  claim(ticket: string): boolean {
    const t = this.now();
    this.#sweep(t);
    const key = crypto.createHash('sha256').update(ticket).digest('base64url');
    if (this.#seen.has(key)) return false;
    while (this.#seen.size >= MAX_TICKETS) {
      const oldest = this.#seen.keys().next().value;
      if (oldest === undefined) break;
      this.#seen.delete(oldest);
    }
    this.#seen.set(key, t + TTL_MS);
    return true;
  }

  #sweep(t: number): void {
    // Insertion order is expiry order (same TTL for all), so stop at the first live one.
    for (const [key, expiresAt] of this.#seen) {
      if (expiresAt > t) break;
      this.#seen.delete(key);
    }
  }
}
