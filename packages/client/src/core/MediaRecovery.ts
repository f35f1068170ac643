import { Reconnection, realClock, type AttemptResult, type Clock, type ConnectionState } from './Reconnection.ts';

/**
 * Why media is being recovered: one of our connections failed (a new network, a cut longer than
 * ICE waits), or the server built our media anew (the media server restarted, or we asked).
 */
export type MediaTrouble = 'failed' | 'reset';

/** Our media connections as they stand: all that should exist are connected, one failed, or not yet. */
export type MediaHealth = 'up' | 'failed' | 'pending';

export interface MediaRecoveryOptions {
  /** Media is recovered through signaling: while it is down, a try waits for the next one. */
  signalingUp(): boolean;
  health(): MediaHealth;
  /** New ICE credentials on the same connections (nothing else rebuilt). */
  restartIce(): Promise<void>;
  /** Asks the server to build our media anew; it answers with a media reset and we publish again. */
  rebuild(): Promise<void>;
  onChange(state: ConnectionState): void;
  /** How long one try has to bring media up (default ICE_RESTART_WAIT_MS). */
  tryMs?: number;
  /** Past this, the person is told media could not be restored (default 2 min). */
  giveUpAfterMs?: number;
  clock?: Clock;
  random?: () => number;
}

/** How long an ICE restart (or a rebuild) has to bring media back before the next, stronger try. */
export const ICE_RESTART_WAIT_MS = 10_000;
/** How often a try looks whether media is up. */
const CHECK_MS = 250;

/**
 * The media path's recovery, on the same state machine as the signaling connection
 * (Reconnection: attempts with ids, jittered backoff, a grace period):
 *
 *   connected ──trouble(failed)──▶ reconnecting(1: ICE restart) ──up──▶ connected
 *             ──trouble(reset)───▶ reconnecting(1: the reset publishes again) ──up──▶ connected
 *                                     └──not up in time──▶ reconnecting(n ≥ 2: media built anew)
 *
 * A reset arriving while a try runs (the answer to a rebuild) is part of that try.
 */
export class MediaRecovery {
  readonly #reconnection: Reconnection;
  readonly #clock: Clock;
  #trouble: MediaTrouble = 'failed';
  /** Tries made for this trouble (those skipped while signaling was down do not count). */
  #tries = 0;

  constructor(private readonly opts: MediaRecoveryOptions) {
    this.#clock = opts.clock ?? realClock;
    this.#reconnection = new Reconnection({
      attempt: () => this.#attempt(),
      giveUpAfterMs: () => opts.giveUpAfterMs ?? 120_000,
      onChange: opts.onChange,
      clock: this.#clock,
      ...(opts.random ? { random: opts.random } : {}),
    });
  }

  get state(): ConnectionState {
    return this.#reconnection.state;
  }

  /** Something is wrong with our media: bring it back (nothing new if already trying). */
  trouble(kind: MediaTrouble): void {
    if (this.#reconnection.state.kind === 'reconnecting') return;
    this.#trouble = kind;
    this.#tries = 0;
    this.#reconnection.lost();
  }

  /** The session is over: no more tries. */
  stop(): void {
    this.#reconnection.stop('stopped');
  }

  async #attempt(): Promise<AttemptResult> {
    if (!this.opts.signalingUp()) return 'retry';
    const attempt = ++this.#tries;
    if (attempt === 1 && this.opts.health() === 'up') return 'resumed';
    if (attempt > 1) await this.opts.rebuild();
    else if (this.#trouble === 'failed') await this.opts.restartIce();
    // (A reset's first try: the reset itself publishes again; wait for it.)
    return (await this.#waitUp()) ? 'resumed' : 'retry';
  }

  /** Whether media comes up within a try's time. */
  #waitUp(): Promise<boolean> {
    const deadline = this.#clock.now() + (this.opts.tryMs ?? ICE_RESTART_WAIT_MS);
    return new Promise((resolve) => {
      const check = () => {
        // A connection that just failed may come back within the try (an ICE restart takes a moment to begin).
        if (this.opts.health() === 'up') return resolve(true);
        if (this.#clock.now() >= deadline) return resolve(false);
        this.#clock.setTimeout(check, CHECK_MS);
      };
      check();
    });
  }
}
