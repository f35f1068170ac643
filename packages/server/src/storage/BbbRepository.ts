import type { Kysely, Selectable } from 'kysely';
import type { BbbSessionsTable, Database } from './schema.ts';

/** A server allowed to call the BigBlueButton-compatible API. */
export interface BbbConsumer {
  id: string;
  name: string;
  secret: string;
  serviceUserId: string;
  createdAt: string;
}

/** What `create` said that Amphi acts on later (join, end, recordings). */
export interface BbbSessionOptions {
  attendeePW: string;
  moderatorPW: string;
  record: boolean;
  guestPolicy: 'ALWAYS_ACCEPT' | 'ASK_MODERATOR' | 'ALWAYS_DENY';
  maxParticipants: number | null;
  logoutURL: string | null;
  voiceBridge: string;
}

/** One BBB session of a consumer's meeting. */
export interface BbbSession {
  /** The internalMeetingID, also the recordID of its recording. */
  id: string;
  consumerId: string;
  meetingId: string;
  amphiMeetingId: string;
  name: string;
  /** Epoch ms. */
  createTime: number;
  options: BbbSessionOptions;
  meta: Record<string, string>;
  joinedAt: string | null;
  endedAt: string | null;
  published: boolean;
  deleted: boolean;
  readyNotifiedAt: string | null;
}

function parseJson<T>(text: string, fallback: T): T {
  try {
    return JSON.parse(text) as T;
  } catch {
    return fallback;
  }
}

function toSession(row: Selectable<BbbSessionsTable>): BbbSession {
  return {
    id: row.id,
    consumerId: row.consumer_id,
    meetingId: row.meeting_id,
    amphiMeetingId: row.amphi_meeting_id,
    name: row.name,
    createTime: Number(row.create_time),
    // Written by this module only (JSON.stringify of the typed values below).
    options: parseJson<BbbSessionOptions>(row.options, { attendeePW: '', moderatorPW: '', record: false, guestPolicy: 'ALWAYS_ACCEPT', maxParticipants: null, logoutURL: null, voiceBridge: '70000' }),
    meta: parseJson<Record<string, string>>(row.meta, {}),
    joinedAt: row.joined_at,
    endedAt: row.ended_at,
    published: Number(row.published) === 1,
    deleted: Number(row.deleted) === 1,
    readyNotifiedAt: row.ready_notified_at,
  };
}

/** BBB API consumers, the Amphi meetings behind their meetingIDs, and their sessions. */
export class BbbRepository {
  constructor(private readonly db: Kysely<Database>) {}

  async createConsumer(c: BbbConsumer): Promise<void> {
    await this.db.insertInto('bbb_consumers').values({ id: c.id, name: c.name, secret: c.secret, service_user_id: c.serviceUserId, created_at: c.createdAt }).execute();
  }

  async consumers(): Promise<BbbConsumer[]> {
    const rows = await this.db.selectFrom('bbb_consumers').selectAll().orderBy('created_at').execute();
    return rows.map((r) => ({ id: r.id, name: r.name, secret: r.secret, serviceUserId: r.service_user_id, createdAt: r.created_at }));
  }

  async setSecret(id: string, secret: string): Promise<boolean> {
    const res = await this.db.updateTable('bbb_consumers').set({ secret }).where('id', '=', id).executeTakeFirst();
    return Number(res.numUpdatedRows) > 0;
  }

  /** Removes the consumer with its meetings' mapping and sessions (explicitly: SQLite may not cascade). */
  async deleteConsumer(id: string): Promise<boolean> {
    return this.db.transaction().execute(async (trx) => {
      await trx.deleteFrom('bbb_sessions').where('consumer_id', '=', id).execute();
      await trx.deleteFrom('bbb_meetings').where('consumer_id', '=', id).execute();
      const res = await trx.deleteFrom('bbb_consumers').where('id', '=', id).executeTakeFirst();
      return Number(res.numDeletedRows) > 0;
    });
  }

  async amphiMeetingOf(consumerId: string, meetingId: string): Promise<string | undefined> {
    const row = await this.db.selectFrom('bbb_meetings').select('amphi_meeting_id').where('consumer_id', '=', consumerId).where('meeting_id', '=', meetingId).executeTakeFirst();
    return row?.amphi_meeting_id;
  }

  async mapMeeting(consumerId: string, meetingId: string, amphiMeetingId: string): Promise<void> {
    await this.db.insertInto('bbb_meetings').values({ consumer_id: consumerId, meeting_id: meetingId, amphi_meeting_id: amphiMeetingId }).execute();
  }

  async deleteMapping(consumerId: string, meetingId: string): Promise<void> {
    await this.db.deleteFrom('bbb_meetings').where('consumer_id', '=', consumerId).where('meeting_id', '=', meetingId).execute();
  }

  async createSession(s: BbbSession): Promise<void> {
    await this.db
      .insertInto('bbb_sessions')
      .values({
        id: s.id,
        consumer_id: s.consumerId,
        meeting_id: s.meetingId,
        amphi_meeting_id: s.amphiMeetingId,
        name: s.name,
        create_time: String(s.createTime),
        options: JSON.stringify(s.options),
        meta: JSON.stringify(s.meta),
        joined_at: s.joinedAt,
        ended_at: s.endedAt,
        published: s.published ? 1 : 0,
        deleted: s.deleted ? 1 : 0,
        ready_notified_at: s.readyNotifiedAt,
      })
      .execute();
  }

  /** The session of this meetingID that has not ended, if any. */
  async openSession(consumerId: string, meetingId: string): Promise<BbbSession | undefined> {
    const row = await this.db.selectFrom('bbb_sessions').selectAll().where('consumer_id', '=', consumerId).where('meeting_id', '=', meetingId).where('ended_at', 'is', null).executeTakeFirst();
    return row ? toSession(row) : undefined;
  }

  async openSessions(consumerId?: string): Promise<BbbSession[]> {
    let q = this.db.selectFrom('bbb_sessions').selectAll().where('ended_at', 'is', null);
    if (consumerId) q = q.where('consumer_id', '=', consumerId);
    return (await q.orderBy('create_time').execute()).map(toSession);
  }

  async session(consumerId: string, id: string): Promise<BbbSession | undefined> {
    const row = await this.db.selectFrom('bbb_sessions').selectAll().where('consumer_id', '=', consumerId).where('id', '=', id).executeTakeFirst();
    return row ? toSession(row) : undefined;
  }

  async sessionsOfMeetings(consumerId: string, meetingIds: string[]): Promise<BbbSession[]> {
    if (meetingIds.length === 0) return [];
    const rows = await this.db.selectFrom('bbb_sessions').selectAll().where('consumer_id', '=', consumerId).where('meeting_id', 'in', meetingIds).orderBy('create_time').execute();
    return rows.map(toSession);
  }

  async sessionsByIds(consumerId: string, ids: string[]): Promise<BbbSession[]> {
    if (ids.length === 0) return [];
    const rows = await this.db.selectFrom('bbb_sessions').selectAll().where('consumer_id', '=', consumerId).where('id', 'in', ids).orderBy('create_time').execute();
    return rows.map(toSession);
  }

  /** Ended sessions whose recording-ready callback has not been sent yet. */
  async endedAwaitingNotice(): Promise<BbbSession[]> {
    const rows = await this.db.selectFrom('bbb_sessions').selectAll().where('ended_at', 'is not', null).where('ready_notified_at', 'is', null).where('deleted', '=', 0).execute();
    return rows.map(toSession);
  }

  async update(id: string, change: { joinedAt?: string; endedAt?: string; published?: boolean; deleted?: boolean; meta?: Record<string, string>; readyNotifiedAt?: string }): Promise<void> {
    const set: Partial<BbbSessionsTable> = {};
    if (change.joinedAt !== undefined) set.joined_at = change.joinedAt;
    if (change.endedAt !== undefined) set.ended_at = change.endedAt;
    if (change.published !== undefined) set.published = change.published ? 1 : 0;
    if (change.deleted !== undefined) set.deleted = change.deleted ? 1 : 0;
    if (change.meta !== undefined) set.meta = JSON.stringify(change.meta);
    if (change.readyNotifiedAt !== undefined) set.ready_notified_at = change.readyNotifiedAt;
    if (Object.keys(set).length > 0) await this.db.updateTable('bbb_sessions').set(set).where('id', '=', id).execute();
  }

  /** Ends the session unless it already ended; true when this call ended it (so callbacks go once). */
  async end(id: string, at: Date): Promise<boolean> {
    const res = await this.db.updateTable('bbb_sessions').set({ ended_at: at.toISOString() }).where('id', '=', id).where('ended_at', 'is', null).executeTakeFirst();
    return Number(res.numUpdatedRows) > 0;
  }
}
