import type { SubscribedStream } from '@amphi/protocol';
import type { Logger } from '../Logger.ts';
import type { MediaPeer, StreamRef, SubscribedMedia, SubscriptionOffer } from '../ports/MediaBackend.ts';
import type { ParticipantChannel } from '../ports/ParticipantChannel.ts';

const ANSWER_TIMEOUT_MS = 15_000;

/**
 * Keeps one participant's subscriber PeerConnection in line with what they should receive.
 * The meeting says what is wanted (`desired()`), this class converges on it one renegotiation
 * at a time: update the media server, send the offer, wait for the browser's answer, hand it
 * over — never two offers in flight, so offers and answers cannot cross.
 */
export class Subscription {
  /** What the subscriber PeerConnection receives now, by streamKey. */
  #current = new Map<string, StreamRef>();
  #running = false;
  #dirty = false;
  #negotiationId = 0;
  #pending: { id: number; resolve: (sdp: string) => void; reject: (err: Error) => void; timer: NodeJS.Timeout } | undefined;
  #closed = false;
  /** The browser asked for an ICE restart of its receiving connection: the next offer makes one. */
  #iceRestart = false;
  /** Bumped by reset() and close(): a renegotiation begun before then was on a dead peer. */
  #epoch = 0;

  constructor(
    private readonly channel: ParticipantChannel,
    private readonly peerOf: () => MediaPeer | undefined,
    private readonly desired: () => StreamRef[],
    /** Whose stream an m-line carries and what it is (undefined: nobody here any more). */
    private readonly describe: (s: SubscribedMedia) => SubscribedStream | undefined,
    private readonly log: Logger,
  ) {}

  /**
   * Something changed in the meeting: converge again. Bursts coalesce: the wanted set is computed
   * once after the current synchronous work (a host muting everyone, say), not once per change.
   */
  refresh(): void {
    if (this.#closed || this.#dirty) return;
    this.#dirty = true;
    if (!this.#running) {
      this.#running = true;
      queueMicrotask(() => void this.#run());
    }
  }

  /**
   * The browser's receiving connection lost its path: it gets an offer with new ICE credentials,
   * in turn with the other offers (never two in flight).
   */
  restartIce(): void {
    if (this.#closed) return;
    this.#iceRestart = true;
    this.refresh();
  }

  /** The browser's answer to offer `negotiationId`. Returns false if no such offer is waiting. */
  answer(negotiationId: number, sdp: string): boolean {
    const pending = this.#pending;
    if (!pending || pending.id !== negotiationId) return false;
    this.#pending = undefined;
    clearTimeout(pending.timer);
    pending.resolve(sdp);
    return true;
  }

  /** The media server restarted: nothing is subscribed any more. */
  reset(): void {
    this.#epoch++;
    this.#abortPending(new Error('media reset'));
    this.#current.clear();
  }

  close(): void {
    this.#closed = true;
    this.#epoch++;
    this.#abortPending(new Error('closed'));
  }

  #abortPending(err: Error): void {
    const pending = this.#pending;
    this.#pending = undefined;
    if (pending) {
      clearTimeout(pending.timer);
      pending.reject(err);
    }
  }

  async #run(): Promise<void> {
    let failures = 0;
    try {
      while (this.#dirty && !this.#closed) {
        this.#dirty = false;
        const peer = this.peerOf();
        if (!peer) continue; // media is being rebuilt; the reset will refresh again
        const wanted = new Map(this.desired().map((s) => [streamKey(s), s]));
        const add = [...wanted].filter(([k]) => !this.#current.has(k)).map(([, s]) => s);
        const remove = [...this.#current].filter(([k]) => !wanted.has(k)).map(([, s]) => s);
        // Cameras kept but shown at another size: a layer switch, no renegotiation.
        const relayer = [...wanted].filter(([k, s]) => this.#current.has(k) && layerOf(this.#current.get(k)!) !== layerOf(s)).map(([, s]) => s);
        const iceRestart = this.#iceRestart;
        this.#iceRestart = false;
        if (add.length === 0 && remove.length === 0 && relayer.length === 0 && !iceRestart) continue;
        const epoch = this.#epoch;
        try {
          if (iceRestart) {
            // The same streams on new ICE credentials; what else changed follows in the next turn.
            if (add.length > 0 || remove.length > 0 || relayer.length > 0) this.#dirty = true;
            const restart = await peer.restartSubscriberIce();
            if (epoch !== this.#epoch || !restart) continue;
            await this.#offer(peer, restart);
            failures = 0;
            continue;
          }
          if (relayer.length > 0) {
            await peer.setLayers(relayer);
            if (epoch !== this.#epoch) continue;
            for (const s of relayer) this.#current.set(streamKey(s), s);
          }
          if (add.length === 0 && remove.length === 0) continue;
          const offer = await peer.updateSubscription({ add, remove });
          // Reset or closed while the media server worked: its offer must not reach the browser.
          if (epoch !== this.#epoch) continue;
          this.#current = wanted;
          if (!offer) continue;
          await this.#offer(peer, offer);
          failures = 0;
        } catch (err) {
          if (this.#closed) return;
          if (epoch !== this.#epoch) continue; // aborted by reset(), not a failure
          failures++;
          this.log.warn('subscription update failed', { err: String(err), failures });
          // Publishers may have left while we were negotiating: try again from the meeting's
          // current state, a few times, then wait for the next change.
          if (failures <= 3) {
            this.#dirty = true;
            await new Promise((r) => setTimeout(r, 200 * failures));
          }
        }
      }
    } finally {
      this.#running = false;
    }
  }

  /** One offer: sent to the browser, its answer (or a time-out) awaited and handed to the media server. */
  async #offer(peer: MediaPeer, offer: SubscriptionOffer): Promise<void> {
    const id = ++this.#negotiationId;
    const streams: SubscribedStream[] = [];
    for (const s of offer.streams) {
      const described = this.describe(s);
      if (described) streams.push(described);
    }
    const answered = new Promise<string>((resolve, reject) => {
      const timer = setTimeout(() => {
        if (this.#pending?.id === id) this.#pending = undefined;
        reject(new Error('no answer to subscription offer'));
      }, ANSWER_TIMEOUT_MS);
      this.#pending = { id, resolve, reject, timer };
    });
    this.channel.send({ type: 'subscribe-offer', negotiationId: id, sdp: offer.sdp, streams });
    const answerSdp = await answered;
    await peer.answerSubscription(answerSdp);
  }
}

function layerOf(s: StreamRef): string {
  return s.layer ?? 'high';
}

function streamKey(s: StreamRef): string {
  return `${s.feedId}/${s.mid}`;
}
