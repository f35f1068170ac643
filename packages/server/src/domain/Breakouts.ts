import crypto from 'node:crypto';
import type { BreakoutState } from '@amphi/protocol';
import { AppError } from '../errors.ts';
import type { BreakoutPlan, PlannedAssignment } from '../ports/MeetingDirectory.ts';
import type { MeetingContext } from './MeetingContext.ts';
import type { Participant } from './Participant.ts';
import type { BreakoutsSnapshot } from './MeetingSnapshot.ts';
import { assertModerator, isModerator } from './permissions.ts';

/** How long people see "the rooms are closing" before they are brought back, unless a host says. */
export const DEFAULT_CLOSE_COUNTDOWN_S = 10;

/** Who an arriving person is, for finding them in the prepared plan. */
export interface Arrival {
  name: string;
  email: string | undefined;
  invite: string | undefined;
}

/** What breakout rooms need of the meeting: moving people between media rooms, and the boards' drawings. */
export interface BreakoutsHost extends MeetingContext {
  /** Moves p to a breakout room (or back to the main room, null) with their media. */
  moveTo(p: Participant, room: string | null): void;
  readonly annotations: { sendSnapshot(surface: string): void };
}

/**
 * The meeting's breakout rooms. Hosts prepare rooms and assignments (or load the plan made
 * before the meeting), open the rooms — everyone assigned is moved to their room, each its own
 * media room and chat — and close them, at once or when the timer runs out, after a countdown.
 * The assignments stay for the next round. Deny unless allowed: a participant enters only their
 * own room unless hosts let people choose. The timers are owned here and cleared by close().
 */
export class Breakouts {
  #status: BreakoutState['status'] = 'idle';
  #rooms: { id: string; name: string }[] = [];
  /** participantId → roomId. */
  readonly #assignments = new Map<string, string>();
  #allowChoose = false;
  #endsAt: Date | null = null;
  #closingAt: Date | null = null;
  #timer: ReturnType<typeof setTimeout> | undefined;
  #plan: PlannedAssignment[] = [];
  /** People whose name is in the plan: their planned room, for a host to confirm (see BreakoutState). */
  readonly #suggestions = new Map<string, string>();
  /** Rooms whose whiteboard is open. */
  readonly #boards = new Set<string>();

  constructor(
    private readonly meeting: BreakoutsHost,
    private readonly normalise: (name: string) => string,
  ) {}

  state(): BreakoutState {
    return {
      status: this.#status,
      rooms: this.#rooms.map((r) => ({ ...r })),
      assignments: Object.fromEntries(this.#assignments),
      suggestions: Object.fromEntries([...this.#suggestions].filter(([pid]) => !this.#assignments.has(pid))),
      allowChoose: this.#allowChoose,
      endsAt: this.#endsAt?.toISOString() ?? null,
      closingAt: this.#closingAt?.toISOString() ?? null,
      boards: [...this.#boards],
    };
  }

  /** The rooms and who is in which, for storage (MeetingSnapshot). */
  snapshot(): BreakoutsSnapshot {
    return {
      status: this.#status,
      rooms: this.#rooms.map((r) => ({ ...r })),
      assignments: [...this.#assignments],
      suggestions: [...this.#suggestions],
      allowChoose: this.#allowChoose,
      endsAt: this.#endsAt?.toISOString() ?? null,
      closingAt: this.#closingAt?.toISOString() ?? null,
      boards: [...this.#boards],
    };
  }

  /** Back from storage after a restart: open rooms stay open and their clocks run on from where they were. */
  restore(s: BreakoutsSnapshot): void {
    this.#status = s.status;
    this.#rooms = s.rooms.map((r) => ({ ...r }));
    this.#assignments.clear();
    for (const [p, r] of s.assignments) this.#assignments.set(p, r);
    this.#suggestions.clear();
    for (const [p, r] of s.suggestions) this.#suggestions.set(p, r);
    this.#allowChoose = s.allowChoose;
    this.#endsAt = s.endsAt ? new Date(s.endsAt) : null;
    this.#closingAt = s.closingAt ? new Date(s.closingAt) : null;
    this.#boards.clear();
    for (const b of s.boards) this.#boards.add(b);
    if (this.#status === 'closing' && this.#closingAt) this.#setTimer(Math.max(0, this.#closingAt.getTime() - Date.now()), () => this.#bringEveryoneBack());
    else if (this.#status === 'open' && this.#endsAt) this.#setTimer(Math.max(0, this.#endsAt.getTime() - Date.now()), () => this.#startClosing(DEFAULT_CLOSE_COUNTDOWN_S));
  }

  get isOpen(): boolean {
    return this.#status !== 'idle';
  }

  roomName(roomId: string): string | undefined {
    return this.#rooms.find((r) => r.id === roomId)?.name;
  }

  /** The organiser's plan, made before the meeting: its rooms, and who goes where when they arrive. */
  loadPlan(plan: BreakoutPlan): void {
    if (plan.rooms.length === 0) return;
    this.#rooms = plan.rooms.map((name) => ({ id: crypto.randomUUID(), name }));
    this.#plan = plan.assignments;
  }

  /**
   * Someone arrives: finds them in the plan by what proves who they are (their personal link, else
   * their signed-in account's email) and returns the room they go to now (rooms open) or
   * undefined (main room). A name alone, which anyone can type, only suggests their room to the hosts.
   */
  arrived(p: Participant, who: Arrival): string | undefined {
    const planned =
      (who.invite && this.#plan.find((a) => a.token === who.invite)) ||
      (who.email && this.#plan.find((a) => a.email !== null && a.email.toLowerCase() === who.email!.toLowerCase())) ||
      undefined;
    const room = planned ? this.#rooms.find((r) => r.name === planned.room) : undefined;
    if (room && !isModerator(p.role)) this.#assignments.set(p.id, room.id);
    const byName = !planned && !isModerator(p.role) ? this.#plan.find((a) => this.normalise(a.name) === this.normalise(who.name)) : undefined;
    const suggested = byName ? this.#rooms.find((r) => r.name === byName.room) : undefined;
    if (suggested) this.#suggestions.set(p.id, suggested.id);
    const assigned = this.#assignments.get(p.id);
    if (room || suggested) this.#announce();
    return this.#status === 'open' && assigned ? assigned : undefined;
  }

  /** The invitee behind a personal link, if the plan has one. */
  invitee(token: string): PlannedAssignment | undefined {
    return this.#plan.find((a) => a.token === token);
  }

  left(p: Participant): void {
    const suggested = this.#suggestions.delete(p.id);
    if (this.#assignments.delete(p.id) || suggested) this.#announce();
  }

  setRooms(by: Participant, rooms: { id?: string | undefined; name: string }[]): void {
    assertModerator(by, 'set up breakout rooms');
    if (this.#status !== 'idle') throw new AppError('protocol.out_of_order', 'close the rooms before changing them');
    const names = new Set<string>();
    for (const r of rooms) {
      const key = this.normalise(r.name);
      if (names.has(key)) throw new AppError('protocol.invalid', `two rooms are called “${r.name}”`);
      names.add(key);
    }
    this.#rooms = rooms.map((r) => ({ id: r.id && this.#rooms.some((old) => old.id === r.id) ? r.id : crypto.randomUUID(), name: r.name }));
    for (const [pid, roomId] of this.#assignments) if (!this.#rooms.some((r) => r.id === roomId)) this.#assignments.delete(pid);
    for (const [pid, roomId] of this.#suggestions) if (!this.#rooms.some((r) => r.id === roomId)) this.#suggestions.delete(pid);
    this.#announce();
  }

  /** Assigns someone (rooms open: moves them at once). */
  assign(by: Participant, participantId: string, roomId: string | null): void {
    assertModerator(by, 'assign breakout rooms');
    const p = this.meeting.requireParticipant(participantId);
    if (roomId !== null) this.#requireRoom(roomId);
    if (roomId === null) this.#assignments.delete(p.id);
    else this.#assignments.set(p.id, roomId);
    if (this.#status === 'open') this.meeting.moveTo(p, roomId);
    this.#announce();
  }

  /** Spreads every participant (not hosts and co-hosts) evenly over the rooms, in random order. */
  shuffle(by: Participant): void {
    assertModerator(by, 'assign breakout rooms');
    if (this.#rooms.length === 0) throw new AppError('protocol.out_of_order', 'create rooms first');
    const people = this.meeting.participants().filter((p) => !isModerator(p.role));
    for (let i = people.length - 1; i > 0; i--) {
      const j = crypto.randomInt(i + 1);
      [people[i], people[j]] = [people[j]!, people[i]!];
    }
    people.forEach((p, i) => this.#assignments.set(p.id, this.#rooms[i % this.#rooms.length]!.id));
    if (this.#status === 'open') for (const p of people) this.meeting.moveTo(p, this.#assignments.get(p.id)!);
    this.#announce();
  }

  open(by: Participant, seconds: number | null, allowChoose: boolean): void {
    assertModerator(by, 'open breakout rooms');
    if (this.#status !== 'idle') throw new AppError('protocol.out_of_order', 'the rooms are already open');
    if (this.#rooms.length === 0) throw new AppError('protocol.out_of_order', 'create rooms first');
    this.#status = 'open';
    this.#allowChoose = allowChoose;
    this.#endsAt = seconds !== null ? new Date(Date.now() + seconds * 1000) : null;
    if (seconds !== null) this.#setTimer(seconds * 1000, () => this.#startClosing(DEFAULT_CLOSE_COUNTDOWN_S));
    this.#announce();
    for (const p of this.meeting.participants()) {
      const roomId = this.#assignments.get(p.id);
      if (roomId) this.meeting.moveTo(p, roomId);
    }
  }

  close(by: Participant, countdown = DEFAULT_CLOSE_COUNTDOWN_S): void {
    assertModerator(by, 'close breakout rooms');
    if (this.#status !== 'open') throw new AppError('protocol.out_of_order', 'the rooms are not open');
    this.#startClosing(countdown);
  }

  /** Someone goes to a room, or back to the main room (null). */
  enter(p: Participant, roomId: string | null): void {
    if (roomId === null) return this.meeting.moveTo(p, null);
    this.#requireRoom(roomId);
    if (this.#status !== 'open') throw new AppError('protocol.out_of_order', 'the breakout rooms are not open');
    const mine = this.#assignments.get(p.id) === roomId;
    if (!mine && !this.#allowChoose && !isModerator(p.role)) throw new AppError('auth.forbidden', 'you are not assigned to this room');
    // Choosing a room is joining it; a host visiting keeps their assignment (none).
    if (!isModerator(p.role)) this.#assignments.set(p.id, roomId);
    this.meeting.moveTo(p, roomId);
    this.#announce();
  }

  /** The whiteboards open in breakout rooms, as annotation surfaces. */
  boardSurfaces(): string[] {
    return [...this.#boards].map((id) => `board:${id}`);
  }

  /** Someone in a breakout room opens (or closes) its own whiteboard. */
  setBoard(p: Participant, open: boolean): void {
    const room = p.room;
    if (room === null || this.#status === 'idle') throw new AppError('protocol.out_of_order', 'you are in the main room');
    if (open === this.#boards.has(room)) return;
    if (open) this.#boards.add(room);
    else this.#boards.delete(room);
    this.#announce();
    if (open) this.meeting.annotations.sendSnapshot(`board:${room}`);
  }

  askForHelp(p: Participant): void {
    if (p.room === null) throw new AppError('protocol.out_of_order', 'you are in the main room');
    this.meeting.sendToModerators({ type: 'breakout-help', participantId: p.id, name: p.name, roomId: p.room });
  }

  broadcast(by: Participant, text: string): void {
    assertModerator(by, 'message every room');
    this.meeting.broadcast({ type: 'breakout-message', from: by.name, text });
  }

  /** The meeting ends: no timer may outlive it. */
  dispose(): void {
    clearTimeout(this.#timer);
    this.#timer = undefined;
  }

  #startClosing(countdown: number): void {
    this.#status = 'closing';
    this.#closingAt = new Date(Date.now() + countdown * 1000);
    this.#setTimer(countdown * 1000, () => this.#bringEveryoneBack());
    this.#announce();
  }

  #bringEveryoneBack(): void {
    this.#status = 'idle';
    this.#endsAt = null;
    this.#closingAt = null;
    this.#allowChoose = false;
    // What was drawn stays for the next round; the boards are shut with the rooms.
    this.#boards.clear();
    for (const p of this.meeting.participants()) if (p.room !== null) this.meeting.moveTo(p, null);
    this.#announce();
  }

  #setTimer(ms: number, then: () => void): void {
    clearTimeout(this.#timer);
    this.#timer = setTimeout(() => {
      this.#timer = undefined;
      if (!this.meeting.ended) then();
    }, ms);
    this.#timer.unref?.();
  }

  #requireRoom(roomId: string): void {
    if (!this.#rooms.some((r) => r.id === roomId)) throw new AppError('meeting.not_participant', 'no such breakout room');
  }

  #announce(): void {
    this.meeting.broadcast({ type: 'breakouts', state: this.state() });
  }
}
