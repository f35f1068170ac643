import type { Kysely } from 'kysely';
import type { Database } from './schema.ts';

export interface SessionRow {
  userId: string;
  expiresAt: string;
}

/** Sign-in sessions, keyed by the hash of the cookie token. */
export class SessionRepository {
  constructor(private readonly db: Kysely<Database>) {}

  async create(tokenHash: string, userId: string, now: Date, expiresAt: Date): Promise<void> {
    await this.db
      .insertInto('sessions')
      .values({ token_hash: tokenHash, user_id: userId, created_at: now.toISOString(), expires_at: expiresAt.toISOString() })
      .execute();
  }

  async find(tokenHash: string): Promise<SessionRow | undefined> {
    const row = await this.db.selectFrom('sessions').select(['user_id', 'expires_at']).where('token_hash', '=', tokenHash).executeTakeFirst();
    return row ? { userId: row.user_id, expiresAt: row.expires_at } : undefined;
  }

  async delete(tokenHash: string): Promise<void> {
    await this.db.deleteFrom('sessions').where('token_hash', '=', tokenHash).execute();
  }

  async deleteExpired(now: Date): Promise<number> {
    const res = await this.db.deleteFrom('sessions').where('expires_at', '<', now.toISOString()).executeTakeFirst();
    return Number(res.numDeletedRows);
  }
}
