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
  passwordHash: string | null;
  createdAt: string;
}

function toUser(row: UsersTable): User {
  return { id: row.id, email: row.email, name: row.name, isAdmin: row.is_admin === 1, isStaff: row.is_staff === 1, passwordHash: row.password_hash, createdAt: row.created_at };
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
    return toUser(row);
  }

  async byEmail(email: string): Promise<User | undefined> {
    const row = await this.db.selectFrom('users').selectAll().where('email', '=', email.toLowerCase()).executeTakeFirst();
    return row ? toUser(row) : undefined;
  }

  async byId(id: string): Promise<User | undefined> {
    const row = await this.db.selectFrom('users').selectAll().where('id', '=', id).executeTakeFirst();
    return row ? toUser(row) : undefined;
  }

  async count(): Promise<number> {
    const row = await this.db.selectFrom('users').select((eb) => eb.fn.countAll<string | number>().as('n')).executeTakeFirstOrThrow();
    return Number(row.n);
  }

  async setPassword(id: string, passwordHash: string): Promise<void> {
    await this.db.updateTable('users').set({ password_hash: passwordHash }).where('id', '=', id).execute();
  }
}
