/**
 * What a weak uplink may still carry of our camera, decided from this browser's own send-side
 * bandwidth estimate (getStats: the publisher's `availableOutgoingBitrate`), DOM-free.
 *
 * The browser's congestion control already lowers the camera's bitrate before the sound suffers,
 * but with simulcast it keeps the full layer alive at two or three frames per second rather than
 * give it up, and the media server goes on forwarding that layer to everyone who asked for it: the
 * people who see us large see a near-still picture. So when the estimate cannot carry the full
 * layer, the full layer is turned off here; the media server then forwards the small layer (at its
 * full frame rate) to everyone, and the full one comes back when the estimate recovers, or is
 * tried again after a hold that doubles on each failed try:
 *
 *   full ──estimate below FULL_NEEDS_KBPS, twice──▶ small-only ──estimate recovers, or hold elapsed──▶ full
 */
export type SendLevel = 'full' | 'small-only';

/** Below this estimate (kbit/s) the full layer, the small one and the sound do not all fit. */
export const FULL_NEEDS_KBPS = 400;
/** At or above this estimate the full layer is turned back on at once. */
export const FULL_BACK_KBPS = 600;
/** Weak samples in a row before turning the full layer off. */
export const WEAK_SAMPLES = 2;
/** Right after publishing the estimate is still ramping up: samples are not judged this long. */
export const RAMP_UP_MS = 10_000;
export const FIRST_HOLD_MS = 12_000;
export const MAX_HOLD_MS = 60_000;
/** A try at the full layer that is weak again within this time failed. */
const TRY_FAILS_WITHIN_MS = 10_000;

export class SendQuality {
  #level: SendLevel = 'full';
  #weak = 0;
  #since = 0;
  #holdMs = FIRST_HOLD_MS;
  #raisedAt: number | undefined;
  #publishedAt: number | undefined;

  constructor(private readonly onChange: (level: SendLevel) => void) {}

  get level(): SendLevel {
    return this.#level;
  }

  /** A new publisher connection: its estimate starts low and ramps up; the full layer is on. */
  published(now: number): void {
    this.#publishedAt = now;
    this.#weak = 0;
    this.#raisedAt = undefined;
    this.#level = 'full';
  }

  /** One sampling interval: the send-side estimate in kbit/s (undefined when the browser gives none). */
  sample(now: number, availableKbps: number | undefined): void {
    if (availableKbps === undefined || this.#publishedAt === undefined || now - this.#publishedAt < RAMP_UP_MS) return;
    if (this.#level === 'full') {
      if (availableKbps >= FULL_NEEDS_KBPS) {
        this.#weak = 0;
        return;
      }
      this.#weak++;
      const tryFailed = this.#raisedAt !== undefined && now - this.#raisedAt < TRY_FAILS_WITHIN_MS;
      if (this.#weak < WEAK_SAMPLES && !tryFailed) return;
      this.#holdMs = tryFailed ? Math.min(MAX_HOLD_MS, this.#holdMs * 2) : this.#holdMs;
      this.#set('small-only', now);
      return;
    }
    if (availableKbps >= FULL_BACK_KBPS || now - this.#since >= this.#holdMs) {
      this.#raisedAt = now;
      this.#set('full', now);
      if (availableKbps >= FULL_BACK_KBPS) this.#holdMs = FIRST_HOLD_MS;
    }
  }

  #set(level: SendLevel, now: number): void {
    this.#level = level;
    this.#weak = 0;
    this.#since = now;
    this.onChange(level);
  }
}
