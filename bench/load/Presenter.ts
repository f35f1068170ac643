import { MediaStreamTrack, PictureLossIndication, RTCPeerConnection, RtcpPayloadSpecificFeedback, RtpPacket, type RTCRtpTransceiver } from 'werift';
import type { SubscribedStream } from '@amphi/protocol';
import { BenchSignaling } from './BenchSignaling.ts';
import { countIncoming, type RtpCounter, type StreamCounts } from './RtpCounter.ts';
import { ClipReplay, loadClip, type ClipKind } from './media.ts';
import { addRemoteCandidate, peerConfig } from './rtcConfig.ts';

/** What the presenter has sent, per clip (cumulative). */
export type SentCounts = Record<ClipKind, { packets: number; frames: number; bytes: number; keyframeJumps: number }>;

/** What a publisher has received from one other participant's stream (cumulative). */
export interface ReceivedStream {
  participantId: string;
  kind: SubscribedStream['kind'];
  counts: StreamCounts;
}

export interface PublisherOptions {
  url: string;
  headers: Record<string, string>;
  meetingId: string;
  screen: boolean;
  simulcast: boolean;
  /** Display name; the lecturer by default, who must join as host. */
  name?: string;
  /** Sends a microphone (default true). */
  mic?: boolean;
}

/**
 * The lecturer: joins as the meeting's host, publishes camera + microphone (+ a shared screen)
 * from pre-encoded clips through Amphi's `publish`, and starts sharing. With another `name` it
 * is a class member instead: any role, camera (and microphone if asked), and it counts what it
 * receives from the others.
 */
export class Presenter {
  readonly signaling: BenchSignaling;
  participantId = '';
  /** What went wrong while answering subscription offers. */
  readonly errors: string[] = [];
  /** Everyone else in the meeting (from `joined` and `participant-joined`). */
  readonly others = new Set<string>();
  #streams = new Map<string, SubscribedStream>();
  #counters = new Map<string, RtpCounter>();
  #pc: RTCPeerConnection | undefined;
  /** Receives the others' streams when viewers publish (VIEWER_PUBLISH): answered, not counted. */
  #subscriber: RTCPeerConnection | undefined;
  #subscriberQueue: Promise<void> = Promise.resolve();
  /** subscribe-offers this presenter has received. */
  subscribeOffers = 0;
  #replays = new Map<ClipKind, ClipReplay>();
  #timer: NodeJS.Timeout | undefined;

  constructor(readonly name = 'Presenter') {
    this.signaling = new BenchSignaling(name);
  }

  async start(opts: PublisherOptions): Promise<{ participantId: string }> {
    const kinds: ClipKind[] = [...(opts.mic === false ? [] : (['mic'] as const)), 'camera', ...(opts.screen ? (['screen'] as const) : [])];
    const clips = await Promise.all(kinds.map((k) => loadClip(k)));
    const lowClip = opts.simulcast ? await loadClip('cameraLow') : undefined;
    const sig = this.signaling;
    await sig.open(opts.url, opts.headers);
    const joined = await sig.request({ type: 'join', meetingId: opts.meetingId, name: this.name, audio: opts.mic !== false, video: true }, 'joined');
    if (this.name === 'Presenter' && joined.self.role !== 'host') throw new Error(`the presenter joined as ${joined.self.role}, not host`);
    this.participantId = joined.self.id;
    for (const p of joined.participants) this.others.add(p.id);

    const pc = new RTCPeerConnection(peerConfig());
    this.#pc = pc;
    sig.onMessage = (m) => {
      if (m.type === 'trickle' && m.target === 'publisher') void addRemoteCandidate(pc, m.candidate);
      else if (m.type === 'trickle' && m.target === 'subscriber' && this.#subscriber) void addRemoteCandidate(this.#subscriber, m.candidate);
      else if (m.type === 'participant-joined') this.others.add(m.participant.id);
      else if (m.type === 'participant-left') this.others.delete(m.participantId);
      else if (m.type === 'subscribe-offer') {
        // A browser presenter answers (publishing viewers are offered to it): an unanswered offer would hold the server's queue.
        this.subscribeOffers++;
        for (const s of m.streams) this.#streams.set(s.mid, s);
        this.#subscriberQueue = this.#subscriberQueue
          .then(async () => {
            let sub = this.#subscriber;
            if (!sub) {
              sub = this.#subscriber = new RTCPeerConnection(peerConfig());
              countIncoming(sub, this.#counters);
            }
            await sub.setRemoteDescription({ type: 'offer', sdp: m.sdp });
            await sub.setLocalDescription(await sub.createAnswer());
            await sig.request({ type: 'subscribe-answer', negotiationId: m.negotiationId, sdp: sub.localDescription!.sdp }, 'ok');
          })
          .catch((err) => void this.errors.push(`${this.name}: subscription offer ${m.negotiationId}: ${err instanceof Error ? err.message : String(err)}`));
      }
    };
    const mids = new Map<ClipKind, string>();
    const transceivers = clips.map((clip) => {
      const track = new MediaStreamTrack({ kind: clip.kind === 'mic' ? 'audio' : 'video' });
      const t = pc.addTransceiver(track, { direction: 'sendonly' });
      const replay = new ClipReplay(clip, (b) => track.writeRtp(b));
      this.#replays.set(clip.kind, replay);
      t.sender.onPictureLossIndication.subscribe(() => replay.pictureLoss(performance.now()));
      return { kind: clip.kind, t };
    });
    // Simulcast as a browser sends it: the camera's small layer on a second SSRC of the same m-line.
    const camera = transceivers.find((x) => x.kind === 'camera')!.t;
    const lowSsrc = (camera.sender.ssrc + 1) >>> 0;
    if (lowClip) {
      const replay = new ClipReplay(lowClip, (b) => void sendOnSsrc(camera, lowSsrc, b));
      this.#replays.set('cameraLow', replay);
      camera.sender.onPictureLossIndication.subscribe(() => replay.pictureLoss(performance.now()));
      // Janus asks the small layer for keyframes on its own SSRC, which no werift sender owns.
      camera.sender.dtlsTransport.onRtcp.subscribe((rtcp) => {
        if (rtcp instanceof RtcpPayloadSpecificFeedback && rtcp.feedback instanceof PictureLossIndication && rtcp.feedback.mediaSsrc === lowSsrc) replay.pictureLoss(performance.now());
      });
    }
    const connected = new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('the presenter never connected')), 20_000);
      pc.connectionStateChange.subscribe((s) => {
        if (s === 'connected') {
          clearTimeout(timer);
          resolve();
        }
      });
    });
    await pc.setLocalDescription(await pc.createOffer());
    for (const { kind, t } of transceivers) if (t.mid) mids.set(kind, t.mid);
    // Janus answers `actpass` with `active` and its first DTLS hello comes before werift listens
    // (a 1 s stall): offering `active` makes werift the DTLS client (werift-load.md pitfall 3).
    let sdp = pc.localDescription!.sdp.replace(/a=setup:actpass/g, 'a=setup:active');
    if (lowClip) sdp = withSimulcastGroup(sdp, camera.sender.ssrc, lowSsrc);
    const screenMid = mids.get('screen');
    const answer = await sig.request({ type: 'publish', sdp, ...(screenMid ? { screenMid } : {}) }, 'publish-answer');
    await pc.setRemoteDescription({ type: 'answer', sdp: answer.sdp });
    await connected;
    this.#timer = setInterval(() => {
      const now = performance.now();
      for (const r of this.#replays.values()) r.tick(now);
    }, 5);
    // The server accepts the share once Janus says the publisher is up, a little after werift's `connected`.
    for (let attempt = 0; screenMid; attempt++) {
      try {
        await sig.request({ type: 'share-start' }, 'ok');
        break;
      } catch (err) {
        if (attempt >= 25 || !String(err).includes('protocol.out_of_order')) throw err;
        await new Promise((r) => setTimeout(r, 200));
      }
    }
    return { participantId: joined.self.id };
  }

  /** What arrived from each other participant's stream so far. */
  received(): ReceivedStream[] {
    const out: ReceivedStream[] = [];
    for (const [mid, c] of this.#counters) {
      const s = this.#streams.get(mid);
      if (s) out.push({ participantId: s.participantId, kind: s.kind, counts: c.counts() });
    }
    return out;
  }

  get connectionState(): string {
    return this.#pc?.connectionState ?? 'new';
  }

  sent(): SentCounts {
    const out = {} as SentCounts;
    for (const [kind, r] of this.#replays) out[kind] = { packets: r.packetsSent, frames: r.framesSent, bytes: r.bytesSent, keyframeJumps: r.keyframeJumps };
    return out;
  }

  async close(): Promise<void> {
    clearInterval(this.#timer);
    await this.signaling.close();
    await this.#pc?.close().catch(() => {});
    await this.#subscriber?.close().catch(() => {});
  }
}

/**
 * Declares the small layer's SSRC beside the camera's, smallest first (`a=ssrc-group:SIM`, the
 * SSRC form of simulcast that Janus reads like browsers' rid form).
 */
function withSimulcastGroup(sdp: string, ssrc: number, lowSsrc: number): string {
  const line = new RegExp(`a=ssrc:${ssrc} cname:(\\S+)\r\n`);
  const m = line.exec(sdp);
  if (!m) throw new Error('no camera SSRC in the offer');
  return sdp.replace(line, `a=ssrc-group:SIM ${lowSsrc} ${ssrc}\r\na=ssrc:${lowSsrc} cname:${m[1]}\r\na=ssrc:${ssrc} cname:${m[1]}\r\n`);
}

/** Sends one pre-encoded packet on another SSRC of the transceiver's m-line. */
async function sendOnSsrc(t: RTCRtpTransceiver, ssrc: number, b: Buffer): Promise<void> {
  const codec = t.sender.codec;
  if (!codec || t.sender.dtlsTransport.state !== 'connected') return;
  const packet = RtpPacket.deSerialize(b);
  packet.header.ssrc = ssrc;
  packet.header.payloadType = codec.payloadType;
  await t.sender.dtlsTransport.sendRtp(packet.payload, packet.header);
}
