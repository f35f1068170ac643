import crypto from 'node:crypto';

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
const MAX_TICKETS = 10_000;

/**
 * One-use join tickets, in memory: `join` redirects the browser to the pre-join page with a
 * ticket, and the signaling `join` redeems it. A ticket works once, for its meeting, for a few
 * minutes; reloading the page needs a fresh link from the calling system. Kept in this process
 * only, which is enough while one Amphi node serves a meeting.
 */
export class JoinTickets {
  readonly #tickets = new Map<string, JoinTicket & { expiresAt: number }>();

  constructor(private readonly now: () => number = Date.now) {}

  /** Returns the secret that redeems the ticket (24 random bytes, base64url). */
  issue(ticket: JoinTicket): string {
    this.#sweep();
    const token = crypto.randomBytes(24).toString('base64url');
    this.#tickets.set(token, { ...ticket, expiresAt: this.now() + TICKET_TTL_MS });
    return token;
  }

  /** The ticket, used up; undefined when unknown, used, expired or for another meeting. */
  redeem(token: string, meetingId: string): JoinTicket | undefined {
    const ticket = this.#tickets.get(token);
    if (!ticket || ticket.meetingId !== meetingId) return undefined;
    this.#tickets.delete(token);
    if (ticket.expiresAt <= this.now()) return undefined;
    const { expiresAt: _expiresAt, ...rest } = ticket;
    return rest;
  }

  #sweep(): void {
    const now = this.now();
    for (const [token, t] of this.#tickets) if (t.expiresAt <= now) this.#tickets.delete(token);
    // A flood of joins must not grow memory without bound: the oldest go first.
    while (this.#tickets.size >= MAX_TICKETS) {
      const oldest = this.#tickets.keys().next().value;
      if (oldest === undefined) break;
      this.#tickets.delete(oldest);
    }
  }
}
