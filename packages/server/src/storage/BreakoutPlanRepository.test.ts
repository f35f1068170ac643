// Breakout plans prepared before the meeting, against the real databases (as Storage.test.ts):
// a temp SQLite file and the throwaway PostgreSQL that `./amphi test` starts (AMPHI_TEST_PG_URL).
// Each test starts from an empty database.
import { afterEach, beforeEach, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Migrator } from 'kysely';
import type { Config } from '../config.ts';
import type { BreakoutPlan } from '../ports/MeetingDirectory.ts';
import { migrationProvider } from './migrations.ts';
import { BACKENDS, rawDb } from './testing/backends.ts';
import { Storage } from './Storage.ts';

const TOKEN = /^[A-Za-z0-9_-]{16,64}$/;

const M = 'abc-defg-hjk';
const OTHER = 'xyz-xyzw-xyz';

for (const backend of BACKENDS) {
  describe(`Breakout plans on ${backend.name}`, () => {
    let database: Config['database'];
    let storage: Storage;
    let ownerId: string;

    beforeEach(async () => {
      database = await backend.fresh();
      storage = await Storage.open(database);
      ownerId = (await storage.users.create({ email: 'owner@example.org', name: 'Owner', passwordHash: null, isAdmin: false })).id;
      await storage.meetings.create({ id: M, title: 'Algebra', ownerId, now: new Date() });
      await storage.meetings.create({ id: OTHER, title: 'Geometry', ownerId, now: new Date() });
    });
    afterEach(async () => {
      await storage.close();
      backend.cleanup();
    });

    it('a meeting without a plan has empty lists, through the repository and the MeetingDirectory port', async () => {
      assert.deepEqual(await storage.breakouts.get(M), { rooms: [], assignments: [] });
      assert.deepEqual(await storage.meetings.breakoutPlan(M), { rooms: [], assignments: [] });
      assert.deepEqual(await storage.meetings.breakoutPlan('no-such-meeting'), { rooms: [], assignments: [] });
    });

    it('saves rooms and people in their order, each with a unique token, and reads them back the same', async () => {
      const saved = await storage.breakouts.save(M, {
        rooms: ['Zeta', 'Alpha', 'Mu'],
        assignments: [
          { name: 'Zoé Durand', email: 'zoe@example.org', room: 'Mu' },
          { name: 'Ada', email: null, room: 'Zeta' },
          { name: 'Bob', email: 'bob@example.org', room: 'Zeta' },
        ],
      });
      assert.deepEqual(saved.rooms, ['Zeta', 'Alpha', 'Mu']);
      assert.deepEqual(saved.assignments.map((a) => [a.name, a.email, a.room]), [
        ['Zoé Durand', 'zoe@example.org', 'Mu'],
        ['Ada', null, 'Zeta'],
        ['Bob', 'bob@example.org', 'Zeta'],
      ]);
      for (const a of saved.assignments) assert.match(a.token, TOKEN);
      assert.equal(new Set(saved.assignments.map((a) => a.token)).size, 3, 'tokens are unique');
      assert.deepEqual(await storage.breakouts.get(M), saved);
      assert.deepEqual(await storage.meetings.breakoutPlan(M), saved, 'the live meeting reads the same plan');
      assert.deepEqual(await storage.breakouts.get(OTHER), { rooms: [], assignments: [] }, "one meeting's plan is not another's");
    });

    it('people keep their token across edits: matched by email, else by name (case, accents and spaces ignored)', async () => {
      const first = await storage.breakouts.save(M, {
        rooms: ['A', 'B'],
        assignments: [
          { name: 'Élodie Martin', email: null, room: 'A' },
          { name: 'Bob', email: 'bob@example.org', room: 'A' },
          { name: 'Carol', email: 'carol@example.org', room: 'B' },
          { name: 'Dan', email: null, room: 'B' },
        ],
      });
      const token = (plan: BreakoutPlan, name: string) => plan.assignments.find((a) => a.name === name)?.token;
      const second = await storage.breakouts.save(M, {
        rooms: ['B', 'C'],
        assignments: [
          { name: 'Robert', email: 'bob@example.org', room: 'C' }, // renamed: same email
          { name: '  elodie   MARTIN ', email: 'elodie@example.org', room: 'B' }, // same name, email now known
          { name: 'Carol', email: 'carol.new@example.org', room: 'B' }, // email corrected: same name
          { name: 'Eve', email: null, room: 'C' }, // new
        ],
      });
      assert.equal(token(second, 'Robert'), token(first, 'Bob'));
      assert.equal(token(second, '  elodie   MARTIN '), token(first, 'Élodie Martin'));
      assert.equal(token(second, 'Carol'), token(first, 'Carol'));
      const eve = token(second, 'Eve');
      assert.ok(eve && TOKEN.test(eve));
      assert.ok(![...first.assignments.map((a) => a.token)].includes(eve), 'a new person gets a new token');
      assert.deepEqual(await storage.breakouts.get(M), second);
      // Dan left the plan: his link no longer says anything.
      const dan = token(first, 'Dan');
      assert.ok(!(await storage.meetings.breakoutPlan(M)).assignments.some((a) => a.token === dan));
      // Saving the same plan again changes nothing.
      assert.deepEqual(await storage.breakouts.save(M, second), second);
    });

    it('two people with the same name and no email keep their own tokens, in order', async () => {
      const first = await storage.breakouts.save(M, { rooms: ['A', 'B'], assignments: [{ name: 'Alex', email: null, room: 'A' }, { name: 'Alex', email: null, room: 'B' }] });
      const second = await storage.breakouts.save(M, { rooms: ['A', 'B'], assignments: [{ name: 'Alex', email: null, room: 'B' }, { name: 'Alex', email: null, room: 'A' }] });
      assert.deepEqual(second.assignments.map((a) => a.token), first.assignments.map((a) => a.token));
    });

    it('clear() removes the plan of one meeting only', async () => {
      await storage.breakouts.save(M, { rooms: ['A'], assignments: [{ name: 'Ada', email: null, room: 'A' }] });
      const other = await storage.breakouts.save(OTHER, { rooms: ['X'], assignments: [{ name: 'Bob', email: null, room: 'X' }] });
      await storage.breakouts.clear(M);
      assert.deepEqual(await storage.breakouts.get(M), { rooms: [], assignments: [] });
      assert.deepEqual(await storage.breakouts.get(OTHER), other);
      await storage.breakouts.clear(M); // clearing an empty plan is not an error
    });

    it('holds a plan of 1000 people and 50 rooms', async () => {
      const rooms = Array.from({ length: 50 }, (_, i) => `Room ${i + 1}`);
      const assignments = Array.from({ length: 1000 }, (_, i) => ({ name: `Student ${i}`, email: `s${i}@example.org`, room: rooms[i % 50]! }));
      const saved = await storage.breakouts.save(M, { rooms, assignments });
      const read = await storage.breakouts.get(M);
      assert.equal(read.assignments.length, 1000);
      assert.deepEqual(read, saved);
      assert.equal(new Set(read.assignments.map((a) => a.token)).size, 1000);
    });

    it('the plan goes with its meeting, when the meeting or its owner is deleted', async () => {
      await storage.breakouts.save(M, { rooms: ['A'], assignments: [{ name: 'Ada', email: null, room: 'A' }] });
      await storage.breakouts.save(OTHER, { rooms: ['X'], assignments: [{ name: 'Bob', email: null, room: 'X' }] });
      assert.equal(await storage.meetings.delete(M, ownerId), true);
      assert.deepEqual(await storage.db.selectFrom('breakout_rooms').select('meeting_id').execute(), [{ meeting_id: OTHER }]);
      assert.deepEqual(await storage.db.selectFrom('breakout_assignments').select('meeting_id').execute(), [{ meeting_id: OTHER }]);
      await storage.db.deleteFrom('users').where('id', '=', ownerId).execute();
      assert.deepEqual(await storage.db.selectFrom('breakout_rooms').selectAll().execute(), []);
      assert.deepEqual(await storage.db.selectFrom('breakout_assignments').selectAll().execute(), []);
    });

    it('refuses a plan for a meeting that does not exist, and stores nothing', async () => {
      await assert.rejects(storage.breakouts.save('zzz-zzzz-zzz', { rooms: ['A'], assignments: [{ name: 'Ada', email: null, room: 'A' }] }));
      assert.deepEqual(await storage.db.selectFrom('breakout_rooms').selectAll().execute(), []);
      assert.deepEqual(await storage.db.selectFrom('breakout_assignments').selectAll().execute(), []);
    });

    it('a save that fails half-way leaves the previous plan intact', async () => {
      const before = await storage.breakouts.save(M, { rooms: ['A'], assignments: [{ name: 'Ada', email: null, room: 'A' }] });
      // A person without a name breaks NOT NULL after the old rows were deleted: all is rolled back.
      const nameless = null as unknown as string;
      await assert.rejects(storage.breakouts.save(M, { rooms: ['B'], assignments: [{ name: 'Bob', email: null, room: 'B' }, { name: nameless, email: null, room: 'B' }] }));
      assert.deepEqual(await storage.breakouts.get(M), before);
    });

    it('0006 upgrades a database made by 0005: meetings are kept and have no plan', async () => {
      await storage.close();
      database = await backend.fresh();
      const old = rawDb(database);
      try {
        const { error } = await new Migrator({ db: old, provider: migrationProvider }).migrateTo('0005_prepared_polls');
        assert.equal(error, undefined);
        await old.insertInto('users').values({ id: 'u1', email: 'ada@example.org', name: 'Ada', password_hash: null, is_admin: 0, created_at: '2025-01-01T00:00:00.000Z' }).execute();
        await old.insertInto('meetings').values({ id: M, title: 'Seminar', owner_id: 'u1', created_at: '2025-01-01T10:00:00.000Z' }).execute();
      } finally {
        await old.destroy();
      }
      storage = await Storage.open(database);
      assert.equal((await storage.meetings.byId(M))?.title, 'Seminar');
      assert.deepEqual(await storage.meetings.breakoutPlan(M), { rooms: [], assignments: [] });
      const saved = await storage.breakouts.save(M, { rooms: ['A'], assignments: [{ name: 'Ada', email: null, room: 'A' }] });
      assert.deepEqual(await storage.breakouts.get(M), saved);
    });
  });
}
