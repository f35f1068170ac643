import crypto from 'node:crypto';
import type { OneTimeStore } from '../../../ports/OneTimeStore.ts';
import { MemoryOneTimeStore } from '../../../shared/MemoryOneTimeStore.ts';

/** A CAS service ticket lives seconds at the server; remembering it this long covers any replay. */
const TTL_MS = 15 * 60_000;

/**
 * Tickets already presented for validation. CAS servers refuse a ticket the second time, but
 * Amphi does not rely on that alone (a misconfigured server, or one that validates "renewable"
 * tickets, would let a ticket copied from a log or a Referer sign someone in again). Only hashes
 * are kept, in the one-time store (ADR 8).
 */
export class UsedTickets {
  constructor(private readonly store: OneTimeStore = new MemoryOneTimeStore()) {}

  /** Marks the ticket used; true the first time, false if it was seen before (a replay). */
  async claim(ticket: string): Promise<boolean> {
    return this.store.put('cas.ticket', crypto.createHash('sha256').update(ticket).digest('base64url'), true, TTL_MS);
  }
}
