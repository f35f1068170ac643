// Accounts made by an administrator, through Fastify's inject() on a real Storage (temp SQLite)
// and real sessions. Each test builds its own app.
import { describe, it, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import type { FastifyInstance, LightMyRequestResponse } from 'fastify';
import { z } from 'zod';
import { CSRF_HEADER, ErrorBody, UserView, type ErrorCode } from '@amphi/protocol';
import { hashPassword } from '../auth/passwords.ts';
import type { Storage } from '../storage/Storage.ts';
import { freshApp, PASSWORD, signIn, organiser } from './testing/httpHarness.ts';

const CSRF = { [CSRF_HEADER]: '1' };
const UserResponse = z.object({ user: UserView });
const NEW_PASSWORD = 'twelve chars ok';

function errorOf(res: LightMyRequestResponse, status: number): { code: ErrorCode; message: string } {
  assert.equal(res.statusCode, status, res.body);
  const parsed = ErrorBody.safeParse(res.json());
  assert.ok(parsed.success, `error body has the catalogue shape: ${res.body}`);
  return parsed.data.error;
}

async function setup(t: TestContext): Promise<{ app: FastifyInstance; storage: Storage; root: string; ada: string }> {
  const { app, storage } = await freshApp(t);
  const hash = await hashPassword(PASSWORD);
  await organiser(storage, { email: 'root@example.org', name: 'Root', passwordHash: hash, isAdmin: true, isStaff: true });
  await organiser(storage, { email: 'ada@example.org', name: 'Ada', passwordHash: hash, isAdmin: false });
  return { app, storage, root: await signIn(app, 'root@example.org'), ada: await signIn(app, 'ada@example.org') };
}

const create = (app: FastifyInstance, cookie: string | undefined, payload: unknown) =>
  app.inject({ method: 'POST', url: '/api/admin/users', headers: { ...CSRF, ...(cookie ? { cookie } : {}) }, payload: payload as Record<string, unknown> });

describe('POST /api/admin/users', () => {
  it('an administrator creates a staff account, which can sign in and is staff', async (t) => {
    const { app, storage, root } = await setup(t);
    const res = await create(app, root, { email: ' Grace.Hopper@Univ.Example ', name: ' Grace Hopper ', password: NEW_PASSWORD, staff: true });
    assert.equal(res.statusCode, 201, res.body);
    assert.equal(res.headers['cache-control'], 'no-store');
    const { user } = UserResponse.parse(res.json());
    assert.deepEqual({ ...user, id: 'x' }, { id: 'x', email: 'grace.hopper@univ.example', name: 'Grace Hopper', isAdmin: false, isStaff: true, licensed: true });
    assert.equal((await storage.users.byId(user.id))?.isStaff, true);

    const grace = await signIn(app, 'grace.hopper@univ.example', NEW_PASSWORD);
    const me = await app.inject({ method: 'GET', url: '/api/me', headers: { cookie: grace } });
    assert.deepEqual(UserResponse.parse(me.json()).user, user);
  });

  it('an account that is not staff', async (t) => {
    const { app, root } = await setup(t);
    const res = await create(app, root, { email: 'bob@univ.example', name: 'Bob', password: NEW_PASSWORD, staff: false });
    assert.equal(res.statusCode, 201, res.body);
    assert.equal(UserResponse.parse(res.json()).user.isStaff, false);
  });

  it('only administrators may, and only signed in', async (t) => {
    const { app, storage, ada } = await setup(t);
    const body = { email: 'bob@univ.example', name: 'Bob', password: NEW_PASSWORD, staff: true };
    assert.equal(errorOf(await create(app, ada, body), 403).code, 'auth.forbidden');
    assert.equal(errorOf(await create(app, undefined, body), 401).code, 'auth.unauthenticated');
    assert.equal(await storage.users.byEmail('bob@univ.example'), undefined);
  });

  it('refuses a bad body, naming the field, and an email that already has an account', async (t) => {
    const { app, storage, root } = await setup(t);
    const good = { email: 'bob@univ.example', name: 'Bob', password: NEW_PASSWORD, staff: true };
    const bad: [unknown, RegExp][] = [
      [{ ...good, password: 'short pass' }, /password/],
      [{ ...good, email: 'not an email' }, /email/],
      [{ ...good, name: '   ' }, /name/],
      [{ email: good.email, name: good.name, password: good.password }, /staff/],
      [{ ...good, staff: 'yes' }, /staff/],
    ];
    for (const [payload, field] of bad) {
      const err = errorOf(await create(app, root, payload), 400);
      assert.equal(err.code, 'http.invalid_body');
      assert.match(err.message, field);
    }
    assert.equal(await storage.users.count(), 2);

    const dup = errorOf(await create(app, root, { ...good, email: 'ADA@example.org' }), 400);
    assert.equal(dup.code, 'http.invalid_body');
    assert.match(dup.message, /already/);
    assert.equal((await storage.users.byEmail('ada@example.org'))?.name, 'Ada', 'the existing account is untouched');
    assert.equal(await storage.users.count(), 2);
  });
});

describe('host licences', () => {
  const patch = (app: FastifyInstance, cookie: string, id: string, payload: Record<string, unknown>) => app.inject({ method: 'PATCH', url: `/api/admin/users/${id}`, headers: { ...CSRF, cookie }, payload });
  const schedule = (app: FastifyInstance, cookie: string) => app.inject({ method: 'POST', url: '/api/meetings', headers: { ...CSRF, cookie }, payload: { title: 'Office hours' } });

  it('someone without a licence cannot schedule; granted, they can at once; revoked, they cannot at once; all of it audited', async (t) => {
    const { app, storage, root } = await setup(t);
    const student = await storage.users.create({ email: 'sam@example.org', name: 'Sam', passwordHash: await hashPassword(PASSWORD), isAdmin: false });
    const sam = await signIn(app, 'sam@example.org');
    assert.equal(errorOf(await schedule(app, sam), 403).code, 'licence.required');
    assert.equal(errorOf(await app.inject({ method: 'GET', url: '/api/me/personal-room', headers: { cookie: sam } }), 403).code, 'licence.required');

    const granted = await patch(app, root, student.id, { licensed: true });
    assert.equal(granted.statusCode, 200, granted.body);
    assert.equal(granted.json().person.licensed, true);
    assert.equal((await schedule(app, sam)).statusCode, 201, 'the same session schedules now');

    assert.equal((await patch(app, root, student.id, { licensed: false })).statusCode, 200);
    assert.equal(errorOf(await schedule(app, sam), 403).code, 'licence.required');

    const audit = await app.inject({ method: 'GET', url: '/api/admin/audit', headers: { cookie: root } });
    const actions = (audit.json().entries as { action: string; actor: { name: string }; target: { name: string } }[]).map((e) => `${e.action} by ${e.actor.name} for ${e.target.name}`);
    assert.deepEqual(actions.slice(0, 2).sort(), ['licence.granted by Root for Sam <sam@example.org>', 'licence.revoked by Root for Sam <sam@example.org>']);
  });

  it('the pool is a hard limit; people are listed with their licences and the use of the pool', async (t) => {
    const { app, storage } = await freshApp(t, { licencePolicy: { pool: 2, autoStaff: false } });
    const hash = await hashPassword(PASSWORD);
    await organiser(storage, { email: 'root@example.org', name: 'Root', passwordHash: hash, isAdmin: true, isStaff: true });
    const root = await signIn(app, 'root@example.org');
    const a = await storage.users.create({ email: 'a@example.org', name: 'Alice', passwordHash: hash, isAdmin: false });
    const b = await storage.users.create({ email: 'b@example.org', name: 'Bob', passwordHash: hash, isAdmin: false });
    assert.equal((await patch(app, root, a.id, { licensed: true })).statusCode, 200);
    assert.equal(errorOf(await patch(app, root, b.id, { licensed: true }), 409).code, 'licence.pool_full');
    // An account made while the pool is full exists, without a licence.
    const made = await create(app, root, { email: 'c@example.org', name: 'Carol', password: NEW_PASSWORD, staff: false });
    assert.equal(made.statusCode, 201);
    assert.equal(made.json().user.licensed, false);
    const people = await app.inject({ method: 'GET', url: '/api/admin/people?q=b%40EXAMPLE', headers: { cookie: root } });
    assert.deepEqual(people.json().people.map((p: { name: string; licensed: boolean }) => [p.name, p.licensed]), [['Bob', false]]);
    assert.deepEqual(people.json().licences, { used: 2, pool: 2 });
    assert.equal((await app.inject({ method: 'GET', url: '/api/admin/people?q=%25', headers: { cookie: root } })).json().people.length, 4, 'a typed wildcard matches nothing special');
  });

  it('staff get a licence by themselves when they sign in, when the policy says so and the pool allows', async (t) => {
    const { app, storage } = await freshApp(t, { licencePolicy: { pool: 1, autoStaff: true } });
    const hash = await hashPassword(PASSWORD);
    await storage.users.create({ email: 'prof@example.org', name: 'Prof', passwordHash: hash, isAdmin: false, isStaff: true });
    await storage.users.create({ email: 'prof2@example.org', name: 'Prof 2', passwordHash: hash, isAdmin: false, isStaff: true });
    await storage.users.create({ email: 'stu@example.org', name: 'Stu', passwordHash: hash, isAdmin: false, isStaff: false });
    assert.equal((await schedule(app, await signIn(app, 'prof@example.org'))).statusCode, 201);
    assert.equal(errorOf(await schedule(app, await signIn(app, 'prof2@example.org')), 403).code, 'licence.required', 'the pool of one is taken');
    assert.equal(errorOf(await schedule(app, await signIn(app, 'stu@example.org')), 403).code, 'licence.required');
  });

  it('only administrators see people and the audit log, or change anyone; bad bodies and unknown people are refused', async (t) => {
    const { app, root, ada } = await setup(t);
    assert.equal(errorOf(await app.inject({ method: 'GET', url: '/api/admin/people', headers: { cookie: ada } }), 403).code, 'auth.forbidden');
    assert.equal(errorOf(await app.inject({ method: 'GET', url: '/api/admin/audit', headers: { cookie: ada } }), 403).code, 'auth.forbidden');
    assert.equal(errorOf(await patch(app, ada, 'whoever', { licensed: true }), 403).code, 'auth.forbidden');
    assert.equal(errorOf(await patch(app, root, 'nobody', { licensed: true }), 404).code, 'http.not_found');
    assert.equal(errorOf(await patch(app, root, 'nobody', { licensed: 'yes' }), 400).code, 'http.invalid_body');
    assert.equal(errorOf(await patch(app, root, 'nobody', { admin: true }), 400).code, 'http.invalid_body');
  });
});

describe('deployment policies and branding', () => {
  const put = (app: FastifyInstance, cookie: string, payload: Record<string, unknown>) => app.inject({ method: 'PUT', url: '/api/admin/policies', headers: { ...CSRF, cookie }, payload });

  it('an administrator changes capacity, recording, retention, the waiting room default and branding; they apply at once, are kept and audited', async (t) => {
    const { app, storage, root, ada } = await setup(t);
    const before = await app.inject({ method: 'GET', url: '/api/admin/policies', headers: { cookie: root } });
    assert.deepEqual(before.json(), { capacity: 300, cloudRecording: 'staff', retentionDays: 60, waitingRoomDefault: true, branding: { productName: 'Amphi', accentColour: '#1d4ed8', hasLogo: false } });

    const changed = await put(app, root, { capacity: 50, waitingRoomDefault: false, retentionDays: 30, cloudRecording: 'hosts', branding: { productName: 'Visio Université' } });
    assert.equal(changed.statusCode, 200, changed.body);
    assert.equal(changed.json().branding.productName, 'Visio Université');
    assert.equal(changed.json().branding.accentColour, '#1d4ed8', 'what was not sent stays');

    // At once: a meeting asking for more than the new capacity is refused; new meetings have no waiting room.
    const big = await app.inject({ method: 'POST', url: '/api/meetings', headers: { ...CSRF, cookie: ada }, payload: { title: 'Big', settings: { capacity: 60 } } });
    assert.equal(errorOf(big, 400).code, 'http.invalid_body');
    const made = await app.inject({ method: 'POST', url: '/api/meetings', headers: { ...CSRF, cookie: ada }, payload: { title: 'Small' } });
    assert.equal(made.json().meeting.settings.waitingRoom, false);
    // The branding is public.
    assert.equal((await app.inject({ method: 'GET', url: '/api/branding' })).json().productName, 'Visio Université');
    // Kept: what is stored comes back.
    assert.equal(((await storage.settings.get('policies')) as { capacity: number }).capacity, 50);
    const audit = await app.inject({ method: 'GET', url: '/api/admin/audit', headers: { cookie: root } });
    assert.equal(audit.json().entries[0].action, 'policy.changed');
  });

  it('bad values are refused, naming the field, and change nothing; others cannot', async (t) => {
    const { app, root, ada } = await setup(t);
    assert.match(errorOf(await put(app, root, { capacity: 1 }), 400).message, /capacity/);
    assert.match(errorOf(await put(app, root, { branding: { accentColour: 'red; background: url(x)' } }), 400).message, /accentColour/);
    assert.equal(errorOf(await put(app, root, { cloudRecording: 'everyone' }), 400).code, 'http.invalid_body');
    assert.equal(errorOf(await put(app, root, { unknown: 1 }), 400).code, 'http.invalid_body');
    assert.equal(errorOf(await put(app, ada, { capacity: 10 }), 403).code, 'auth.forbidden');
    assert.equal((await app.inject({ method: 'GET', url: '/api/admin/policies', headers: { cookie: root } })).json().capacity, 300);
  });

  it('a logo: PNG, JPEG or WebP up to 256 kB, served to everyone; anything else refused', async (t) => {
    const { app, root } = await setup(t);
    const upload = (body: Buffer) => app.inject({ method: 'PUT', url: '/api/admin/branding/logo', headers: { ...CSRF, cookie: root, 'content-type': 'application/octet-stream' }, payload: body });
    const png = Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), Buffer.alloc(100, 1)]);
    assert.equal(errorOf(await upload(Buffer.from('<svg onload="alert(1)"/>')), 415).code, 'document.unsupported');
    assert.equal(errorOf(await upload(Buffer.concat([png, Buffer.alloc(300 * 1024)])), 413).code, 'protocol.too_large');
    assert.equal((await app.inject({ method: 'GET', url: '/api/branding/logo' })).statusCode, 404);
    assert.equal((await upload(png)).statusCode, 200);
    const logo = await app.inject({ method: 'GET', url: '/api/branding/logo' });
    assert.equal(logo.headers['content-type'], 'image/png');
    assert.deepEqual(logo.rawPayload, png);
    assert.equal((await app.inject({ method: 'GET', url: '/api/branding' })).json().hasLogo, true);
    assert.equal((await app.inject({ method: 'DELETE', url: '/api/admin/branding/logo', headers: { ...CSRF, cookie: root } })).statusCode, 200);
    assert.equal((await app.inject({ method: 'GET', url: '/api/branding/logo' })).statusCode, 404);
  });

  it('live meetings: none going on is an empty list; ending one that is not going on is meeting.not_found', async (t) => {
    const { app, root, ada } = await setup(t);
    assert.deepEqual((await app.inject({ method: 'GET', url: '/api/admin/meetings', headers: { cookie: root } })).json(), { meetings: [] });
    assert.equal(errorOf(await app.inject({ method: 'POST', url: '/api/admin/meetings/abc-defg-hij/end', headers: { ...CSRF, cookie: root } }), 404).code, 'meeting.not_found');
    assert.equal(errorOf(await app.inject({ method: 'GET', url: '/api/admin/meetings', headers: { cookie: ada } }), 403).code, 'auth.forbidden');
  });
});
