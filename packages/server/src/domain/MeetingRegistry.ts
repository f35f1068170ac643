import { CLOSE_CODES, type IceServer } from '@amphi/protocol';
import { AppError } from '../errors.ts';
import { RateLimiter } from '../RateLimiter.ts';
import type { Logger } from '../Logger.ts';
import type { AttendanceLog } from '../ports/AttendanceLog.ts';
import type { DocumentStore } from '../ports/DocumentStore.ts';
import type { CloudRecorder } from '../ports/CloudRecorder.ts';
import type { MediaBackend } from '../ports/MediaBackend.ts';
import type { MeetingDirectory } from '../ports/MeetingDirectory.ts';
import { LiveMeeting, type JoinInput, type JoinResult } from './LiveMeeting.ts';
import type { Participant } from './Participant.ts';
import type { ParticipantChannel } from '../ports/ParticipantChannel.ts';
import type { MeetingPolicy } from './MeetingSettings.ts';
import { JoinTickets, type JoinTicket } from './JoinTickets.ts';
import type { OneTimeStore } from '../ports/OneTimeStore.ts';
import type { LiveMeetingStore } from '../ports/LiveMeetingStore.ts';
import type { MeetingRecordForLive } from './LiveMeeting.ts';
import { parseSnapshot, type MeetingSnapshot } from './MeetingSnapshot.ts';

/** A stored live meeting that a new process takes up (see keptLiveMeetings). */
export interface KeptLiveMeeting {
  meetingId: string;
  snapshot: MeetingSnapshot;
}

/**
 * The live meetings' snapshots worth taking up at start; the others (unreadable, or older than
 * the grace period: nobody would still be waiting) are removed from storage.
 */
export async function keptLiveMeetings(store: LiveMeetingStore, graceSeconds: number, now: Date, log: Logger): Promise<KeptLiveMeeting[]> {
  const kept: KeptLiveMeeting[] = [];
  for (const row of await store.all()) {
    const snapshot = parseSnapshot(row.snapshot);
    if (snapshot && now.getTime() - row.updatedAt.getTime() <= graceSeconds * 1_000) {
      kept.push({ meetingId: row.meetingId, snapshot });
      continue;
    }
    log.info('dropping a live meeting’s snapshot', { meeting: row.meetingId, readable: snapshot !== undefined, updatedAt: row.updatedAt.toISOString() });
    await store.remove(row.meetingId);
  }
  return kept;
}

/** A live meeting's snapshot is written at most this often (and at once when Amphi stops). */
export const SNAPSHOT_EVERY_MS = 300;
/** The WebSocket close code "service restart" (RFC 6455): clients come back by themselves. */
export const RESTART_CLOSE_CODE = 1012;

/**
 * The meetings that have people in them right now. A meeting becomes live with its first
 * arrival and stops being live when the last one leaves or a host ends it. With a
 * LiveMeetingStore, each live meeting's snapshot is kept in storage as it changes, and a new
 * process restores the meetings that were live (restore()): a restart does not end them.
 */
export class MeetingRegistry {
  readonly #live = new Map<string, LiveMeeting>();
  readonly #opening = new Map<string, Promise<LiveMeeting>>();
  /**
   * Meetings a host ended, for as long as someone reconnecting may still come back to them:
   * they are told it ended (with the redirect) rather than that their place was lost.
   */
  readonly #ended = new Map<string, { reason: 'ended-by-host' | 'server-shutdown'; redirectUrl: string | null; until: number }>();
  /** One-use join tickets that the BBB API and LTI issue and `join` redeems. */
  readonly tickets: JoinTickets;
  readonly #passcodes = new PasscodeGuard();
  /** Snapshot writes: one scheduled per meeting at a time, chained so they land in order. */
  readonly #writes = new Map<string, { timer: ReturnType<typeof setTimeout> | undefined; chain: Promise<void> }>();
  /** Amphi is stopping to restart: nobody new gets in. */
  #draining = false;
  /** The last snapshots before the restart are written: nothing after them counts. */
  #frozen = false;

  constructor(
    private readonly media: MediaBackend,
    private readonly directory: MeetingDirectory,
    private readonly policy: MeetingPolicy,
    private readonly iceServers: IceServer[],
    private readonly log: Logger,
    private readonly attendance?: AttendanceLog,
    private readonly documentStore?: DocumentStore,
    private readonly recorder?: CloudRecorder,
    private readonly store?: LiveMeetingStore,
    oneTime?: OneTimeStore,
  ) {
    this.tickets = new JoinTickets(oneTime);
    media.on('down', () => {
      for (const m of this.#live.values()) m.mediaDown();
    });
    media.on('reset', () => {
      for (const m of this.#live.values()) m.mediaReset();
    });
  }

  get(meetingId: string): LiveMeeting | undefined {
    return this.#live.get(meetingId);
  }

  /** The meetings going on now. */
  all(): LiveMeeting[] {
    return [...this.#live.values()].filter((m) => !m.ended);
  }

  async join(meetingId: string, input: JoinInput): Promise<{ meeting: LiveMeeting; result: JoinResult }> {
    if (this.#draining) throw new AppError('server.restarting', 'Amphi is restarting; try again in a few seconds');
    if (input.passcode !== undefined) this.#passcodes.check(meetingId, input.address);
    // Redeemed before the meeting is opened: a used or foreign ticket must not make it live.
    const ticket = input.ticket !== undefined ? await this.tickets.redeem(input.ticket, meetingId) : undefined;
    if (input.ticket !== undefined && !ticket) throw new AppError('auth.forbidden', 'this join link was already used or has expired; go back and join again');
    let meeting = await this.#liveMeeting(meetingId);
    // Another join refused meanwhile closed it (nobody was in it): this one opens it again.
    if (meeting.ended && !meeting.endedWith) meeting = await this.#liveMeeting(meetingId);
    try {
      return { meeting, result: this.#joinAs(meeting, input, ticket) };
    } catch (err) {
      if (err instanceof AppError && err.code === 'meeting.passcode_wrong') this.#passcodes.wrong(meetingId, input.address);
      // A refused join (a wrong passcode, a full meeting…) must not leave the meeting live with nobody in it.
      meeting.closeIfIdle();
      throw err;
    }
  }

  #joinAs(meeting: LiveMeeting, input: JoinInput, ticket: JoinTicket | undefined): JoinResult {
    if (!ticket) return meeting.join(input);
    // A host ticket acts for the owner (the consumer's service account, licensed when issued);
    // everyone else comes in unsigned, as the ticket's name, whoever is signed in in this browser.
    const host = ticket.role === 'host';
    return meeting.join({
      ...input,
      name: ticket.name,
      userId: host ? meeting.ownerId : undefined,
      email: undefined,
      licensed: host,
      isStaff: host && ticket.mayRecord,
      waitingRoom: ticket.waitingRoom,
      externalUserId: ticket.externalUserId,
    });
  }

  /**
   * A participant comes back on a new connection (see LiveMeeting.resume). A meeting that ended
   * meanwhile answers `meeting-ended` and closes the connection, as it would have.
   */
  resume(meetingId: string, input: Parameters<LiveMeeting['resume']>[0]): { meeting: LiveMeeting; participant: Participant } | undefined {
    const meeting = this.#live.get(meetingId);
    if (meeting && !meeting.ended) return { meeting, participant: meeting.resume(input) };
    const ended = meeting?.endedWith ?? this.#endedRecently(meetingId);
    if (ended) {
      endedOn(input.sink, ended);
      return undefined;
    }
    throw new AppError('resume.expired', 'this meeting is not going on any more; join again');
  }

  #endedRecently(meetingId: string): { reason: 'ended-by-host' | 'server-shutdown'; redirectUrl: string | null } | undefined {
    const now = Date.now();
    for (const [id, e] of this.#ended) if (e.until < now) this.#ended.delete(id);
    return this.#ended.get(meetingId);
  }

  /** The live meeting, made live from storage if needed (once, however many join at the same moment). */
  async #liveMeeting(meetingId: string): Promise<LiveMeeting> {
    const live = this.#live.get(meetingId);
    if (live && !live.ended) return live;
    let opening = this.#opening.get(meetingId);
    if (!opening) {
      opening = (async () => {
        const record = await this.directory.byId(meetingId);
        if (!record) throw new AppError('meeting.not_found', 'no meeting has this id');
        const meeting = await this.#create(record);
        this.#live.set(meetingId, meeting);
        return meeting;
      })().finally(() => this.#opening.delete(meetingId));
      this.#opening.set(meetingId, opening);
    }
    return opening;
  }

  /** A live meeting for the stored one, wired to this registry (not yet in #live). */
  async #create(record: MeetingRecordForLive): Promise<LiveMeeting> {
    const meetingId = record.id;
    const [banned, plan] = await Promise.all([this.directory.bannedKeys(meetingId), this.directory.breakoutPlan(meetingId)]);
    const meeting = new LiveMeeting(
      record,
      this.media,
      this.policy,
      this.iceServers,
      banned,
      (id, keys) => void this.directory.addBans(id, keys).catch((err) => this.log.error('could not store a removal', { err: String(err) })),
      this.log,
      (m) => {
        if (this.#live.get(m.id) === m) this.#live.delete(m.id);
        if (m.endedWith) this.#ended.set(m.id, { ...m.endedWith, until: Date.now() + m.graceSeconds * 1_000 });
        this.#forget(m);
      },
      this.attendance,
      this.documentStore,
      this.recorder,
    );
    meeting.breakouts.loadPlan(plan);
    if (this.store) meeting.onChanged = (m) => this.#saveSoon(m);
    return meeting;
  }

  /** The meeting changed: its snapshot is written within SNAPSHOT_EVERY_MS. */
  #saveSoon(m: LiveMeeting): void {
    const w = this.#writesOf(m);
    if (w.timer || m.ended || this.#frozen) return;
    w.timer = setTimeout(() => void this.#save(m), SNAPSHOT_EVERY_MS);
    w.timer.unref?.();
  }

  #writesOf(m: LiveMeeting): { timer: ReturnType<typeof setTimeout> | undefined; chain: Promise<void> } {
    let w = this.#writes.get(m.id);
    if (!w) this.#writes.set(m.id, (w = { timer: undefined, chain: Promise.resolve() }));
    return w;
  }

  /** Writes the snapshot now (a write scheduled by #saveSoon is taken by this one). */
  #save(m: LiveMeeting): Promise<void> {
    const w = this.#writesOf(m);
    clearTimeout(w.timer);
    w.timer = undefined;
    const store = this.store;
    if (!store || m.ended || this.#live.get(m.id) !== m) return Promise.resolve();
    const text = JSON.stringify(m.snapshot());
    w.chain = w.chain.then(() => store.save(m.id, text, new Date())).catch((err) => this.log.error('could not store a live meeting', { meeting: m.id, err: String(err) }));
    return w.chain;
  }

  /** The meeting is no longer live: its snapshot goes (after any write still under way). */
  #forget(m: LiveMeeting): void {
    const store = this.store;
    if (!store) return;
    const w = this.#writes.get(m.id) ?? { timer: undefined, chain: Promise.resolve() };
    clearTimeout(w.timer);
    this.#writes.delete(m.id);
    void w.chain.then(() => store.remove(m.id)).catch((err) => this.log.error('could not remove a live meeting’s snapshot', { meeting: m.id, err: String(err) }));
  }

  /**
   * At start: the meetings that were live when Amphi stopped go on (from keptLiveMeetings),
   * everyone in them reconnecting until they resume or their grace period ends.
   */
  async restore(kept: KeptLiveMeeting[]): Promise<number> {
    let restored = 0;
    for (const { meetingId, snapshot } of kept) {
      const record = await this.directory.byId(meetingId);
      if (!record || this.#live.has(meetingId) || snapshot.participants.length === 0) {
        await this.store?.remove(meetingId);
        continue;
      }
      const meeting = await this.#create(record);
      meeting.restore(snapshot);
      await meeting.recording.restore(snapshot.recording);
      this.#live.set(record.id, meeting);
      restored++;
      this.log.info('restored a live meeting', { meeting: record.id, participants: meeting.size });
    }
    return restored;
  }

  /**
   * Amphi is stopping to restart (SIGTERM): nobody new gets in, everyone is told to stay on the
   * page, every live meeting's snapshot is written, and every connection is closed with 1012 so
   * that clients come back by themselves. Meetings are not ended.
   */
  async suspend(): Promise<void> {
    this.#draining = true;
    const meetings = [...this.#live.values()].filter((m) => !m.ended);
    for (const m of meetings) m.suspend(RESTART_CLOSE_CODE);
    await Promise.all(meetings.map((m) => this.#save(m)));
    this.#frozen = true;
    for (const m of meetings) m.disconnectAll(RESTART_CLOSE_CODE, 'Amphi is restarting');
  }

  /** Sends everyone away (server shutdown). */
  shutdown(): void {
    for (const m of [...this.#live.values()]) m.terminate('server-shutdown');
  }
}

function endedOn(sink: ParticipantChannel, ended: { reason: 'ended-by-host' | 'server-shutdown'; redirectUrl: string | null }): void {
  sink.send({ type: 'meeting-ended', reason: ended.reason, redirectUrl: ended.redirectUrl });
  sink.close(ended.reason === 'ended-by-host' ? CLOSE_CODES.meetingEnded : CLOSE_CODES.serverShutdown, ended.reason);
}

/** Wrong passcodes an address may give in 15 minutes before it is refused. */
export const WRONG_PASSCODES_PER_ADDRESS = 10;
/** Wrong passcodes a meeting takes in 15 minutes before only addresses with none may try. */
export const WRONG_PASSCODES_PER_MEETING = 50;
const PASSCODE_WINDOW_MS = 15 * 60_000;

/**
 * Meeting passcodes cannot be guessed: an address that gave WRONG_PASSCODES_PER_ADDRESS wrong
 * ones is refused for the rest of the window; a meeting that took WRONG_PASSCODES_PER_MEETING
 * (many addresses at it) lets try only the addresses that have not been wrong yet, once each.
 * A class typing the right passcode is never locked out by someone else's guesses. (The
 * connection also closes after each wrong one: see SignalingConnection.)
 */
class PasscodeGuard {
  readonly #perAddress = new RateLimiter(WRONG_PASSCODES_PER_ADDRESS - 1, PASSCODE_WINDOW_MS);
  readonly #perMeeting = new RateLimiter(WRONG_PASSCODES_PER_MEETING - 1, PASSCODE_WINDOW_MS);

  check(meetingId: string, address: string | undefined): void {
    const key = address ?? 'unknown';
    // Cost 0 only looks: wrong passcodes spend the budgets (wrong()).
    const addressOver = !this.#perAddress.hit(key, 0);
    const meetingOver = !this.#perMeeting.hit(meetingId, 0);
    if (addressOver || (meetingOver && this.#perAddress.count(key) > 0)) {
      throw new AppError('meeting.passcode_locked', 'too many wrong passcodes; try again in 15 minutes');
    }
  }

  wrong(meetingId: string, address: string | undefined): void {
    this.#perAddress.hit(address ?? 'unknown');
    this.#perMeeting.hit(meetingId);
  }
}
