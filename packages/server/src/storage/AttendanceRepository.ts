import { sql, type Kysely } from 'kysely';
import type { AttendanceLog } from '../ports/AttendanceLog.ts';
import type { Database } from './schema.ts';

export interface SessionSummary {
  id: string;
  startedAt: string;
  endedAt: string | null;
  people: number;
}

export interface AttendanceRow {
  name: string;
  role: string;
  signedIn: boolean;
  joinedAt: string;
  leftAt: string | null;
}

/** Meeting sessions and who was in them (the attendance report). */
export class AttendanceRepository implements AttendanceLog {
  constructor(private readonly db: Kysely<Database>) {}

  async sessionStarted(meetingId: string, sessionId: string, at: Date): Promise<void> {
    await this.db.insertInto('meeting_sessions').values({ id: sessionId, meeting_id: meetingId, started_at: at.toISOString(), ended_at: null }).execute();
  }

  async sessionEnded(sessionId: string, at: Date): Promise<void> {
    await this.db.updateTable('meeting_sessions').set({ ended_at: at.toISOString() }).where('id', '=', sessionId).execute();
  }

  async joined(sessionId: string, stay: { participantId: string; name: string; role: string; userId: string | null; at: Date }): Promise<void> {
    await this.db
      .insertInto('attendance')
      .values({ session_id: sessionId, participant_id: stay.participantId, name: stay.name, role: stay.role, user_id: stay.userId, joined_at: stay.at.toISOString(), left_at: null })
      .execute();
  }

  async left(sessionId: string, stay: { participantId: string; name: string; role: string; at: Date }): Promise<void> {
    await this.db
      .updateTable('attendance')
      .set({ name: stay.name, role: stay.role, left_at: stay.at.toISOString() })
      .where('session_id', '=', sessionId)
      .where('participant_id', '=', stay.participantId)
      .execute();
  }

  async sessionsOf(meetingId: string): Promise<SessionSummary[]> {
    const rows = await this.db
      .selectFrom('meeting_sessions as s')
      .leftJoin('attendance as a', 'a.session_id', 's.id')
      .select(['s.id', 's.started_at', 's.ended_at', (eb) => eb.fn.count<string | number>('a.participant_id').as('people')])
      .where('s.meeting_id', '=', meetingId)
      .groupBy(['s.id', 's.started_at', 's.ended_at'])
      .orderBy('s.started_at', 'desc')
      .limit(200)
      .execute();
    return rows.map((r) => ({ id: r.id, startedAt: r.started_at, endedAt: r.ended_at, people: Number(r.people) }));
  }

  async session(meetingId: string, sessionId: string): Promise<SessionSummary | undefined> {
    return (await this.sessionsOf(meetingId)).find((s) => s.id === sessionId);
  }

  async attendanceOf(sessionId: string): Promise<AttendanceRow[]> {
    const rows = await this.db.selectFrom('attendance').selectAll().where('session_id', '=', sessionId).orderBy('joined_at').execute();
    return rows.map((r) => ({ name: r.name, role: r.role, signedIn: r.user_id !== null, joinedAt: r.joined_at, leftAt: r.left_at }));
  }

  /**
   * After a crash, sessions and stays were never closed: end them at the last moment anything
   * was recorded for that session, so the report does not count the downtime.
   */
  async closeDangling(except: ReadonlySet<string> = new Set()): Promise<void> {
    const open = await this.db.selectFrom('meeting_sessions').select(['id', 'started_at']).where('ended_at', 'is', null).execute();
    for (const s of open) {
      // A meeting that goes on after the restart keeps its session open.
      if (except.has(s.id)) continue;
      const last = await this.db
        .selectFrom('attendance')
        .select([sql<string | null>`max(coalesce(left_at, joined_at))`.as('t')])
        .where('session_id', '=', s.id)
        .executeTakeFirst();
      const end = last?.t ?? s.started_at;
      await this.db.updateTable('attendance').set({ left_at: end }).where('session_id', '=', s.id).where('left_at', 'is', null).execute();
      await this.db.updateTable('meeting_sessions').set({ ended_at: end }).where('id', '=', s.id).execute();
    }
  }
}
