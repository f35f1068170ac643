import type { Kysely } from 'kysely';
import type { Database, MeetingsTable } from './schema.ts';

/** A meeting as stored: what the organiser created. Who is in it right now lives in memory (domain/). */
export interface MeetingRecord {
  id: string;
  title: string;
  ownerId: string;
  createdAt: string;
}

function toMeeting(row: MeetingsTable): MeetingRecord {
  return { id: row.id, title: row.title, ownerId: row.owner_id, createdAt: row.created_at };
}

export class MeetingRepository {
  constructor(private readonly db: Kysely<Database>) {}

  async create(input: { id: string; title: string; ownerId: string; now: Date }): Promise<MeetingRecord> {
    const row: MeetingsTable = { id: input.id, title: input.title, owner_id: input.ownerId, created_at: input.now.toISOString() };
    await this.db.insertInto('meetings').values(row).execute();
    return toMeeting(row);
  }

  async byId(id: string): Promise<MeetingRecord | undefined> {
    const row = await this.db.selectFrom('meetings').selectAll().where('id', '=', id).executeTakeFirst();
    return row ? toMeeting(row) : undefined;
  }

  async byOwner(ownerId: string): Promise<MeetingRecord[]> {
    const rows = await this.db.selectFrom('meetings').selectAll().where('owner_id', '=', ownerId).orderBy('created_at', 'desc').limit(200).execute();
    return rows.map(toMeeting);
  }
}
