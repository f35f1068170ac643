import crypto from 'node:crypto';
import { CLOSE_CODES, type IceServer, type MeetingState, type ServerMessage, type SubscribedStream, type WaitingPerson } from '@amphi/protocol';
import { AppError } from '../errors.ts';
import { withTimeout } from '../withTimeout.ts';
import type { Logger } from '../Logger.ts';
import type { AttendanceLog } from '../ports/AttendanceLog.ts';
import type { DocumentStore } from '../ports/DocumentStore.ts';
import type { MediaBackend, MediaPeer, MediaRoom, ScreenMids, StreamRef, SubscribedMedia } from '../ports/MediaBackend.ts';
import type { ParticipantChannel } from '../ports/ParticipantChannel.ts';
import { Chat } from './Chat.ts';
import type { MeetingPolicy, MeetingSettings } from './MeetingSettings.ts';
import { Moderation } from './Moderation.ts';
import { Polls } from './Polls.ts';
import { Annotations } from './Annotations.ts';
import { Documents } from './Documents.ts';
import { Stage } from './Stage.ts';
import { Breakouts } from './Breakouts.ts';
import { normaliseName } from './names.ts';
import { CloudRecording } from './CloudRecording.ts';
import type { CloudRecorder } from '../ports/CloudRecorder.ts';
import { hashCredential, Participant } from './Participant.ts';
import { assertModerator, isModerator } from './permissions.ts';
import { Subscription } from './Subscription.ts';
import { SNAPSHOT_VERSION, type MeetingSnapshot } from './MeetingSnapshot.ts';
import type { MeetingContext, MeetingEvents } from './MeetingContext.ts';
import { TypedEmitter } from '../TypedEmitter.ts';

const PEER_READY_TIMEOUT_MS = 20_000;
/** How long a renegotiation waits for the first publish's connection to come up. */
const PUBLISH_UP_WAIT_MS = 5_000;
/** Videos a participant receives until their client says which it shows (a gallery page). */
export const DEFAULT_VIDEOS = 25;
/** Most videos one participant may ask for (the largest gallery page). */
export const MAX_VIDEOS = 49;
/**
 * Muted microphones whose m-line others keep (the most recently unmuted first), so that a few
 * people taking turns to speak do not renegotiate everyone each time. Someone who never unmuted
 * is in nobody's subscription: a lecture's muted audience costs each viewer nothing.
 */
export const QUIET_AUDIO_LINES = 16;
/**
 * A connection that sent something this recently is alive: a resume for its participant is a
 * second tab, not a comeback (a client resumes only after 6 s without hearing from the server).
 */
export const LIVE_CONNECTION_MS = 3_000;
/** How long a participant whose connection dropped keeps their place (AMPHI_RESUME_GRACE_S). */
export const DEFAULT_RESUME_GRACE_S = 60;

export interface JoinInput {
  name: string;
  userId: string | undefined;
  clientId: string | undefined;
  /** The browser by the credential Amphi gave it (a cookie; undefined without a valid one). */
  browser?: string | undefined;
  passcode: string | undefined;
  /** Where the join comes from (the client's IP address, as the HTTP layer sees it), for the passcode's limits. */
  address?: string | undefined;
  audio: boolean;
  video: boolean;
  channel: ParticipantChannel;
  /** The account's email (signed-in people), to find them in the breakout plan. */
  email?: string | undefined;
  /** The secret of their personal invitation link, if they came by one. */
  invite?: string | undefined;
  /** Their account is staff. */
  isStaff?: boolean | undefined;
  /** Their account holds a host licence: the organiser hosts only with one (unknown: yes). */
  licensed?: boolean | undefined;
  /** A one-use join ticket (BBB API `join`); MeetingRegistry redeems it and fills in what follows. */
  ticket?: string | undefined;
  /** Overrides the meeting's waiting-room rule for this person (a join ticket decides). */
  waitingRoom?: boolean | undefined;
  /** The calling system's id for them (BBB `userID`). */
  externalUserId?: string | undefined;
  /** Request id of the join, repeated in the `joined` / `waiting` reply. */
  rid: number | undefined;
  /** Called when the person becomes a participant (at once, or when admitted from the waiting room). */
  onParticipant: (p: Participant, meeting: LiveMeeting) => void;
}

/** Someone in the waiting room: they receive nothing of the meeting until admitted. */
interface Waiter {
  id: string;
  since: Date;
  input: JoinInput;
}

export type JoinResult = { kind: 'joined'; participant: Participant } | { kind: 'waiting'; waiterId: string };

/** What the meeting is, as stored: enough to run it. */
export interface MeetingRecordForLive {
  id: string;
  title: string;
  ownerId: string;
  settings: MeetingSettings;
}

/**
 * A meeting while people are in it: who is there and who is waiting, what they send, and the
 * media room that carries them. It owns its participants, waiting people and media room; host
 * actions live in Moderation, chat and reactions in Chat. Close paths run children first.
 */
export class LiveMeeting implements MeetingContext {
  readonly id: string;
  readonly title: string;
  readonly ownerId: string;
  readonly moderation: Moderation;
  readonly chat: Chat;
  readonly polls: Polls;
  readonly stage: Stage;
  readonly documents: Documents;
  readonly annotations: Annotations;
  readonly breakouts: Breakouts;
  readonly recording: CloudRecording;
  readonly #participants = new Map<string, Participant>();
  readonly #waiting = new Map<string, Waiter>();
  /** clientIds and userIds of people removed by a host (also kept in storage by the caller). */
  readonly #banned: Set<string>;
  readonly state: MeetingState;
  #settings: MeetingSettings;
  /** The media rooms: "main", and one per open breakout room (by its id). */
  readonly #rooms = new Map<string, Promise<MediaRoom>>();
  #generation = 0;
  /** Counts microphones turned on, to know who unmuted most recently (Participant.unmutedSeq). */
  #unmuteCount = 0;
  #ended = false;
  /** Why and where to, once ended for everyone (those reconnecting learn it when they resume). */
  endedWith: { reason: 'ended-by-host' | 'server-shutdown'; redirectUrl: string | null } | undefined;
  /** Browsers (clientIds) a host let in from the waiting room this session: they are not sent back to it. */
  readonly #admittedBrowsers = new Set<string>();
  /**
   * Browsers (clientIds) whose connection dropped while they waited to be let in: since when they
   * waited, and until when that place is kept (the grace period). Back in time, they wait from then.
   */
  readonly #waitedSince = new Map<string, { since: Date; until: number }>();
  /** The last resume credentials (hashed) of those who left: presenting one is "too late", not a forgery. */
  readonly #departed = new Set<string>();
  #closed = false;
  /** Whether this session has its attendance row (someone got in or waited). */
  #begun = false;
  readonly #log: Logger;
  /** This time the meeting is live (the attendance report's unit; kept across a server restart). */
  sessionId: string = crypto.randomUUID();
  /**
   * Called whenever something that a snapshot holds may have changed (every broadcast, arrival,
   * departure): the registry writes the snapshot to storage soon after. Set by the registry.
   */
  onChanged: (meeting: LiveMeeting) => void = () => {};
  /** What happens to the meeting's media, for the parts that follow it (the cloud recording). */
  readonly events = new TypedEmitter<MeetingEvents>();
  /** Attendance writes, in order (a stay must follow its session's row). */
  #attendanceQueue: Promise<void> = Promise.resolve();

  constructor(
    record: MeetingRecordForLive,
    private readonly media: MediaBackend,
    private readonly policy: MeetingPolicy,
    private readonly iceServers: IceServer[],
    banned: Iterable<string>,
    private readonly onBan: (meetingId: string, keys: string[]) => void,
    log: Logger,
    private readonly onClosed: (meeting: LiveMeeting) => void,
    private readonly attendance?: AttendanceLog,
    /** Where uploaded documents are kept; without one, nobody can upload. */
    readonly documentStore?: DocumentStore,
    /** Keeps cloud recordings; without one, recording is unavailable. */
    recorder?: CloudRecorder,
  ) {
    this.id = record.id;
    this.title = record.title;
    this.ownerId = record.ownerId;
    this.#settings = record.settings;
    this.#banned = new Set(banned);
    this.#log = log.child({ meeting: record.id });
    const s = record.settings;
    this.state = {
      locked: false,
      spotlight: null,
      permissions: { allowUnmute: s.allowUnmute, allowChat: s.allowChat, allowShare: s.allowShare, allowRename: s.allowRename, allowAnnotate: true, multiShare: false, allowLocalRecording: false },
      presentation: null,
      recording: { active: false, startedAt: null, paused: false },
    };
    this.moderation = new Moderation(this);
    this.chat = new Chat(this);
    this.polls = new Polls(this);
    this.stage = new Stage(this);
    this.documents = new Documents(this);
    this.annotations = new Annotations(this);
    this.breakouts = new Breakouts(this, normaliseName);
    this.recording = new CloudRecording(this, recorder, () => this.#ensureRoom('main'));
  }

  /**
   * A new session of the meeting starts (the attendance report gets a row for it): when the first
   * person gets in or starts waiting, not when a join is merely tried (a wrong passcode).
   */
  begin(): void {
    if (this.#begun) return;
    this.#begun = true;
    const started = new Date();
    this.#record((log) => log.sessionStarted(this.id, this.sessionId, started));
  }

  /** What of the meeting outlives the process (see MeetingSnapshot). */
  snapshot(): MeetingSnapshot {
    return {
      version: SNAPSHOT_VERSION,
      sessionId: this.sessionId,
      state: structuredClone(this.state),
      unmuteCount: this.#unmuteCount,
      handCounter: this.moderation.handCounter,
      admitted: [...this.#admittedBrowsers],
      waitingSince: [
        ...[...this.#waiting.values()].flatMap((w) => {
          const key = browserKey(w.input);
          return key ? [[key, w.since.getTime()] as [string, number]] : [];
        }),
        ...[...this.#waitedSince].filter(([, kept]) => kept.until > Date.now()).map(([key, kept]) => [key, kept.since.getTime()] as [string, number]),
      ],
      participants: [...this.#participants.values()].map((p) => ({
        id: p.id,
        name: p.name,
        role: p.role,
        userId: p.userId ?? null,
        clientId: p.clientId ?? null,
        browser: p.browser ?? null,
        credentialHash: p.credentialHash,
        audio: p.audio,
        video: p.video,
        hand: p.hand,
        room: p.room,
        isStaff: p.isStaff,
        externalUserId: p.externalUserId ?? null,
        color: p.color,
        joinedAt: p.joinedAt.toISOString(),
        unmutedSeq: p.unmutedSeq,
        cameraUsed: p.cameraUsed,
      })),
      chat: this.chat.snapshot(),
      polls: this.polls.snapshot(),
      documents: this.documents.list(),
      annotations: this.annotations.snapshot(),
      breakouts: this.breakouts.snapshot(),
      recording: this.recording.snapshot(),
    };
  }

  /**
   * The meeting goes on after a restart of the server, from its last snapshot: the same session,
   * state, chat, polls, documents, drawings and breakout rooms, and everyone in it reconnecting
   * (their place kept for the grace period, as after a dropped connection) until they resume.
   * A share comes back when its sharer's browser, which still has the screen, shares it again;
   * local recordings do not survive (the media they ran on is gone). A cloud
   * recording goes on (the registry restores it next: it needs its files).
   */
  restore(s: MeetingSnapshot): void {
    this.sessionId = s.sessionId;
    this.#begun = true;
    Object.assign(this.state, structuredClone(s.state));
    this.state.recording = { active: false, startedAt: null, paused: false };
    this.#unmuteCount = s.unmuteCount;
    this.moderation.handCounter = s.handCounter;
    // Snapshots written before browser credentials named browsers by their bare clientId.
    const keyOf = (stored: string) => (stored.includes(':') ? stored : `client:${stored}`);
    for (const key of s.admitted) this.#admittedBrowsers.add(keyOf(key));
    for (const [key, since] of s.waitingSince) this.#waitedSince.set(keyOf(key), { since: new Date(since), until: Date.now() + this.graceSeconds * 1_000 });
    this.chat.restore(s.chat);
    this.polls.restore(s.polls);
    this.documents.restore(s.documents);
    this.annotations.restore(s.annotations);
    this.breakouts.restore(s.breakouts);
    for (const ps of s.participants) {
      const p = new Participant(ps.name, ps.role, ps.userId ?? undefined, ps.clientId ?? undefined, undefined, { audio: ps.audio, video: ps.video }, ps.id);
      p.restoreCredentialHash(ps.credentialHash);
      p.browser = ps.browser ?? undefined;
      p.needsSnapshot = true;
      p.hand = ps.hand;
      p.room = ps.room;
      p.isStaff = ps.isStaff;
      p.externalUserId = ps.externalUserId ?? undefined;
      p.color = ps.color;
      p.joinedAt = new Date(ps.joinedAt);
      p.unmutedSeq = ps.unmutedSeq;
      p.cameraUsed = ps.cameraUsed;
      p.subscription = new Subscription(p.channel, () => p.peer, () => this.#streamsFor(p), (d) => this.#describe(d), this.#log);
      this.#participants.set(p.id, p);
      this.#startGrace(p);
    }
  }

  #record(write: (log: AttendanceLog) => Promise<void>): void {
    const log = this.attendance;
    if (!log) return;
    this.#attendanceQueue = this.#attendanceQueue
      .then(() => write(log))
      .catch((err) => this.#log.error('could not record attendance', { err: String(err) }));
  }

  /** What the deployment decides for every meeting (administrators change it at run time). */
  get deploymentPolicy(): MeetingPolicy {
    return this.policy;
  }

  get ended(): boolean {
    return this.#ended;
  }

  get size(): number {
    return this.#participants.size;
  }

  get capacity(): number {
    return Math.min(this.policy.capacity, this.#settings.capacity ?? Infinity);
  }

  get log(): Logger {
    return this.#log;
  }

  participants(): Participant[] {
    return [...this.#participants.values()];
  }

  participant(id: string): Participant | undefined {
    return this.#participants.get(id);
  }

  /** The participant whose HTTP credential this is (see Participant.token). */
  participantByToken(token: string): Participant | undefined {
    for (const p of this.#participants.values()) if (timingSafeEqualText(p.token, token)) return p;
    return undefined;
  }

  /** A participant by id, or `meeting.not_participant`. */
  requireParticipant(id: string): Participant {
    const p = this.#participants.get(id);
    if (!p) throw new AppError('meeting.not_participant', 'no such participant in this meeting');
    return p;
  }

  waitingList(): WaitingPerson[] {
    // In the order they came: someone back after a lost connection keeps their place.
    return [...this.#waiting.values()].sort((a, b) => a.since.getTime() - b.since.getTime()).map((w) => ({ id: w.id, name: w.input.name, since: w.since.toISOString() }));
  }

  /**
   * Lets someone in, or into the waiting room, or refuses them with a typed error. The organiser
   * always gets in, as host, while they hold a host licence. Synchronous after the checks on purpose: `joined` reaches the
   * newcomer before any media message can.
   */
  join(input: JoinInput): JoinResult {
    if (this.#ended) throw new AppError('meeting.ended', 'this meeting has ended');
    // An organiser whose licence was revoked comes in as anyone else would.
    const isOwner = input.userId !== undefined && input.userId === this.ownerId && input.licensed !== false;
    if (!isOwner) {
      // A removal is bound to what the server knows: the browser's credential and the account
      // (and, for removals made before credentials, the clientId the page chose).
      const keys = [input.browser && `browser:${input.browser}`, input.userId && `user:${input.userId}`, input.clientId && `client:${input.clientId}`];
      if (keys.some((k) => k && this.#banned.has(k))) throw new AppError('meeting.removed', 'a host removed you from this meeting');
      // Without the credential a removed person could come back by clearing nothing at all.
      if (this.#banned.size > 0 && input.browser === undefined) throw new AppError('meeting.browser_unknown', 'open the meeting link in your browser to join this meeting');
      const passcode = this.#settings.passcode;
      if (passcode) {
        if (!input.passcode) throw new AppError('meeting.passcode_required', 'this meeting has a passcode');
        if (!timingSafeEqualText(input.passcode, passcode)) throw new AppError('meeting.passcode_wrong', 'wrong passcode');
      }
      if (this.state.locked) throw new AppError('meeting.locked', 'the meeting is locked');
      if (this.#participants.size >= this.capacity) throw new AppError('meeting.full', 'the meeting is full');
      // The waiting room holds everyone who is not signed in (or, in its "everyone" mode, all but
      // the co-hosts named in advance), whether or not a host is there yet, except a browser a
      // host already let in this session (back after a lost connection).
      const key = browserKey(input);
      const admittedBefore = key !== undefined && this.#admittedBrowsers.has(key);
      const held = this.#settings.waitingRoom && (input.userId === undefined || (this.#settings.waitingRoomEveryone && !this.#namedCohost(input)));
      if (!admittedBefore && (input.waitingRoom ?? held)) {
        if (this.#waiting.size >= this.capacity) throw new AppError('meeting.full', 'the waiting room is full');
        const waiter: Waiter = { id: crypto.randomUUID(), since: this.#takeWaitedSince(key) ?? new Date(), input };
        this.begin();
        this.#waiting.set(waiter.id, waiter);
        input.channel.send({ type: 'waiting', rid: input.rid, meeting: { id: this.id, title: this.title } });
        this.#notifyWaitingChanged();
        return { kind: 'waiting', waiterId: waiter.id };
      }
    }
    this.begin();
    return { kind: 'joined', participant: this.#admit(input, isOwner) };
  }

  /** A signed-in account the organiser named as co-host in advance (by its email). */
  #namedCohost(input: Pick<JoinInput, 'userId' | 'email'>): boolean {
    return input.userId !== undefined && input.email !== undefined && this.#settings.cohosts.includes(input.email.toLowerCase());
  }

  /** Closes the meeting if nobody is in it or waiting (a join that was refused opened it for nothing). */
  closeIfIdle(): void {
    if (this.#participants.size === 0 && this.#waiting.size === 0) void this.#close();
  }

  #admit(input: JoinInput, isOwner: boolean, id?: string): Participant {
    const audio = input.audio && (isOwner || !this.#settings.muteOnEntry);
    const p = new Participant(input.name, isOwner ? 'host' : this.#namedCohost(input) ? 'cohost' : 'participant', input.userId, input.clientId, input.channel, { audio, video: input.video }, id);
    p.color = this.annotations.nextColor();
    this.#noteSending(p);
    p.isStaff = input.isStaff === true;
    p.browser = input.browser;
    p.externalUserId = input.externalUserId;
    // One host at a time: the organiser coming back takes the role back.
    if (isOwner) {
      for (const other of this.#participants.values()) {
        if (other.role === 'host') {
          other.role = 'cohost';
          this.broadcast({ type: 'participant-updated', participant: other.info() });
        }
      }
    }
    p.subscription = new Subscription(p.channel, () => p.peer, () => this.#streamsFor(p), (s) => this.#describe(s), this.#log);
    this.broadcast({ type: 'participant-joined', participant: p.info() });
    this.#participants.set(p.id, p);
    // Someone the organiser placed in a breakout room goes straight there while the rooms are open.
    p.room = this.breakouts.arrived(p, { name: p.name, email: input.email, invite: input.invite }) ?? null;
    this.#record((log) => log.joined(this.sessionId, { participantId: p.id, name: p.name, role: p.role, userId: p.userId ?? null, at: p.joinedAt }));
    input.onParticipant(p, this);
    p.channel.send(this.#joinedMessage(p, input.rid));
    this.polls.sendResultsTo(p);
    this.annotations.sendStageTo(p);
    this.#openMedia(p);
    return p;
  }

  /** Everything a client needs to show the meeting to `p`, as `joined` carries it. */
  #joinedMessage(p: Participant, rid: number | undefined): ServerMessage {
    return {
      type: 'joined',
      rid,
      meeting: { id: this.id, title: this.title },
      self: p.info(),
      participants: this.participants().filter((o) => o !== p).map((o) => o.info()),
      iceServers: this.iceServers,
      state: this.state,
      chat: this.chat.history(p.room),
      waiting: isModerator(p.role) ? this.waitingList() : [],
      polls: this.polls.views(),
      voted: this.polls.votedBy(p),
      documents: this.documents.list(),
      breakouts: this.breakouts.state(),
      staff: this.recording.accountMayRecord(p),
      token: p.token,
      resume: { credential: p.resumeCredential, graceSeconds: Math.ceil(this.graceSeconds) },
    };
  }

  get graceSeconds(): number {
    return this.policy.resumeGraceSeconds ?? DEFAULT_RESUME_GRACE_S;
  }

  /**
   * `p`'s connection `sink` went away without a leave (a network cut, a proxy reload): their
   * place is kept for the grace period, others see them as reconnecting, and what is said to
   * them meanwhile waits in their outbox. A sink that was already replaced changes nothing.
   */
  disconnected(p: Participant, sink: ParticipantChannel): void {
    if (!p.channel.detach(sink) || p.state === 'left' || this.#ended || !this.#participants.has(p.id)) return;
    this.#startGrace(p);
    this.broadcast({ type: 'participant-updated', participant: p.info() });
  }

  /** p is reconnecting: they keep their place for the grace period, then leave. */
  #startGrace(p: Participant): void {
    p.reconnecting = true;
    clearTimeout(p.graceTimer);
    p.graceTimer = setTimeout(() => {
      if (p.reconnecting) {
        this.#log.info('grace period over: the participant is gone', { participant: p.id });
        this.leave(p);
      }
    }, this.graceSeconds * 1_000);
    p.graceTimer.unref?.();
  }

  /**
   * Someone comes back on a new connection with the resume credential this meeting gave them
   * (in this browser): same participant, role, room and devices. They get `resumed`, then the
   * messages they missed, or a fresh `joined` and new media when those are no longer kept. A
   * connection the participant still had is closed (they moved on), unless it is plainly alive
   * (it spoke within LIVE_CONNECTION_MS: a second tab presenting the credential is refused).
   */
  resume(input: { credential: string; clientId: string; lastSeq: number; sink: ParticipantChannel; rid: number | undefined }): Participant {
    if (this.#ended) throw new AppError('meeting.ended', 'this meeting has ended');
    let p: Participant | undefined;
    for (const candidate of this.#participants.values()) if (candidate.holdsCredential(input.credential)) p = candidate;
    if (!p) {
      if (this.#departed.has(hashCredential(input.credential))) throw new AppError('resume.expired', 'your place in the meeting was not kept; join again');
      throw new AppError('resume.invalid', 'this resume credential is not valid (not from this meeting)');
    }
    // The credential alone is not enough: it works only in the browser it was given to.
    if (p.clientId !== input.clientId) throw new AppError('resume.invalid', 'this resume credential belongs to another browser');
    const previous = p.channel.sink;
    if (previous && (previous.idleMs?.() ?? Infinity) < LIVE_CONNECTION_MS) throw new AppError('resume.invalid', 'this place is in use by a live connection (another tab?)');
    const credential = p.credentialForResume();
    // After a restart the outbox is new: its numbers are not the ones the client counted.
    const snapshot = p.needsSnapshot || !p.channel.canReplayFrom(input.lastSeq);
    p.needsSnapshot = false;
    clearTimeout(p.graceTimer);
    p.graceTimer = undefined;
    input.sink.send({ type: 'resumed', rid: input.rid, credential, snapshot });
    if (previous) {
      p.channel.detach(previous);
      previous.close(CLOSE_CODES.replaced, 'resumed elsewhere');
    }
    if (!p.channel.attach(input.sink, snapshot ? null : input.lastSeq)) {
      // Too much happened meanwhile: the whole picture again, and media built anew with it.
      p.channel.send(this.#joinedMessage(p, undefined));
      this.polls.sendResultsTo(p);
      this.annotations.sendStageTo(p);
      this.rebuildMedia(p, false);
    }
    if (p.reconnecting) {
      p.reconnecting = false;
      this.broadcast({ type: 'participant-updated', participant: p.info() });
    }
    this.#log.info('participant resumed', { participant: p.id, snapshot });
    return p;
  }

  /**
   * The organiser changed the meeting's options while it runs: they apply now. What hosts
   * may toggle live (permissions) follows the new options and everyone is told.
   */
  applySettings(settings: MeetingSettings): void {
    this.#settings = settings;
    Object.assign(this.state.permissions, {
      allowUnmute: settings.allowUnmute,
      allowChat: settings.allowChat,
      allowShare: settings.allowShare,
      allowRename: settings.allowRename,
    });
    this.broadcast({ type: 'meeting-state', state: this.state });
  }

  /** A host or co-host lets someone in ("all": everyone waiting, as far as capacity allows). */
  admit(by: Participant, waiterId: string | 'all'): void {
    assertModerator(by, 'let people in');
    const waiters = waiterId === 'all' ? [...this.#waiting.values()] : [this.#requireWaiter(waiterId)];
    let admitted = 0;
    try {
      for (const w of waiters) {
        if (this.#participants.size >= this.capacity) throw new AppError('meeting.full', 'the meeting is full');
        this.#waiting.delete(w.id);
        this.#admit(w.input, false, w.id);
        const key = browserKey(w.input);
        if (key) this.#admittedBrowsers.add(key);
        admitted++;
      }
    } finally {
      // Also when 'all' stops at the capacity: hosts must see who is still waiting.
      if (admitted > 0) this.#notifyWaitingChanged();
    }
  }

  /** A host or co-host sends someone in the waiting room away. */
  deny(by: Participant, waiterId: string): void {
    assertModerator(by, 'refuse people');
    const w = this.#requireWaiter(waiterId);
    this.#waiting.delete(w.id);
    w.input.channel.send({ type: 'denied' });
    w.input.channel.close(CLOSE_CODES.denied, 'denied');
    this.#notifyWaitingChanged();
  }

  /** Someone left the waiting room by themselves (closed the page). */
  leaveWaiting(waiterId: string): void {
    const w = this.#waiting.get(waiterId);
    if (w) {
      this.#waiting.delete(waiterId);
      this.#keepWaitingPlace(w);
      this.#notifyWaitingChanged();
    }
    if (this.#participants.size === 0 && this.#waiting.size === 0) void this.#close();
  }

  /** A waiter's connection dropped (or Amphi restarts): their place in the queue is kept for the grace period. */
  #keepWaitingPlace(w: Waiter): void {
    const key = browserKey(w.input);
    if (key) this.#waitedSince.set(key, { since: w.since, until: Date.now() + this.graceSeconds * 1_000 });
  }

  #takeWaitedSince(key: string | undefined): Date | undefined {
    const kept = key !== undefined ? this.#waitedSince.get(key) : undefined;
    if (!kept) return undefined;
    this.#waitedSince.delete(key!);
    return kept.until > Date.now() ? kept.since : undefined;
  }

  #requireWaiter(id: string): Waiter {
    const w = this.#waiting.get(id);
    if (!w) throw new AppError('meeting.not_participant', 'nobody with this id is waiting');
    return w;
  }

  #notifyWaitingChanged(): void {
    this.sendToModerators({ type: 'waiting-list', waiting: this.waitingList() });
  }

  /** Keeps a removed person out of this meeting for good. */
  ban(p: Participant): void {
    const keys = [p.browser ? `browser:${p.browser}` : p.clientId ? `client:${p.clientId}` : undefined, p.userId ? `user:${p.userId}` : undefined].filter((k): k is string => k !== undefined);
    for (const key of keys) this.#banned.add(key);
    if (keys.length > 0) this.onBan(this.id, keys);
  }

  /**
   * The browser's publisher offer; resolves with the media server's answer. On a live
   * connection it is a renegotiation (a screen added): the connection stays live.
   */
  async publish(p: Participant, sdp: string, screen?: ScreenMids): Promise<string> {
    const peer = await withTimeout(p.peerReady, PEER_READY_TIMEOUT_MS, 'media', () => new AppError('media.unavailable', 'the media server is not available'));
    if (p.state === 'left') throw new AppError('protocol.out_of_order', 'you have left the meeting');
    // A renegotiation (a screen added) that overtakes the first publish's connection coming up
    // waits for it, a few seconds at most, instead of being refused.
    if (p.state === 'publishing' && p.peer === peer) {
      let stop: () => void = () => {};
      await withTimeout(new Promise<void>((resolve) => (stop = peer.once('publisherUp', () => resolve()))), PUBLISH_UP_WAIT_MS, 'publisher up').catch(() => {});
      stop();
    }
    if (p.state === 'live') {
      const answer = await peer.publish(sdp, { audio: p.audio, video: p.video }, screen);
      for (const other of this.#participants.values()) if (other !== p) other.subscription.refresh();
      this.events.emit('streams');
      return answer;
    }
    if (!p.transition('publishing')) throw new AppError('protocol.out_of_order', `cannot publish while ${p.state}`);
    try {
      return await peer.publish(sdp, { audio: p.audio, video: p.video }, screen);
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

  /** The participant turns their own microphone / camera on or off; everyone is told. */
  async setMedia(p: Participant, sending: { audio: boolean; video: boolean }): Promise<void> {
    if (sending.audio && !p.audio) this.moderation.assertMayUnmute(p);
    if (sending.audio) p.unmuteGranted = false;
    await this.applySending(p, sending);
  }

  /** Applies what a participant sends at the media server and tells everyone (hosts use it too). */
  async applySending(p: Participant, sending: { audio: boolean; video: boolean }): Promise<void> {
    p.audio = sending.audio;
    p.video = sending.video;
    this.#noteSending(p);
    this.broadcast({ type: 'participant-updated', participant: p.info() });
    // A microphone or camera on for the first time (or again, after others' lines moved on)
    // may add an m-line to others' subscriptions; each converges only if its set changed.
    if (p.state === 'live') this.refreshOthers(p);
    if (p.peer && (p.state === 'publishing' || p.state === 'live')) await p.peer.setSending(sending);
  }

  /** Keeps the facts #streamsFor uses about what someone sends or has sent. */
  #noteSending(p: Participant): void {
    if (p.audio) p.unmutedSeq = ++this.#unmuteCount;
    if (p.video) p.cameraUsed = true;
  }

  /** Others in p's room converge on what they should receive now that p changed. */
  refreshOthers(p: Participant, room: string | null = p.room): void {
    for (const other of this.#participants.values()) if (other !== p && other.room === room) other.subscription.refresh();
  }

  /** Whether anything p publishes is in anyone's subscription (or may be). */
  #contributes(p: Participant): boolean {
    return p.unmutedSeq > 0 || p.cameraUsed || p.sharing;
  }

  /** Removes the participant; the meeting closes when nobody is left. Safe to call twice. */
  leave(p: Participant): void {
    if (p.state === 'left' || !this.#participants.has(p.id)) return;
    // Only a live feed is in anyone's subscription: others renegotiate only when one goes.
    const hadFeed = p.state === 'live' && this.#contributes(p);
    p.transition('left');
    this.#departed.add(p.credentialHash);
    clearTimeout(p.graceTimer);
    p.reconnecting = false;
    const leftAt = new Date();
    this.#record((log) => log.left(this.sessionId, { participantId: p.id, name: p.name, role: p.role, at: leftAt }));
    this.#participants.delete(p.id);
    p.subscription.close();
    const peer = p.peer;
    p.peer = undefined;
    void peer?.close();
    // While the meeting is being ended everyone is leaving: no point telling or renegotiating.
    if (!this.#ended) {
      this.broadcast({ type: 'participant-left', participantId: p.id });
      if (hadFeed) this.refreshOthers(p);
      if (this.state.spotlight === p.id) this.moderation.clearSpotlight();
      p.sharing = false;
      this.stage.participantLeft(p);
      this.breakouts.left(p);
      if (p.role === 'host') this.moderation.succeedHost();
    }
    if (this.#participants.size === 0 && this.#waiting.size === 0) void this.#close();
  }

  /** Ends the meeting for everyone (the host only). */
  end(by: Participant): void {
    this.assertMayEnd(by);
    this.terminate('ended-by-host');
  }

  assertMayEnd(by: Participant): void {
    if (by.role !== 'host') throw new AppError('auth.forbidden', 'only the host can end the meeting for everyone');
  }

  /** Sends everyone away with `reason` and closes the meeting. */
  terminate(reason: 'ended-by-host' | 'server-shutdown'): void {
    if (this.#ended) return;
    this.#ended = true;
    const code = reason === 'ended-by-host' ? CLOSE_CODES.meetingEnded : CLOSE_CODES.serverShutdown;
    const redirectUrl = this.#settings.redirectUrl ?? this.policy.redirectUrl;
    this.endedWith = { reason, redirectUrl };
    for (const w of [...this.#waiting.values()]) {
      w.input.channel.send({ type: 'meeting-ended', reason, redirectUrl });
      w.input.channel.close(code, reason);
    }
    this.#waiting.clear();
    for (const p of [...this.#participants.values()]) {
      p.channel.send({ type: 'meeting-ended', reason, redirectUrl });
      p.channel.close(code, reason);
      this.leave(p);
    }
    void this.#close();
  }

  /**
   * Amphi stops to restart: everyone is told to stay on the page. Those waiting to be let in have
   * no place to resume: their page asks to join again once Amphi is back, and they wait again,
   * where they were in the queue.
   */
  suspend(restartCode: number): void {
    for (const w of [...this.#waiting.values()]) {
      this.#keepWaitingPlace(w);
      w.input.channel.send({ type: 'restarting' });
      w.input.channel.close(restartCode, 'Amphi is restarting');
    }
    this.#waiting.clear();
    this.broadcast({ type: 'restarting' });
  }

  /** Closes every participant's connection (not their place: they resume on a new one). */
  disconnectAll(code: number, reason: string): void {
    for (const p of this.#participants.values()) p.channel.sink?.close(code, reason);
  }

  /** The media server went away: every peer and the room are gone. */
  mediaDown(): void {
    this.#generation++;
    this.events.emit('media-lost');
    this.#rooms.clear();
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

  /**
   * What is told to people may be a change the snapshot holds. Who speaks and reactions are
   * not kept: they come many times a second in a lively class and must not cause writes.
   */
  #changed(message: ServerMessage): void {
    if (message.type !== 'speaking' && message.type !== 'reaction') this.onChanged(this);
  }

  changed(): void {
    this.onChanged(this);
  }

  /** Sends to everyone in the meeting, serialized once (it goes to up to hundreds of sockets). */
  broadcast(message: ServerMessage): void {
    this.#changed(message);
    const serialized = JSON.stringify(message);
    for (const p of this.#participants.values()) p.channel.send(message, serialized);
  }

  /** Sends to everyone in one room (null: the main room). */
  broadcastToRoom(room: string | null, message: ServerMessage): void {
    this.#changed(message);
    const serialized = JSON.stringify(message);
    for (const p of this.#participants.values()) if (p.room === room) p.channel.send(message, serialized);
  }

  sendToModerators(message: ServerMessage): void {
    this.#changed(message);
    const serialized = JSON.stringify(message);
    for (const p of this.#participants.values()) if (isModerator(p.role)) p.channel.send(message, serialized);
  }

  #openMedia(p: Participant): void {
    const generation = this.#generation;
    const epoch = p.mediaEpoch;
    p.peerReady = (async () => {
      const room = await this.#ensureRoom(p.room ?? 'main');
      const peer = await room.openPeer(p.name);
      if (p.state === 'left' || generation !== this.#generation || epoch !== p.mediaEpoch) {
        void peer.close();
        throw new AppError('media.unavailable', 'media was reset while opening');
      }
      peer.on('trickle', (target, candidate) => p.channel.send({ type: 'trickle', target, candidate }));
      peer.on('publisherUp', () => {
        if (p.peer !== peer || !p.transition('live')) return;
        // A viewer with microphone and camera off adds nothing to anyone: nobody renegotiates.
        if (this.#contributes(p)) this.refreshOthers(p);
        this.events.emit('streams');
      });
      peer.on('hangup', (target, reason) => this.#log.info('peer connection hung up', { participant: p.id, target, reason }));
      peer.on('talking', (talking) => {
        // A muted microphone relays nothing: a stale "talking" must not light up their tile.
        if (p.peer !== peer || (talking && !p.audio)) return;
        this.broadcast({ type: 'speaking', participantId: p.id, speaking: talking });
        if (talking && p.room === null) this.events.emit('talking', p);
      });
      p.peer = peer;
      p.transition('ready');
      p.subscription.refresh();
      return peer;
    })();
    p.peerReady.catch((err) => {
      if (generation !== this.#generation || epoch !== p.mediaEpoch || p.state === 'left') return;
      this.#log.error('could not open media', { participant: p.id, err: String(err) });
      p.channel.send({ type: 'error', code: 'media.unavailable', message: 'the media server is not available' });
    });
  }

  #ensureRoom(key: string): Promise<MediaRoom> {
    let room = this.#rooms.get(key);
    if (!room) {
      const generation = this.#generation;
      const opening = this.media.openRoom(key === 'main' ? `amphi ${this.id}` : `amphi ${this.id} ${key}`);
      room = opening;
      this.#rooms.set(key, opening);
      opening.catch(() => {
        if (this.#rooms.get(key) === opening && generation === this.#generation) this.#rooms.delete(key);
      });
    }
    return room;
  }

  /**
   * Moves a participant to a breakout room, or back to the main room (null): their media is
   * rebuilt in the other media room (they get `room-changed` and then `media-reset`), the
   * people they leave stop receiving them, and they see the other room's chat.
   */
  moveTo(p: Participant, room: string | null): void {
    if (p.room === room || p.state === 'left' || !this.#participants.has(p.id)) return;
    const hadFeed = p.state === 'live' && this.#contributes(p);
    const before = p.room;
    if (p.sharing) this.stage.stopShare(p);
    this.#dropMedia(p);
    p.room = room;
    if (hadFeed) this.refreshOthers(p, before);
    this.broadcast({ type: 'participant-updated', participant: p.info() });
    p.channel.send({ type: 'room-changed', room, chat: this.chat.history(room) });
    this.annotations.sendStageTo(p);
    this.#openMedia(p);
    p.channel.send({ type: 'media-reset' });
    // A breakout room nobody is in any more frees its media room.
    if (before !== null && ![...this.#participants.values()].some((o) => o.room === before)) {
      const emptied = this.#rooms.get(before);
      this.#rooms.delete(before);
      void emptied?.then((r) => r.close()).catch(() => {});
    }
  }

  /** Closes p's media peer; late results of it are dropped (a new one follows). */
  #dropMedia(p: Participant): void {
    p.mediaEpoch++;
    p.subscription.reset();
    const peer = p.peer;
    p.peer = undefined;
    peer?.removeAllListeners();
    void peer?.close();
    if (p.state !== 'waiting-media') p.transition('waiting-media');
  }

  /**
   * Builds new media for `p` in their room (their browser's connections failed, or they resumed
   * from a snapshot): others stop receiving the old feed and get the new one once it is up. With
   * `notify`, p's client is told to publish again (`media-reset`); a snapshot `joined` says it.
   */
  rebuildMedia(p: Participant, notify: boolean): void {
    if (p.state === 'left' || !this.#participants.has(p.id)) return;
    const hadFeed = p.state === 'live' && this.#contributes(p);
    this.#dropMedia(p);
    if (hadFeed) this.refreshOthers(p);
    this.#openMedia(p);
    if (notify) p.channel.send({ type: 'media-reset' });
  }

  /**
   * What `p` receives: the audio of everyone unmuted (and of the QUIET_AUDIO_LINES most recently
   * unmuted), the video of the people their screen shows who have used their camera (the first
   * DEFAULT_VIDEOS until their client says; the small layer for those shown small), and shared
   * screens. Nobody receives more videos than
   * they show, and people who never turned anything on are in nobody's subscription.
   */
  #streamsFor(p: Participant): StreamRef[] {
    const streams: StreamRef[] = [];
    const quiet: { ref: StreamRef; seq: number }[] = [];
    let defaults = 0;
    for (const other of this.#participants.values()) {
      const feedId = other.peer?.feedId;
      // Each room is its own media room: only its people are heard and seen.
      if (other === p || other.room !== p.room || other.state !== 'live' || feedId === undefined) continue;
      const mids = other.peer!.publishedMids;
      if (mids.audio !== undefined && other.audio) streams.push({ feedId, mid: mids.audio });
      else if (mids.audio !== undefined && other.unmutedSeq > 0) quiet.push({ ref: { feedId, mid: mids.audio }, seq: other.unmutedSeq });
      if (mids.video !== undefined && other.cameraUsed) {
        const shown = p.shownVideos ? p.shownVideos.has(other.id) : defaults++ < DEFAULT_VIDEOS;
        // A thumbnail gets the camera's small layer: a fraction of the bytes, for the media server too.
        if (shown) streams.push({ feedId, mid: mids.video, layer: p.largeVideos && !p.largeVideos.has(other.id) ? 'low' : 'high' });
      }
      // A shared screen (and a shared tab's sound) goes to everyone, whatever page they look at.
      if (other.sharing && mids.screen !== undefined) streams.push({ feedId, mid: mids.screen });
      if (other.sharing && mids.screenAudio !== undefined) streams.push({ feedId, mid: mids.screenAudio });
    }
    quiet.sort((a, b) => b.seq - a.seq);
    for (const q of quiet.slice(0, QUIET_AUDIO_LINES)) streams.push(q.ref);
    return streams;
  }

  /** The participant's client shows these people's videos (a gallery page, the speaker and a strip). */
  setView(p: Participant, videos: string[], large?: string[]): void {
    p.shownVideos = new Set(videos.slice(0, MAX_VIDEOS));
    p.largeVideos = large ? new Set(large.slice(0, MAX_VIDEOS)) : null;
    p.subscription.refresh();
  }

  /** Whose stream a subscribed m-line carries, and whether it is their camera or their screen. */
  #describe(s: SubscribedMedia): SubscribedStream | undefined {
    const owner = this.#byFeed(s.feedId);
    if (!owner) return undefined;
    const mids = owner.peer?.publishedMids;
    const kind = s.kind === 'video' && mids?.screen === s.feedMid ? 'screen' : s.kind === 'audio' && mids?.screenAudio === s.feedMid ? 'screen-audio' : s.kind;
    return { mid: s.mid, participantId: owner.id, kind };
  }

  #byFeed(feedId: number): Participant | undefined {
    for (const p of this.#participants.values()) if (p.peer?.feedId === feedId) return p;
    return undefined;
  }

  async #close(): Promise<void> {
    if (this.#participants.size > 0 || this.#waiting.size > 0 || this.#closed) return;
    this.#closed = true;
    this.#ended = true;
    const endedAt = new Date();
    if (this.#begun) this.#record((log) => log.sessionEnded(this.sessionId, endedAt));
    this.breakouts.dispose();
    this.polls.dispose();
    const rooms = [...this.#rooms.values()];
    this.#rooms.clear();
    this.onClosed(this);
    // The recording ends before its room is destroyed, so that Janus closes the files itself.
    await this.recording.meetingClosed();
    if (this.documentStore) await this.documentStore.removeMeeting(this.id).catch((err) => this.#log.error('could not delete the meeting’s documents', { err: String(err) }));
    await Promise.all(rooms.map((room) => room.then((r) => r.close()).catch(() => {})));
  }
}

/**
 * How the meeting knows a browser again (let in before, its place in the queue): by the
 * credential Amphi gave it, else by the id its page chose (clients that are not a browser page).
 */
function browserKey(input: Pick<JoinInput, 'browser' | 'clientId'>): string | undefined {
  if (input.browser) return `browser:${input.browser}`;
  return input.clientId ? `client:${input.clientId}` : undefined;
}

function timingSafeEqualText(a: string, b: string): boolean {
  const ha = crypto.createHash('sha256').update(a).digest();
  const hb = crypto.createHash('sha256').update(b).digest();
  return crypto.timingSafeEqual(ha, hb);
}
