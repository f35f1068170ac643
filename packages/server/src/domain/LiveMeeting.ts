import { CLOSE_CODES, type ServerMessage } from '@amphi/protocol';
import { AppError } from '../errors.ts';
import type { Logger } from '../Logger.ts';
import type { MediaBackend, MediaPeer, MediaRoom } from '../ports/MediaBackend.ts';
import type { ParticipantChannel } from '../ports/ParticipantChannel.ts';
import { Participant } from './Participant.ts';
import { Subscription } from './Subscription.ts';

const PEER_READY_TIMEOUT_MS = 20_000;

export interface JoinInput {
  name: string;
  userId: string | undefined;
  audio: boolean;
  video: boolean;
  channel: ParticipantChannel;
}

/**
 * A meeting while people are in it: who is there, what they send, and the media room that
 * carries them. It owns its participants and its media room; close paths run children first.
 * Everyone receives everyone for now (pagination / last-N come with the load work).
 */
export class LiveMeeting {
  readonly #participants = new Map<string, Participant>();
  #room: Promise<MediaRoom> | undefined;
  #generation = 0;
  #ended = false;
  #closed = false;
  readonly #log: Logger;

  constructor(
    readonly id: string,
    readonly title: string,
    readonly ownerId: string,
    private readonly media: MediaBackend,
    log: Logger,
    private readonly onClosed: (meeting: LiveMeeting) => void,
  ) {
    this.#log = log.child({ meeting: id });
  }

  get ended(): boolean {
    return this.#ended;
  }

  get size(): number {
    return this.#participants.size;
  }

  participants(): Participant[] {
    return [...this.#participants.values()];
  }

  /**
   * Adds someone to the meeting. Synchronous on purpose: the caller sends `joined` before any
   * media message can reach the newcomer (media opens asynchronously afterwards).
   */
  join(input: JoinInput): Participant {
    if (this.#ended) throw new AppError('meeting.ended', 'this meeting has ended');
    const role = input.userId !== undefined && input.userId === this.ownerId ? 'host' : 'participant';
    const p = new Participant(input.name, role, input.userId, input.channel, { audio: input.audio, video: input.video });
    p.subscription = new Subscription(
      input.channel,
      () => p.peer,
      () => this.#feedsFor(p),
      (feedId) => this.#byFeed(feedId)?.id,
      this.#log,
    );
    this.#broadcast({ type: 'participant-joined', participant: p.info() });
    this.#participants.set(p.id, p);
    this.#openMedia(p);
    return p;
  }

  /** The browser's publisher offer; resolves with the media server's answer. */
  async publish(p: Participant, sdp: string): Promise<string> {
    const peer = await withDeadline(p.peerReady, PEER_READY_TIMEOUT_MS);
    if (p.state === 'left') throw new AppError('protocol.out_of_order', 'you have left the meeting');
    if (!p.transition('publishing')) throw new AppError('protocol.out_of_order', `cannot publish while ${p.state}`);
    try {
      return await peer.publish(sdp, { audio: p.audio, video: p.video });
    } catch (err) {
      if (p.state === 'publishing') p.transition('ready');
      throw err;
    }
  }

  async answerSubscription(p: Participant, negotiationId: number, sdp: string): Promise<void> {
    if (!p.subscription.answer(negotiationId, sdp)) {
      throw new AppError('protocol.out_of_order', `no subscription offer ${negotiationId} is waiting for an answer`);
    }
  }

  trickle(p: Participant, target: 'publisher' | 'subscriber', candidate: Parameters<MediaPeer['trickle']>[1]): void {
    void p.peer?.trickle(target, candidate);
  }

  /** Turns the participant's own microphone / camera relaying on or off and tells everyone. */
  async setMedia(p: Participant, sending: { audio: boolean; video: boolean }): Promise<void> {
    p.audio = sending.audio;
    p.video = sending.video;
    if (p.peer && (p.state === 'publishing' || p.state === 'live')) await p.peer.setSending(sending);
    this.#broadcast({ type: 'participant-updated', participant: p.info() });
  }

  /** Removes the participant; the meeting closes when the last one leaves. Safe to call twice. */
  leave(p: Participant): void {
    if (p.state === 'left' || !this.#participants.has(p.id)) return;
    p.transition('left');
    this.#participants.delete(p.id);
    p.subscription.close();
    const peer = p.peer;
    p.peer = undefined;
    void peer?.close();
    // While the meeting is being ended everyone is leaving: no point telling or renegotiating.
    if (!this.#ended) {
      this.#broadcast({ type: 'participant-left', participantId: p.id });
      for (const other of this.#participants.values()) other.subscription.refresh();
    }
    if (this.#participants.size === 0) void this.#close();
  }

  /** Ends the meeting for everyone (hosts only). */
  end(by: Participant): void {
    if (by.role !== 'host') throw new AppError('auth.forbidden', 'only a host can end the meeting for everyone');
    this.terminate('ended-by-host');
  }

  /** Sends everyone away with `reason` and closes the meeting. */
  terminate(reason: 'ended-by-host' | 'server-shutdown'): void {
    if (this.#ended) return;
    this.#ended = true;
    const code = reason === 'ended-by-host' ? CLOSE_CODES.meetingEnded : CLOSE_CODES.serverShutdown;
    for (const p of [...this.#participants.values()]) {
      p.channel.send({ type: 'meeting-ended', reason });
      p.channel.close(code, reason);
      this.leave(p);
    }
  }

  /** The media server went away: every peer and the room are gone. */
  mediaDown(): void {
    this.#generation++;
    this.#room = undefined;
    for (const p of this.#participants.values()) {
      p.peer?.removeAllListeners();
      p.peer = undefined;
      p.subscription.reset();
      if (p.state !== 'waiting-media') p.transition('waiting-media');
      p.peerReady = new Promise(() => {});
    }
  }

  /** The media server is back, empty: rebuild the room and every peer, and tell each client to publish again. */
  mediaReset(): void {
    this.mediaDown();
    for (const p of this.#participants.values()) {
      this.#openMedia(p);
      p.channel.send({ type: 'media-reset' });
    }
  }

  #openMedia(p: Participant): void {
    const generation = this.#generation;
    p.peerReady = (async () => {
      const room = await this.#ensureRoom();
      const peer = await room.openPeer(p.name);
      if (p.state === 'left' || generation !== this.#generation) {
        void peer.close();
        throw new AppError('media.unavailable', 'media was reset while opening');
      }
      peer.on('trickle', (target, candidate) => p.channel.send({ type: 'trickle', target, candidate }));
      peer.on('publisherUp', () => {
        if (p.peer !== peer || !p.transition('live')) return;
        for (const other of this.#participants.values()) if (other !== p) other.subscription.refresh();
      });
      peer.on('hangup', (target, reason) => this.#log.info('peer connection hung up', { participant: p.id, target, reason }));
      p.peer = peer;
      p.transition('ready');
      p.subscription.refresh();
      return peer;
    })();
    p.peerReady.catch((err) => {
      if (generation !== this.#generation || p.state === 'left') return;
      this.#log.error('could not open media', { participant: p.id, err: String(err) });
      p.channel.send({ type: 'error', code: 'media.unavailable', message: 'the media server is not available' });
    });
  }

  #ensureRoom(): Promise<MediaRoom> {
    if (!this.#room) {
      const generation = this.#generation;
      const opening = this.media.openRoom(`amphi ${this.id}`);
      this.#room = opening;
      opening.catch(() => {
        if (this.#room === opening && generation === this.#generation) this.#room = undefined;
      });
    }
    return this.#room;
  }

  #feedsFor(p: Participant): number[] {
    const feeds: number[] = [];
    for (const other of this.#participants.values()) {
      if (other !== p && other.state === 'live' && other.peer?.feedId !== undefined) feeds.push(other.peer.feedId);
    }
    return feeds;
  }

  #byFeed(feedId: number): Participant | undefined {
    for (const p of this.#participants.values()) if (p.peer?.feedId === feedId) return p;
    return undefined;
  }

  #broadcast(message: ServerMessage): void {
    for (const p of this.#participants.values()) p.channel.send(message);
  }

  async #close(): Promise<void> {
    if (this.#participants.size > 0 || this.#closed) return;
    this.#closed = true;
    this.#ended = true;
    const room = this.#room;
    this.#room = undefined;
    this.onClosed(this);
    if (room) await room.then((r) => r.close()).catch(() => {});
  }
}

function withDeadline<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout;
  return Promise.race([
    promise,
    new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new AppError('media.unavailable', 'the media server is not available')), ms);
    }),
  ]).finally(() => clearTimeout(timer));
}
