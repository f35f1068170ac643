// The storage layer against the real databases it supports: a temp SQLite file and the
// throwaway PostgreSQL that `./amphi test` starts (AMPHI_TEST_PG_URL). The same suite runs on
// both, each test on an empty database.
import { after, afterEach, beforeEach, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Migrator, sql } from 'kysely';
import type { Config } from '../config.ts';
import { DEFAULT_MEETING_SETTINGS, type MeetingSettings } from '../domain/MeetingSettings.ts';
import { migrationProvider } from './migrations.ts';
import { BACKENDS, rawDb } from './testing/backends.ts';
import { Storage } from './Storage.ts';

const MIGRATION_NAMES = ['0001_accounts_and_meetings', '0002_meeting_settings_and_bans', '0003_scheduling', '0004_attendance', '0005_prepared_polls', '0006_breakout_plans', '0007_staff_and_recordings', '0008_recording_shares', '0009_identities', '0010_licences_and_audit', '0011_settings', '0012_bbb_api', '0013_lti_tool', '0014_live_meetings', '0015_lti_meeting_contexts', '0016_waiting_room_everyone'];
/** What later migrations add to a meeting that had none of it. */
const UNSCHEDULED = { description: '', schedule: null, personal: false };

for (const backend of BACKENDS) {
  describe(`Storage on ${backend.name}`, () => {
    let database: Config['database'];
    let storage: Storage;
    const opened: Storage[] = [];
    const open = async () => {
      const s = await Storage.open(database);
      opened.push(s);
      return s;
    };

    beforeEach(async () => {
      database = await backend.fresh();
      storage = await open();
    });
    afterEach(async () => {
      for (const s of opened.splice(0)) await s.close();
      backend.cleanup();
    });
    after(() => backend.cleanup());

    describe('migrations', () => {
      it('creates the schema on open', async () => {
        assert.equal(await storage.users.count(), 0);
        const applied = await sql<{ name: string }>`select name from kysely_migration order by name`.execute(storage.db);
        assert.deepEqual(applied.rows.map((r) => r.name), MIGRATION_NAMES);
      });

      it('opening the same database again is idempotent and keeps the data', async () => {
        const ada = await storage.users.create({ email: 'ada@example.org', name: 'Ada', passwordHash: 'h', isAdmin: true });
        await storage.meetings.create({ id: 'abc-defg-hjk', title: 'Seminar', ownerId: ada.id, now: new Date('2025-01-01T10:00:00Z') });

        // A second Storage while the first is still open, then a reopen after both are closed.
        const second = await open();
        assert.deepEqual(await second.users.byId(ada.id), ada);
        await second.close();
        await storage.close();
        const third = await open();
        assert.deepEqual(await third.users.byEmail('ada@example.org'), ada);
        assert.equal((await third.meetings.byId('abc-defg-hjk'))?.title, 'Seminar');
        const applied = await sql<{ name: string }>`select name from kysely_migration`.execute(third.db);
        assert.equal(applied.rows.length, MIGRATION_NAMES.length, 'each migration is recorded once');
      });

      it('0002 upgrades a database made by 0001: existing meetings get the default settings and nothing is lost', async () => {
        // Start again from an empty database, brought to 0001 only.
        await storage.close();
        database = await backend.fresh();
        const old = rawDb(database);
        try {
          const { error } = await new Migrator({ db: old, provider: migrationProvider }).migrateTo('0001_accounts_and_meetings');
          assert.equal(error, undefined);
          await old.insertInto('users').values({ id: 'u1', email: 'ada@example.org', name: 'Ada', password_hash: null, is_admin: 0, created_at: '2025-01-01T00:00:00.000Z' }).execute();
          await old.insertInto('meetings').values({ id: 'abc-defg-hjk', title: 'Seminar', owner_id: 'u1', created_at: '2025-01-01T10:00:00.000Z' }).execute();
        } finally {
          await old.destroy();
        }
        const upgraded = await open();
        assert.deepEqual(await upgraded.meetings.byId('abc-defg-hjk'), {
          id: 'abc-defg-hjk',
          title: 'Seminar',
          ownerId: 'u1',
          createdAt: '2025-01-01T10:00:00.000Z',
          settings: DEFAULT_MEETING_SETTINGS,
          ...UNSCHEDULED,
        });
        assert.deepEqual(await upgraded.meetings.bannedKeys('abc-defg-hjk'), []);
        const applied = await sql<{ name: string }>`select name from kysely_migration order by name`.execute(upgraded.db);
        assert.deepEqual(applied.rows.map((r) => r.name), MIGRATION_NAMES);
      });

      it('0015 gives each LTI meeting the courses that already launched it', async () => {
        await storage.close();
        database = await backend.fresh();
        const old = rawDb(database);
        try {
          const { error } = await new Migrator({ db: old, provider: migrationProvider }).migrateTo('0014_live_meetings');
          assert.equal(error, undefined);
          await old.insertInto('users').values({ id: 'svc', email: 'lti@platforms.amphi.invalid', name: 'Moodle (LTI)', password_hash: null, is_admin: 0, created_at: '2025-01-01T00:00:00.000Z' }).execute();
          await old.insertInto('lti_registrations').values({ id: 'r1', name: 'Moodle', issuer: 'https://moodle.u.fr', client_id: 'c', deployment_ids: '["1"]', auth_url: 'a', jwks_url: 'j', token_url: 't', service_user_id: 'svc', created_at: '2025-01-01T00:00:00.000Z' }).execute();
          const link = { registration_id: 'r1', deployment_id: '1', memberships_url: null, groups_url: null };
          await old.insertInto('lti_resource_links').values([
            { ...link, context_id: 'physique', resource_link_id: '5', amphi_meeting_id: 'abc-defg-hjk', created_at: '2025-01-02T00:00:00.000Z' },
            { ...link, context_id: 'physique', resource_link_id: '6', amphi_meeting_id: 'abc-defg-hjk', created_at: '2025-01-01T00:00:00.000Z' },
            { ...link, context_id: 'chimie', resource_link_id: '9', amphi_meeting_id: 'xyz-defg-hjk', created_at: '2025-01-03T00:00:00.000Z' },
          ]).execute();
        } finally {
          await old.destroy();
        }
        const upgraded = await open();
        assert.equal(await upgraded.lti.inContext('r1', 'physique', 'abc-defg-hjk'), true);
        assert.equal(await upgraded.lti.inContext('r1', 'chimie', 'abc-defg-hjk'), false);
        assert.deepEqual(await upgraded.lti.meetingsOfContext('r1', 'chimie'), ['xyz-defg-hjk']);
        await upgraded.lti.addMeetingContext('r1', 'chimie', 'abc-defg-hjk', new Date());
        await upgraded.lti.addMeetingContext('r1', 'chimie', 'abc-defg-hjk', new Date());
        assert.deepEqual((await upgraded.lti.meetingsOfContext('r1', 'chimie')).sort(), ['abc-defg-hjk', 'xyz-defg-hjk']);
      });

      it('close() is safe to call twice', async () => {
        await storage.close();
        await storage.close();
      });
    });

    describe('users', () => {
      it('creates a user and finds it by id and by email, whatever the case', async () => {
        const created = await storage.users.create({ email: 'Grace.Hopper@Example.ORG', name: 'Grace Hopper', passwordHash: 'scrypt$x', isAdmin: false });
        assert.equal(created.email, 'grace.hopper@example.org', 'emails are stored lower-case');
        assert.equal(created.isAdmin, false);
        assert.equal(created.passwordHash, 'scrypt$x');

        assert.deepEqual(await storage.users.byId(created.id), created);
        assert.deepEqual(await storage.users.byEmail('grace.hopper@example.org'), created);
        assert.deepEqual(await storage.users.byEmail('GRACE.HOPPER@EXAMPLE.ORG'), created);
        assert.equal(await storage.users.byEmail('grace@example.org'), undefined);
        assert.equal(await storage.users.byId('no-such-id'), undefined);
      });

      it('keeps the admin flag and a missing password', async () => {
        const admin = await storage.users.create({ email: 'root@example.org', name: 'Root', passwordHash: null, isAdmin: true });
        const found = await storage.users.byId(admin.id);
        assert.equal(found?.isAdmin, true);
        assert.equal(found?.passwordHash, null);
      });

      it('counts users', async () => {
        assert.equal(await storage.users.count(), 0);
        await storage.users.create({ email: 'a@example.org', name: 'A', passwordHash: null, isAdmin: false });
        await storage.users.create({ email: 'b@example.org', name: 'B', passwordHash: null, isAdmin: false });
        const n = await storage.users.count();
        assert.equal(typeof n, 'number');
        assert.equal(n, 2);
      });

      it('rejects a duplicate email (in any case) and leaves the existing user intact', async () => {
        const first = await storage.users.create({ email: 'ada@example.org', name: 'Ada', passwordHash: 'first', isAdmin: false });
        await assert.rejects(storage.users.create({ email: 'ADA@example.org', name: 'Impostor', passwordHash: 'second', isAdmin: true }));
        assert.equal(await storage.users.count(), 1);
        assert.deepEqual(await storage.users.byEmail('ada@example.org'), first);
      });

      it('sets a password', async () => {
        const u = await storage.users.create({ email: 'a@example.org', name: 'A', passwordHash: null, isAdmin: false });
        await storage.users.setPassword(u.id, 'new-hash');
        assert.equal((await storage.users.byId(u.id))?.passwordHash, 'new-hash');
      });
    });

    describe('sessions', () => {
      it('creates, finds and deletes a session', async () => {
        const u = await storage.users.create({ email: 'a@example.org', name: 'A', passwordHash: null, isAdmin: false });
        const now = new Date('2025-03-01T12:00:00.000Z');
        const expires = new Date('2025-03-15T12:00:00.000Z');
        await storage.sessions.create('hash-1', u.id, now, expires);

        assert.deepEqual(await storage.sessions.find('hash-1'), { userId: u.id, expiresAt: expires.toISOString() });
        assert.equal(await storage.sessions.find('hash-2'), undefined);

        await storage.sessions.delete('hash-1');
        assert.equal(await storage.sessions.find('hash-1'), undefined);
        await storage.sessions.delete('hash-1'); // deleting a missing session is not an error
      });

      it('rejects a session for a user that does not exist', async () => {
        const now = new Date();
        await assert.rejects(storage.sessions.create('hash-1', 'no-such-user', now, new Date(now.getTime() + 1000)));
      });

      it('deleteExpired removes only sessions that expired before now', async () => {
        const u = await storage.users.create({ email: 'a@example.org', name: 'A', passwordHash: null, isAdmin: false });
        const now = new Date('2025-03-01T12:00:00.000Z');
        const at = (ms: number) => new Date(now.getTime() + ms);
        await storage.sessions.create('old', u.id, at(-20_000), at(-10_000));
        await storage.sessions.create('just-expired', u.id, at(-20_000), at(-1));
        await storage.sessions.create('expires-now', u.id, at(-20_000), now);
        await storage.sessions.create('live', u.id, at(-20_000), at(60_000));

        assert.equal(await storage.sessions.deleteExpired(now), 2);
        assert.equal(await storage.sessions.find('old'), undefined);
        assert.equal(await storage.sessions.find('just-expired'), undefined);
        assert.ok(await storage.sessions.find('expires-now'));
        assert.ok(await storage.sessions.find('live'));
        assert.equal(await storage.sessions.deleteExpired(now), 0);
      });
    });

    describe('meetings', () => {
      it('creates a meeting and finds it by id', async () => {
        const u = await storage.users.create({ email: 'a@example.org', name: 'A', passwordHash: null, isAdmin: false });
        const now = new Date('2025-03-01T12:00:00.000Z');
        const created = await storage.meetings.create({ id: 'abc-defg-hjk', title: 'Algebra', ownerId: u.id, now });
        assert.deepEqual(created, { id: 'abc-defg-hjk', title: 'Algebra', ownerId: u.id, createdAt: now.toISOString(), settings: DEFAULT_MEETING_SETTINGS, ...UNSCHEDULED });
        assert.deepEqual(await storage.meetings.byId('abc-defg-hjk'), created);
        assert.equal(await storage.meetings.byId('zzz-zzzz-zzz'), undefined);
      });

      it('rejects a duplicate id and a meeting whose owner does not exist', async () => {
        const u = await storage.users.create({ email: 'a@example.org', name: 'A', passwordHash: null, isAdmin: false });
        await storage.meetings.create({ id: 'abc-defg-hjk', title: 'First', ownerId: u.id, now: new Date() });
        await assert.rejects(storage.meetings.create({ id: 'abc-defg-hjk', title: 'Second', ownerId: u.id, now: new Date() }));
        assert.equal((await storage.meetings.byId('abc-defg-hjk'))?.title, 'First');
        await assert.rejects(storage.meetings.create({ id: 'xyz-xyzw-xyz', title: 'Orphan', ownerId: 'no-such-user', now: new Date() }));
        assert.equal(await storage.meetings.byId('xyz-xyzw-xyz'), undefined);
      });

      it("lists an owner's meetings newest first, and only theirs", async () => {
        const a = await storage.users.create({ email: 'a@example.org', name: 'A', passwordHash: null, isAdmin: false });
        const b = await storage.users.create({ email: 'b@example.org', name: 'B', passwordHash: null, isAdmin: false });
        // Inserted out of order, so that the result order can only come from created_at.
        await storage.meetings.create({ id: 'mid-mmmm-mid', title: 'Middle', ownerId: a.id, now: new Date('2025-02-01T00:00:00Z') });
        await storage.meetings.create({ id: 'new-nnnn-new', title: 'Newest', ownerId: a.id, now: new Date('2025-03-01T00:00:00Z') });
        await storage.meetings.create({ id: 'old-oooo-old', title: 'Oldest', ownerId: a.id, now: new Date('2025-01-01T00:00:00Z') });
        await storage.meetings.create({ id: 'bbb-bbbb-bbb', title: "B's", ownerId: b.id, now: new Date('2025-02-15T00:00:00Z') });

        assert.deepEqual((await storage.meetings.byOwner(a.id)).map((m) => m.id), ['new-nnnn-new', 'mid-mmmm-mid', 'old-oooo-old']);
        assert.deepEqual((await storage.meetings.byOwner(b.id)).map((m) => m.id), ['bbb-bbbb-bbb']);
        assert.deepEqual(await storage.meetings.byOwner('no-such-user'), []);
      });
    });

    describe('meeting settings', () => {
      const owner = () => storage.users.create({ email: 'owner@example.org', name: 'Owner', passwordHash: null, isAdmin: false });

      it('a meeting created without settings has the defaults', async () => {
        const u = await owner();
        const created = await storage.meetings.create({ id: 'abc-defg-hjk', title: 'T', ownerId: u.id, now: new Date() });
        assert.deepEqual(created.settings, DEFAULT_MEETING_SETTINGS);
        assert.deepEqual((await storage.meetings.byId('abc-defg-hjk'))?.settings, DEFAULT_MEETING_SETTINGS);
      });

      it('partial settings are stored, the rest defaulted, and read back the same', async () => {
        const u = await owner();
        const given: Partial<MeetingSettings> = { waitingRoom: false, muteOnEntry: true, allowChat: false, capacity: 25, passcode: 'S3cret42', redirectUrl: 'https://univ.example/after', cohosts: ['panel@u.fr', 'dean@u.fr'] };
        const expected: MeetingSettings = { ...DEFAULT_MEETING_SETTINGS, ...given };
        const created = await storage.meetings.create({ id: 'abc-defg-hjk', title: 'T', ownerId: u.id, now: new Date(), settings: given });
        assert.deepEqual(created.settings, expected);
        const found = await storage.meetings.byId('abc-defg-hjk');
        assert.deepEqual(found?.settings, expected);
        assert.equal(typeof found?.settings.capacity, 'number');
        assert.deepEqual((await storage.meetings.byOwner(u.id))[0]?.settings, expected);
      });

      it('every flag survives the round trip both ways', async () => {
        const u = await owner();
        const flags = ['waitingRoom', 'waitingRoomEveryone', 'muteOnEntry', 'allowUnmute', 'allowChat', 'allowShare', 'allowRename'] as const;
        const allOn = Object.fromEntries(flags.map((f) => [f, true])) as Partial<MeetingSettings>;
        const allOff = Object.fromEntries(flags.map((f) => [f, false])) as Partial<MeetingSettings>;
        await storage.meetings.create({ id: 'onn-oooo-onn', title: 'On', ownerId: u.id, now: new Date(), settings: allOn });
        await storage.meetings.create({ id: 'off-ffff-off', title: 'Off', ownerId: u.id, now: new Date(), settings: allOff });
        assert.deepEqual((await storage.meetings.byId('onn-oooo-onn'))?.settings, { ...DEFAULT_MEETING_SETTINGS, ...allOn });
        assert.deepEqual((await storage.meetings.byId('off-ffff-off'))?.settings, { ...DEFAULT_MEETING_SETTINGS, ...allOff });
      });

      it('the owner updates title and some settings; the rest is kept, and null clears a value', async () => {
        const u = await owner();
        const now = new Date('2025-03-01T12:00:00.000Z');
        await storage.meetings.create({ id: 'abc-defg-hjk', title: 'T', ownerId: u.id, now, settings: { passcode: 'S3cret42', capacity: 25 } });
        const updated = await storage.meetings.update('abc-defg-hjk', u.id, { title: 'New title', settings: { muteOnEntry: true, passcode: null } });
        const expected = {
          id: 'abc-defg-hjk',
          title: 'New title',
          ownerId: u.id,
          createdAt: now.toISOString(),
          settings: { ...DEFAULT_MEETING_SETTINGS, muteOnEntry: true, capacity: 25, passcode: null },
          ...UNSCHEDULED,
        };
        assert.deepEqual(updated, expected);
        assert.deepEqual(await storage.meetings.byId('abc-defg-hjk'), expected);

        // Settings only, then nothing at all: the owner still gets the meeting back.
        const again = await storage.meetings.update('abc-defg-hjk', u.id, { settings: { capacity: null } });
        assert.equal(again?.settings.capacity, null);
        assert.equal(again?.title, 'New title');
        assert.deepEqual(await storage.meetings.update('abc-defg-hjk', u.id, {}), again);
      });

      it("someone else's update returns undefined and changes nothing; so does an unknown id", async () => {
        const u = await owner();
        const other = await storage.users.create({ email: 'other@example.org', name: 'Other', passwordHash: null, isAdmin: true });
        const created = await storage.meetings.create({ id: 'abc-defg-hjk', title: 'T', ownerId: u.id, now: new Date(), settings: { passcode: 'S3cret42' } });
        assert.equal(await storage.meetings.update('abc-defg-hjk', other.id, { title: 'Hijacked', settings: { passcode: null, waitingRoom: false } }), undefined);
        assert.equal(await storage.meetings.update('abc-defg-hjk', other.id, {}), undefined);
        assert.deepEqual(await storage.meetings.byId('abc-defg-hjk'), created);
        assert.equal(await storage.meetings.update('zzz-zzzz-zzz', u.id, { title: 'x' }), undefined);
        assert.equal(await storage.meetings.byId('zzz-zzzz-zzz'), undefined);
      });
    });

    describe('schedules, personal rooms, deletion', () => {
      const owner = () => storage.users.create({ email: 'owner@example.org', name: 'Owner', passwordHash: null, isAdmin: false });
      const schedule = { startsAt: '2027-01-12T14:30', timeZone: 'Europe/Paris', durationMinutes: 90, recurrence: { freq: 'weekly' as const, until: '2027-02-02' } };

      it('a schedule and description round-trip, and can be changed or cleared', async () => {
        const u = await owner();
        await storage.meetings.create({ id: 'abc-defg-hjk', title: 'Jury', ownerId: u.id, now: new Date(), description: 'Thesis', schedule });
        const found = await storage.meetings.byId('abc-defg-hjk');
        assert.deepEqual(found?.schedule, schedule);
        assert.equal(found?.description, 'Thesis');
        assert.equal(found?.personal, false);
        const once = { ...schedule, recurrence: null, durationMinutes: 30 };
        assert.deepEqual((await storage.meetings.update('abc-defg-hjk', u.id, { schedule: once }))?.schedule, once);
        assert.equal((await storage.meetings.update('abc-defg-hjk', u.id, { schedule: null }))?.schedule, null);
      });

      it('finds the personal room, and deletes only the owner\'s meetings', async () => {
        const u = await owner();
        assert.equal(await storage.meetings.personalRoomOf(u.id), undefined);
        await storage.meetings.create({ id: 'per-sona-lrm', title: 'Owner', ownerId: u.id, now: new Date(), personal: true });
        assert.equal((await storage.meetings.personalRoomOf(u.id))?.id, 'per-sona-lrm');
        assert.equal(await storage.meetings.delete('per-sona-lrm', 'someone-else'), false);
        assert.equal(await storage.meetings.delete('per-sona-lrm', u.id), true);
        assert.equal(await storage.meetings.byId('per-sona-lrm'), undefined);
      });
    });

    describe('attendance', () => {
      it('records sessions and stays, and closes what a crash left open at its last record', async () => {
        const u = await storage.users.create({ email: 'o@example.org', name: 'O', passwordHash: null, isAdmin: false });
        await storage.meetings.create({ id: 'abc-defg-hjk', title: 'T', ownerId: u.id, now: new Date() });
        const t = (m: number) => new Date(Date.UTC(2026, 10, 26, 10, m));
        await storage.attendance.sessionStarted('abc-defg-hjk', 's1', t(0));
        await storage.attendance.joined('s1', { participantId: 'p1', name: 'Ada', role: 'host', userId: u.id, at: t(0) });
        await storage.attendance.joined('s1', { participantId: 'p2', name: 'Bob', role: 'participant', userId: null, at: t(5) });
        await storage.attendance.left('s1', { participantId: 'p2', name: 'Bobby', role: 'cohost', at: t(20) });
        assert.deepEqual(await storage.attendance.sessionsOf('abc-defg-hjk'), [{ id: 's1', startedAt: t(0).toISOString(), endedAt: null, people: 2 }]);
        // The server dies here: Ada's stay and the session stay open until the next start.
        await storage.attendance.closeDangling();
        const rows = await storage.attendance.attendanceOf('s1');
        assert.deepEqual(rows, [
          { name: 'Ada', role: 'host', signedIn: true, joinedAt: t(0).toISOString(), leftAt: t(20).toISOString() },
          { name: 'Bobby', role: 'cohost', signedIn: false, joinedAt: t(5).toISOString(), leftAt: t(20).toISOString() },
        ]);
        assert.equal((await storage.attendance.sessionsOf('abc-defg-hjk'))[0]?.endedAt, t(20).toISOString());
        await storage.meetings.delete('abc-defg-hjk', u.id);
        assert.deepEqual(await storage.attendance.attendanceOf('s1'), [], 'the report goes with its meeting');
      });
    });

    describe('live meetings', () => {
      it('keeps one snapshot per live meeting, replaced on each save; it goes when removed or with its meeting', async () => {
        const u = await storage.users.create({ email: 'l@example.org', name: 'L', passwordHash: null, isAdmin: false });
        await storage.meetings.create({ id: 'abc-defg-hjk', title: 'T', ownerId: u.id, now: new Date() });
        await storage.meetings.create({ id: 'xyz-defg-hjk', title: 'U', ownerId: u.id, now: new Date() });
        const t = (s: number) => new Date(Date.UTC(2026, 11, 4, 10, 0, s));
        await storage.liveMeetings.save('abc-defg-hjk', '{"n":1}', t(1));
        await storage.liveMeetings.save('abc-defg-hjk', '{"n":2}', t(2));
        await storage.liveMeetings.save('xyz-defg-hjk', '{"n":3}', t(3));
        assert.deepEqual(await storage.liveMeetings.all(), [
          { meetingId: 'abc-defg-hjk', snapshot: '{"n":2}', updatedAt: t(2) },
          { meetingId: 'xyz-defg-hjk', snapshot: '{"n":3}', updatedAt: t(3) },
        ]);
        await storage.liveMeetings.remove('xyz-defg-hjk');
        await storage.meetings.delete('abc-defg-hjk', u.id);
        assert.deepEqual(await storage.liveMeetings.all(), []);
        await assert.rejects(storage.liveMeetings.save('gone-defg-hjk', '{}', t(4)), 'no snapshot for a meeting that does not exist');
      });
    });

    describe('prepared polls', () => {
      it('adds, lists in order and removes polls of a meeting; they go with it', async () => {
        const u = await storage.users.create({ email: 'p@example.org', name: 'P', passwordHash: null, isAdmin: false });
        await storage.meetings.create({ id: 'abc-defg-hjk', title: 'T', ownerId: u.id, now: new Date() });
        const a = await storage.polls.add('abc-defg-hjk', { question: 'One?', kind: 'single', options: ['a', 'b'], anonymous: true });
        const b = await storage.polls.add('abc-defg-hjk', { question: 'Two?', kind: 'multiple', options: ['x', 'y', 'z'], anonymous: false });
        assert.deepEqual((await storage.polls.list('abc-defg-hjk')).map((p) => p.id).sort(), [a.id, b.id].sort());
        assert.deepEqual((await storage.polls.list('abc-defg-hjk')).find((p) => p.id === b.id), b);
        assert.equal(await storage.polls.count('abc-defg-hjk'), 2);
        assert.equal(await storage.polls.remove('abc-defg-hjk', a.id), true);
        assert.equal(await storage.polls.remove('abc-defg-hjk', a.id), false);
        await storage.meetings.delete('abc-defg-hjk', u.id);
        assert.deepEqual(await storage.polls.list('abc-defg-hjk'), []);
      });
    });

    describe('meeting bans', () => {
      it('addBans stores keys per meeting; adding the same key again is harmless', async () => {
        const u = await storage.users.create({ email: 'a@example.org', name: 'A', passwordHash: null, isAdmin: false });
        await storage.meetings.create({ id: 'abc-defg-hjk', title: 'One', ownerId: u.id, now: new Date() });
        await storage.meetings.create({ id: 'xyz-xyzw-xyz', title: 'Two', ownerId: u.id, now: new Date() });
        assert.deepEqual(await storage.meetings.bannedKeys('abc-defg-hjk'), []);

        await storage.meetings.addBans('abc-defg-hjk', ['client:browser-0123456789', 'user:u-bob']);
        await storage.meetings.addBans('abc-defg-hjk', ['user:u-bob']);
        await storage.meetings.addBans('abc-defg-hjk', ['client:browser-0123456789', 'client:other-0123456789']);
        await storage.meetings.addBans('abc-defg-hjk', []);
        assert.deepEqual((await storage.meetings.bannedKeys('abc-defg-hjk')).sort(), ['client:browser-0123456789', 'client:other-0123456789', 'user:u-bob']);
        assert.deepEqual(await storage.meetings.bannedKeys('xyz-xyzw-xyz'), [], "one meeting's bans are not another's");
        assert.deepEqual(await storage.meetings.bannedKeys('no-such-meeting'), []);
      });

      it('refuses bans for a meeting that does not exist', async () => {
        await assert.rejects(storage.meetings.addBans('zzz-zzzz-zzz', ['user:x']));
        assert.deepEqual(await storage.meetings.bannedKeys('zzz-zzzz-zzz'), []);
      });

      it('bans go with their meeting', async () => {
        const u = await storage.users.create({ email: 'a@example.org', name: 'A', passwordHash: null, isAdmin: false });
        await storage.meetings.create({ id: 'abc-defg-hjk', title: 'One', ownerId: u.id, now: new Date() });
        await storage.meetings.addBans('abc-defg-hjk', ['user:u-bob']);
        await storage.db.deleteFrom('meetings').where('id', '=', 'abc-defg-hjk').execute();
        const rows = await storage.db.selectFrom('meeting_bans').selectAll().execute();
        assert.deepEqual(rows, []);
      });
    });

    describe('deleting a user', () => {
      it("cascades to that user's sessions and meetings, and only theirs", async () => {
        const gone = await storage.users.create({ email: 'gone@example.org', name: 'Gone', passwordHash: null, isAdmin: false });
        const stays = await storage.users.create({ email: 'stays@example.org', name: 'Stays', passwordHash: null, isAdmin: false });
        const now = new Date();
        const later = new Date(now.getTime() + 3_600_000);
        await storage.sessions.create('gone-session', gone.id, now, later);
        await storage.sessions.create('stays-session', stays.id, now, later);
        await storage.meetings.create({ id: 'ggg-gggg-ggg', title: 'Gone', ownerId: gone.id, now });
        await storage.meetings.create({ id: 'sss-ssss-sss', title: 'Stays', ownerId: stays.id, now });

        await storage.db.deleteFrom('users').where('id', '=', gone.id).execute();

        assert.equal(await storage.users.byId(gone.id), undefined);
        assert.equal(await storage.sessions.find('gone-session'), undefined);
        assert.equal(await storage.meetings.byId('ggg-gggg-ggg'), undefined);
        assert.ok(await storage.users.byId(stays.id));
        assert.ok(await storage.sessions.find('stays-session'));
        assert.ok(await storage.meetings.byId('sss-ssss-sss'));
      });
    });
  });
}
