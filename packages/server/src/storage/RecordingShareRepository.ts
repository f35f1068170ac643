import type { Kysely, Selectable } from 'kysely';
import type { Database, RecordingSharesTable } from './schema.ts';

/** A link to a cloud recording (see RecordingSharesTable). Times are ISO-8601 strings. */
export interface RecordingShare {
  /** The secret of the link. */
  id: string;
  recordingId: string;
  /** scrypt hash of the passcode; null when the link has none. */
  passcodeHash: string | null;
  /** Null: the link does not expire. */
  expiresAt: string | null;
  createdAt: string;
  createdBy: string;
}

function toShare(row: Selectable<RecordingSharesTable>): RecordingShare {
  return {
    id: row.id,
    recordingId: row.recording_id,
    passcodeHash: row.passcode_hash,
    expiresAt: row.expires_at,
    createdAt: row.created_at,
    createdBy: row.created_by,
  };
}

/** Whether a share still opens its recording at `now` (an expiry is the first instant it no longer does). */
export function isLive(share: RecordingShare, now: Date): boolean {
  return share.expiresAt === null || share.expiresAt > now.toISOString();
}

/**
 * Links to cloud recordings. A share is removed with its recording (RecordingRepository.delete,
 * and the foreign key's cascade), and with the account that made it.
 */
export class RecordingShareRepository {
  constructor(private readonly db: Kysely<Database>) {}

  async create(input: { id: string; recordingId: string; passcodeHash: string | null; expiresAt: Date | null; createdBy: string; now: Date }): Promise<RecordingShare> {
    const row: Selectable<RecordingSharesTable> = {
      id: input.id,
      recording_id: input.recordingId,
      passcode_hash: input.passcodeHash,
      expires_at: input.expiresAt?.toISOString() ?? null,
      created_at: input.now.toISOString(),
      created_by: input.createdBy,
    };
    await this.db.insertInto('recording_shares').values(row).execute();
    return toShare(row);
  }

  /** The shares of a recording that still work at `now`, newest first. */
  async listFor(recordingId: string, now: Date): Promise<RecordingShare[]> {
    const rows = await this.db
      .selectFrom('recording_shares')
      .selectAll()
      .where('recording_id', '=', recordingId)
      .where((eb) => eb.or([eb('expires_at', 'is', null), eb('expires_at', '>', now.toISOString())]))
      .orderBy('created_at', 'desc')
      .orderBy('id')
      .execute();
    return rows.map(toShare);
  }

  /** The share behind a link, expired or not (the caller decides with isLive). */
  async byToken(token: string): Promise<RecordingShare | undefined> {
    const row = await this.db.selectFrom('recording_shares').selectAll().where('id', '=', token).executeTakeFirst();
    return row ? toShare(row) : undefined;
  }

  /** Stops a link of this recording; false when it has no such share. */
  async revoke(recordingId: string, shareId: string): Promise<boolean> {
    const res = await this.db.deleteFrom('recording_shares').where('recording_id', '=', recordingId).where('id', '=', shareId).executeTakeFirst();
    return Number(res.numDeletedRows) > 0;
  }

  /** Forgets the shares that expired before `now`; how many there were. */
  async deleteExpired(now: Date): Promise<number> {
    const res = await this.db.deleteFrom('recording_shares').where('expires_at', 'is not', null).where('expires_at', '<=', now.toISOString()).executeTakeFirst();
    return Number(res.numDeletedRows);
  }
}
