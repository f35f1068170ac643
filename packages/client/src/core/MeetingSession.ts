import { CLOSE_CODES } from '@amphi/protocol';
import type {
  BreakoutState,
  ChatMessage,
  IceCandidate,
  IceServer,
  MeetingState,
  ParticipantInfo,
  PeerTarget,
  Permissions,
  PollDraft,
  PollResults,
  PollView,
  Reaction,
  Role,
  ServerMessage,
  ServerMessageOf,
  SubscribedStream,
  WaitingPerson,
} from '@amphi/protocol';
import { Emitter } from './Emitter.ts';
import { SignalingClient, SignalingError } from './SignalingClient.ts';
import { StageContent } from './StageContent.ts';
import { LocalRecorder } from './LocalRecorder.ts';
import { MediaRecovery, type MediaHealth } from './MediaRecovery.ts';
import { Reconnection, type AttemptResult, type ConnectionState } from './Reconnection.ts';
import { ReceiveQuality, type ReceiveLevel, type VideoSample } from './ReceiveQuality.ts';
import { SendQuality, type SendLevel } from './SendQuality.ts';

/** How often the received videos are checked for a downlink that cannot carry them. */
const RECEIVE_SAMPLE_MS = 2_000;

/** Close codes after which there is nothing to resume (a message said why, or we left). */
const FINAL_CLOSE_CODES = new Set<number>([CLOSE_CODES.meetingEnded, CLOSE_CODES.left, CLOSE_CODES.serverShutdown, CLOSE_CODES.denied, CLOSE_CODES.removed, 1000]);

/**
 * The session's lifecycle:
 *   connecting ──joined──────────────────▶ joined ──leave()──────▶ left
 *        │  └──waiting──▶ waiting ──joined──┘ ├──meeting-ended──▶ ended
 *        │                  └──denied──▶ denied ├──removed───────▶ removed
 *        └──error──▶ failed                     └──socket lost───▶ (reconnecting) ──gave up──▶ disconnected
 *
 * While joined, a lost signaling socket does not end the session: `connection` goes to
 * reconnecting and the session resumes on a new socket (Reconnection.ts), the media
 * connections untouched; only when that fails for good does the state become disconnected.
 */
export type SessionState = 'connecting' | 'waiting' | 'joined' | 'left' | 'ended' | 'denied' | 'removed' | 'disconnected' | 'failed';

/** Someone else in the meeting, with the tracks we receive from them. */
export interface RemoteParticipant {
  info: ParticipantInfo;
  audioTrack: MediaStreamTrack | undefined;
  videoTrack: MediaStreamTrack | undefined;
  /** Their shared screen, while they share and we receive it. */
  screenTrack?: MediaStreamTrack | undefined;
  /** The sound of the tab they share, when they share a tab with its sound. */
  screenAudioTrack?: MediaStreamTrack | undefined;
}

type Events = {
  /** Anything the UI shows changed. */
  change: () => void;
  /** A short notice for the user (i18n key + values). */
  notice: (key: string, values?: Record<string, string>) => void;
  /** A host asks us to unmute: the UI asks the user (never unmutes by itself). */
  unmuteRequested: (by: string) => void;
  /** Someone reacted. */
  reaction: (participantId: string, reaction: Reaction) => void;
  /** A chat message arrived (also reflected in `chat`). */
  chat: (message: ChatMessage) => void;
  /** Someone new is in the waiting room (hosts and co-hosts). */
  someoneWaiting: (person: WaitingPerson) => void;
  /** A host put a poll to everyone. */
  pollOpened: (poll: PollView) => void;
  /** Someone in a breakout room asks the hosts for help (hosts and co-hosts). */
  breakoutHelp: (participantId: string, roomId: string) => void;
  /** A host's message to every room. */
  breakoutMessage: (from: string, text: string) => void;
  /** A recording made in this browser is finished: the UI saves it. */
  localRecording: (file: Blob, extension: 'mp4' | 'webm') => void;
};

export interface SessionOptions {
  signalingUrl: string;
  meetingId: string;
  name: string;
  /** What the pre-join screen captured; tracks may be missing when a device is absent or refused. */
  localStream: MediaStream;
  audio: boolean;
  video: boolean;
  /** A random id this browser keeps (see newClientId). */
  clientId: string;
  passcode: string | undefined;
  /** The secret of a personal invitation link (/m/<id>?invite=…), if the person came by one. */
  invite?: string | undefined;
  /** A one-use join ticket (/m/<id>?ticket=…, from the BigBlueButton-compatible API's `join`). */
  ticket?: string | undefined;
}

/**
 * One person's presence in one meeting, DOM-free: the signaling conversation, the publisher
 * PeerConnection (our microphone and camera) and the subscriber PeerConnection (everyone else,
 * one multistream connection renegotiated by the server). The UI reads its getters and
 * re-renders on `change`.
 */
/**
 * The camera is sent twice (simulcast): full size, and half size at a fraction of the bitrate.
 * The media server forwards the half-size one to people who show the camera as a thumbnail, so
 * a lecture's viewers cost it much less. Listed best first, as Janus expects ('hml').
 */
export const CAMERA_LAYERS: RTCRtpEncodingParameters[] = [
  { rid: 'h', maxBitrate: 900_000 },
  // 120 kbit/s: a thumbnail needs no more, and two small cameras with their sound then fit in a
  // 500 kbit/s downlink (tests/e2e/weakNetwork.test.ts).
  { rid: 'l', scaleResolutionDownBy: 2, maxBitrate: 120_000 },
];

export class MeetingSession extends Emitter<Events> {
  state: SessionState = 'connecting';
  error: { code: string; message: string } | undefined;
  self: ParticipantInfo | undefined;
  meeting: { id: string; title: string } | undefined;
  endReason: string | undefined;
  redirectUrl: string | null = null;
  meetingState: MeetingState = {
    locked: false,
    spotlight: null,
    presentation: null,
    permissions: { allowUnmute: true, allowChat: true, allowShare: true, allowRename: true, allowAnnotate: true, multiShare: false, allowLocalRecording: false },
    recording: { active: false, startedAt: null, paused: false },
  };
  /** Our account is staff: as host or co-host we may record to the cloud. */
  staff = false;
  /** The breakout rooms (our own room is self.room). */
  breakouts: BreakoutState = { status: 'idle', rooms: [], assignments: {}, suggestions: {}, allowChoose: false, endsAt: null, closingAt: null, boards: [] };
  /** Documents, the presented page or whiteboard, and what is drawn on the stage. */
  readonly stage: StageContent;
  /** Who waits to be let in (hosts and co-hosts only). */
  waiting: WaitingPerson[] = [];
  /** Who is speaking right now, and who spoke last (the active speaker). */
  readonly speaking = new Set<string>();
  lastSpeaker: string | undefined;
  /** The meeting's polls, their latest results (hosts: live; others: once shared), and our votes. */
  readonly polls = new Map<string, PollView>();
  readonly pollResults = new Map<string, PollResults>();
  readonly voted = new Set<string>();
  /** Chat so far: public history from join, then everything we send and receive. */
  readonly chat: ChatMessage[] = [];
  readonly remotes = new Map<string, RemoteParticipant>();
  audioOn: boolean;
  videoOn: boolean;

  #signaling: SignalingClient;
  #iceServers: IceServer[] = [];
  #publisher: RTCPeerConnection | undefined;
  #senders: { audio?: RTCRtpSender; video?: RTCRtpSender; screen?: RTCRtpSender; screenAudio?: RTCRtpSender } = {};
  /** Our shared screen while we share (kept across a media reset), and the shared tab's sound. */
  #screenTrack: MediaStreamTrack | undefined;
  #screenAudioTrack: MediaStreamTrack | undefined;
  #subscriber: RTCPeerConnection | undefined;
  #streams = new Map<string, SubscribedStream>();
  /** Bumped on every media reset so late results from old PeerConnections are dropped. */
  #mediaEpoch = 0;
  #subscriberQueue: Promise<void> = Promise.resolve();
  /** A room change is under way: its media reset is no news to the user. */
  #movingRooms = false;
  /** How to come back after a lost socket (from `joined`, renewed by each `resumed`). */
  #resume: { credential: string; graceSeconds: number } | undefined;
  readonly #reconnection: Reconnection;
  /** The media path's recovery (an ICE restart, then media built anew), on the same state machine. */
  readonly #mediaRecovery: MediaRecovery;
  /** The server said it is restarting: the reconnection banner says so. */
  serverRestarting = false;
  /** What our downlink carries: every camera's best layer where shown large, only small layers, or no video. */
  readonly #receiveQuality = new ReceiveQuality((level, before) => this.#receiveLevelChanged(level, before));
  /** What our uplink carries of our camera: every layer, or the small one only. */
  readonly #sendQuality = new SendQuality((level) => void this.#sendLevelChanged(level));
  /** Whose videos the screen shows, and which large, as the UI last said (before the downlink's cap). */
  #wantedView: { videos: string[]; large: string[] | undefined } | undefined;
  #receiveSampler: ReturnType<typeof setInterval> | undefined;
  #lastVideoStats = new Map<string, { at: number; frames: number; lost: number; received: number }>();
  #lastSamples: VideoSample[] = [];

  constructor(private readonly opts: SessionOptions) {
    super();
    this.audioOn = opts.audio && opts.localStream.getAudioTracks().length > 0;
    this.videoOn = opts.video && opts.localStream.getVideoTracks().length > 0;
    this.#signaling = new SignalingClient(opts.signalingUrl);
    this.stage = new StageContent({
      act: (message) => this.#act(message),
      send: (message) => this.#signaling.send(message),
      changed: () => this.emit('change'),
    });
    this.#signaling.on('message', (m) => this.#onMessage(m));
    this.#reconnection = new Reconnection({
      attempt: (id) => this.#attemptResume(id),
      giveUpAfterMs: () => (this.#resume?.graceSeconds ?? 60) * 1_000,
      onChange: (state) => this.#connectionChanged(state),
    });
    this.#mediaRecovery = new MediaRecovery({
      signalingUp: () => this.#reconnection.state.kind === 'connected' && this.state === 'joined',
      health: () => this.#mediaHealth(),
      restartIce: () => this.#restartIce(),
      rebuild: async () => {
        console.info('amphi: media did not come back: new media');
        await this.#signaling.request({ type: 'media-restart' }, 'ok');
      },
      onChange: () => this.emit('change'),
    });
    this.#signaling.on('closed', (code) => {
      // In the waiting room there is no place to resume: the person asks to join again, and waits again.
      if (this.state === 'waiting' && !FINAL_CLOSE_CODES.has(code)) {
        this.#reconnection.lost();
        return;
      }
      if (this.state === 'joined' && this.#resume && !FINAL_CLOSE_CODES.has(code)) {
        if (code === CLOSE_CODES.replaced) {
          // This meeting went on in another tab or window of this browser.
          this.error = { code: 'resume.replaced', message: 'continued elsewhere' };
          this.#reconnection.stop('replaced');
          this.#setState('disconnected');
          this.#shutdown();
          return;
        }
        this.#reconnection.lost();
        return;
      }
      if (this.#reconnection.state.kind === 'reconnecting') return; // a failed attempt's socket
      if (this.state === 'joined' || this.state === 'connecting' || this.state === 'waiting') this.#setState('disconnected');
      this.#closeMedia();
    });
  }

  /** The signaling connection: connected, reconnecting (with the attempt), or given up. */
  get connection(): ConnectionState {
    return this.#reconnection.state;
  }

  /** Our audio and video connections: connected, being restored (with the attempt), or given up. */
  get mediaConnection(): ConnectionState {
    return this.#mediaRecovery.state;
  }

  /** One try to take our place again on a new socket (see Reconnection). */
  async #attemptResume(_attemptId: number): Promise<AttemptResult> {
    if (this.state === 'waiting') return this.#attemptRejoin();
    const resume = this.#resume;
    if (!resume || this.state !== 'joined') return { fatal: 'resume.expired' };
    try {
      await this.#signaling.connect(4_000);
    } catch {
      return 'retry';
    }
    try {
      const reply = await this.#signaling.request(
        { type: 'resume', meetingId: this.opts.meetingId, credential: resume.credential, clientId: this.opts.clientId, lastSeq: this.#signaling.lastSeq },
        'resumed',
        5_000,
        true,
      );
      this.#resume = { ...resume, credential: reply.credential };
      // What we asked while the socket was down, or whose reply was lost with it.
      this.#signaling.resendPending();
      return 'resumed';
    } catch (err) {
      if (err instanceof SignalingError) return { fatal: err.code };
      return 'retry';
    }
  }

  /** Back in the waiting room on a new socket (or let in meanwhile): the same join again. */
  async #attemptRejoin(): Promise<AttemptResult> {
    try {
      await this.#signaling.connect(4_000);
    } catch {
      return 'retry';
    }
    try {
      const reply = await this.#signaling.request(this.#joinMessage(), ['joined', 'waiting'], 5_000, true);
      if (reply.type === 'joined') await this.#onJoined(reply as ServerMessageOf<'joined'>);
      return 'resumed';
    } catch (err) {
      if (err instanceof SignalingError) return err.code === 'server.restarting' ? 'retry' : { fatal: err.code };
      return 'retry';
    }
  }

  #joinMessage(): Parameters<SignalingClient['request']>[0] {
    return {
      type: 'join',
      meetingId: this.opts.meetingId,
      name: this.opts.name,
      audio: this.audioOn,
      video: this.videoOn,
      clientId: this.opts.clientId,
      ...(this.opts.passcode ? { passcode: this.opts.passcode } : {}),
      ...(this.opts.invite ? { invite: this.opts.invite } : {}),
      ...(this.opts.ticket ? { ticket: this.opts.ticket } : {}),
    };
  }

  #connectionChanged(state: ConnectionState): void {
    if (state.kind === 'connected') {
      this.serverRestarting = false;
      this.emit('notice', 'notice.reconnected');
      // The media connections ran on by themselves; if the cut was long enough to break them, rebuild them.
      this.#checkMedia();
      setTimeout(() => this.#checkMedia(), 5_000);
    } else if (state.kind === 'gave-up' && (this.state === 'joined' || this.state === 'waiting')) {
      this.error = { code: state.reason, message: 'could not reconnect' };
      this.#setState('disconnected');
      this.#shutdown();
      return;
    }
    this.emit('change');
  }

  /**
   * A media connection of ours failed (a new network, a long cut): MediaRecovery restarts ICE on
   * the same connections (new candidates, nothing else rebuilt), then has the server build our
   * media anew (`media-restart`) if that did not bring them back.
   */
  #checkMedia(): void {
    if (this.state === 'joined' && this.#mediaHealth() === 'failed') this.#mediaRecovery.trouble('failed');
  }

  /** Whether every media connection we should have is up (see MediaRecovery). */
  #mediaHealth(): MediaHealth {
    const pcs = [this.#publisher, this.#subscriber].filter((pc): pc is RTCPeerConnection => pc !== undefined);
    if (pcs.some(failedConnection)) return 'failed';
    if ((this.audioOn || this.videoOn || this.#screenTrack) && !this.#publisher) return 'pending';
    return pcs.every((pc) => pc.connectionState === 'connected') ? 'up' : 'pending';
  }

  async #restartIce(): Promise<void> {
    console.info('amphi: media connection failed: restarting ICE');
    if (failedConnection(this.#subscriber)) await this.#signaling.request({ type: 'ice-restart' }, 'ok');
    if (this.#publisher && failedConnection(this.#publisher)) await this.#restartPublisherIce(this.#publisher);
  }

  /** The sending connection again, on new ICE credentials: a renegotiation that keeps every track. */
  async #restartPublisherIce(pc: RTCPeerConnection): Promise<void> {
    await pc.setLocalDescription(await pc.createOffer({ iceRestart: true }));
    const mid = (sender: RTCRtpSender | undefined) => (sender ? pc.getTransceivers().find((t) => t.sender === sender)?.mid ?? undefined : undefined);
    const screenMid = this.#screenTrack ? mid(this.#senders.screen) : undefined;
    const screenAudioMid = this.#screenAudioTrack ? mid(this.#senders.screenAudio) : undefined;
    const reply = await this.#signaling.request(
      { type: 'publish', sdp: pc.localDescription!.sdp, ...(screenMid ? { screenMid } : {}), ...(screenAudioMid ? { screenAudioMid } : {}) },
      'publish-answer',
    );
    if (this.#publisher === pc) await pc.setRemoteDescription({ type: 'answer', sdp: reply.sdp });
  }

  get localStream(): MediaStream {
    return this.opts.localStream;
  }

  get isHost(): boolean {
    return this.self?.role === 'host';
  }

  /** Host or co-host. */
  get isModerator(): boolean {
    return this.self?.role === 'host' || this.self?.role === 'cohost';
  }

  async start(): Promise<void> {
    try {
      await this.#signaling.connect();
      const reply = await this.#signaling.request(this.#joinMessage(), ['joined', 'waiting']);
      if (reply.type === 'waiting') {
        this.meeting = reply.meeting;
        this.#setState('waiting');
        return;
      }
      await this.#onJoined(reply as ServerMessageOf<'joined'>);
    } catch (err) {
      this.#fail(err);
    }
  }

  async #onJoined(joined: ServerMessageOf<'joined'>): Promise<void> {
    this.#resume = joined.resume;
    this.#receiveSampler ??= setInterval(() => {
      void this.#sampleReceived().catch(() => {});
      void this.#sampleSent().catch(() => {});
    }, RECEIVE_SAMPLE_MS);
    this.#signaling.resumable = true;
    this.self = joined.self;
    this.meeting = joined.meeting;
    this.meetingState = joined.state;
    this.waiting = joined.waiting;
    this.chat.push(...joined.chat);
    for (const poll of joined.polls) this.polls.set(poll.id, poll);
    for (const id of joined.voted) this.voted.add(id);
    this.stage.joined(joined.meeting.id, joined.token, joined.documents);
    this.breakouts = joined.breakouts;
    this.staff = joined.staff;
    this.#iceServers = joined.iceServers;
    // The server may have muted us on entry.
    if (!joined.self.audio && this.audioOn) await this.#muteLocally('audio');
    for (const p of joined.participants) this.remotes.set(p.id, { info: p, audioTrack: undefined, videoTrack: undefined });
    this.#setState('joined');
    try {
      await this.#publishIfSending();
    } catch (err) {
      console.warn('amphi: publishing failed', err);
      this.emit('notice', 'notice.mediaFailed');
    }
    // Back from a restart of Amphi (or a resume that missed too much) while sharing: the browser still has the screen, published
    // again with the rest, so it is shown again (unless someone else took the stage meanwhile).
    if (this.#screenTrack && !(await this.#act({ type: 'share-start' }))) {
      await this.#dropScreen();
      this.emit('change');
    }
    // Likewise a recording in this browser: it went on here; everyone is told again that it runs.
    if (this.#localRecorder?.active && !(await this.#act({ type: 'local-recording', active: true }))) await this.stopLocalRecording();
  }

  /**
   * Publishes only when there is something to send: someone who listens with microphone and
   * camera off has no publisher connection at all (one PeerConnection fewer for the media server
   * per listener); turning a device on or sharing a screen publishes then.
   */
  async #publishIfSending(): Promise<void> {
    if (this.audioOn || this.videoOn || this.#screenTrack) await this.#ensurePublisher();
  }

  #publishing: Promise<void> | undefined;

  /** The publisher connection, made once per media epoch (concurrent callers share it). */
  async #ensurePublisher(): Promise<void> {
    if (this.#publisher || this.state !== 'joined') return;
    const epoch = this.#mediaEpoch;
    this.#publishing ??= this.#publish().finally(() => {
      if (epoch === this.#mediaEpoch) this.#publishing = undefined;
    });
    await this.#publishing;
  }

  // ---- host and co-host actions (the server refuses them to others) ----
  admit(participantId: string | 'all') {
    return this.#act({ type: 'admit', participantId });
  }
  deny(participantId: string) {
    return this.#act({ type: 'deny', participantId });
  }
  mute(participantId: string) {
    return this.#act({ type: 'mute-participant', participantId });
  }
  muteAll(allowUnmute?: boolean) {
    return this.#act({ type: 'mute-all', ...(allowUnmute !== undefined ? { allowUnmute } : {}) });
  }
  askUnmute(participantId: string) {
    return this.#act({ type: 'ask-unmute', participantId });
  }
  stopVideo(participantId: string) {
    return this.#act({ type: 'stop-video', participantId });
  }
  remove(participantId: string) {
    return this.#act({ type: 'remove-participant', participantId });
  }
  setRole(participantId: string, role: Role) {
    return this.#act({ type: 'set-role', participantId, role });
  }
  rename(participantId: string, name: string) {
    return this.#act({ type: 'rename', participantId, name });
  }
  setLock(locked: boolean) {
    return this.#act({ type: 'set-lock', locked });
  }
  /** Applied at once on this screen (the server confirms with meeting-state, or we roll back). */
  async setPermissions(permissions: Partial<Permissions>): Promise<boolean> {
    const before = this.meetingState;
    this.meetingState = { ...before, permissions: { ...before.permissions, ...permissions } };
    this.emit('change');
    const ok = await this.#act({ type: 'set-permissions', permissions });
    if (!ok) {
      this.meetingState = before;
      this.emit('change');
    }
    return ok;
  }
  spotlight(participantId: string | null) {
    return this.#act({ type: 'spotlight', participantId });
  }
  lowerAllHands() {
    return this.#act({ type: 'lower-all-hands' });
  }

  // ---- sharing ----
  get screenTrack(): MediaStreamTrack | undefined {
    return this.#screenTrack;
  }

  /**
   * Asks the browser for a screen, window or tab (with the tab's sound where the browser
   * offers it) and shows it to everyone.
   */
  async startShare(): Promise<void> {
    if (this.#screenTrack || !navigator.mediaDevices?.getDisplayMedia) return;
    let stream: MediaStream;
    try {
      stream = await navigator.mediaDevices.getDisplayMedia({ video: true, audio: true });
    } catch {
      return; // the person cancelled the browser's picker
    }
    const track = stream.getVideoTracks()[0];
    if (!track) return;
    this.#screenTrack = track;
    this.#screenAudioTrack = stream.getAudioTracks()[0];
    // Stopping from the browser's own "stop sharing" bar ends the share for everyone too.
    track.onended = () => void this.stopShare();
    try {
      await this.#attachScreen(track, this.#screenAudioTrack);
    } catch (err) {
      console.warn('amphi: could not add the screen', err);
    }
    if (!(await this.#act({ type: 'share-start' }))) await this.#dropScreen();
    this.emit('change');
  }

  async stopShare(): Promise<void> {
    if (!this.#screenTrack) return;
    await this.#dropScreen();
    await this.#act({ type: 'share-stop' });
    this.emit('change');
  }

  async #dropScreen(): Promise<void> {
    const tracks = [this.#screenTrack, this.#screenAudioTrack];
    this.#screenTrack = undefined;
    this.#screenAudioTrack = undefined;
    for (const track of tracks) {
      if (!track) continue;
      track.onended = null;
      track.stop();
    }
    await this.#senders.screen?.replaceTrack(null).catch(() => {});
    await this.#senders.screenAudio?.replaceTrack(null).catch(() => {});
  }

  /**
   * Puts the screen (and its sound) on the live publisher connection: on the m-lines an
   * earlier share left, else renegotiated with new ones.
   */
  async #attachScreen(video: MediaStreamTrack, audio: MediaStreamTrack | undefined): Promise<void> {
    const pc = this.#publisher;
    // Nothing published yet: the first publish carries the screen (#publish adds #screenTrack).
    if (!pc) return this.#ensurePublisher();
    if (this.#senders.screen && (!audio || this.#senders.screenAudio)) {
      await this.#senders.screen.replaceTrack(video);
      await this.#senders.screenAudio?.replaceTrack(audio ?? null);
      return;
    }
    // A renegotiation is accepted only on a connection that is up: the first publish may still be
    // on its way (someone shares right after joining), so wait for it rather than be refused.
    await this.#publishing;
    await connected(pc);
    if (this.#publisher !== pc) return this.#ensurePublisher();
    const stream = new MediaStream(audio ? [video, audio] : [video]);
    let screen = pc.getTransceivers().find((t) => t.sender === this.#senders.screen);
    if (screen) await screen.sender.replaceTrack(video);
    else screen = pc.addTransceiver(video, { direction: 'sendonly', streams: [stream] });
    this.#senders.screen = screen.sender;
    const sound = audio ? pc.addTransceiver(audio, { direction: 'sendonly', streams: [stream] }) : undefined;
    if (sound) this.#senders.screenAudio = sound.sender;
    await pc.setLocalDescription(await pc.createOffer());
    const reply = await this.#signaling.request(
      { type: 'publish', sdp: pc.localDescription!.sdp, screenMid: screen.mid ?? undefined, ...(sound?.mid ? { screenAudioMid: sound.mid } : {}) },
      'publish-answer',
    );
    await pc.setRemoteDescription({ type: 'answer', sdp: reply.sdp });
  }

  // ---- polls ----
  launchPoll(poll: PollDraft) {
    return this.#act({ type: 'poll-launch', poll });
  }
  async vote(pollId: string, choices: number[]): Promise<boolean> {
    const ok = await this.#act({ type: 'poll-vote', pollId, choices });
    if (ok) {
      this.voted.add(pollId);
      this.emit('change');
    }
    return ok;
  }
  closePoll(pollId: string) {
    return this.#act({ type: 'poll-close', pollId });
  }
  sharePoll(pollId: string) {
    return this.#act({ type: 'poll-share', pollId });
  }

  // ---- cloud recording ----
  get mayRecord(): boolean {
    return this.staff && this.isModerator;
  }
  startRecording() {
    return this.#act({ type: 'recording-start' });
  }
  stopRecording() {
    return this.#act({ type: 'recording-stop' });
  }
  pauseRecording(paused: boolean) {
    return this.#act({ type: 'recording-pause', paused });
  }

  // ---- local recording (in this browser) ----
  #localRecorder: LocalRecorder | undefined;
  get mayRecordLocally(): boolean {
    return LocalRecorder.supported() && (this.isModerator || this.meetingState.permissions.allowLocalRecording);
  }
  get recordingLocally(): boolean {
    return this.#localRecorder?.active ?? false;
  }
  /** Everyone's sound as this browser hears it, and our own microphone. */
  #heardTracks(): MediaStreamTrack[] {
    const tracks = [...this.remotes.values()].flatMap((r) => [r.audioTrack, r.screenAudioTrack]).filter((t): t is MediaStreamTrack => t !== undefined);
    const mic = this.opts.localStream.getAudioTracks()[0];
    if (mic && this.audioOn) tracks.push(mic);
    return tracks;
  }
  /** Records the meeting on this computer; everyone is told (hosts must allow it for participants). */
  async startLocalRecording(): Promise<void> {
    if (this.#localRecorder?.active) return;
    if (!(await this.#act({ type: 'local-recording', active: true }))) return;
    const recorder = new LocalRecorder();
    recorder.onEnded = () => void this.stopLocalRecording();
    this.#localRecorder = recorder;
    if (!(await recorder.start(this.#heardTracks()))) {
      this.#localRecorder = undefined;
      await this.#act({ type: 'local-recording', active: false });
    }
    this.emit('change');
  }
  async stopLocalRecording(): Promise<void> {
    const recorder = this.#localRecorder;
    this.#localRecorder = undefined;
    if (!recorder) return;
    const file = await recorder.stop();
    if (this.state === 'joined') await this.#act({ type: 'local-recording', active: false });
    if (file) this.emit('localRecording', file.blob, file.extension);
    this.emit('change');
  }

  // ---- breakout rooms ----
  /** The room we are in (null: the main room). */
  get room(): string | null {
    return this.self?.room ?? null;
  }
  roomName(roomId: string | null): string | undefined {
    return roomId === null ? undefined : this.breakouts.rooms.find((r) => r.id === roomId)?.name;
  }
  setBreakoutRooms(names: string[]) {
    return this.#act({ type: 'breakout-rooms', rooms: names.map((name) => ({ name, id: this.breakouts.rooms.find((r) => r.name === name)?.id })) });
  }
  assignBreakout(participantId: string, roomId: string | null) {
    return this.#act({ type: 'breakout-assign', participantId, roomId });
  }
  shuffleBreakouts() {
    return this.#act({ type: 'breakout-shuffle' });
  }
  openBreakouts(seconds: number | null, allowChoose: boolean) {
    return this.#act({ type: 'breakout-open', seconds, allowChoose });
  }
  closeBreakouts(countdown?: number) {
    return this.#act({ type: 'breakout-close', ...(countdown !== undefined ? { countdown } : {}) });
  }
  enterRoom(roomId: string | null) {
    return this.#act({ type: 'breakout-enter', roomId });
  }
  askForHelp() {
    return this.#act({ type: 'breakout-help' });
  }
  messageAllRooms(text: string) {
    return this.#act({ type: 'breakout-broadcast', text });
  }

  // ---- everyone ----
  /**
   * Tells the server whose videos this screen shows (it subscribes us to those only) and which of
   * them are shown large (they come in a camera's best layer, the others in its small one).
   */
  setView(videos: string[], large?: string[]) {
    this.#wantedView = { videos: videos.slice(0, 49), large: large?.slice(0, 49) };
    return this.#sendView();
  }

  /** What the downlink carries now (see ReceiveQuality): the UI says when video is paused. */
  /** What our camera sends: every layer, or the small one only while our uplink is weak. */
  get sendLevel(): SendLevel {
    return this.#sendQuality.level;
  }

  get receiveLevel(): ReceiveLevel {
    return this.#receiveQuality.level;
  }

  /** The UI's view, capped by what the downlink carries: small layers only, or no video at all. */
  #sendView() {
    const wanted = this.#wantedView ?? { videos: [], large: undefined };
    const level = this.#receiveQuality.level;
    const videos = level === 'audio-only' ? [] : wanted.videos;
    const large = level === 'full' ? wanted.large : [];
    return this.#act({ type: 'set-view', videos, ...(large ? { large } : {}) });
  }

  #receiveLevelChanged(level: ReceiveLevel, before: ReceiveLevel): void {
    console.info(`amphi: downlink: ${before} → ${level}`, JSON.stringify(this.#lastSamples));
    if (!this.#wantedView) return;
    void this.#sendView();
    if (level === 'audio-only') this.emit('notice', 'notice.videoPausedWeak');
    else if (before === 'audio-only') this.emit('notice', 'notice.videoBack');
    this.emit('change');
  }

  /** Every RECEIVE_SAMPLE_MS: how the videos we should be receiving are doing (frame rate, loss). */
  async #sampleReceived(): Promise<void> {
    const pc = this.#subscriber;
    if (this.state !== 'joined' || this.connection.kind !== 'connected') return;
    const shown = new Set(this.#receiveQuality.level === 'audio-only' ? [] : (this.#wantedView?.videos ?? []));
    const expected = new Map<string, string>();
    for (const [id, r] of this.remotes) if (r.videoTrack && r.info.video && shown.has(id)) expected.set(r.videoTrack.id, id);
    const samples: VideoSample[] = [];
    if (pc && expected.size > 0) {
      const now = performance.now();
      const seen = new Map<string, { at: number; frames: number; lost: number; received: number }>();
      (await pc.getStats()).forEach((s: { type: string; kind?: string; trackIdentifier?: string; framesDecoded?: number; packetsLost?: number; packetsReceived?: number }) => {
        if (s.type !== 'inbound-rtp' || s.kind !== 'video' || !s.trackIdentifier || !expected.has(s.trackIdentifier)) return;
        seen.set(s.trackIdentifier, { at: now, frames: s.framesDecoded ?? 0, lost: s.packetsLost ?? 0, received: s.packetsReceived ?? 0 });
      });
      for (const [track, cur] of seen) {
        const prev = this.#lastVideoStats.get(track);
        // A video seen for the first time (just subscribed), or not started yet (waiting for its
        // first keyframe), has nothing to judge yet.
        if (!prev || prev.frames === 0 || cur.at - prev.at < RECEIVE_SAMPLE_MS / 2) continue;
        const lost = Math.max(0, cur.lost - prev.lost);
        const got = Math.max(0, cur.received - prev.received);
        // Nothing at all arrived: the sender stopped or lost their own network; our downlink is not the cause.
        if (lost + got === 0) continue;
        samples.push({ fps: ((cur.frames - prev.frames) * 1000) / (cur.at - prev.at), loss: lost / (lost + got) });
      }
      this.#lastVideoStats = seen;
    }
    this.#lastSamples = samples;
    this.#receiveQuality.sample(Date.now(), samples);
  }
  /** Our uplink: the browser's own estimate of what it can send (Chromium reports it; Firefox does not). */
  async #sampleSent(): Promise<void> {
    const pc = this.#publisher;
    if (!pc || this.state !== 'joined' || pc.connectionState !== 'connected' || !this.videoOn) return;
    let kbps: number | undefined;
    (await pc.getStats()).forEach((s: { type: string; nominated?: boolean; state?: string; availableOutgoingBitrate?: number }) => {
      if (s.type === 'candidate-pair' && s.nominated && s.state === 'succeeded' && s.availableOutgoingBitrate !== undefined) kbps = s.availableOutgoingBitrate / 1000;
    });
    if (this.#publisher === pc) this.#sendQuality.sample(Date.now(), kbps);
  }

  /** What our camera sends: with the full layer off, the media server forwards the small one to everyone. */
  async #sendLevelChanged(level: SendLevel): Promise<void> {
    const sender = this.#senders.video;
    if (!sender) return;
    const params = sender.getParameters();
    const full = params.encodings?.find((e) => e.rid === CAMERA_LAYERS[0]!.rid);
    if (!full || full.active === (level === 'full')) return;
    full.active = level === 'full';
    await sender.setParameters(params).catch((err) => console.warn('amphi: could not change what the camera sends', err));
    console.info(`amphi: uplink ${level === 'full' ? 'carries every layer again' : 'is weak: the camera sends its small layer only'}`);
    if (level === 'small-only') this.emit('notice', 'notice.sendingLess');
    this.emit('change');
  }

  sendChat(text: string, to: string | null) {
    return this.#act({ type: 'chat-send', text, ...(to ? { to } : {}) });
  }
  raiseHand() {
    return this.#act({ type: 'raise-hand' });
  }
  lowerHand(participantId?: string) {
    return this.#act({ type: 'lower-hand', ...(participantId ? { participantId } : {}) });
  }
  react(reaction: Reaction) {
    return this.#act({ type: 'react', reaction });
  }

  /** Sends a request; a refusal becomes a notice (and resolves false). */
  async #act(message: Parameters<SignalingClient['request']>[0]): Promise<boolean> {
    try {
      await this.#signaling.request(message, 'ok');
      return true;
    } catch (err) {
      this.emit('notice', err instanceof SignalingError ? 'error.' + err.code : 'error.generic');
      return false;
    }
  }

  /** Everyone in the meeting, us included. */
  everyone(): ParticipantInfo[] {
    return [...(this.self ? [this.self] : []), ...[...this.remotes.values()].map((r) => r.info)];
  }

  nameOf(participantId: string): string {
    return participantId === this.self?.id ? this.self.name : (this.remotes.get(participantId)?.info.name ?? '');
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
    const turningOn = kind === 'audio' ? this.audioOn : this.videoOn;
    // Ask first when turning on: the host may not allow participants to unmute.
    if (turningOn && this.state === 'joined') {
      try {
        await this.#signaling.request({ type: 'set-media', audio: this.audioOn, video: this.videoOn }, 'ok');
      } catch (err) {
        if (kind === 'audio') this.audioOn = false;
        else this.videoOn = false;
        this.emit('notice', err instanceof SignalingError ? 'error.' + err.code : 'error.generic');
        this.emit('change');
        return;
      }
    }
    await this.#setLocalTrack(kind, turningOn);
    if (!turningOn && this.state === 'joined') {
      await this.#signaling.request({ type: 'set-media', audio: this.audioOn, video: this.videoOn }, 'ok').catch(() => {});
    }
  }

  /** Starts or stops sending one kind of media from this browser (replaceTrack(null) sends nothing). */
  async #setLocalTrack(kind: 'audio' | 'video', on: boolean): Promise<void> {
    const track = kind === 'audio' ? this.opts.localStream.getAudioTracks()[0] : this.opts.localStream.getVideoTracks()[0];
    if (on && !this.#publisher) {
      // The first device turned on: publish now, with this track already on.
      if (track) track.enabled = true;
      try {
        await this.#ensurePublisher();
      } catch (err) {
        console.warn('amphi: publishing failed', err);
        this.emit('notice', 'notice.mediaFailed');
      }
    }
    const sender = this.#senders[kind];
    if (track) track.enabled = on;
    if (sender) await sender.replaceTrack(on ? (track ?? null) : null);
    if (this.self) this.self = { ...this.self, audio: this.audioOn, video: this.videoOn };
    this.emit('change');
  }

  /** A host turned our microphone or camera off: the server already stopped relaying it. */
  async #muteLocally(kind: 'audio' | 'video'): Promise<void> {
    if (kind === 'audio') this.audioOn = false;
    else this.videoOn = false;
    await this.#setLocalTrack(kind, false);
  }

  /** Leaves the meeting (others see the tile go), or the waiting room. */
  async leave(): Promise<void> {
    if (this.state === 'joined' || this.state === 'waiting') await this.#signaling.request({ type: 'leave' }, 'ok', 3_000).catch(() => {});
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
    this.#reconnection.stop();
    this.#mediaRecovery.stop();
    clearInterval(this.#receiveSampler);
    // A recording in this browser is finished and saved, whatever ended the meeting for us.
    void this.stopLocalRecording();
    void this.#dropScreen();
    this.#closeMedia();
    for (const track of this.opts.localStream.getTracks()) track.stop();
    this.#signaling.close();
  }

  #onMessage(m: ServerMessage): void {
    if (this.stage.handle(m)) return;
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
          if (remote) {
            if (m.participant.hand !== null && remote.info.hand === null && this.isModerator) this.emit('notice', 'notice.handRaised', { name: m.participant.name });
            remote.info = m.participant;
          }
        }
        this.emit('change');
        break;
      case 'joined':
        // Admitted from the waiting room; or, already in, the whole picture again after a resume
        // that missed too much (the server builds our media anew with it).
        if (this.state === 'joined') {
          this.#forgetMeeting();
          this.#mediaRecovery.trouble('reset');
        }
        void this.#onJoined(m);
        break;
      case 'resumed':
        break;
      case 'restarting':
        // The connection closes next (1012) and Reconnection brings us back.
        this.serverRestarting = true;
        this.emit('change');
        break;
      case 'waiting':
        break;
      case 'waiting-list': {
        const before = new Set(this.waiting.map((w) => w.id));
        this.waiting = m.waiting;
        for (const w of m.waiting) if (!before.has(w.id)) this.emit('someoneWaiting', w);
        this.emit('change');
        break;
      }
      case 'meeting-state':
        if (m.state.recording.active !== this.meetingState.recording.active) this.emit('notice', m.state.recording.active ? 'notice.recordingStarted' : 'notice.recordingStopped');
        this.meetingState = m.state;
        this.emit('change');
        break;
      case 'moderated':
        if (m.action === 'muted') {
          void this.#muteLocally('audio');
          this.emit('notice', 'notice.mutedByHost', { name: m.by });
        } else if (m.action === 'share-stopped') {
          void this.#dropScreen().then(() => this.emit('change'));
          this.emit('notice', 'notice.shareTakenOver', { name: m.by });
        } else if (m.action === 'video-stopped') {
          void this.#muteLocally('video');
          this.emit('notice', 'notice.videoStoppedByHost', { name: m.by });
        } else {
          this.emit('unmuteRequested', m.by);
        }
        break;
      case 'chat':
        this.chat.push(m.message);
        this.emit('chat', m.message);
        this.emit('change');
        break;
      case 'reaction':
        this.emit('reaction', m.participantId, m.reaction);
        break;
      case 'poll': {
        const isNew = !this.polls.has(m.poll.id);
        this.polls.set(m.poll.id, m.poll);
        if (isNew && m.poll.status === 'open') this.emit('pollOpened', m.poll);
        this.emit('change');
        break;
      }
      case 'poll-results':
        this.pollResults.set(m.results.pollId, m.results);
        this.emit('change');
        break;
      case 'speaking':
        if (m.speaking) {
          this.speaking.add(m.participantId);
          if (m.participantId !== this.self?.id) this.lastSpeaker = m.participantId;
        } else this.speaking.delete(m.participantId);
        this.emit('change');
        break;
      case 'denied':
        this.#setState('denied');
        this.#shutdown();
        break;
      case 'removed':
        this.#setState('removed');
        this.#shutdown();
        break;
      case 'participant-left': {
        const remote = this.remotes.get(m.participantId);
        this.remotes.delete(m.participantId);
        this.speaking.delete(m.participantId);
        if (this.lastSpeaker === m.participantId) this.lastSpeaker = undefined;
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
        this.redirectUrl = m.redirectUrl;
        this.#setState('ended');
        this.#shutdown();
        break;
      case 'media-reset':
        void this.#resetMedia();
        break;
      case 'breakouts':
        this.breakouts = m.state;
        this.emit('change');
        break;
      case 'room-changed':
        // Another room: its own people, media and chat.
        if (this.self) this.self = { ...this.self, room: m.room };
        // The server stopped our share with the move; the media reset that follows is expected.
        void this.#dropScreen();
        this.#movingRooms = true;
        this.chat.length = 0;
        this.chat.push(...m.chat);
        this.emit('notice', m.room === null ? 'notice.backInMainRoom' : 'notice.inBreakoutRoom', { name: this.roomName(m.room) ?? '' });
        this.emit('change');
        break;
      case 'breakout-help':
        this.emit('notice', 'notice.breakoutHelp', { name: m.name, room: this.roomName(m.roomId) ?? '' });
        this.emit('breakoutHelp', m.participantId, m.roomId);
        break;
      case 'breakout-message':
        this.emit('breakoutMessage', m.from, m.text);
        break;
      case 'error':
        // Unsolicited errors (e.g. the media server is unavailable).
        this.emit('notice', 'error.' + m.code);
        break;
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
      if (pc.connectionState === 'failed' && this.#publisher === pc) this.#checkMedia();
    };
    // Always negotiate one audio and one video m-line, so turning the other device on later needs no renegotiation.
    for (const kind of ['audio', 'video'] as const) {
      const track = kind === 'audio' ? this.opts.localStream.getAudioTracks()[0] : this.opts.localStream.getVideoTracks()[0];
      const on = kind === 'audio' ? this.audioOn : this.videoOn;
      const transceiver = pc.addTransceiver(track ?? kind, { direction: 'sendonly', streams: [this.opts.localStream], ...(kind === 'video' ? { sendEncodings: CAMERA_LAYERS } : {}) });
      this.#senders[kind] = transceiver.sender;
      if (track && !on) await transceiver.sender.replaceTrack(null);
    }
    // Sharing when the media server restarted: the screen comes back with the rest.
    let screenTransceiver: RTCRtpTransceiver | undefined;
    let screenAudioTransceiver: RTCRtpTransceiver | undefined;
    if (this.#screenTrack) {
      const screenStream = new MediaStream([this.#screenTrack, ...(this.#screenAudioTrack ? [this.#screenAudioTrack] : [])]);
      screenTransceiver = pc.addTransceiver(this.#screenTrack, { direction: 'sendonly', streams: [screenStream] });
      this.#senders.screen = screenTransceiver.sender;
      if (this.#screenAudioTrack) {
        screenAudioTransceiver = pc.addTransceiver(this.#screenAudioTrack, { direction: 'sendonly', streams: [screenStream] });
        this.#senders.screenAudio = screenAudioTransceiver.sender;
      }
    }
    const offer = await pc.createOffer();
    await pc.setLocalDescription(offer);
    const reply = await this.#signaling.request(
      {
        type: 'publish',
        sdp: pc.localDescription!.sdp,
        ...(screenTransceiver?.mid ? { screenMid: screenTransceiver.mid } : {}),
        ...(screenAudioTransceiver?.mid ? { screenAudioMid: screenAudioTransceiver.mid } : {}),
      },
      'publish-answer',
    );
    if (epoch !== this.#mediaEpoch) return;
    await pc.setRemoteDescription({ type: 'answer', sdp: reply.sdp });
    answered = true;
    this.#sendQuality.published(Date.now());
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
      created.onconnectionstatechange = () => {
        if (created.connectionState === 'failed' && this.#subscriber === created) this.#checkMedia();
      };
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
    queueMicrotask(() => this.#localRecorder?.setAudio(this.#heardTracks()));
    const pc = this.#subscriber;
    for (const remote of this.remotes.values()) {
      remote.audioTrack = undefined;
      remote.videoTrack = undefined;
      remote.screenTrack = undefined;
      remote.screenAudioTrack = undefined;
    }
    if (pc) {
      for (const t of pc.getTransceivers()) {
        const stream = t.mid ? this.#streams.get(t.mid) : undefined;
        const remote = stream ? this.remotes.get(stream.participantId) : undefined;
        if (!stream || !remote || t.currentDirection === 'inactive' || t.currentDirection === 'stopped') continue;
        if (stream.kind === 'audio') remote.audioTrack = t.receiver.track;
        else if (stream.kind === 'screen') remote.screenTrack = t.receiver.track;
        else if (stream.kind === 'screen-audio') remote.screenAudioTrack = t.receiver.track;
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
    const moving = this.#movingRooms;
    this.#movingRooms = false;
    this.#closeMedia();
    this.#assignTracks();
    // Not news when moving rooms; otherwise the media server restarted: the banner says media is being restored.
    if (!moving) this.#mediaRecovery.trouble('reset');
    this.#publishing = undefined;
    try {
      await this.#publishIfSending();
    } catch (err) {
      console.warn('amphi: re-publishing failed', err);
    }
  }

  /** Drops what we knew of the meeting before a fresh `joined` (media included: it is rebuilt). */
  #forgetMeeting(): void {
    this.#mediaEpoch++;
    this.#closeMedia();
    this.#publishing = undefined;
    this.remotes.clear();
    this.chat.length = 0;
    this.polls.clear();
    this.pollResults.clear();
    this.speaking.clear();
    this.lastSpeaker = undefined;
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

/** This browser's id for meetings, kept in localStorage (how a removed person is recognised). */
export function clientIdOf(storage: Pick<Storage, 'getItem' | 'setItem'>): string {
  let id = storage.getItem('amphi.clientId');
  if (!id || !/^[A-Za-z0-9_-]{16,64}$/.test(id)) {
    const bytes = new Uint8Array(18);
    crypto.getRandomValues(bytes);
    id = btoa(String.fromCharCode(...bytes)).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
    storage.setItem('amphi.clientId', id);
  }
  return id;
}

/** Resolves once the connection is up (or has closed or failed: the caller goes on, and may be refused). */
function connected(pc: RTCPeerConnection, timeoutMs = 20_000): Promise<void> {
  const settled = () => pc.connectionState === 'connected' || pc.connectionState === 'failed' || pc.connectionState === 'closed';
  if (settled()) return Promise.resolve();
  return new Promise((resolve) => {
    const timer = setTimeout(done, timeoutMs);
    function done() {
      clearTimeout(timer);
      pc.removeEventListener('connectionstatechange', check);
      resolve();
    }
    function check() {
      if (settled()) done();
    }
    pc.addEventListener('connectionstatechange', check);
  });
}

function failedConnection(pc: RTCPeerConnection | undefined): boolean {
  return pc !== undefined && (pc.connectionState === 'failed' || pc.iceConnectionState === 'failed');
}
