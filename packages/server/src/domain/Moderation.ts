import { CLOSE_CODES, type Permissions, type Role, type WaitingPerson } from '@amphi/protocol';
import { AppError } from '../errors.ts';
import type { MeetingContext } from './MeetingContext.ts';
import type { Participant } from './Participant.ts';
import { assertHost, assertModerator, isModerator, mayRename, mayUnmute } from './permissions.ts';

/** What moderation needs of the meeting beyond its context: sending, removal, the waiting list. */
export interface ModerationHost extends MeetingContext {
  /** Turns someone's microphone and camera on or off at the media server too. */
  applySending(p: Participant, sending: { audio: boolean; video: boolean }): Promise<void>;
  waitingList(): WaitingPerson[];
  /** Keeps the person out of this meeting for good. */
  ban(p: Participant): void;
  leave(p: Participant): void;
}

/**
 * What hosts and co-hosts do to a live meeting and its people: mute, ask to unmute, stop a
 * camera, remove, roles, rename, lock, permissions, spotlight, hands. Every action checks who
 * asks first (deny unless allowed), then changes the meeting and tells whoever must know.
 */
export class Moderation {
  #handCounter = 0;

  /** The raised-hands queue's running count (MeetingSnapshot keeps it so the queue order survives). */
  get handCounter(): number {
    return this.#handCounter;
  }

  set handCounter(n: number) {
    this.#handCounter = n;
  }

  constructor(private readonly meeting: ModerationHost) {}

  assertMayUnmute(p: Participant): void {
    if (!mayUnmute(p, this.meeting.state.permissions)) throw new AppError('auth.forbidden', 'the host does not allow participants to unmute themselves');
  }

  async mute(by: Participant, targetId: string): Promise<void> {
    assertModerator(by, 'mute others');
    const target = this.meeting.requireParticipant(targetId);
    if (!target.audio) return;
    target.unmuteGranted = false;
    await this.meeting.applySending(target, { audio: false, video: target.video });
    target.channel.send({ type: 'moderated', action: 'muted', by: by.name });
  }

  /** Mutes every participant (hosts and co-hosts keep their microphones). */
  async muteAll(by: Participant, allowUnmute: boolean | undefined): Promise<void> {
    assertModerator(by, 'mute everyone');
    if (allowUnmute !== undefined) this.setPermissions(by, { allowUnmute });
    const targets = this.meeting.participants().filter((p) => !isModerator(p.role) && p.audio);
    await Promise.all(
      targets.map(async (p) => {
        p.unmuteGranted = false;
        await this.meeting.applySending(p, { audio: false, video: p.video });
        p.channel.send({ type: 'moderated', action: 'muted', by: by.name });
      }),
    );
  }

  /** Asks someone to unmute; it never turns anyone's microphone on by itself. */
  askUnmute(by: Participant, targetId: string): void {
    assertModerator(by, 'ask people to unmute');
    const target = this.meeting.requireParticipant(targetId);
    target.unmuteGranted = true;
    target.channel.send({ type: 'moderated', action: 'unmute-requested', by: by.name });
  }

  async stopVideo(by: Participant, targetId: string): Promise<void> {
    assertModerator(by, "stop someone's camera");
    const target = this.meeting.requireParticipant(targetId);
    if (!target.video) return;
    await this.meeting.applySending(target, { audio: target.audio, video: false });
    target.channel.send({ type: 'moderated', action: 'video-stopped', by: by.name });
  }

  /** Removes someone for good: they are sent away and cannot rejoin this meeting. */
  remove(by: Participant, targetId: string): void {
    assertModerator(by, 'remove people');
    const target = this.meeting.requireParticipant(targetId);
    if (target === by) throw new AppError('auth.forbidden', 'you cannot remove yourself; leave instead');
    if (target.role === 'host') throw new AppError('auth.forbidden', 'the host cannot be removed');
    this.meeting.ban(target);
    target.channel.send({ type: 'removed' });
    target.channel.close(CLOSE_CODES.removed, 'removed');
    this.meeting.leave(target);
  }

  /** The host makes someone co-host or participant, or hands the host role over. */
  setRole(by: Participant, targetId: string, role: Role): void {
    assertHost(by, 'change roles');
    const target = this.meeting.requireParticipant(targetId);
    if (target === by) throw new AppError('auth.forbidden', 'hand the host role to someone else instead');
    if (role === 'host') {
      by.role = 'cohost';
      this.#announce(by);
    }
    target.role = role;
    this.#announce(target);
    // New moderators need to see who is waiting.
    if (isModerator(role)) target.channel.send({ type: 'waiting-list', waiting: this.meeting.waitingList() });
  }

  /** When the host leaves, the longest-present co-host takes over (if there is one). */
  succeedHost(): void {
    if (this.meeting.participants().some((p) => p.role === 'host')) return;
    const next = this.meeting
      .participants()
      .filter((p) => p.role === 'cohost')
      .sort((a, b) => a.joinedAt.getTime() - b.joinedAt.getTime())[0];
    if (!next) return;
    next.role = 'host';
    this.#announce(next);
  }

  rename(by: Participant, targetId: string, name: string): void {
    if (!mayRename(by, targetId, this.meeting.state.permissions)) throw new AppError('auth.forbidden', 'you may not rename this person');
    const target = this.meeting.requireParticipant(targetId);
    target.name = name;
    this.#announce(target);
  }

  setLock(by: Participant, locked: boolean): void {
    assertModerator(by, 'lock the meeting');
    this.meeting.state.locked = locked;
    this.#announceState();
  }

  setPermissions(by: Participant, change: Partial<Permissions>): void {
    assertModerator(by, 'change what participants may do');
    Object.assign(this.meeting.state.permissions, change);
    this.#announceState();
  }

  spotlight(by: Participant, targetId: string | null): void {
    assertModerator(by, 'spotlight someone');
    if (targetId !== null) this.meeting.requireParticipant(targetId);
    this.meeting.state.spotlight = targetId;
    this.#announceState();
  }

  clearSpotlight(): void {
    this.meeting.state.spotlight = null;
    this.#announceState();
  }

  raiseHand(p: Participant): void {
    if (p.hand !== null) return;
    p.hand = ++this.#handCounter;
    this.#announce(p);
  }

  /** Lowers one's own hand, or (hosts and co-hosts) someone else's. */
  lowerHand(by: Participant, targetId: string | undefined): void {
    const own = targetId === undefined || targetId === by.id;
    if (!own) assertModerator(by, "lower someone else's hand");
    const target = own ? by : this.meeting.requireParticipant(targetId);
    if (target.hand === null) return;
    target.hand = null;
    this.#announce(target);
  }

  lowerAllHands(by: Participant): void {
    assertModerator(by, 'lower every hand');
    for (const p of this.meeting.participants()) {
      if (p.hand === null) continue;
      p.hand = null;
      this.#announce(p);
    }
  }

  #announce(p: Participant): void {
    this.meeting.broadcast({ type: 'participant-updated', participant: p.info() });
  }

  #announceState(): void {
    this.meeting.broadcast({ type: 'meeting-state', state: this.meeting.state });
  }
}
