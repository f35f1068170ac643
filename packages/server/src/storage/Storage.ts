import fs from 'node:fs';
import path from 'node:path';
import SQLite from 'better-sqlite3';
import pg from 'pg';
import { Kysely, Migrator, PostgresDialect, SqliteDialect } from 'kysely';
import type { Config } from '../config.ts';
import type { Database } from './schema.ts';
import { migrationProvider } from './migrations.ts';
import { UserRepository } from './UserRepository.ts';
import { SessionRepository } from './SessionRepository.ts';
import { MeetingRepository } from './MeetingRepository.ts';
import { AttendanceRepository } from './AttendanceRepository.ts';
import { PollRepository } from './PollRepository.ts';
import { BreakoutPlanRepository } from './BreakoutPlanRepository.ts';
import { RecordingRepository } from './RecordingRepository.ts';
import { RecordingShareRepository } from './RecordingShareRepository.ts';
import { LicenceRepository } from './LicenceRepository.ts';
import { SettingsRepository } from './SettingsRepository.ts';
import { IdentityRepository } from './IdentityRepository.ts';
import { BbbRepository } from './BbbRepository.ts';
import { LtiRepository } from './LtiRepository.ts';
import { LiveMeetingRepository } from './LiveMeetingRepository.ts';

/** The database and its repositories. Owns the connection; close() releases it. */
export class Storage {
  readonly users: UserRepository;
  readonly sessions: SessionRepository;
  readonly meetings: MeetingRepository;
  readonly attendance: AttendanceRepository;
  readonly polls: PollRepository;
  readonly breakouts: BreakoutPlanRepository;
  readonly recordings: RecordingRepository;
  readonly recordingShares: RecordingShareRepository;
  readonly licences: LicenceRepository;
  readonly settings: SettingsRepository;
  readonly identities: IdentityRepository;
  readonly bbb: BbbRepository;
  readonly lti: LtiRepository;
  readonly liveMeetings: LiveMeetingRepository;
  #closed = false;

  private constructor(readonly db: Kysely<Database>) {
    this.users = new UserRepository(db);
    this.sessions = new SessionRepository(db);
    this.breakouts = new BreakoutPlanRepository(db);
    this.meetings = new MeetingRepository(db, this.breakouts);
    this.attendance = new AttendanceRepository(db);
    this.polls = new PollRepository(db);
    this.recordings = new RecordingRepository(db);
    this.recordingShares = new RecordingShareRepository(db);
    this.licences = new LicenceRepository(db);
    this.settings = new SettingsRepository(db);
    this.identities = new IdentityRepository(db);
    this.bbb = new BbbRepository(db);
    this.lti = new LtiRepository(db);
    this.liveMeetings = new LiveMeetingRepository(db);
  }

  /** Opens the database named by the config and brings its schema up to date. */
  static async open(database: Config['database']): Promise<Storage> {
    let db: Kysely<Database>;
    if (database.kind === 'sqlite') {
      if (database.file !== ':memory:') fs.mkdirSync(path.dirname(database.file), { recursive: true });
      const sqlite = new SQLite(database.file);
      sqlite.pragma('journal_mode = WAL');
      sqlite.pragma('foreign_keys = ON');
      sqlite.pragma('busy_timeout = 5000');
      db = new Kysely<Database>({ dialect: new SqliteDialect({ database: sqlite }) });
    } else {
      db = new Kysely<Database>({ dialect: new PostgresDialect({ pool: new pg.Pool({ connectionString: database.url, max: 10 }) }) });
    }
    const storage = new Storage(db);
    try {
      await storage.migrate();
    } catch (err) {
      await storage.close();
      throw err;
    }
    return storage;
  }

  async migrate(): Promise<void> {
    const migrator = new Migrator({ db: this.db, provider: migrationProvider });
    const { error, results } = await migrator.migrateToLatest();
    if (error) {
      const failed = results?.find((r) => r.status === 'Error')?.migrationName ?? 'unknown';
      throw new Error(`database migration ${failed} failed: ${String(error)}`, { cause: error });
    }
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    await this.db.destroy();
  }
}
