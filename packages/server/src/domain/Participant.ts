import crypto from 'node:crypto';
import type { ParticipantInfo, Role } from '@amphi/protocol';
import type { MediaPeer } from '../ports/MediaBackend.ts';
import type { ParticipantChannel } from '../ports/ParticipantChannel.ts';
import { Outbox } from './Outbox.ts';
import type { Subscription } from './Subscription.ts';

/** Request ids a participant's client may repeat after a resume (the latest ones are remembered). */
const REMEMBERED_REQUESTS = 512;

/**
 * Where a participant's media stands:
 *   waiting-media  no media peer yet (joining, or the media server is being restarted)
 *   ready          peer open, the browser may publish
 *   publishing     offer handed to the media server, PeerConnection not up yet
 *   live           publisher PeerConnection up: others can subscribe to the feed
 *   left           gone; nothing else happens to this participant
 */
export type MediaState = 'waiting-media' | 'ready' | 'publishing' | 'live' | 'left';

const TRANSITIONS: Record<MediaState, readonly MediaState[]> = {
  'waiting-media': ['ready', 'left'],
  ready: ['publishing', 'waiting-media', 'left'],
  publishing: ['live', 'ready', 'waiting-media', 'left'],
  // Not back to publishing: Janus reports a publisher up once per PeerConnection, so a second
  // offer on a live connection would never be live again (and others would drop its feed).
  live: ['waiting-media', 'left'],
  left: [],
};

export function canTransition(from: MediaState, to: MediaState): boolean {
  return TRANSITIONS[from].includes(to);
}

/** Someone in a live meeting: who they are, what they send, and their media. */
export class Participant {
  readonly id: string;
  /** When they joined this meeting session (kept across a restart of the server). */
  joinedAt = new Date();
  name: string;
  role: Role;
  audio: boolean;
  video: boolean;
  /** Rank in the raised-hands queue (lower raised earlier), or null. */
  hand: number | null = null;
  /** A host asked them to unmute: they may, once, even when unmuting is not allowed. */
  unmuteGranted = false;
  /** They show their screen to everyone. */
  sharing = false;
  /** The breakout room they are in (null: the main room). */
  room: string | null = null;
  /** Bumped whenever their media is rebuilt elsewhere (a room change): late results of the old one are dropped. */
  mediaEpoch = 0;
  /** They record the meeting in their browser. */
  recordingLocally = false;
  /** Their account is staff (may record to the cloud as host or co-host). */
  isStaff = false;
  /** Their browser, by the credential Amphi gave it (undefined: none was presented). */
  browser: string | undefined;
  /** The id a calling system gave them (BBB API `userID`), reported back in its meeting info. */
  externalUserId: string | undefined;
  /** Their colour for annotations, given on arrival. */
  color = '#1a73e8';
  /**
   * Their credential for the meeting's HTTP endpoints (documents): a bearer token handed to
   * them alone in `joined`, worthless once they leave.
   */
  readonly token = crypto.randomBytes(24).toString('base64url');
  /**
   * What reaches their client, numbered and kept so that a new connection gets what the old
   * one missed: the participant's channel for the whole meeting, whatever socket is under it.
   */
  readonly channel: Outbox;
  /**
   * Their credential for `resume` (see credentialForResume). Only its
   * hash is kept in storage: after a restart the credential is unknown here until it is rotated.
   */
  #resumeCredential: string | undefined;
  #credentialHash: string;
  /** After a restart: the stored credential's hash, until the client has the new one (see credentialForResume). */
  #previousHash: string | undefined;
  /** Their connection dropped: their place is kept until they resume or the grace period ends. */
  reconnecting = false;
  /** Restored after a restart: their next resume gets the whole picture, never a replay. */
  needsSnapshot = false;
  /** Ends the grace period (they are removed as if they had left). */
  graceTimer: ReturnType<typeof setTimeout> | undefined;
  /** Request ids already received, so that one repeated after a resume is not done twice. */
  readonly #requests = new Set<number>();
  /**
   * When they last turned their microphone on, as the meeting's running count (0: never). Others
   * receive the audio of those unmuted and of the few most recently unmuted: the m-line stays
   * when they mute, so talking again needs no renegotiation.
   */
  unmutedSeq = 0;
  /** They turned their camera on at least once: only then do others receive their video m-line. */
  cameraUsed = false;
  /** Whose videos their screen shows (null: not said yet, they get the first few). */
  shownVideos: Set<string> | null = null;
  /** Of those, the ones shown large enough for a camera's best layer (null: all of them). */
  largeVideos: Set<string> | null = null;
  peer: MediaPeer | undefined;
  subscription!: Subscription;
  /** Resolves when the media peer is open (replaced on every media reset). */
  peerReady: Promise<MediaPeer>;
  #state: MediaState = 'waiting-media';

  constructor(
    name: string,
    role: Role,
    readonly userId: string | undefined,
    readonly clientId: string | undefined,
    channel: ParticipantChannel | undefined,
    sending: { audio: boolean; video: boolean },
    id: string = crypto.randomUUID(),
  ) {
    this.id = id;
    this.name = name;
    this.role = role;
    this.audio = sending.audio;
    this.video = sending.video;
    this.peerReady = new Promise(() => {});
    this.channel = new Outbox(channel);
    this.#resumeCredential = newResumeCredential();
    this.#credentialHash = hashCredential(this.#resumeCredential);
  }

  get resumeCredential(): string {
    if (this.#resumeCredential === undefined) throw new Error('the resume credential is known only by its hash until it is replaced');
    return this.#resumeCredential;
  }

  /**
   * The credential to hand out in `resumed`. It stays the same while their place is kept (a
   * `resumed` lost with its socket must not lock them out); after a restart, when only its hash is
   * known, a new one is made, and the old one stays valid until the new one has been used.
   */
  credentialForResume(): string {
    if (this.#resumeCredential !== undefined) return this.#resumeCredential;
    this.#previousHash = this.#credentialHash;
    this.#resumeCredential = newResumeCredential();
    this.#credentialHash = hashCredential(this.#resumeCredential);
    return this.#resumeCredential;
  }

  /** What storage keeps of the resume credential. */
  get credentialHash(): string {
    return this.#credentialHash;
  }

  /** Restored from storage: the credential the client holds is known by its hash. */
  restoreCredentialHash(hash: string): void {
    this.#resumeCredential = undefined;
    this.#credentialHash = hash;
  }

  /** Whether `credential` is theirs (compared in constant time): the current one, or the one it replaced. */
  holdsCredential(credential: string): boolean {
    const given = crypto.createHash('sha256').update(credential).digest();
    const matches = (hash: string | undefined) => {
      const held = hash === undefined ? undefined : Buffer.from(hash, 'base64url');
      return held !== undefined && held.length === given.length && crypto.timingSafeEqual(given, held);
    };
    if (matches(this.#credentialHash)) {
      // The new one is in use: the one it replaced is no longer needed.
      this.#previousHash = undefined;
      return true;
    }
    return matches(this.#previousHash);
  }

  /**
   * Notes a request id from their client; false when it was seen already (a request repeated
   * after a resume: it was done once, and its reply is in the outbox).
   */
  firstTimeRequest(rid: number): boolean {
    if (this.#requests.has(rid)) return false;
    this.#requests.add(rid);
    if (this.#requests.size > REMEMBERED_REQUESTS) this.#requests.delete(this.#requests.values().next().value!);
    return true;
  }

  get state(): MediaState {
    return this.#state;
  }

  /** Moves to `to`; refuses transitions the table does not allow. */
  transition(to: MediaState): boolean {
    if (!canTransition(this.#state, to)) return false;
    this.#state = to;
    return true;
  }

  info(): ParticipantInfo {
    return { id: this.id, name: this.name, role: this.role, audio: this.audio, video: this.video, hand: this.hand, sharing: this.sharing, color: this.color, room: this.room, recordingLocally: this.recordingLocally, reconnecting: this.reconnecting };
  }
}

function newResumeCredential(): string {
  return crypto.randomBytes(32).toString('base64url');
}

/** SHA-256 of a credential, base64url (43 characters). */
export function hashCredential(credential: string): string {
  return crypto.createHash('sha256').update(credential).digest('base64url');
}
