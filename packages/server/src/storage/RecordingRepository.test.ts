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

    describe('share links', () => {
      const TOKEN_A = 'A'.repeat(32);
      const TOKEN_B = 'B'.repeat(32);
      const TOKEN_C = 'C'.repeat(32);

      it('creates, finds by token, lists the working ones newest first, and reads every field back', async () => {
        await ready('r1', ada, at(0), at(60));
        const a = await storage.recordingShares.create({ id: TOKEN_A, recordingId: 'r1', passcodeHash: 'scrypt$hash', expiresAt: at(7), createdBy: ada, now: at(1) });
        assert.deepEqual(a, { id: TOKEN_A, recordingId: 'r1', passcodeHash: 'scrypt$hash', expiresAt: at(7).toISOString(), createdAt: at(1).toISOString(), createdBy: ada });
        const b = await storage.recordingShares.create({ id: TOKEN_B, recordingId: 'r1', passcodeHash: null, expiresAt: null, createdBy: bob, now: at(2) });
        assert.deepEqual(await storage.recordingShares.byToken(TOKEN_A), a);
        assert.deepEqual(await storage.recordingShares.byToken(TOKEN_B), b);
        assert.equal(await storage.recordingShares.byToken(TOKEN_C), undefined);

        assert.deepEqual(await storage.recordingShares.listFor('r1', at(3)), [b, a]);
        assert.deepEqual((await storage.recordingShares.listFor('r1', at(7))).map((s) => s.id), [TOKEN_B], 'a share is gone the instant it expires');
        assert.deepEqual(await storage.recordingShares.listFor('nope', at(3)), []);
        assert.ok(await storage.recordingShares.byToken(TOKEN_A), 'an expired share can still be found (the route decides)');
      });

      it('refuses the same token twice and a share of a recording that does not exist', async () => {
        await ready('r1', ada, at(0), at(60));
        await storage.recordingShares.create({ id: TOKEN_A, recordingId: 'r1', passcodeHash: null, expiresAt: null, createdBy: ada, now: at(1) });
        await assert.rejects(storage.recordingShares.create({ id: TOKEN_A, recordingId: 'r1', passcodeHash: 'x', expiresAt: null, createdBy: ada, now: at(1) }));
        await assert.rejects(storage.recordingShares.create({ id: TOKEN_B, recordingId: 'ghost', passcodeHash: null, expiresAt: null, createdBy: ada, now: at(1) }));
        assert.equal((await storage.recordingShares.byToken(TOKEN_A))?.passcodeHash, null);
      });

      it('revokes a share of its own recording only, once', async () => {
        await ready('r1', ada, at(0), at(60));
        await ready('r2', ada, at(0), at(60));
        await storage.recordingShares.create({ id: TOKEN_A, recordingId: 'r1', passcodeHash: null, expiresAt: null, createdBy: ada, now: at(1) });
        assert.equal(await storage.recordingShares.revoke('r2', TOKEN_A), false, 'not through another recording');
        assert.ok(await storage.recordingShares.byToken(TOKEN_A));
        assert.equal(await storage.recordingShares.revoke('r1', TOKEN_A), true);
        assert.equal(await storage.recordingShares.revoke('r1', TOKEN_A), false);
        assert.equal(await storage.recordingShares.byToken(TOKEN_A), undefined);
      });

      it('deleting a recording deletes its shares, and only its own', async () => {
        await ready('r1', ada, at(0), at(60));
        await ready('r2', ada, at(0), at(60));
        await storage.recordingShares.create({ id: TOKEN_A, recordingId: 'r1', passcodeHash: null, expiresAt: null, createdBy: ada, now: at(1) });
        await storage.recordingShares.create({ id: TOKEN_B, recordingId: 'r1', passcodeHash: 'h', expiresAt: at(9), createdBy: ada, now: at(1) });
        await storage.recordingShares.create({ id: TOKEN_C, recordingId: 'r2', passcodeHash: null, expiresAt: null, createdBy: ada, now: at(1) });
        assert.equal(await storage.recordings.delete('r1'), true);
        assert.equal(await storage.recordingShares.byToken(TOKEN_A), undefined);
        assert.equal(await storage.recordingShares.byToken(TOKEN_B), undefined);
        assert.ok(await storage.recordingShares.byToken(TOKEN_C));
        const rows = await storage.db.selectFrom('recording_shares').select('id').execute();
        assert.deepEqual(rows.map((r) => r.id), [TOKEN_C]);
      });

      it('the foreign keys take shares away with their recording or the account that made them', async () => {
        await ready('r1', ada, at(0), at(60));
        await ready('r2', bob, at(0), at(60));
        await storage.recordingShares.create({ id: TOKEN_A, recordingId: 'r1', passcodeHash: null, expiresAt: null, createdBy: ada, now: at(1) });
        // An administrator (here Ada) shared Bob's recording; her account goes, her link with it.
        await storage.recordingShares.create({ id: TOKEN_B, recordingId: 'r2', passcodeHash: null, expiresAt: null, createdBy: ada, now: at(1) });
        await storage.recordingShares.create({ id: TOKEN_C, recordingId: 'r2', passcodeHash: null, expiresAt: null, createdBy: bob, now: at(1) });
        await storage.db.deleteFrom('recordings').where('id', '=', 'r1').execute();
        assert.equal(await storage.recordingShares.byToken(TOKEN_A), undefined, 'cascade from the recording');
        await storage.db.deleteFrom('users').where('id', '=', ada).execute();
        assert.equal(await storage.recordingShares.byToken(TOKEN_B), undefined, 'cascade from the account that made it');
        assert.ok(await storage.recordingShares.byToken(TOKEN_C));
      });

      it('forgets the shares expired at a time, not those that expire later or never', async () => {
        await ready('r1', ada, at(0), at(60));
        await storage.recordingShares.create({ id: TOKEN_A, recordingId: 'r1', passcodeHash: null, expiresAt: at(2), createdBy: ada, now: at(1) });
        await storage.recordingShares.create({ id: TOKEN_B, recordingId: 'r1', passcodeHash: null, expiresAt: at(5), createdBy: ada, now: at(1) });
        await storage.recordingShares.create({ id: TOKEN_C, recordingId: 'r1', passcodeHash: null, expiresAt: null, createdBy: ada, now: at(1) });
        assert.equal(await storage.recordingShares.deleteExpired(at(1)), 0);
        assert.equal(await storage.recordingShares.deleteExpired(at(2)), 1, 'expired at that very instant');
        assert.equal(await storage.recordingShares.byToken(TOKEN_A), undefined);
        assert.equal(await storage.recordingShares.deleteExpired(at(1000)), 1);
        assert.deepEqual((await storage.recordingShares.listFor('r1', at(1000))).map((s) => s.id), [TOKEN_C]);
      });

      it('0008 adds the table to a database that already has recordings', async () => {
        await storage.close();
        database = await backend.fresh();
        const old = rawDb(database);
        try {
          const { error } = await new Migrator({ db: old, provider: migrationProvider }).migrateTo('0007_staff_and_recordings');
          assert.equal(error, undefined);
          await old.insertInto('users').values({ id: 'u', email: 'u@example.org', name: 'U', password_hash: null, is_admin: 0, is_staff: 1, created_at: T0.toISOString() }).execute();
          await old.insertInto('recordings').values({ id: 'old', meeting_id: 'abc-defg-hjk', owner_id: 'u', title: 'Old', started_at: T0.toISOString(), status: 'ready' }).execute();
        } finally {
          await old.destroy();
        }
        storage = await Storage.open(database);
        assert.equal((await storage.recordings.byId('old'))?.title, 'Old');
        await storage.recordingShares.create({ id: TOKEN_A, recordingId: 'old', passcodeHash: null, expiresAt: null, createdBy: 'u', now: at(1) });
        assert.equal((await storage.recordingShares.listFor('old', at(1))).length, 1);
      });
    });
  });
}
