// Cloud recordings and the staff flag, against the real databases (as Storage.test.ts): a temp
// SQLite file and the throwaway PostgreSQL that `./amphi test` starts (AMPHI_TEST_PG_URL).
// Each test starts from an empty database.
import { afterEach, beforeEach, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Migrator } from 'kysely';
import type { Config } from '../config.ts';
import type { RecordingRecord } from '../ports/RecordingCatalog.ts';
import { migrationProvider } from './migrations.ts';
import { BACKENDS, rawDb } from './testing/backends.ts';
import { Storage } from './Storage.ts';

const DAY = 86_400_000;
const T0 = new Date('2026-03-02T09:00:00.000Z');
const at = (days: number) => new Date(T0.getTime() + days * DAY);

for (const backend of BACKENDS) {
  describe(`Recordings on ${backend.name}`, () => {
    let database: Config['database'];
    let storage: Storage;
    let ada: string;
    let bob: string;

    beforeEach(async () => {
      database = await backend.fresh();
      storage = await Storage.open(database);
      ada = (await storage.users.create({ email: 'ada@example.org', name: 'Ada', passwordHash: null, isAdmin: false, isStaff: true })).id;
      bob = (await storage.users.create({ email: 'bob@example.org', name: 'Bob', passwordHash: null, isAdmin: false, isStaff: true })).id;
    });
    afterEach(async () => {
      await storage.close();
      backend.cleanup();
    });

    /** A recording that went through the whole life: recorded, processed, ready. */
    async function ready(id: string, ownerId: string, startedAt: Date, expiresAt: Date, bytes = 1000): Promise<RecordingRecord> {
      await storage.recordings.create({ id, meetingId: 'abc-defg-hjk', ownerId, title: `Lecture ${id}`, startedAt });
      await storage.recordings.update(id, { status: 'ready', endedAt: startedAt.toISOString(), durationS: 3600.25, bytes, expiresAt: expiresAt.toISOString() });
      const found = await storage.recordings.byId(id);
      assert.ok(found);
      return found;
    }

    it('the staff flag defaults to false and round-trips', async () => {
      const plain = await storage.users.create({ email: 'plain@example.org', name: 'Plain', passwordHash: null, isAdmin: false });
      assert.equal(plain.isStaff, false);
      assert.equal((await storage.users.byId(plain.id))?.isStaff, false);
      assert.equal((await storage.users.byId(ada))?.isStaff, true);
    });

    it('0007 makes existing administrators staff, and nobody else', async () => {
      await storage.close();
      database = await backend.fresh();
      const old = rawDb(database);
      try {
        const { error } = await new Migrator({ db: old, provider: migrationProvider }).migrateTo('0006_breakout_plans');
        assert.equal(error, undefined);
        await old.insertInto('users').values({ id: 'admin', email: 'root@example.org', name: 'Root', password_hash: null, is_admin: 1, created_at: T0.toISOString() }).execute();
        await old.insertInto('users').values({ id: 'user', email: 'u@example.org', name: 'U', password_hash: null, is_admin: 0, created_at: T0.toISOString() }).execute();
      } finally {
        await old.destroy();
      }
      storage = await Storage.open(database);
      assert.equal((await storage.users.byId('admin'))?.isStaff, true);
      assert.equal((await storage.users.byId('user'))?.isStaff, false);
      assert.deepEqual(await storage.recordings.listAll(), []);
    });

    it('creates a recording, follows it to ready, and reads every field back', async () => {
      const created = await storage.recordings.create({ id: 'r1', meetingId: 'abc-defg-hjk', ownerId: ada, title: 'Algebra', startedAt: T0 });
      const expected: RecordingRecord = {
        id: 'r1',
        meetingId: 'abc-defg-hjk',
        ownerId: ada,
        title: 'Algebra',
        startedAt: T0.toISOString(),
        endedAt: null,
        status: 'recording',
        durationS: null,
        bytes: null,
        expiresAt: null,
        error: null,
      };
      assert.deepEqual(created, expected);
      assert.deepEqual(await storage.recordings.byId('r1'), expected);
      assert.deepEqual(await storage.recordings.unfinished(), [expected]);

      await storage.recordings.update('r1', { status: 'processing', endedAt: at(0.05).toISOString() });
      assert.deepEqual((await storage.recordings.unfinished()).map((r) => r.status), ['processing']);
      await storage.recordings.update('r1', {});
      // Over 2 GiB and with a fraction of a second: PostgreSQL's integer and real would lose these.
      const bytes = 5 * 1024 ** 3 + 7;
      await storage.recordings.update('r1', { status: 'ready', durationS: 4321.125, bytes, expiresAt: at(60).toISOString() });
      const done = await storage.recordings.byId('r1');
      assert.deepEqual(done, { ...expected, status: 'ready', endedAt: at(0.05).toISOString(), durationS: 4321.125, bytes, expiresAt: at(60).toISOString() });
      assert.equal(typeof done?.bytes, 'number');
      assert.deepEqual(await storage.recordings.unfinished(), []);
      assert.equal(await storage.recordings.byId('nope'), undefined);
    });

    it('a failed recording keeps its error; null clears a field', async () => {
      await storage.recordings.create({ id: 'r1', meetingId: 'abc-defg-hjk', ownerId: ada, title: 'T', startedAt: T0 });
      await storage.recordings.update('r1', { status: 'failed', error: 'ffmpeg exited with 1' });
      assert.equal((await storage.recordings.byId('r1'))?.error, 'ffmpeg exited with 1');
      await storage.recordings.update('r1', { error: null });
      assert.equal((await storage.recordings.byId('r1'))?.error, null);
    });

    it('lists by owner and all (with owners), newest first, and adds up the bytes', async () => {
      assert.equal(await storage.recordings.totalBytes(), 0);
      await ready('old', ada, at(0), at(60), 100);
      await ready('new', ada, at(2), at(62), 3 * 1024 ** 3);
      await ready('bobs', bob, at(1), at(61), 50);
      await storage.recordings.create({ id: 'live', meetingId: 'xyz-xyzw-xyz', ownerId: bob, title: 'Live', startedAt: at(3) });
      assert.deepEqual((await storage.recordings.listByOwner(ada)).map((r) => r.id), ['new', 'old']);
      assert.deepEqual((await storage.recordings.listByOwner(bob)).map((r) => r.id), ['live', 'bobs']);
      assert.deepEqual(await storage.recordings.listByOwner('nobody'), []);
      const all = await storage.recordings.listAll();
      assert.deepEqual(all.map((r) => [r.id, r.ownerName, r.ownerEmail]), [
        ['live', 'Bob', 'bob@example.org'],
        ['new', 'Ada', 'ada@example.org'],
        ['bobs', 'Bob', 'bob@example.org'],
        ['old', 'Ada', 'ada@example.org'],
      ]);
      assert.deepEqual(all[1], { ...(await storage.recordings.byId('new')), ownerName: 'Ada', ownerEmail: 'ada@example.org' });
      const total = await storage.recordings.totalBytes();
      assert.equal(typeof total, 'number');
      assert.equal(total, 100 + 3 * 1024 ** 3 + 50);
    });

    it('finds ready recordings that expire before a time, and those whose owner was not warned', async () => {
      await ready('soon', ada, at(0), at(60));
      await ready('later', ada, at(10), at(70));
      await storage.recordings.create({ id: 'failed', meetingId: 'abc-defg-hjk', ownerId: ada, title: 'F', startedAt: at(0) });
      await storage.recordings.update('failed', { status: 'failed', expiresAt: at(1).toISOString() });
      await storage.recordings.create({ id: 'processing', meetingId: 'abc-defg-hjk', ownerId: ada, title: 'P', startedAt: at(0) });

      assert.deepEqual((await storage.recordings.expiringBefore(at(60))).map((r) => r.id), [], 'strictly before');
      assert.deepEqual((await storage.recordings.expiringBefore(new Date(at(60).getTime() + 1))).map((r) => r.id), ['soon']);
      assert.deepEqual((await storage.recordings.expiringBefore(at(100))).map((r) => r.id), ['soon', 'later']);

      assert.deepEqual((await storage.recordings.toWarn(at(61))).map((r) => r.id), ['soon']);
      await storage.recordings.markWarned('soon', at(54));
      assert.deepEqual((await storage.recordings.toWarn(at(61))).map((r) => r.id), [], 'warned once');
      assert.deepEqual((await storage.recordings.toWarn(at(100))).map((r) => r.id), ['later']);
      assert.deepEqual((await storage.recordings.expiringBefore(at(61))).map((r) => r.id), ['soon'], 'a warned recording still expires');
    });

    it('deletes a record once; a recording outlives its meeting but not its owner', async () => {
      await storage.meetings.create({ id: 'abc-defg-hjk', title: 'Algebra', ownerId: ada, now: T0 });
      await ready('r1', ada, at(0), at(60));
      await ready('r2', ada, at(1), at(61));
      await ready('r3', bob, at(1), at(61));
      await storage.meetings.delete('abc-defg-hjk', ada);
      assert.ok(await storage.recordings.byId('r1'), 'deleting the meeting keeps its recordings');

      assert.equal(await storage.recordings.delete('r1'), true);
      assert.equal(await storage.recordings.delete('r1'), false);
      assert.equal(await storage.recordings.byId('r1'), undefined);

      await storage.db.deleteFrom('users').where('id', '=', ada).execute();
      assert.deepEqual((await storage.recordings.listAll()).map((r) => r.id), ['r3']);
    });

    it('refuses a recording for an owner who does not exist, or the same id twice', async () => {
      await assert.rejects(storage.recordings.create({ id: 'r1', meetingId: 'abc-defg-hjk', ownerId: 'ghost', title: 'T', startedAt: T0 }));
      await storage.recordings.create({ id: 'r1', meetingId: 'abc-defg-hjk', ownerId: ada, title: 'T', startedAt: T0 });
      await assert.rejects(storage.recordings.create({ id: 'r1', meetingId: 'abc-defg-hjk', ownerId: bob, title: 'Other', startedAt: T0 }));
      assert.equal((await storage.recordings.byId('r1'))?.ownerId, ada);
    });
  });
}
