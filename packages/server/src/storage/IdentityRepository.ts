import type { Kysely } from 'kysely';
import type { Database } from './schema.ts';

/** Links between identities at single sign-on providers and Amphi accounts. */
export class IdentityRepository {
  constructor(private readonly db: Kysely<Database>) {}

  /** The account linked to this identity, if any. */
  async userIdOf(provider: string, subject: string): Promise<string | undefined> {
    const row = await this.db.selectFrom('identities').select('user_id').where('provider', '=', provider).where('subject', '=', subject).executeTakeFirst();
    return row?.user_id;
  }

  async link(provider: string, subject: string, userId: string, now: Date): Promise<void> {
    const at = now.toISOString();
    await this.db.insertInto('identities').values({ provider, subject, user_id: userId, created_at: at, last_seen_at: at }).execute();
  }

  async touch(provider: string, subject: string, now: Date): Promise<void> {
    await this.db.updateTable('identities').set({ last_seen_at: now.toISOString() }).where('provider', '=', provider).where('subject', '=', subject).execute();
  }
}
