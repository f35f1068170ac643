import type { MediaStreamTrack, RTCPeerConnection, RtpPacket } from 'werift';

/** What one received stream has counted so far (cumulative; the bench takes differences). */
export interface StreamCounts {
  packets: number;
  /** Packets the sequence numbers say were sent (highest − first + 1, with wrap-around). */
  expected: number;
  /** Frames completed (RTP marker bit; video only). */
  frames: number;
  bytes: number;
}

/** Counts one incoming RTP stream: packets, loss from sequence-number gaps, frames, bytes. */
export class RtpCounter {
  #first = -1;
  #highest = -1;
  #cycles = 0;
  packets = 0;
  frames = 0;
  bytes = 0;

  add(seq: number, marker: boolean, size: number): void {
    this.packets++;
    this.bytes += size;
    if (marker) this.frames++;
    if (this.#first < 0) {
      this.#first = seq;
      this.#highest = seq;
      return;
    }
    const delta = (seq - this.#highest) & 0xffff;
    // Ahead by less than half the space: newer (a gap means loss); otherwise late or repeated.
    if (delta !== 0 && delta < 0x8000) {
      if (seq < this.#highest) this.#cycles += 0x10000;
      this.#highest = seq;
    }
  }

  counts(): StreamCounts {
    const expected = this.#first < 0 ? 0 : this.#cycles + this.#highest - this.#first + 1;
    return { packets: this.packets, expected, frames: this.frames, bytes: this.bytes };
  }
}

/**
 * Counts what arrives on a werift subscriber PeerConnection: one RtpCounter per m-line, by mid,
 * in `counters`; `onRtp` sees every packet too. werift fires onTrack again for existing
 * transceivers on every renegotiation: each track is counted once.
 */
export function countIncoming(pc: RTCPeerConnection, counters: Map<string, RtpCounter>, onRtp?: (mid: string, rtp: RtpPacket) => void): void {
  const counted = new WeakSet<MediaStreamTrack>();
  pc.onTrack.subscribe((track) => {
    if (counted.has(track)) return;
    counted.add(track);
    const mid = pc.getTransceivers().find((t) => t.receiver.tracks.includes(track))?.mid ?? `?${track.kind}`;
    let counter = counters.get(mid);
    if (!counter) counters.set(mid, (counter = new RtpCounter()));
    const c = counter;
    track.onReceiveRtp.subscribe((rtp) => {
      c.add(rtp.header.sequenceNumber, rtp.header.marker, rtp.payload.length);
      onRtp?.(mid, rtp);
    });
  });
}
