import crypto from 'node:crypto';
import type { Kysely } from 'kysely';
import type { Database, UsersTable } from './schema.ts';

/** A person with an account (organisers and administrators; guests have none). */
export interface User {
  id: string;
  email: string;
  name: string;
  isAdmin: boolean;
  /** May record to the cloud. */
  isStaff: boolean;
  /** Holds a named host licence: may schedule and host meetings. */
  licensed: boolean;
  passwordHash: string | null;
  createdAt: string;
}

function toUser(row: UsersTable & { licensed?: unknown }): User {
  return {
    id: row.id,
    email: row.email,
    name: row.name,
    isAdmin: row.is_admin === 1,
    isStaff: row.is_staff === 1,
    // SQLite answers 0/1, PostgreSQL true/false.
    licensed: Number(row.licensed ?? 0) === 1 || row.licensed === true,
    passwordHash: row.password_hash,
    createdAt: row.created_at,
  };
}

export class UserRepository {
  constructor(private readonly db: Kysely<Database>) {}

  async create(input: { email: string; name: string; passwordHash: string | null; isAdmin: boolean; isStaff?: boolean }): Promise<User> {
    const row: UsersTable = {
      id: crypto.randomUUID(),
      email: input.email.toLowerCase(),
      name: input.name,
      password_hash: input.passwordHash,
      is_admin: input.isAdmin ? 1 : 0,
      is_staff: input.isStaff ? 1 : 0,
      created_at: new Date().toISOString(),
    };
    await this.db.insertInto('users').values(row).execute();
    return toUser({ ...row, licensed: 0 });
  }

  /** Users with whether they hold a licence. */
  #select() {
    return this.db
      .selectFrom('users')
      .selectAll('users')
      .select((eb) => eb.exists(eb.selectFrom('licences').select('licences.user_id').whereRef('licences.user_id', '=', 'users.id')).as('licensed'));
  }

  async byEmail(email: string): Promise<User | undefined> {
    const row = await this.#select().where('email', '=', email.toLowerCase()).executeTakeFirst();
    return row ? toUser(row) : undefined;
  }

  async byId(id: string): Promise<User | undefined> {
    const row = await this.#select().where('id', '=', id).executeTakeFirst();
    return row ? toUser(row) : undefined;
  }

  /** People, by name, optionally those whose name or email contains `query`. */
  async list(query: string | undefined, limit: number): Promise<User[]> {
    let q = this.#select();
    if (query) {
      // Wildcards typed by the administrator are taken out rather than escaped (SQLite and
      // PostgreSQL escape differently).
      const like = `%${query.toLowerCase().replace(/[\\%_]/g, '')}%`;
      q = q.where((eb) => eb.or([eb(eb.fn('lower', ['users.name']), 'like', like), eb('users.email', 'like', like)]));
    }
    return (await q.orderBy('users.name').orderBy('users.email').limit(limit).execute()).map(toUser);
  }

  async setStaff(id: string, isStaff: boolean): Promise<void> {
    await this.db.updateTable('users').set({ is_staff: isStaff ? 1 : 0 }).where('id', '=', id).execute();
  }

  /** The name a single sign-on provider gives (refreshed at every sign-in). */
  async setName(id: string, name: string): Promise<void> {
    await this.db.updateTable('users').set({ name }).where('id', '=', id).execute();
  }

  async count(): Promise<number> {
    const row = await this.db.selectFrom('users').select((eb) => eb.fn.countAll<string | number>().as('n')).executeTakeFirstOrThrow();
    return Number(row.n);
  }

  async setPassword(id: string, passwordHash: string): Promise<void> {
    await this.db.updateTable('users').set({ password_hash: passwordHash }).where('id', '=', id).execute();
  }
}
