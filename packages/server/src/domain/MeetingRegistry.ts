import { CLOSE_CODES, type IceServer } from '@amphi/protocol';
import { AppError } from '../errors.ts';
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
import { JoinTickets } from './JoinTickets.ts';

/**
 * The meetings that have people in them right now. A meeting becomes live with its first
 * arrival and stops being live when the last one leaves or a host ends it.
 */
export class MeetingRegistry {
  readonly #live = new Map<string, LiveMeeting>();
  readonly #opening = new Map<string, Promise<LiveMeeting>>();
  /**
   * Meetings a host ended, for as long as someone reconnecting may still come back to them:
   * they are told it ended (with the redirect) rather than that their place was lost.
   */
  readonly #ended = new Map<string, { reason: 'ended-by-host' | 'server-shutdown'; redirectUrl: string | null; until: number }>();
  /** One-use join tickets that the BBB API issues and `join` redeems. */
  readonly tickets = new JoinTickets();

  constructor(
    private readonly media: MediaBackend,
    private readonly directory: MeetingDirectory,
    private readonly policy: MeetingPolicy,
    private readonly iceServers: IceServer[],
    private readonly log: Logger,
    private readonly attendance?: AttendanceLog,
    private readonly documentStore?: DocumentStore,
    private readonly recorder?: CloudRecorder,
  ) {
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
    // Redeemed before the meeting is opened: a used or foreign ticket must not make it live.
    const ticket = input.ticket !== undefined ? this.tickets.redeem(input.ticket, meetingId) : undefined;
    if (input.ticket !== undefined && !ticket) throw new AppError('auth.forbidden', 'this join link was already used or has expired; go back and join again');
    const meeting = await this.#liveMeeting(meetingId);
    if (!ticket) return { meeting, result: meeting.join(input) };
    // A host ticket acts for the owner (the consumer's service account, licensed when issued);
    // everyone else comes in unsigned, as the ticket's name, whoever is signed in in this browser.
    const host = ticket.role === 'host';
    return {
      meeting,
      result: meeting.join({
        ...input,
        name: ticket.name,
        userId: host ? meeting.ownerId : undefined,
        email: undefined,
        licensed: host,
        isStaff: host && ticket.mayRecord,
        waitingRoom: ticket.waitingRoom,
        externalUserId: ticket.externalUserId,
      }),
    };
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
          },
          this.attendance,
          this.documentStore,
          this.recorder,
        );
        meeting.breakouts.loadPlan(plan);
        this.#live.set(meetingId, meeting);
        return meeting;
      })().finally(() => this.#opening.delete(meetingId));
      this.#opening.set(meetingId, opening);
    }
    return opening;
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
