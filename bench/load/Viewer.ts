import type { ServerMessageOf, SubscribedStream } from '@amphi/protocol';
import { RTCPeerConnection } from 'werift';
import { BenchSignaling } from './BenchSignaling.ts';
import { isVp8KeyframeStart } from './media.ts';
import { countIncoming, type RtpCounter, type StreamCounts } from './RtpCounter.ts';
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
  /** Unsolicited server messages received so far, by type (replies to its own requests not counted). */
  messages: Record<string, number>;
  /** m-lines in the latest subscribe-offer (everything this viewer is subscribed to). */
  subscribedMlines: number;
  /** RTP packets received on streams that are not the presenter's (muted viewers: should stay 0). */
  otherPackets: number;
  /** ms from `join` sent to `publish-answer` (VIEWER_PUBLISH only). */
  publishedMs: number | undefined;
}

/**
 * A student in the lecture: joins without camera or microphone and answers the server's
 * subscription offers with a werift PeerConnection, counting what arrives. By default it
 * publishes nothing, as the browser does with camera and microphone off; with `publish` it also
 * sends two muted sendonly m-lines (no track), what the browser sent before it waited for a
 * device to be on: the comparison shows what that cost.
 * With `media: false` it is signaling-only: it joins and pings, but answers no offer.
 */
export class Viewer {
  readonly signaling: BenchSignaling;
  #pc: RTCPeerConnection | undefined;
  #publisher: RTCPeerConnection | undefined;
  #messages: Record<string, number> = {};
  #subscribedMlines = 0;
  #streams = new Map<string, SubscribedStream>();
  #counters = new Map<string, RtpCounter>();
  #queue: Promise<void> = Promise.resolve();
  #joinSentAt = 0;
  joinedMs: number | undefined;
  offerMs: number | undefined;
  firstKeyframeMs: number | undefined;
  publishedMs: number | undefined;
  errors: string[] = [];

  constructor(
    readonly index: number,
    private readonly media: boolean,
    private readonly publish = false,
    /** The presenter's participant id: only its streams go into `streams`. */
    private readonly presenterId?: string,
    /** Shows the presenter's camera large (its best layer) or as a thumbnail beside the screen (its small layer). */
    private readonly cameraLarge = true,
  ) {
    this.signaling = new BenchSignaling(`viewer ${index}`);
  }

  async join(opts: { url: string; headers: Record<string, string>; meetingId: string }): Promise<void> {
    const sig = this.signaling;
    sig.onMessage = (m) => {
      this.#messages[m.type] = (this.#messages[m.type] ?? 0) + 1;
      if (m.type === 'subscribe-offer') {
        this.#subscribedMlines = m.streams.length;
        if (this.offerMs === undefined) this.offerMs = performance.now() - this.#joinSentAt;
        if (this.media) this.#queue = this.#queue.then(() => this.#answer(m)).catch((err) => void this.errors.push(String(err)));
      } else if (m.type === 'trickle' && m.target === 'subscriber' && this.#pc) void addRemoteCandidate(this.#pc, m.candidate);
      else if (m.type === 'trickle' && m.target === 'publisher' && this.#publisher) void addRemoteCandidate(this.#publisher, m.candidate);
      else if (m.type === 'error') this.errors.push(`viewer ${this.index}: ${m.code} ${m.message}`);
    };
    await sig.open(opts.url, opts.headers);
    this.#joinSentAt = performance.now();
    await sig.request({ type: 'join', meetingId: opts.meetingId, name: `Viewer ${this.index}`, audio: false, video: false }, 'joined');
    this.joinedMs = performance.now() - this.#joinSentAt;
    // What the browser says once its tiles are laid out: whose camera it shows, and in which size.
    if (this.presenterId) await sig.request({ type: 'set-view', videos: [this.presenterId], large: this.cameraLarge ? [this.presenterId] : [] }, 'ok');
    if (this.publish && this.media) {
      await this.#publish();
      this.publishedMs = performance.now() - this.#joinSentAt;
    }
  }

  /** Two sendonly m-lines with no track (what MeetingSession once published with everything off). */
  async #publish(): Promise<void> {
    const pc = new RTCPeerConnection(peerConfig());
    this.#publisher = pc;
    pc.addTransceiver('audio', { direction: 'sendonly' });
    pc.addTransceiver('video', { direction: 'sendonly' });
    await pc.setLocalDescription(await pc.createOffer());
    // As the presenter: werift as the DTLS client avoids a 1 s stall (werift-load.md pitfall 3).
    const sdp = pc.localDescription!.sdp.replace(/a=setup:actpass/g, 'a=setup:active');
    const answer = await this.signaling.request({ type: 'publish', sdp }, 'publish-answer');
    await pc.setRemoteDescription({ type: 'answer', sdp: answer.sdp });
  }

  async #answer(m: ServerMessageOf<'subscribe-offer'>): Promise<void> {
    let pc = this.#pc;
    if (!pc) {
      pc = new RTCPeerConnection(peerConfig());
      this.#pc = pc;
      countIncoming(pc, this.#counters, (mid, rtp) => {
        if (this.firstKeyframeMs === undefined && this.#streams.get(mid)?.kind === 'video' && isVp8KeyframeStart(rtp.payload, 0)) {
          this.firstKeyframeMs = performance.now() - this.#joinSentAt;
        }
      });
    }
    for (const s of m.streams) this.#streams.set(s.mid, s);
    await pc.setRemoteDescription({ type: 'offer', sdp: m.sdp });
    await pc.setLocalDescription(await pc.createAnswer());
    await this.signaling.request({ type: 'subscribe-answer', negotiationId: m.negotiationId, sdp: pc.localDescription!.sdp }, 'ok');
  }

  /** A request whose reply time goes into the signaling latency. */
  ping(): Promise<unknown> {
    return this.signaling.request({ type: 'ping' }, 'pong', 10_000).catch((err) => this.errors.push(String(err)));
  }

  report(): ViewerReport {
    const streams: ViewerReport['streams'] = {};
    let otherPackets = 0;
    for (const [mid, c] of this.#counters) {
      const s = this.#streams.get(mid);
      if (!s) continue;
      if (this.presenterId === undefined || s.participantId === this.presenterId) streams[s.kind] = c.counts();
      else otherPackets += c.counts().packets;
    }
    return {
      index: this.index,
      connection: this.media ? (this.#pc?.connectionState ?? 'new') : 'signaling-only',
      joinedMs: this.joinedMs,
      offerMs: this.offerMs,
      firstKeyframeMs: this.firstKeyframeMs,
      streams,
      messages: { ...this.#messages },
      subscribedMlines: this.#subscribedMlines,
      otherPackets,
      publishedMs: this.publishedMs,
    };
  }

  async close(): Promise<void> {
    await this.signaling.close();
    await this.#pc?.close().catch(() => {});
    await this.#publisher?.close().catch(() => {});
  }
}

