import crypto from 'node:crypto';
import type { OneTimeStore } from '../ports/OneTimeStore.ts';
import { MemoryOneTimeStore } from '../shared/MemoryOneTimeStore.ts';

/** What a join ticket lets its holder do in one meeting (issued by the BBB API's `join`). */
export interface JoinTicket {
  meetingId: string;
  /** The name the calling system gave them; it wins over what the page sends. */
  name: string;
  /**
   * host: they act for the meeting's owner (the consumer's service account), so they host
   * under its licence and may record when it may. participant: they join as anyone would.
   */
  role: 'host' | 'participant';
  /** Whether they wait in the waiting room (a guest under an "ask the moderator" policy). */
  waitingRoom: boolean;
  /** The calling system's id for them (BBB `userID`), shown back in its meeting info. */
  externalUserId: string | undefined;
  /** A host may record to the cloud (the session asked for recording). */
  mayRecord: boolean;
}

/** How long a join link may sit unopened: a browser follows the redirect at once. */
const TICKET_TTL_MS = 5 * 60_000;

/**
 * One-use join tickets: `join` redirects the browser to the pre-join page with a ticket, and the
 * signaling `join` redeems it. A ticket works once, for its meeting, for a few minutes; reloading
 * the page needs a fresh link from the calling system. Kept in the one-time store (ADR 8).
 */
export class JoinTickets {
  constructor(private readonly store: OneTimeStore = new MemoryOneTimeStore()) {}

  /** Returns the secret that redeems the ticket (24 random bytes, base64url). */
  async issue(ticket: JoinTicket): Promise<string> {
    const token = crypto.randomBytes(24).toString('base64url');
    await this.store.put('join-ticket', token, ticket, TICKET_TTL_MS);
    return token;
  }

  /** The ticket, used up; undefined when unknown, used, expired or for another meeting. */
  async redeem(token: string, meetingId: string): Promise<JoinTicket | undefined> {
    // Peeked first: a ticket named for another meeting is refused without being used up.
    const ticket = (await this.store.peek('join-ticket', token)) as JoinTicket | undefined;
    if (!ticket || ticket.meetingId !== meetingId) return undefined;
    return (await this.store.take('join-ticket', token)) as JoinTicket | undefined;
  }
}
