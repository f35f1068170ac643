/**
 * The signaling connection's lifecycle, DOM-free, with its policy (when to try again) apart
 * from its mechanism (what a try does, given by the session):
 *
 *   connected ──lost()──▶ reconnecting(attempt 1) ──resumed──▶ connected
 *                              │   └──retry──▶ reconnecting(attempt n+1) (after a jittered backoff)
 *                              └──fatal, or past the grace period──▶ gave-up ──lost()──▶ reconnecting(1)
 *
 * It runs the signaling connection (the session resumes on a new socket) and the media path
 * (MediaRecovery: an ICE restart, then media built anew), each with its own attempts.
 * Every attempt has an id; the result of an attempt that is no longer the current one (a newer
 * one started, or stop() was called) is dropped, so a late answer cannot undo a later state.
 */
export type ConnectionState =
  | { kind: 'connected' }
  | { kind: 'reconnecting'; attempt: number; since: number }
  | { kind: 'gave-up'; reason: string };

/** What one try came to: back in, try again later, or never (the reason is an error code). */
export type AttemptResult = 'resumed' | 'retry' | { fatal: string };

export interface Clock {
  now(): number;
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

export const realClock: Clock = {
  now: () => Date.now(),
  setTimeout: (fn, ms) => setTimeout(fn, ms),
  clearTimeout: (handle) => clearTimeout(handle as ReturnType<typeof setTimeout>),
};

/** First wait, growth and ceiling of the backoff between attempts. */
export const BACKOFF = { firstMs: 300, factor: 2, maxMs: 5_000 } as const;

/**
 * How long to wait before attempt `attempt` (1, 2, …): exponential with jitter between half and
 * all of it, so that the hundreds of clients of a restarted server do not come back in one wave.
 */
export function backoffDelay(attempt: number, random: () => number = Math.random): number {
  const ceiling = Math.min(BACKOFF.maxMs, BACKOFF.firstMs * BACKOFF.factor ** Math.max(0, attempt - 1));
  return Math.round(ceiling * (0.5 + random() / 2));
}

export interface ReconnectionOptions {
  /** One try: open a new socket and resume on it. `attemptId` identifies the try. */
  attempt: (attemptId: number) => Promise<AttemptResult>;
  /** Stop trying this long after the connection was lost (the server's grace period). */
  giveUpAfterMs: () => number;
  onChange: (state: ConnectionState) => void;
  clock?: Clock;
  random?: () => number;
}

export class Reconnection {
  #state: ConnectionState = { kind: 'connected' };
  #attemptId = 0;
  #timer: unknown;
  readonly #clock: Clock;

  constructor(private readonly opts: ReconnectionOptions) {
    this.#clock = opts.clock ?? realClock;
  }

  get state(): ConnectionState {
    return this.#state;
  }

  /** The connection dropped: start trying to get back (nothing if already trying). */
  lost(): void {
    if (this.#state.kind === 'reconnecting') return;
    this.#set({ kind: 'reconnecting', attempt: 1, since: this.#clock.now() });
    this.#schedule(1);
  }

  /** No more tries (the person left, or the meeting ended). */
  stop(reason = 'stopped'): void {
    this.#attemptId++;
    this.#clock.clearTimeout(this.#timer);
    if (this.#state.kind === 'reconnecting') this.#set({ kind: 'gave-up', reason });
  }

  #schedule(attempt: number): void {
    const id = ++this.#attemptId;
    this.#clock.clearTimeout(this.#timer);
    this.#timer = this.#clock.setTimeout(() => void this.#run(id, attempt), backoffDelay(attempt, this.opts.random));
  }

  async #run(id: number, attempt: number): Promise<void> {
    if (id !== this.#attemptId || this.#state.kind !== 'reconnecting') return;
    let result: AttemptResult;
    try {
      result = await this.opts.attempt(id);
    } catch {
      result = 'retry';
    }
    // A newer attempt, or stop(), made this one's answer irrelevant.
    if (id !== this.#attemptId || this.#state.kind !== 'reconnecting') return;
    if (result === 'resumed') {
      this.#set({ kind: 'connected' });
      return;
    }
    if (result !== 'retry') {
      this.#set({ kind: 'gave-up', reason: result.fatal });
      return;
    }
    if (this.#clock.now() - this.#state.since >= this.opts.giveUpAfterMs()) {
      this.#set({ kind: 'gave-up', reason: 'resume.expired' });
      return;
    }
    this.#set({ kind: 'reconnecting', attempt: attempt + 1, since: this.#state.since });
    this.#schedule(attempt + 1);
  }

  #set(state: ConnectionState): void {
    this.#state = state;
    this.opts.onChange(state);
  }
}
