import type { Kysely } from 'kysely';
import type { LiveMeetingStore, StoredLiveMeeting } from '../ports/LiveMeetingStore.ts';
import type { Database } from './schema.ts';

/** The snapshots of live meetings (one row per live meeting), on SQLite or PostgreSQL alike. */
export class LiveMeetingRepository implements LiveMeetingStore {
  constructor(private readonly db: Kysely<Database>) {}

  async save(meetingId: string, snapshot: string, at: Date): Promise<void> {
    const updated_at = at.toISOString();
    await this.db
      .insertInto('live_meetings')
      .values({ meeting_id: meetingId, snapshot, updated_at })
      .onConflict((oc) => oc.column('meeting_id').doUpdateSet({ snapshot, updated_at }))
      .execute();
  }

  async remove(meetingId: string): Promise<void> {
    await this.db.deleteFrom('live_meetings').where('meeting_id', '=', meetingId).execute();
  }

  async all(): Promise<StoredLiveMeeting[]> {
    const rows = await this.db.selectFrom('live_meetings').selectAll().orderBy('meeting_id').execute();
    return rows.map((r) => ({ meetingId: r.meeting_id, snapshot: r.snapshot, updatedAt: new Date(r.updated_at) }));
  }
}
