import type { IceCandidate, IceServer, ParticipantInfo, PeerTarget, ServerMessage, SubscribedStream } from '@amphi/protocol';
import { Emitter } from './Emitter.ts';
import { SignalingClient, SignalingError } from './SignalingClient.ts';

/**
 * The session's lifecycle:
 *   connecting ──joined──▶ joined ──leave()──▶ left
 *        │                  ├──meeting-ended──▶ ended
 *        └──error──▶ failed └──socket lost────▶ disconnected
 */
export type SessionState = 'connecting' | 'joined' | 'left' | 'ended' | 'disconnected' | 'failed';

/** Someone else in the meeting, with the tracks we receive from them. */
export interface RemoteParticipant {
  info: ParticipantInfo;
  audioTrack: MediaStreamTrack | undefined;
  videoTrack: MediaStreamTrack | undefined;
}

type Events = {
  /** Anything the UI shows changed. */
  change: () => void;
  /** A short notice for the user (i18n key + values). */
  notice: (key: string, values?: Record<string, string>) => void;
};

export interface SessionOptions {
  signalingUrl: string;
  meetingId: string;
  name: string;
  /** What the pre-join screen captured; tracks may be missing when a device is absent or refused. */
  localStream: MediaStream;
  audio: boolean;
  video: boolean;
}

/**
 * One person's presence in one meeting, DOM-free: the signaling conversation, the publisher
 * PeerConnection (our microphone and camera) and the subscriber PeerConnection (everyone else,
 * one multistream connection renegotiated by the server). The UI reads its getters and
 * re-renders on `change`.
 */
export class MeetingSession extends Emitter<Events> {
  state: SessionState = 'connecting';
  error: { code: string; message: string } | undefined;
  self: ParticipantInfo | undefined;
  meeting: { id: string; title: string } | undefined;
  endReason: string | undefined;
  readonly remotes = new Map<string, RemoteParticipant>();
  audioOn: boolean;
  videoOn: boolean;

  #signaling: SignalingClient;
  #iceServers: IceServer[] = [];
  #publisher: RTCPeerConnection | undefined;
  #senders: { audio?: RTCRtpSender; video?: RTCRtpSender } = {};
  #subscriber: RTCPeerConnection | undefined;
  #streams = new Map<string, SubscribedStream>();
  /** Bumped on every media reset so late results from old PeerConnections are dropped. */
  #mediaEpoch = 0;
  #subscriberQueue: Promise<void> = Promise.resolve();

  constructor(private readonly opts: SessionOptions) {
    super();
    this.audioOn = opts.audio && opts.localStream.getAudioTracks().length > 0;
    this.videoOn = opts.video && opts.localStream.getVideoTracks().length > 0;
    this.#signaling = new SignalingClient(opts.signalingUrl);
    this.#signaling.on('message', (m) => this.#onMessage(m));
    this.#signaling.on('closed', () => {
      if (this.state === 'joined' || this.state === 'connecting') this.#setState('disconnected');
      this.#closeMedia();
    });
  }

  get localStream(): MediaStream {
    return this.opts.localStream;
  }

  get isHost(): boolean {
    return this.self?.role === 'host';
  }

  async start(): Promise<void> {
    try {
      await this.#signaling.connect();
      const joined = await this.#signaling.request(
        { type: 'join', meetingId: this.opts.meetingId, name: this.opts.name, audio: this.audioOn, video: this.videoOn },
        'joined',
      );
      this.self = joined.self;
      this.meeting = joined.meeting;
      this.#iceServers = joined.iceServers;
      for (const p of joined.participants) this.remotes.set(p.id, { info: p, audioTrack: undefined, videoTrack: undefined });
      this.#setState('joined');
      await this.#publish();
    } catch (err) {
      this.#fail(err);
    }
  }

  /** Mutes or unmutes the microphone: no audio packets leave the browser while muted. */
  async setAudio(on: boolean): Promise<void> {
    const track = this.opts.localStream.getAudioTracks()[0];
    if (on && !track) return;
    this.audioOn = on;
    await this.#applySending('audio');
  }

  async setVideo(on: boolean): Promise<void> {
    const track = this.opts.localStream.getVideoTracks()[0];
    if (on && !track) return;
    this.videoOn = on;
    await this.#applySending('video');
  }

  async #applySending(kind: 'audio' | 'video'): Promise<void> {
    const on = kind === 'audio' ? this.audioOn : this.videoOn;
    const track = kind === 'audio' ? this.opts.localStream.getAudioTracks()[0] : this.opts.localStream.getVideoTracks()[0];
    const sender = this.#senders[kind];
    if (track) track.enabled = on;
    if (sender) await sender.replaceTrack(on ? (track ?? null) : null);
    if (this.self) this.self = { ...this.self, audio: this.audioOn, video: this.videoOn };
    this.emit('change');
    if (this.state === 'joined') {
      await this.#signaling.request({ type: 'set-media', audio: this.audioOn, video: this.videoOn }, 'ok').catch(() => {});
    }
  }

  /** Leaves the meeting (others see the tile go). */
  async leave(): Promise<void> {
    if (this.state === 'joined') await this.#signaling.request({ type: 'leave' }, 'ok', 3_000).catch(() => {});
    this.#setState('left');
    this.#shutdown();
  }

  /** Ends the meeting for everyone (hosts only). */
  async endForAll(): Promise<void> {
    try {
      await this.#signaling.request({ type: 'end-meeting' }, 'ok');
    } catch (err) {
      if (err instanceof SignalingError) this.emit('notice', 'error.' + err.code);
    }
  }

  #shutdown(): void {
    this.#closeMedia();
    for (const track of this.opts.localStream.getTracks()) track.stop();
    this.#signaling.close();
  }

  #onMessage(m: ServerMessage): void {
    switch (m.type) {
      case 'participant-joined':
        this.remotes.set(m.participant.id, { info: m.participant, audioTrack: undefined, videoTrack: undefined });
        this.emit('notice', 'notice.joined', { name: m.participant.name });
        this.emit('change');
        break;
      case 'participant-updated':
        if (m.participant.id === this.self?.id) this.self = m.participant;
        else {
          const remote = this.remotes.get(m.participant.id);
          if (remote) remote.info = m.participant;
        }
        this.emit('change');
        break;
      case 'participant-left': {
        const remote = this.remotes.get(m.participantId);
        this.remotes.delete(m.participantId);
        if (remote) this.emit('notice', 'notice.left', { name: remote.info.name });
        this.emit('change');
        break;
      }
      case 'subscribe-offer':
        this.#subscriberQueue = this.#subscriberQueue.then(() => this.#answerSubscription(m)).catch((err) => console.warn('amphi: subscription failed', err));
        break;
      case 'trickle':
        void this.#addRemoteCandidate(m.target, m.candidate);
        break;
      case 'meeting-ended':
        this.endReason = m.reason;
        this.#setState('ended');
        this.#shutdown();
        break;
      case 'media-reset':
        void this.#resetMedia();
        break;
      case 'error':
        // Unsolicited errors (e.g. the media server is unavailable).
        this.emit('notice', 'error.' + m.code);
        break;
      case 'joined':
      case 'publish-answer':
      case 'ok':
      case 'pong':
        break;
    }
  }

  async #publish(): Promise<void> {
    const epoch = this.#mediaEpoch;
    const pc = new RTCPeerConnection({ iceServers: this.#iceServers, bundlePolicy: 'max-bundle' });
    this.#publisher = pc;
    const pendingCandidates: (IceCandidate)[] = [];
    let answered = false;
    pc.onicecandidate = (e) => {
      const candidate = e.candidate ? (e.candidate.toJSON() as IceCandidate) : null;
      if (answered) this.#signaling.send({ type: 'trickle', target: 'publisher', candidate });
      else pendingCandidates.push(candidate);
    };
    pc.onconnectionstatechange = () => {
      if (pc.connectionState === 'failed' && this.#publisher === pc) this.emit('notice', 'notice.mediaFailed');
    };
    // Always negotiate one audio and one video m-line, so turning a device on later needs no renegotiation.
    for (const kind of ['audio', 'video'] as const) {
      const track = kind === 'audio' ? this.opts.localStream.getAudioTracks()[0] : this.opts.localStream.getVideoTracks()[0];
      const on = kind === 'audio' ? this.audioOn : this.videoOn;
      const transceiver = pc.addTransceiver(track ?? kind, { direction: 'sendonly', streams: [this.opts.localStream] });
      this.#senders[kind] = transceiver.sender;
      if (track && !on) await transceiver.sender.replaceTrack(null);
    }
    const offer = await pc.createOffer();
    await pc.setLocalDescription(offer);
    const reply = await this.#signaling.request({ type: 'publish', sdp: pc.localDescription!.sdp }, 'publish-answer');
    if (epoch !== this.#mediaEpoch) return;
    await pc.setRemoteDescription({ type: 'answer', sdp: reply.sdp });
    answered = true;
    for (const candidate of pendingCandidates) this.#signaling.send({ type: 'trickle', target: 'publisher', candidate });
  }

  async #answerSubscription(m: Extract<ServerMessage, { type: 'subscribe-offer' }>): Promise<void> {
    const epoch = this.#mediaEpoch;
    let pc = this.#subscriber;
    if (!pc) {
      pc = new RTCPeerConnection({ iceServers: this.#iceServers, bundlePolicy: 'max-bundle' });
      this.#subscriber = pc;
      const created = pc;
      created.onicecandidate = (e) => {
        if (this.#subscriber !== created) return;
        this.#signaling.send({ type: 'trickle', target: 'subscriber', candidate: e.candidate ? (e.candidate.toJSON() as IceCandidate) : null });
      };
      created.ontrack = () => this.#assignTracks();
    }
    this.#streams = new Map(m.streams.map((s) => [s.mid, s]));
    await pc.setRemoteDescription({ type: 'offer', sdp: m.sdp });
    const answer = await pc.createAnswer();
    await pc.setLocalDescription(answer);
    if (epoch !== this.#mediaEpoch) return;
    await this.#signaling.request({ type: 'subscribe-answer', negotiationId: m.negotiationId, sdp: pc.localDescription!.sdp }, 'ok');
    this.#assignTracks();
  }

  /** Gives each remote participant the tracks of the m-lines that carry their media. */
  #assignTracks(): void {
    const pc = this.#subscriber;
    for (const remote of this.remotes.values()) {
      remote.audioTrack = undefined;
      remote.videoTrack = undefined;
    }
    if (pc) {
      for (const t of pc.getTransceivers()) {
        const stream = t.mid ? this.#streams.get(t.mid) : undefined;
        const remote = stream ? this.remotes.get(stream.participantId) : undefined;
        if (!stream || !remote || t.currentDirection === 'inactive' || t.currentDirection === 'stopped') continue;
        if (stream.kind === 'audio') remote.audioTrack = t.receiver.track;
        else remote.videoTrack = t.receiver.track;
      }
    }
    this.emit('change');
  }

  async #addRemoteCandidate(target: PeerTarget, candidate: IceCandidate): Promise<void> {
    const pc = target === 'publisher' ? this.#publisher : this.#subscriber;
    if (!pc || !candidate) return;
    await pc.addIceCandidate(candidate).catch(() => {});
  }

  /** The media server restarted: build both PeerConnections again, without a page reload. */
  async #resetMedia(): Promise<void> {
    this.#mediaEpoch++;
    this.#closeMedia();
    this.#assignTracks();
    this.emit('notice', 'notice.reconnecting');
    try {
      await this.#publish();
    } catch (err) {
      console.warn('amphi: re-publishing failed', err);
    }
  }

  #closeMedia(): void {
    this.#publisher?.close();
    this.#subscriber?.close();
    this.#publisher = undefined;
    this.#senders = {};
    this.#subscriber = undefined;
    this.#streams.clear();
    this.#subscriberQueue = Promise.resolve();
  }

  #fail(err: unknown): void {
    console.warn('amphi: could not join', err);
    this.error = err instanceof SignalingError ? { code: err.code, message: err.message } : { code: 'network', message: String(err) };
    this.#setState('failed');
    this.#shutdown();
  }

  #setState(state: SessionState): void {
    this.state = state;
    this.emit('change');
  }
}
