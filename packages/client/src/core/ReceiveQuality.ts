/**
 * What a weak downlink may still carry, decided from this browser's own receive statistics
 * (getStats of the subscriber connection), DOM-free. Janus forwards whatever layer it is asked
 * for and does not adapt by itself; the browser sees first when its downlink cannot carry it
 * (frames stop, packets go missing), so the choice is made here and sent as `set-view`:
 *
 *   full ──weak──▶ small (every camera's small layer) ──weak──▶ audio-only (no video; a notice)
 *     ◀──steady for holdMs──┘                          ◀──steady for holdMs──┘
 *
 * Audio is never given up. A step up that proves too much comes straight back down, and the next
 * try waits twice as long (at most MAX_HOLD_MS), so a link that carries only the small layer is
 * not probed every few seconds.
 */
export type ReceiveLevel = 'full' | 'small' | 'audio-only';

const ORDER: ReceiveLevel[] = ['full', 'small', 'audio-only'];

/** One video the page should be receiving, over the last sampling interval. */
export interface VideoSample {
  /** Frames decoded per second over the interval. */
  fps: number;
  /** Packets lost over the interval, of those expected (0–1). */
  loss: number;
}

/** Below this frame rate (for a camera that is on) a video counts as frozen. */
export const FROZEN_FPS = 5;
/** Above this packet loss the link counts as overloaded. */
export const HEAVY_LOSS = 0.1;
/** Weak samples in a row before stepping down (a layer switch costs a keyframe's wait). */
export const WEAK_SAMPLES = 2;
export const FIRST_HOLD_MS = 6_000;
/** At most this long between tries up (a lifted limit is noticed within it). */
export const MAX_HOLD_MS = 12_000;
/** Samples passed over after stepping down (the smaller layer's first keyframe, a draining queue). */
export const SETTLE_SAMPLES = 1;
/** A step up followed by weakness within this time was a step too far. */
const PROBE_FAILS_WITHIN_MS = 10_000;

export class ReceiveQuality {
  #level: ReceiveLevel = 'full';
  #weak = 0;
  #steadySince: number | undefined;
  #holdMs = FIRST_HOLD_MS;
  #raisedAt: number | undefined;
  /** Samples to pass over after a change: the new layers wait for a keyframe, and queues drain. */
  #settling = 0;

  constructor(private readonly onChange: (level: ReceiveLevel, before: ReceiveLevel) => void) {}

  get level(): ReceiveLevel {
    return this.#level;
  }

  /**
   * One sampling interval: the videos that should be flowing (cameras on, tiles shown). At
   * audio-only there are none to judge: steadiness is then only time without trouble.
   */
  sample(now: number, videos: VideoSample[]): void {
    if (this.#settling > 0 && ORDER.indexOf(this.#level) > 0) {
      this.#settling--;
      return;
    }
    // A downlink that cannot carry what it is sent hurts every video on it; one weak video among
    // good ones is its sender's uplink, which a smaller layer here would not help.
    const weakOnes = videos.filter((v) => v.fps < FROZEN_FPS || v.loss > HEAVY_LOSS).length;
    const weak = weakOnes > 0 && weakOnes * 2 > videos.length;
    if (weak && this.#level !== 'audio-only') {
      this.#weak++;
      this.#steadySince = undefined;
      if (this.#weak >= WEAK_SAMPLES || (this.#raisedAt !== undefined && now - this.#raisedAt < PROBE_FAILS_WITHIN_MS)) {
        // Coming straight back from a step up: wait longer before the next one.
        if (this.#raisedAt !== undefined && now - this.#raisedAt < PROBE_FAILS_WITHIN_MS) this.#holdMs = Math.min(MAX_HOLD_MS, this.#holdMs * 2);
        this.#set(ORDER[ORDER.indexOf(this.#level) + 1]!, now);
      }
      return;
    }
    this.#weak = 0;
    if (this.#level === 'full') return;
    this.#steadySince ??= now;
    if (now - this.#steadySince >= this.#holdMs) {
      this.#set(ORDER[ORDER.indexOf(this.#level) - 1]!, now);
      this.#raisedAt = now;
    }
  }

  #set(level: ReceiveLevel, now: number): void {
    const before = this.#level;
    this.#level = level;
    this.#weak = 0;
    this.#steadySince = now;
    if (ORDER.indexOf(level) > ORDER.indexOf(before)) {
      this.#raisedAt = undefined;
      this.#settling = SETTLE_SAMPLES;
    }
    if (level === 'full') this.#holdMs = Math.max(FIRST_HOLD_MS, this.#holdMs);
    this.onChange(level, before);
  }
}
