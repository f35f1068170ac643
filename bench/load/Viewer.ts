import type { ServerMessageOf, SubscribedStream } from '@amphi/protocol';
import { RTCPeerConnection, type MediaStreamTrack } from 'werift';
import { BenchSignaling } from './BenchSignaling.ts';
import { isVp8KeyframeStart } from './media.ts';
import { RtpCounter, type StreamCounts } from './RtpCounter.ts';
import { addRemoteCandidate, peerConfig } from './rtcConfig.ts';

/** One viewer's state as the parent sees it (counters are cumulative). */
export interface ViewerReport {
  index: number;
  connection: string;
  /** ms from `join` sent to `joined`, to the first subscribe-offer, and to the first camera keyframe. */
  joinedMs: number | undefined;
  offerMs: number | undefined;
  firstKeyframeMs: number | undefined;
  /** Per stream kind of the presenter (audio, video = camera, screen). */
  streams: Partial<Record<SubscribedStream['kind'], StreamCounts>>;
}

/**
 * A student in the lecture: joins without camera or microphone (so it publishes nothing) and
 * answers the server's subscription offers with a werift PeerConnection, counting what arrives.
 * With `media: false` it is signaling-only: it joins and pings, but answers no offer.
 */
export class Viewer {
  readonly signaling: BenchSignaling;
  #pc: RTCPeerConnection | undefined;
  #streams = new Map<string, SubscribedStream>();
  #counters = new Map<string, RtpCounter>();
  #queue: Promise<void> = Promise.resolve();
  #joinSentAt = 0;
  joinedMs: number | undefined;
  offerMs: number | undefined;
  firstKeyframeMs: number | undefined;
  errors: string[] = [];

  constructor(
    readonly index: number,
    private readonly media: boolean,
  ) {
    this.signaling = new BenchSignaling(`viewer ${index}`);
  }

  async join(opts: { url: string; headers: Record<string, string>; meetingId: string }): Promise<void> {
    const sig = this.signaling;
    sig.onMessage = (m) => {
      if (m.type === 'subscribe-offer') {
        if (this.offerMs === undefined) this.offerMs = performance.now() - this.#joinSentAt;
        if (this.media) this.#queue = this.#queue.then(() => this.#answer(m)).catch((err) => void this.errors.push(String(err)));
      } else if (m.type === 'trickle' && m.target === 'subscriber' && this.#pc) void addRemoteCandidate(this.#pc, m.candidate);
      else if (m.type === 'error') this.errors.push(`viewer ${this.index}: ${m.code} ${m.message}`);
    };
    await sig.open(opts.url, opts.headers);
    this.#joinSentAt = performance.now();
    await sig.request({ type: 'join', meetingId: opts.meetingId, name: `Viewer ${this.index}`, audio: false, video: false }, 'joined');
    this.joinedMs = performance.now() - this.#joinSentAt;
  }

  async #answer(m: ServerMessageOf<'subscribe-offer'>): Promise<void> {
    let pc = this.#pc;
    if (!pc) {
      pc = new RTCPeerConnection(peerConfig());
      this.#pc = pc;
      const created = pc;
      created.onTrack.subscribe((track) => this.#count(created, track));
    }
    for (const s of m.streams) this.#streams.set(s.mid, s);
    await pc.setRemoteDescription({ type: 'offer', sdp: m.sdp });
    await pc.setLocalDescription(await pc.createAnswer());
    await this.signaling.request({ type: 'subscribe-answer', negotiationId: m.negotiationId, sdp: pc.localDescription!.sdp }, 'ok');
  }

  #count(pc: RTCPeerConnection, track: MediaStreamTrack): void {
    const transceiver = pc.getTransceivers().find((t) => t.receiver.tracks.includes(track));
    const mid = transceiver?.mid ?? `?${track.kind}`;
    let counter = this.#counters.get(mid);
    if (!counter) this.#counters.set(mid, (counter = new RtpCounter()));
    const c = counter;
    track.onReceiveRtp.subscribe((rtp) => {
      c.add(rtp.header.sequenceNumber, rtp.header.marker, rtp.payload.length);
      if (this.firstKeyframeMs === undefined && this.#streams.get(mid)?.kind === 'video' && isVp8KeyframeStart(rtp.payload, 0)) {
        this.firstKeyframeMs = performance.now() - this.#joinSentAt;
      }
    });
  }

  /** A request whose reply time goes into the signaling latency. */
  ping(): Promise<unknown> {
    return this.signaling.request({ type: 'ping' }, 'pong', 10_000).catch((err) => this.errors.push(String(err)));
  }

  report(): ViewerReport {
    const streams: ViewerReport['streams'] = {};
    for (const [mid, c] of this.#counters) {
      const kind = this.#streams.get(mid)?.kind;
      if (kind) streams[kind] = c.counts();
    }
    return {
      index: this.index,
      connection: this.media ? (this.#pc?.connectionState ?? 'new') : 'signaling-only',
      joinedMs: this.joinedMs,
      offerMs: this.offerMs,
      firstKeyframeMs: this.firstKeyframeMs,
      streams,
    };
  }

  async close(): Promise<void> {
    await this.signaling.close();
    await this.#pc?.close().catch(() => {});
  }
}

