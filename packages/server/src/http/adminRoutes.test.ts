// Accounts made by an administrator, through Fastify's inject() on a real Storage (temp SQLite)
// and real sessions. Each test builds its own app.
import { describe, it, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import type { FastifyInstance, LightMyRequestResponse } from 'fastify';
import { z } from 'zod';
import { CSRF_HEADER, ErrorBody, UserView, type ErrorCode } from '@amphi/protocol';
import { hashPassword } from '../auth/passwords.ts';
import type { Storage } from '../storage/Storage.ts';
import { freshApp, PASSWORD, signIn } from './testing/httpHarness.ts';

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
  await storage.users.create({ email: 'root@example.org', name: 'Root', passwordHash: hash, isAdmin: true, isStaff: true });
  await storage.users.create({ email: 'ada@example.org', name: 'Ada', passwordHash: hash, isAdmin: false });
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
    assert.deepEqual({ ...user, id: 'x' }, { id: 'x', email: 'grace.hopper@univ.example', name: 'Grace Hopper', isAdmin: false, isStaff: true });
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
