import type { Insertable, Kysely, Selectable, Updateable } from 'kysely';
import type { RecordingCatalog, RecordingRecord, RecordingStatus } from '../ports/RecordingCatalog.ts';
import type { Database, RecordingsTable } from './schema.ts';

/** A recording with the name and email of its owner (the administrators' list). */
export interface OwnedRecording extends RecordingRecord {
  ownerName: string;
  ownerEmail: string;
}

const STATUSES: readonly RecordingStatus[] = ['recording', 'processing', 'ready', 'failed'];

function statusOf(value: string): RecordingStatus {
  const status = STATUSES.find((s) => s === value);
  if (!status) throw new Error(`recordings.status holds an unknown value "${value}"`);
  return status;
}

function toRecord(row: Selectable<RecordingsTable>): RecordingRecord {
  return {
    id: row.id,
    meetingId: row.meeting_id,
    ownerId: row.owner_id,
    title: row.title,
    startedAt: row.started_at,
    endedAt: row.ended_at,
    status: statusOf(row.status),
    // PostgreSQL reads a double precision as a number already, a bigint as a string.
    durationS: row.duration_s === null ? null : Number(row.duration_s),
    bytes: row.bytes === null ? null : Number(row.bytes),
    expiresAt: row.expires_at,
    error: row.error,
  };
}

/**
 * Cloud recordings: the catalogue the recorder writes (RecordingCatalog), the library people
 * browse, and what the retention job deletes and warns about. Times are ISO-8601 strings
 * (Date.toISOString()), so comparing them as text compares the instants.
 */
export class RecordingRepository implements RecordingCatalog {
  constructor(private readonly db: Kysely<Database>) {}

  async create(input: { id: string; meetingId: string; ownerId: string; title: string; startedAt: Date }): Promise<RecordingRecord> {
    const row: Insertable<RecordingsTable> & Selectable<RecordingsTable> = {
      id: input.id,
      meeting_id: input.meetingId,
      owner_id: input.ownerId,
      title: input.title,
      started_at: input.startedAt.toISOString(),
      ended_at: null,
      status: 'recording',
      duration_s: null,
      bytes: null,
      expires_at: null,
      error: null,
      warned_at: null,
    };
    await this.db.insertInto('recordings').values(row).execute();
    return toRecord(row);
  }

  async update(id: string, change: Partial<Pick<RecordingRecord, 'endedAt' | 'status' | 'durationS' | 'bytes' | 'expiresAt' | 'error'>>): Promise<void> {
    const set: Updateable<RecordingsTable> = {};
    if (change.endedAt !== undefined) set.ended_at = change.endedAt;
    if (change.status !== undefined) set.status = change.status;
    if (change.durationS !== undefined) set.duration_s = change.durationS;
    if (change.bytes !== undefined) set.bytes = change.bytes;
    if (change.expiresAt !== undefined) set.expires_at = change.expiresAt;
    if (change.error !== undefined) set.error = change.error;
    if (Object.keys(set).length === 0) return;
    await this.db.updateTable('recordings').set(set).where('id', '=', id).execute();
  }

  async byId(id: string): Promise<RecordingRecord | undefined> {
    const row = await this.db.selectFrom('recordings').selectAll().where('id', '=', id).executeTakeFirst();
    return row ? toRecord(row) : undefined;
  }

  async unfinished(): Promise<RecordingRecord[]> {
    const rows = await this.db.selectFrom('recordings').selectAll().where('status', 'in', ['recording', 'processing']).orderBy('started_at').execute();
    return rows.map(toRecord);
  }

  /** One person's recordings, newest first. */
  async listByOwner(ownerId: string): Promise<RecordingRecord[]> {
    const rows = await this.db.selectFrom('recordings').selectAll().where('owner_id', '=', ownerId).orderBy('started_at', 'desc').orderBy('id').execute();
    return rows.map(toRecord);
  }

  /** Everyone's recordings with their owner, newest first (administrators). */
  async listAll(): Promise<OwnedRecording[]> {
    const rows = await this.db
      .selectFrom('recordings')
      .innerJoin('users', 'users.id', 'recordings.owner_id')
      .selectAll('recordings')
      .select(['users.name as owner_name', 'users.email as owner_email'])
      .orderBy('recordings.started_at', 'desc')
      .orderBy('recordings.id')
      .execute();
    return rows.map((row) => ({ ...toRecord(row), ownerName: row.owner_name, ownerEmail: row.owner_email }));
  }

  /** Bytes of MP4 held by every recording (0 when none). */
  async totalBytes(): Promise<number> {
    const row = await this.db
      .selectFrom('recordings')
      .select((eb) => eb.fn.sum<string | number | null>('bytes').as('total'))
      .executeTakeFirstOrThrow();
    return Number(row.total ?? 0);
  }

  /**
   * Removes the record and its share links (not the files); false when there was none. The
   * shares go explicitly, in the same transaction, so no link outlives its recording even on a
   * database where the foreign key's cascade is not enforced.
   */
  async delete(id: string): Promise<boolean> {
    return this.db.transaction().execute(async (trx) => {
      await trx.deleteFrom('recording_shares').where('recording_id', '=', id).execute();
      const res = await trx.deleteFrom('recordings').where('id', '=', id).executeTakeFirst();
      return Number(res.numDeletedRows) > 0;
    });
  }

  /** Ready recordings whose retention ends before `at`. */
  async expiringBefore(at: Date): Promise<RecordingRecord[]> {
    const rows = await this.db
      .selectFrom('recordings')
      .selectAll()
      .where('status', '=', 'ready')
      .where('expires_at', 'is not', null)
      .where('expires_at', '<', at.toISOString())
      .orderBy('expires_at')
      .execute();
    return rows.map(toRecord);
  }

  /** Ready recordings whose retention ends before `at` and whose owner was not warned yet. */
  async toWarn(at: Date): Promise<RecordingRecord[]> {
    const rows = await this.db
      .selectFrom('recordings')
      .selectAll()
      .where('status', '=', 'ready')
      .where('warned_at', 'is', null)
      .where('expires_at', 'is not', null)
      .where('expires_at', '<', at.toISOString())
      .orderBy('expires_at')
      .execute();
    return rows.map(toRecord);
  }

  /** Records that the owner was warned (they are not warned about this recording again). */
  async markWarned(id: string, at: Date): Promise<void> {
    await this.db.updateTable('recordings').set({ warned_at: at.toISOString() }).where('id', '=', id).execute();
  }
}
