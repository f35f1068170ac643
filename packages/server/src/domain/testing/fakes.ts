// Test-only helpers for the domain tests: fakes of the ports (CONVENTIONS §6) and a fresh
// "world" (media backend + directory + registry) per test. Not a test file itself.
//
// The fakes record what the domain asked for and answer with synthetic SDP. Every method is
// async like the real adapter's, so the domain's ordering is exercised across promise turns.
import assert from 'node:assert/strict';
import { ServerMessage, type ErrorCode, type IceCandidate, type IceServer, type PeerTarget, type ServerMessageOf } from '@amphi/protocol';
import { AppError } from '../../errors.ts';
import { createLogger } from '../../Logger.ts';
import { TypedEmitter } from '../../TypedEmitter.ts';
import type {
  MediaBackend,
  MediaBackendEvents,
  MediaPeer,
  PublishedMids,
  ScreenMids,
  MediaPeerEvents,
  MediaRoom,
  Sending,
  StreamRef,
  VideoLayer,
  SubscribedMedia,
  SubscriptionOffer,
} from '../../ports/MediaBackend.ts';
import type { BreakoutPlan, MeetingDirectory } from '../../ports/MeetingDirectory.ts';
import type { CloudRecorder } from '../../ports/CloudRecorder.ts';
import type { RecordingManifest } from '../../ports/RecordingProcessor.ts';
import type { ParticipantChannel } from '../../ports/ParticipantChannel.ts';
import type { JoinInput, JoinResult, LiveMeeting, MeetingRecordForLive } from '../LiveMeeting.ts';
import { MeetingRegistry } from '../MeetingRegistry.ts';
import { DEFAULT_MEETING_SETTINGS, type MeetingPolicy, type MeetingSettings } from '../MeetingSettings.ts';
import type { Participant } from '../Participant.ts';

// ---------------------------------------------------------------------------
// Media

export type PeerCall =
  | { method: 'publish'; sdp: string; sending: Sending }
  | { method: 'setSending'; sending: Sending }
  | { method: 'updateSubscription'; add: number[]; remove: number[] }
  | { method: 'setLayers'; streams: string[] }
  | { method: 'restartSubscriberIce' }
  | { method: 'answerSubscription'; sdp: string }
  | { method: 'trickle'; target: PeerTarget; candidate: IceCandidate }
  | { method: 'close' };

/** Every fake publisher sends audio on mid "0" and video on mid "1". */
export const FAKE_MIDS = { audio: '0', video: '1' } as const;

export class FakePeer extends TypedEmitter<MediaPeerEvents> implements MediaPeer {
  feedId: number | undefined;
  publishedMids: PublishedMids = {};
  readonly calls: PeerCall[] = [];
  /** Publisher streams this peer's subscriber receives, as "feed/mid". */
  readonly subscribedStreams = new Set<string>();
  /** The layer each subscribed camera is received in ("feed/mid" → layer; 'high' when unsaid). */
  readonly layers = new Map<string, VideoLayer>();
  #offers = 0;

  constructor(
    readonly backend: FakeMediaBackend,
    readonly room: FakeRoom,
    readonly display: string,
  ) {
    super();
    this.onListenerError = (err) => backend.listenerErrors.push(err);
  }

  async publish(sdp: string, sending: Sending, screen?: ScreenMids): Promise<string> {
    this.calls.push({ method: 'publish', sdp, sending: { ...sending } });
    if (this.backend.refusePublish) throw new AppError('media.negotiation_failed', 'fake refusal');
    this.feedId ??= this.backend.nextFeedId++;
    this.publishedMids = { ...FAKE_MIDS, ...(screen ? { screen: screen.video, ...(screen.audio ? { screenAudio: screen.audio } : {}) } : {}) };
    return `answer to ${sdp}`;
  }

  async setSending(sending: Sending): Promise<void> {
    this.calls.push({ method: 'setSending', sending: { ...sending } });
  }

  /** Feeds this peer's subscriber receives anything from. */
  get subscribed(): Set<number> {
    return new Set([...this.subscribedStreams].map((k) => Number(k.split('/')[0])));
  }

  async updateSubscription(change: { add: StreamRef[]; remove: StreamRef[] }): Promise<SubscriptionOffer | null> {
    // Recorded per feed (what most tests care about); subscribedStreams has the detail.
    const feeds = (refs: StreamRef[]) => [...new Set(refs.map((r) => r.feedId))];
    this.calls.push({ method: 'updateSubscription', add: feeds(change.add), remove: feeds(change.remove) });
    await this.backend.subscriptionGate?.promise;
    for (const s of change.add) {
      this.subscribedStreams.add(`${s.feedId}/${s.mid}`);
      this.layers.set(`${s.feedId}/${s.mid}`, s.layer ?? 'high');
    }
    for (const s of change.remove) {
      this.subscribedStreams.delete(`${s.feedId}/${s.mid}`);
      this.layers.delete(`${s.feedId}/${s.mid}`);
    }
    const streams: SubscribedMedia[] = [...this.subscribedStreams].map((key) => {
      const [feed, feedMid] = key.split('/') as [string, string];
      const feedId = Number(feed);
      const publisher = this.room.peers.find((p) => p.feedId === feedId);
      const audio = feedMid === FAKE_MIDS.audio || feedMid === publisher?.publishedMids.screenAudio;
      return { mid: `s${feedId}-${feedMid}`, feedId, feedMid, kind: audio ? ('audio' as const) : ('video' as const) };
    });
    return { sdp: `subscription offer ${++this.#offers} for ${this.display}`, streams };
  }

  async restartSubscriberIce(): Promise<SubscriptionOffer | null> {
    this.calls.push({ method: 'restartSubscriberIce' });
    if (this.subscribedStreams.size === 0) return null;
    return { sdp: `ice restart offer ${++this.#offers} for ${this.display}`, streams: [] };
  }

  async setLayers(streams: StreamRef[]): Promise<void> {
    this.calls.push({ method: 'setLayers', streams: streams.map((s) => `${s.feedId}/${s.mid}:${s.layer ?? 'high'}`) });
    for (const s of streams) {
      assert.ok(this.subscribedStreams.has(`${s.feedId}/${s.mid}`), 'a layer for a stream not subscribed');
      this.layers.set(`${s.feedId}/${s.mid}`, s.layer ?? 'high');
    }
  }

  async answerSubscription(sdp: string): Promise<void> {
    this.calls.push({ method: 'answerSubscription', sdp });
  }

  async trickle(target: PeerTarget, candidate: IceCandidate): Promise<void> {
    this.calls.push({ method: 'trickle', target, candidate });
  }

  async close(): Promise<void> {
    this.calls.push({ method: 'close' });
  }

  /** The media server reports the publisher PeerConnection up. */
  up(): void {
    assert.notEqual(this.feedId, undefined, 'publisherUp before publish');
    this.emit('publisherUp', this.feedId!);
  }

  callsOf<M extends PeerCall['method']>(method: M): Extract<PeerCall, { method: M }>[] {
    return this.calls.filter((c): c is Extract<PeerCall, { method: M }> => c.method === method);
  }
}

export class FakeRoom implements MediaRoom {
  readonly peers: FakePeer[] = [];
  closeCalls = 0;

  constructor(
    readonly backend: FakeMediaBackend,
    readonly id: number,
    readonly label: string,
  ) {}

  async openPeer(display: string): Promise<MediaPeer> {
    if (!this.backend.available) throw new AppError('media.unavailable', 'fake media server is down');
    const peer = new FakePeer(this.backend, this, display);
    this.peers.push(peer);
    return peer;
  }

  /** Where the room records (null: not recording), and every change asked. */
  recordingDir: string | null = null;
  readonly recordingCalls: (string | null)[] = [];

  async setRecording(dir: string | null): Promise<void> {
    this.recordingCalls.push(dir);
    this.recordingDir = dir;
  }

  async close(): Promise<void> {
    this.closeCalls++;
  }
}

export class FakeMediaBackend extends TypedEmitter<MediaBackendEvents> implements MediaBackend {
  available = true;
  refusePublish = false;
  /** While set, updateSubscription waits for it (to hold a renegotiation in flight). */
  subscriptionGate: Deferred | undefined;
  nextFeedId = 1001;
  readonly rooms: FakeRoom[] = [];
  readonly listenerErrors: unknown[] = [];

  async openRoom(label: string): Promise<MediaRoom> {
    if (!this.available) throw new AppError('media.unavailable', 'fake media server is down');
    const room = new FakeRoom(this, this.rooms.length + 1, label);
    this.rooms.push(room);
    return room;
  }

  async close(): Promise<void> {}

  down(): void {
    this.available = false;
    this.emit('down');
  }

  reset(): void {
    this.available = true;
    this.emit('reset');
  }

  /** Every peer ever opened, in every room. */
  allPeers(): FakePeer[] {
    return this.rooms.flatMap((r) => r.peers);
  }

  /** The fake peer the participant currently holds. */
  peerOf(p: Participant): FakePeer {
    const peer = this.allPeers().find((x) => x === p.peer);
    assert.ok(peer, `${p.name} has no media peer`);
    return peer;
  }
}

// ---------------------------------------------------------------------------
// Channel and directory

export class FakeChannel implements ParticipantChannel {
  readonly sent: ServerMessage[] = [];
  readonly closes: { code: number; reason: string }[] = [];
  readonly sentAfterClose: ServerMessage[] = [];

  send(message: ServerMessage): void {
    // Whatever the domain sends must be a valid wire message.
    const parsed = ServerMessage.safeParse(message);
    assert.ok(parsed.success, `invalid server message ${JSON.stringify(message)}`);
    // A snapshot, as the wire would carry it: the domain sends some live objects (the meeting
    // state) by reference, and a later change must not rewrite what was sent earlier.
    const copy = structuredClone(message);
    if (this.closes.length > 0) this.sentAfterClose.push(copy);
    this.sent.push(copy);
  }

  close(code: number, reason: string): void {
    this.closes.push({ code, reason });
  }

  types(): ServerMessage['type'][] {
    return this.sent.map((m) => m.type);
  }

  ofType<T extends ServerMessage['type']>(type: T): ServerMessageOf<T>[] {
    return this.sent.filter((m): m is ServerMessageOf<T> => m.type === type);
  }

  last<T extends ServerMessage['type']>(type: T): ServerMessageOf<T> {
    const all = this.ofType(type);
    const message = all[all.length - 1];
    assert.ok(message, `no ${type} message was sent; got ${this.types().join(', ')}`);
    return message;
  }
}

export class FakeDirectory implements MeetingDirectory {
  readonly meetings = new Map<string, MeetingRecordForLive>();
  /** What is stored: meeting id → ban keys. */
  readonly bans = new Map<string, Set<string>>();
  readonly addBansCalls: { meetingId: string; keys: string[] }[] = [];

  async byId(id: string) {
    const m = this.meetings.get(id);
    // A copy, as storage would give: the live meeting must not share the record.
    return m && structuredClone(m);
  }

  async bannedKeys(meetingId: string): Promise<string[]> {
    return [...(this.bans.get(meetingId) ?? [])];
  }

  async addBans(meetingId: string, keys: string[]): Promise<void> {
    this.addBansCalls.push({ meetingId, keys: [...keys] });
    const set = this.bans.get(meetingId) ?? new Set<string>();
    for (const k of keys) set.add(k);
    this.bans.set(meetingId, set);
  }

  /** What the organiser prepared: meeting id → plan. */
  readonly plans = new Map<string, BreakoutPlan>();

  async breakoutPlan(meetingId: string): Promise<BreakoutPlan> {
    return structuredClone(this.plans.get(meetingId) ?? { rooms: [], assignments: [] });
  }
}

// ---------------------------------------------------------------------------
// Async and error helpers

export interface Deferred {
  promise: Promise<void>;
  resolve: () => void;
}
export function deferred(): Deferred {
  let resolve!: () => void;
  const promise = new Promise<void>((r) => (resolve = r));
  return { promise, resolve };
}

/** Lets the domain's un-awaited async work (opening peers, renegotiating) run to rest. */
export async function flush(turns = 10): Promise<void> {
  for (let i = 0; i < turns; i++) await new Promise((r) => setImmediate(r));
}

function isAppErrorWith(code: ErrorCode) {
  return (err: unknown): true => {
    assert.ok(err instanceof AppError, `expected AppError ${code}, got ${String(err)}`);
    assert.equal(err.code, code);
    return true;
  };
}

export async function rejectsWithCode(work: Promise<unknown>, code: ErrorCode): Promise<void> {
  await assert.rejects(work, isAppErrorWith(code));
}

export function throwsWithCode(work: () => unknown, code: ErrorCode): void {
  assert.throws(work, isAppErrorWith(code));
}

/** Runs `work`, sync or async, and asserts it fails with `code`. */
export async function failsWithCode(work: () => unknown, code: ErrorCode): Promise<void> {
  await assert.rejects(async () => {
    await work();
  }, isAppErrorWith(code));
}

// ---------------------------------------------------------------------------
// A fresh world per test.

export const MEETING_ID = 'abc-defg-hjk';
export const MEETING_TITLE = 'Physics 101';
export const OWNER_ID = 'user-owner';

/**
 * The settings worlds start from: the defaults, but without the waiting room, so that tests
 * about media or moderation let guests straight in. Waiting-room tests turn it on.
 */
export const TEST_SETTINGS: MeetingSettings = { ...DEFAULT_MEETING_SETTINGS, waitingRoom: false };

/** A client id that the protocol accepts (16–64 of [A-Za-z0-9_-]). */
export function clientIdFor(name: string): string {
  return `client-${name.toLowerCase()}-0123456789`;
}

export interface Member {
  participant: Participant;
  channel: FakeChannel;
  meeting: LiveMeeting;
}

/** One join attempt that got through the checks: a participant at once, or someone waiting. */
export class Arrival {
  /** Set by onParticipant: at once, or when a host admits them. */
  participant: Participant | undefined;
  onParticipantCalls = 0;

  constructor(
    readonly name: string,
    readonly channel: FakeChannel,
    readonly meeting: LiveMeeting,
    readonly result: JoinResult,
  ) {}

  get waiterId(): string {
    assert.equal(this.result.kind, 'waiting', `${this.name} is not waiting`);
    return (this.result as Extract<JoinResult, { kind: 'waiting' }>).waiterId;
  }

  /** The participant they became (asserts they are one). */
  member(): Member {
    assert.ok(this.participant, `${this.name} is not a participant (yet)`);
    return { participant: this.participant, channel: this.channel, meeting: this.meeting };
  }
}

export interface ArriveOptions {
  userId?: string;
  clientId?: string;
  /** The browser by Amphi's credential (the amphi_browser cookie). */
  browser?: string;
  passcode?: string;
  /** The client's IP address. */
  address?: string;
  audio?: boolean;
  video?: boolean;
  rid?: number;
  email?: string;
  invite?: string;
  isStaff?: boolean;
  licensed?: boolean;
}

/** A full JoinInput with harmless defaults. */
export function joinInput(name: string, overrides: Partial<JoinInput> = {}): JoinInput {
  return {
    name,
    userId: undefined,
    clientId: undefined,
    passcode: undefined,
    audio: true,
    video: true,
    channel: new FakeChannel(),
    rid: undefined,
    onParticipant: () => {},
    ...overrides,
  };
}

export interface WorldOptions {
  settings?: Partial<MeetingSettings>;
  policy?: Partial<MeetingPolicy>;
  iceServers?: IceServer[];
  /** Ban keys already stored for the meeting. */
  banned?: string[];
  recorder?: CloudRecorder;
}

const worlds: World[] = [];

export class World {
  readonly media = new FakeMediaBackend();
  readonly directory = new FakeDirectory();
  readonly policy: MeetingPolicy;
  readonly iceServers: IceServer[];
  readonly registry: MeetingRegistry;

  constructor(options: WorldOptions = {}) {
    this.policy = { capacity: 300, redirectUrl: null, ...options.policy };
    this.iceServers = options.iceServers ?? [{ urls: 'stun:stun.test:3478' }];
    this.registry = new MeetingRegistry(this.media, this.directory, this.policy, this.iceServers, createLogger('silent'), undefined, undefined, options.recorder);
    this.directory.meetings.set(MEETING_ID, { id: MEETING_ID, title: MEETING_TITLE, ownerId: OWNER_ID, settings: { ...TEST_SETTINGS, ...options.settings } });
    if (options.banned) this.directory.bans.set(MEETING_ID, new Set(options.banned));
    worlds.push(this);
  }

  /** Someone asks to join; refusals (typed errors) propagate. */
  async arrive(name: string, options: ArriveOptions = {}): Promise<Arrival> {
    const channel = new FakeChannel();
    let arrival: Arrival | undefined;
    let early: Participant | undefined;
    const { meeting, result } = await this.registry.join(MEETING_ID, {
      name,
      userId: options.userId,
      clientId: options.clientId,
      browser: options.browser,
      passcode: options.passcode,
      address: options.address,
      email: options.email,
      invite: options.invite,
      isStaff: options.isStaff,
      licensed: options.licensed,
      audio: options.audio ?? true,
      video: options.video ?? true,
      channel,
      rid: options.rid,
      onParticipant: (p) => {
        if (arrival) {
          arrival.participant = p;
          arrival.onParticipantCalls++;
        } else early = p;
      },
    });
    arrival = new Arrival(name, channel, meeting, result);
    if (early) {
      arrival.participant = early;
      arrival.onParticipantCalls++;
    }
    return arrival;
  }

  /** Someone joins and must get straight in. */
  async join(name: string, userId?: string, extra: Omit<ArriveOptions, 'userId'> = {}): Promise<Member> {
    const a = await this.arrive(name, { userId, ...extra });
    assert.equal(a.result.kind, 'joined', `${name} should have joined`);
    assert.equal(a.result.kind === 'joined' && a.result.participant, a.participant, 'onParticipant got the participant join returned');
    return a.member();
  }

  /** A guest (not signed in) arrives and must wait. */
  async waits(name: string, extra: Omit<ArriveOptions, 'userId'> = {}): Promise<Arrival> {
    const a = await this.arrive(name, extra);
    assert.equal(a.result.kind, 'waiting', `${name} should be waiting`);
    assert.equal(a.participant, undefined);
    return a;
  }

  peer(m: Member): FakePeer {
    return this.media.peerOf(m.participant);
  }

  /** Publishes and brings the publisher up: the member is 'live'. */
  async goLive(m: Member): Promise<void> {
    await m.meeting.publish(m.participant, `offer from ${m.participant.name}`);
    this.peer(m).up();
    await flush();
    assert.equal(m.participant.state, 'live');
  }

  /** Answers the member's latest subscription offer. */
  /** Answers every subscription offer until the member's subscription settles. */
  async settle(m: Member): Promise<void> {
    for (let i = 0; i < 5; i++) {
      await flush();
      const offers = m.channel.ofType('subscribe-offer');
      if (offers.length === 0 || this.peer(m).callsOf('answerSubscription').length >= offers.length) return;
      await this.answerLatest(m);
    }
  }

  async answerLatest(m: Member): Promise<ServerMessageOf<'subscribe-offer'>> {
    const offer = m.channel.last('subscribe-offer');
    await m.meeting.answerSubscription(m.participant, offer.negotiationId, `answer to ${offer.sdp}`);
    await flush();
    return offer;
  }
}

/** For afterEach: sends everyone away so no subscription timer outlives the test. */
export async function cleanUpWorlds(): Promise<void> {
  for (const w of worlds.splice(0)) {
    w.registry.shutdown();
    await flush();
    assert.deepEqual(w.media.listenerErrors, [], 'a peer event listener threw');
  }
}

/** Keeps cloud recordings in memory: what was begun, described and ended. */
export class FakeRecorder implements CloudRecorder {
  room = true;
  async hasRoom() {
    return this.room;
  }
  readonly begun: { id: string; ownerId: string; title: string }[] = [];
  readonly ended: string[] = [];
  readonly manifests: RecordingManifest[] = [];
  async begin(input: { meetingId: string; ownerId: string; title: string }) {
    const id = `rec-${this.begun.length + 1}`;
    this.begun.push({ id, ownerId: input.ownerId, title: input.title });
    return { id, rawDir: `/recordings/${id}` };
  }
  async describe(_id: string, manifest: RecordingManifest) {
    this.manifests.push(structuredClone(manifest));
  }
  end(id: string) {
    this.ended.push(id);
  }
  /** What carryOn finds on disk, by recording (nothing: it cannot go on). */
  readonly onDisk = new Map<string, { manifest: RecordingManifest; mediaUntil: Date }>();
  async carryOn(id: string) {
    const kept = this.onDisk.get(id);
    return kept && { rawDir: `/recordings/${id}`, ...structuredClone(kept) };
  }
}
