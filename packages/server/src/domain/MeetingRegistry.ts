import { AppError } from '../errors.ts';
import type { Logger } from '../Logger.ts';
import type { MediaBackend } from '../ports/MediaBackend.ts';
import type { MeetingDirectory } from '../ports/MeetingDirectory.ts';
import { LiveMeeting, type JoinInput } from './LiveMeeting.ts';
import type { Participant } from './Participant.ts';

/**
 * The meetings that have people in them right now. A meeting becomes live with its first
 * participant and stops being live when the last one leaves or a host ends it.
 */
export class MeetingRegistry {
  readonly #live = new Map<string, LiveMeeting>();

  constructor(
    private readonly media: MediaBackend,
    private readonly directory: MeetingDirectory,
    private readonly log: Logger,
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

  async join(meetingId: string, input: JoinInput): Promise<{ meeting: LiveMeeting; participant: Participant }> {
    let meeting = this.#live.get(meetingId);
    if (!meeting) {
      const record = await this.directory.byId(meetingId);
      if (!record) throw new AppError('meeting.not_found', 'no meeting has this id');
      // Another join may have made it live while we were reading the directory.
      meeting = this.#live.get(meetingId);
      if (!meeting) {
        meeting = new LiveMeeting(record.id, record.title, record.ownerId, this.media, this.log, (m) => {
          if (this.#live.get(m.id) === m) this.#live.delete(m.id);
        });
        this.#live.set(meetingId, meeting);
      }
    }
    return { meeting, participant: meeting.join(input) };
  }

  /** Sends everyone away (server shutdown). */
  shutdown(): void {
    for (const m of [...this.#live.values()]) m.terminate('server-shutdown');
  }
}
