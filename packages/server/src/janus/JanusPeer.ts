import { z } from 'zod';
import Janode, { type JanodeSession } from 'janode';
import VideoRoomPlugin, { type VideoRoomHandle } from 'janode/plugins/videoroom';
import type { IceCandidate, PeerTarget } from '@amphi/protocol';
import { AppError } from '../errors.ts';
import type { Logger } from '../Logger.ts';
import type { MediaPeer, MediaPeerEvents, PublishedMids, ScreenMids, Sending, StreamRef, SubscribedMedia, SubscriptionOffer, VideoLayer } from '../ports/MediaBackend.ts';
import { TypedEmitter } from '../TypedEmitter.ts';
import { sdpMedia } from './sdp.ts';
import { withTimeout } from '../withTimeout.ts';

// Janus replies are external data: parse them before use.
const Jsep = z.object({ type: z.string(), sdp: z.string() });
const PublisherJoined = z.object({ feed: z.number() });
const Configured = z.object({ jsep: Jsep.optional() });
const JanusStream = z.object({
  type: z.string(),
  mid: z.string(),
  active: z.boolean().optional(),
  feed_id: z.number().optional(),
  feed_mid: z.string().optional(),
});
const SubscriptionReply = z.object({ jsep: Jsep.optional(), streams: z.array(JanusStream).optional() });

const TIMEOUT_MS = 10_000;

/**
 * One participant's media in Janus: one Janus session with a publisher handle, and a
 * subscriber handle attached on the first subscription (a multistream subscription that is
 * updated in place as publishers come and go).
 */
export class JanusPeer extends TypedEmitter<MediaPeerEvents> implements MediaPeer {
  #feedId: number | undefined;
  #mids: PublishedMids = {};
  #subscriber: VideoRoomHandle | undefined;
  /** What the subscriber connection carries (for offers that do not list it again, an ICE restart's). */
  #subscribedStreams: SubscribedMedia[] = [];
  /** Subscriber m-line by publisher stream ("feed/mid"), to unsubscribe by sub_mid even once the feed is gone. */
  #subscribedMids = new Map<string, string>();
  #closed = false;
  readonly #room: number;
  readonly #pin: string;
  readonly #display: string;
  readonly #session: JanodeSession;
  readonly #publisher: VideoRoomHandle;
  readonly #log: Logger;

  constructor(opts: { room: number; pin: string; display: string; session: JanodeSession; publisher: VideoRoomHandle; log: Logger }) {
    super();
    this.#room = opts.room;
    this.#pin = opts.pin;
    this.#display = opts.display;
    this.#session = opts.session;
    this.#publisher = opts.publisher;
    this.#log = opts.log;
    this.#wire(this.#publisher, 'publisher');
  }

  get feedId(): number | undefined {
    return this.#feedId;
  }

  get publishedMids(): PublishedMids {
    return this.#mids;
  }

  #wire(handle: VideoRoomHandle, target: PeerTarget): void {
    handle.on(Janode.EVENT.HANDLE_TRICKLE, (data: { completed?: boolean; candidate?: string; sdpMid?: string; sdpMLineIndex?: number }) => {
      const candidate: IceCandidate = data.completed
        ? null
        : { candidate: data.candidate ?? '', sdpMid: data.sdpMid ?? null, sdpMLineIndex: data.sdpMLineIndex ?? null };
      this.emit('trickle', target, candidate);
    });
    handle.on(Janode.EVENT.HANDLE_HANGUP, (data: { reason?: string }) => this.emit('hangup', target, data?.reason ?? 'hangup'));
    if (target === 'publisher') {
      handle.on(Janode.EVENT.HANDLE_WEBRTCUP, () => {
        if (this.#feedId !== undefined) this.emit('publisherUp', this.#feedId);
      });
      // Janus tells every publisher in the room about everyone's talking: keep our own only.
      handle.on(VideoRoomPlugin.EVENT.VIDEOROOM_TALKING!, (data: { feed?: number; talking?: boolean }) => {
        if (data.feed !== undefined && data.feed === this.#feedId && typeof data.talking === 'boolean') this.emit('talking', data.talking);
      });
    }
  }

  async publish(offerSdp: string, sending: Sending, screenMids?: ScreenMids): Promise<string> {
    this.#assertOpen();
    try {
      if (this.#feedId === undefined) {
        const joined = PublisherJoined.parse(
          await withTimeout(this.#publisher.joinPublisher({ room: this.#room, pin: this.#pin, display: this.#display }), TIMEOUT_MS, 'join'),
        );
        this.#feedId = joined.feed;
      }
      const media = sdpMedia(offerSdp);
      const screen = screenMids && media.some((m) => m.kind === 'video' && m.mid === screenMids.video) ? screenMids.video : undefined;
      const screenAudio = screen && screenMids?.audio !== undefined && media.some((m) => m.kind === 'audio' && m.mid === screenMids.audio) ? screenMids.audio : undefined;
      this.#mids = {
        audio: media.find((m) => m.kind === 'audio' && m.mid !== screenAudio)?.mid,
        video: media.find((m) => m.kind === 'video' && m.mid !== screen)?.mid,
        screen,
        screenAudio,
      };
      const descriptions = [...(screen ? [{ mid: screen, description: 'screen' }] : []), ...(screenAudio ? [{ mid: screenAudio, description: 'screen audio' }] : [])];
      // A configure with a new offer on a live publisher is a renegotiation (adding the screen).
      const reply = Configured.parse(
        await withTimeout(
          this.#publisher.configure({ jsep: { type: 'offer', sdp: offerSdp }, ...(descriptions.length > 0 ? { descriptions } : {}) }),
          TIMEOUT_MS,
          'publish',
        ),
      );
      if (!reply.jsep) throw new Error('Janus gave no answer to the publisher offer');
      // Janus knows the publisher's mids only once it has the offer, so what starts muted is
      // switched off in a second configure (in the same one it answers "428 No such mid").
      if (!sending.audio || !sending.video) {
        await withTimeout(this.#publisher.configure({ streams: this.#sendStreams(sending) }), TIMEOUT_MS, 'configure');
      }
      return reply.jsep.sdp;
    } catch (err) {
      throw asMediaError(err, 'publish');
    }
  }

  #sendStreams(sending: Sending): { mid: string; send: boolean }[] {
    const streams: { mid: string; send: boolean }[] = [];
    if (this.#mids.audio !== undefined) streams.push({ mid: this.#mids.audio, send: sending.audio });
    if (this.#mids.video !== undefined) streams.push({ mid: this.#mids.video, send: sending.video });
    return streams;
  }

  async setSending(sending: Sending): Promise<void> {
    this.#assertOpen();
    const streams = this.#sendStreams(sending);
    if (this.#feedId === undefined || streams.length === 0) return;
    try {
      await withTimeout(this.#publisher.configure({ streams }), TIMEOUT_MS, 'configure');
    } catch (err) {
      throw asMediaError(err, 'set media');
    }
  }

  async updateSubscription(change: { add: StreamRef[]; remove: StreamRef[] }): Promise<SubscriptionOffer | null> {
    this.#assertOpen();
    try {
      let raw: unknown;
      if (!this.#subscriber) {
        if (change.add.length === 0) return null;
        const handle = await withTimeout(this.#session.attach(VideoRoomPlugin), TIMEOUT_MS, 'attach');
        this.#subscriber = handle;
        this.#wire(handle, 'subscriber');
        raw = await withTimeout(
          handle.joinSubscriber({ room: this.#room, pin: this.#pin, streams: change.add.map(toJanusStream), autoupdate: false }),
          TIMEOUT_MS,
          'subscribe',
        );
      } else {
        const unsubscribe = change.remove.flatMap((s) => {
          const subMid = this.#subscribedMids.get(`${s.feedId}/${s.mid}`);
          return subMid === undefined ? [] : [{ sub_mid: subMid }];
        });
        const subscribe = change.add.map(toJanusStream);
        if (subscribe.length === 0 && unsubscribe.length === 0) return null;
        // Janus refuses empty lists ("430 Empty unsubscription list"): send only what is there.
        raw = await withTimeout(
          this.#subscriber.update({ ...(subscribe.length ? { subscribe } : {}), ...(unsubscribe.length ? { unsubscribe } : {}) }),
          TIMEOUT_MS,
          'update subscription',
        );
      }
      const reply = SubscriptionReply.parse(raw);
      const streams: SubscribedMedia[] = [];
      for (const s of reply.streams ?? []) {
        if (s.active === false || s.feed_id === undefined || s.feed_mid === undefined || (s.type !== 'audio' && s.type !== 'video')) continue;
        streams.push({ mid: s.mid, feedId: s.feed_id, feedMid: s.feed_mid, kind: s.type });
      }
      this.#subscribedMids.clear();
      for (const s of streams) this.#subscribedMids.set(`${s.feedId}/${s.feedMid}`, s.mid);
      this.#subscribedStreams = streams;
      if (!reply.jsep) return null;
      return { sdp: reply.jsep.sdp, streams };
    } catch (err) {
      throw asMediaError(err, 'subscribe');
    }
  }

  async restartSubscriberIce(): Promise<SubscriptionOffer | null> {
    this.#assertOpen();
    if (!this.#subscriber) return null;
    try {
      const raw = await withTimeout(this.#subscriber.configure({ restart: true }), TIMEOUT_MS, 'ICE restart');
      const reply = SubscriptionReply.parse(raw);
      return reply.jsep ? { sdp: reply.jsep.sdp, streams: this.#subscribedStreams } : null;
    } catch (err) {
      throw asMediaError(err, 'restart ICE');
    }
  }

  async setLayers(streams: StreamRef[]): Promise<void> {
    this.#assertOpen();
    if (!this.#subscriber) return;
    const changes = streams.flatMap((s) => {
      const subMid = this.#subscribedMids.get(`${s.feedId}/${s.mid}`);
      return subMid === undefined ? [] : [{ mid: subMid, substream: substreamOf(s.layer) }];
    });
    if (changes.length === 0) return;
    try {
      await withTimeout(this.#subscriber.configure({ streams: changes }), TIMEOUT_MS, 'configure layers');
    } catch (err) {
      throw asMediaError(err, 'switch layers');
    }
  }

  async answerSubscription(answerSdp: string): Promise<void> {
    this.#assertOpen();
    if (!this.#subscriber) throw new AppError('protocol.out_of_order', 'no subscription offer to answer');
    try {
      await withTimeout(this.#subscriber.start({ jsep: { type: 'answer', sdp: answerSdp } }), TIMEOUT_MS, 'start');
    } catch (err) {
      throw asMediaError(err, 'answer subscription');
    }
  }

  async trickle(target: PeerTarget, candidate: IceCandidate): Promise<void> {
    if (this.#closed) return;
    const handle = target === 'publisher' ? this.#publisher : this.#subscriber;
    if (!handle) return; // a late candidate for a PeerConnection we never set up
    try {
      await withTimeout(handle.trickle(candidate), TIMEOUT_MS, 'trickle');
    } catch (err) {
      this.#log.debug('trickle failed', { err: String(err) });
    }
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    // Unpublish before leaving: only then do subscribers get renegotiated at once (notes/janus.md §6).
    if (this.#feedId !== undefined) {
      await withTimeout(this.#publisher.unpublish(), 3_000, 'unpublish').catch(() => {});
      await withTimeout(this.#publisher.leave(), 3_000, 'leave').catch(() => {});
    }
    await withTimeout(this.#session.destroy(), 3_000, 'destroy session').catch(() => {});
    this.removeAllListeners();
  }

  #assertOpen(): void {
    if (this.#closed) throw new AppError('media.unavailable', 'media connection closed');
  }
}

/**
 * Janus numbers simulcast layers from the smallest (0); asking for 2 gets the best the camera
 * sends (Amphi's browsers send two layers; a camera sent once ignores it).
 */
function substreamOf(layer: VideoLayer | undefined): number {
  return layer === 'low' ? 0 : 2;
}

function toJanusStream(s: StreamRef): { feed: number; mid: string; substream?: number } {
  return { feed: s.feedId, mid: s.mid, ...(s.layer ? { substream: substreamOf(s.layer) } : {}) };
}

function asMediaError(err: unknown, what: string): AppError {
  if (err instanceof AppError) return err;
  return new AppError('media.negotiation_failed', `${what} failed: ${err instanceof Error ? err.message : String(err)}`, { cause: err });
}
