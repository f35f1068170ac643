import { AppError } from '../errors.ts';

/** Who asks for a turn: their meeting, their address, and the person (account, browser or participant). */
export interface LineTicket {
  meeting: string;
  address: string;
  person: string;
}

export interface FairLineLimits {
  /** Turns waiting in the whole line (the running one not counted). */
  maxWaiting: number;
  /** Turns one meeting may hold, running and waiting. */
  perMeeting: number;
  /** Turns one address may hold, running and waiting (a campus NAT holds many people: keep it above perMeeting). */
  perAddress: number;
  /** Turns one person may hold, running and waiting. */
  perPerson: number;
}

type HolderKind = 'meeting' | 'address' | 'person';

interface Waiter {
  ticket: LineTicket;
  go: () => void;
}

/**
 * One at a time, in turns between meetings: a meeting whose turn has come goes to the back of
 * the line if it has more waiting, so that one meeting's uploads (or one guest's) never hold
 * another meeting behind all of theirs. Each meeting, address and person holds a few turns at
 * most; past them, or when the line is full, a turn is refused with `http.rate_limited`.
 */
export class FairLine {
  readonly #limits: FairLineLimits;
  /** Waiting turns by meeting, meetings in the order their turn comes. */
  readonly #lines = new Map<string, Waiter[]>();
  readonly #held: Record<HolderKind, Map<string, number>> = { meeting: new Map(), address: new Map(), person: new Map() };
  /** When each meeting holding turns last had one start (a running count): the longest unserved goes next. */
  readonly #servedAt = new Map<string, number>();
  #served = 0;
  #waiting = 0;
  #busy = false;

  constructor(limits: FairLineLimits) {
    this.#limits = limits;
  }

  /** Waits for this ticket's turn; the answer ends the turn (call it once, when done). */
  async enter(ticket: LineTicket): Promise<() => void> {
    const held = (kind: HolderKind, key: string) => this.#held[kind].get(key) ?? 0;
    if (held('meeting', ticket.meeting) >= this.#limits.perMeeting) throw new AppError('http.rate_limited', `this meeting already has ${this.#limits.perMeeting} documents in the converter; try again when they are ready`);
    if (held('person', ticket.person) >= this.#limits.perPerson) throw new AppError('http.rate_limited', `you already have ${this.#limits.perPerson} documents in the converter; try again when they are ready`);
    if (held('address', ticket.address) >= this.#limits.perAddress) throw new AppError('http.rate_limited', 'too many documents from your network are in the converter; try again in a minute');
    if (this.#busy && this.#waiting >= this.#limits.maxWaiting) throw new AppError('http.rate_limited', 'too many documents are being converted; try again in a minute');
    this.#count(ticket, 1);
    if (this.#busy) {
      this.#waiting++;
      await new Promise<void>((go) => {
        const line = this.#lines.get(ticket.meeting);
        if (line) line.push({ ticket, go });
        else this.#lines.set(ticket.meeting, [{ ticket, go }]);
      });
    }
    this.#busy = true;
    this.#servedAt.set(ticket.meeting, ++this.#served);
    let ended = false;
    return () => {
      if (ended) return;
      ended = true;
      this.#count(ticket, -1);
      this.#next();
    };
  }

  /** Turns held right now by a meeting (running and waiting), for tests and logs. */
  heldBy(meeting: string): number {
    return this.#held.meeting.get(meeting) ?? 0;
  }

  #next(): void {
    // The meeting served longest ago (or never) goes next; ties in the order they came.
    let next: string | undefined;
    for (const meeting of this.#lines.keys()) {
      if (next === undefined || (this.#servedAt.get(meeting) ?? 0) < (this.#servedAt.get(next) ?? 0)) next = meeting;
    }
    if (next === undefined) {
      this.#busy = false;
      return;
    }
    const line = this.#lines.get(next)!;
    const waiter = line.shift()!;
    if (line.length === 0) this.#lines.delete(next);
    this.#waiting--;
    waiter.go();
  }

  #count(ticket: LineTicket, by: 1 | -1): void {
    for (const [kind, key] of [['meeting', ticket.meeting], ['address', ticket.address], ['person', ticket.person]] as const) {
      const map = this.#held[kind];
      const n = (map.get(key) ?? 0) + by;
      if (n > 0) map.set(key, n);
      else {
        map.delete(key);
        if (kind === 'meeting') this.#servedAt.delete(key);
      }
    }
  }
}
