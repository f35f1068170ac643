import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import SQLite from 'better-sqlite3';
import { Kysely, PostgresDialect, SqliteDialect } from 'kysely';
import type { Config } from '../../config.ts';

/*
 * The two storage backends every storage test runs against: a fresh SQLite file, and the
 * throwaway PostgreSQL that `./amphi test` starts (wiped before each test).
 */

/** A bare connection, without Storage's migrate-on-open (to set up an older schema). */
export function rawDb(database: Config['database']): Kysely<any> {
  if (database.kind === 'sqlite') {
    fs.mkdirSync(path.dirname(database.file), { recursive: true });
    const db = new SQLite(database.file);
    db.pragma('foreign_keys = ON');
    return new Kysely<any>({ dialect: new SqliteDialect({ database: db }) });
  }
  return new Kysely<any>({ dialect: new PostgresDialect({ pool: new pg.Pool({ connectionString: database.url, max: 1 }) }) });
}

export interface Backend {
  name: string;
  /** An empty database for one test; throws when this backend cannot be reached. */
  fresh(): Promise<Config['database']>;
  /** Releases what fresh() made. */
  cleanup(): void;
}

const sqliteDirs: string[] = [];
export const sqlite: Backend = {
  name: 'SQLite',
  async fresh() {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'amphi-storage-'));
    sqliteDirs.push(dir);
    return { kind: 'sqlite', file: path.join(dir, 'db', 'amphi.sqlite') };
  },
  cleanup() {
    for (const dir of sqliteDirs.splice(0)) fs.rmSync(dir, { recursive: true, force: true });
  },
};

export const postgres: Backend = {
  name: 'PostgreSQL',
  async fresh() {
    const url = process.env.AMPHI_TEST_PG_URL;
    if (!url) {
      // Never skipped: a suite that silently passes without PostgreSQL would hide a broken backend.
      throw new Error('AMPHI_TEST_PG_URL is not set: run the storage tests through `./amphi test`, which starts a throwaway PostgreSQL and sets it');
    }
    // The test database is a throwaway one: wipe it so every test starts from nothing.
    const client = new pg.Client({ connectionString: url });
    await client.connect();
    try {
      await client.query('DROP SCHEMA public CASCADE; CREATE SCHEMA public;');
    } finally {
      await client.end();
    }
    return { kind: 'postgres', url };
  },
  cleanup() {},
};


export const BACKENDS: readonly Backend[] = [sqlite, postgres];
