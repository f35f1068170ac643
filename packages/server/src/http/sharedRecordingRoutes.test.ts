// Sharing a cloud recording by link, through Fastify's inject(): the owner's routes that make,
// list and stop links, and the public routes anyone holding a link uses (metadata, passcode,
// video). A real Storage on a temp SQLite file, real sessions, real MP4 bytes on disk. Each test
// builds its own app.
import { describe, it, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import type { FastifyInstance, LightMyRequestResponse } from 'fastify';
import { ErrorBody, RecordingShareListResponse, RecordingShareResponse, SHARE_TOKEN_PATTERN, SharedRecordingView, type ErrorCode, type RecordingShareView } from '@amphi/protocol';
import { hashPassword } from '../auth/passwords.ts';
import type { Storage } from '../storage/Storage.ts';
import { downloadDisposition } from './recordingFile.ts';
import { SHARE_UNLOCK_COOKIE } from './sharedRecordingRoutes.ts';
import { CSRF, freshApp, PASSWORD, PUBLIC_URL, signIn } from './testing/httpHarness.ts';

const T0 = new Date('2026-03-02T09:00:00.000Z');
/** The MP4 of "ready": 256 distinct bytes, so any slice shows where it came from. */
const MP4 = Buffer.from(Array.from({ length: 256 }, (_, i) => i));
/** The MP4 of "other", another of Ada's ready recordings. */
const OTHER_MP4 = Buffer.alloc(100, 7);

interface Harness {
  app: FastifyInstance;
  storage: Storage;
  dir: string;
  /** Session cookies: Ada owns the recordings, Eve is another organiser, Root an administrator. */
  ada: string;
  eve: string;
  root: string;
}

/** Ada has "ready" and "other" (ready, with MP4s), "making" (processing) and "broken" (failed). */
async function setup(t: TestContext, publicUrl = PUBLIC_URL): Promise<Harness> {
  const { app, storage, recordingsDir: dir } = await freshApp(t, { publicUrl });
  const hash = await hashPassword(PASSWORD);
  const adaId = (await storage.users.create({ email: 'ada@example.org', name: 'Ada Lovelace', passwordHash: hash, isAdmin: false, isStaff: true })).id;
  await storage.users.create({ email: 'eve@example.org', name: 'Eve', passwordHash: hash, isAdmin: false, isStaff: true });
  await storage.users.create({ email: 'root@example.org', name: 'Root', passwordHash: hash, isAdmin: true, isStaff: true });
  const make = async (id: string, title: string, status: 'ready' | 'processing' | 'failed', mp4: Buffer | null) => {
    await storage.recordings.create({ id, meetingId: 'abc-defg-hjk', ownerId: adaId, title, startedAt: T0 });
    await storage.recordings.update(id, { status, endedAt: T0.toISOString(), bytes: mp4?.length ?? null, durationS: mp4 ? 61.5 : null, error: status === 'failed' ? 'no media' : null });
    if (mp4) fs.writeFileSync(path.join(dir, `${id}.mp4`), mp4);
  };
  await make('ready', 'Algèbre: "cours" 1/2', 'ready', MP4);
  await make('other', 'Other', 'ready', OTHER_MP4);
  await make('making', 'Making', 'processing', null);
  await make('broken', 'Broken', 'failed', null);
  return { app, storage, dir, ada: await signIn(app, 'ada@example.org'), eve: await signIn(app, 'eve@example.org'), root: await signIn(app, 'root@example.org') };
}

function errorOf(res: LightMyRequestResponse, status: number): ErrorCode {
  assert.equal(res.statusCode, status, res.body);
  const parsed = ErrorBody.safeParse(res.json());
  assert.ok(parsed.success, `error body has the catalogue shape: ${res.body}`);
  return parsed.data.error.code;
}

const headersOf = (cookie: string | undefined, extra: Record<string, string> = {}) => ({ ...extra, ...(cookie ? { cookie } : {}) });

/** POST /api/recordings/:id/shares as `cookie`; the raw answer. */
const share = (h: Harness, cookie: string | undefined, id: string, body: unknown = {}) =>
  h.app.inject({ method: 'POST', url: `/api/recordings/${id}/shares`, headers: headersOf(cookie, CSRF), payload: body as object });

/** A new share the owner made; fails the test if it could not be made. */
async function made(h: Harness, id: string, body: unknown = {}, cookie = h.ada): Promise<RecordingShareView> {
  const res = await share(h, cookie, id, body);
  assert.equal(res.statusCode, 201, res.body);
  return RecordingShareResponse.parse(res.json()).share;
}

const publicGet = (h: Harness, token: string, cookie?: string, extra: Record<string, string> = {}) =>
  h.app.inject({ method: 'GET', url: `/api/shared-recordings/${token}`, headers: headersOf(cookie, extra) });
const fileGet = (h: Harness, token: string, cookie?: string, extra: Record<string, string> = {}) =>
  h.app.inject({ method: 'GET', url: `/api/shared-recordings/${token}/file`, headers: headersOf(cookie, extra) });
const unlock = (h: Harness, token: string, passcode: string, remoteAddress = '203.0.113.1') =>
  h.app.inject({ method: 'POST', url: `/api/shared-recordings/${token}/unlock`, headers: CSRF, payload: { passcode }, remoteAddress });

/** The Set-Cookie of the unlock, and the "name=value" to send back. */
function unlockCookie(res: LightMyRequestResponse): { header: string; cookie: string } {
  assert.equal(res.statusCode, 200, res.body);
  const header = res.headers['set-cookie'];
  assert.equal(typeof header, 'string', 'exactly one cookie');
  const value = String(header);
  assert.ok(value.startsWith(`${SHARE_UNLOCK_COOKIE}=`), value);
  return { header: value, cookie: value.split(';')[0]! };
}

async function unlocked(h: Harness, token: string, passcode: string): Promise<string> {
  return unlockCookie(await unlock(h, token, passcode)).cookie;
}

const tokenOf = (s: RecordingShareView) => s.id;

describe('sharing a recording by link: the owner', () => {
  it('makes a link without a passcode or expiry, and lists it', async (t) => {
    const h = await setup(t);
    const before = Date.now();
    const s = await made(h, 'ready');
    assert.match(s.id, SHARE_TOKEN_PATTERN);
    assert.equal(s.url, `${PUBLIC_URL}/r/${s.id}`);
    assert.equal(s.hasPasscode, false);
    assert.equal(s.expiresAt, null);
    assert.ok(Date.parse(s.createdAt) >= before - 1000 && Date.parse(s.createdAt) <= Date.now());
    const res = await h.app.inject({ method: 'POST', url: '/api/recordings/ready/shares', headers: headersOf(h.ada, CSRF), payload: {} });
    assert.equal(res.headers['cache-control'], 'no-store');
    const second = RecordingShareResponse.parse(res.json()).share;
    assert.notEqual(second.id, s.id, 'every link has its own secret');

    const list = await h.app.inject({ method: 'GET', url: '/api/recordings/ready/shares', headers: headersOf(h.ada) });
    assert.equal(list.statusCode, 200, list.body);
    assert.deepEqual(RecordingShareListResponse.parse(list.json()).shares.map(tokenOf).sort(), [s.id, second.id].sort());
    const stored = await h.storage.recordingShares.byToken(s.id);
    assert.equal(stored?.createdBy, (await h.storage.users.byEmail('ada@example.org'))?.id);
  });

  it('makes a link with a passcode (stored hashed, never shown) that expires after some days', async (t) => {
    const h = await setup(t);
    const before = Date.now();
    const s = await made(h, 'ready', { passcode: '  s3cret  ', expiresInDays: 7 });
    assert.equal(s.hasPasscode, true);
    assert.ok(s.expiresAt);
    const expires = Date.parse(s.expiresAt);
    assert.ok(expires >= before + 7 * 86_400_000 && expires <= Date.now() + 7 * 86_400_000, s.expiresAt);
    assert.ok(!JSON.stringify(s).includes('s3cret'));
    const stored = await h.storage.recordingShares.byToken(s.id);
    assert.match(stored?.passcodeHash ?? '', /^scrypt\$/);
    assert.ok(!stored?.passcodeHash?.includes('s3cret'));
    // The passcode was trimmed, as it is when given.
    unlockCookie(await unlock(h, s.id, 's3cret'));
  });

  it('checks what it is given', async (t) => {
    const h = await setup(t);
    for (const body of [{ passcode: 'abc' }, { passcode: 'x'.repeat(65) }, { passcode: '      ' }, { expiresInDays: 0 }, { expiresInDays: 366 }, { expiresInDays: 1.5 }, { expiresInDays: '7' }, { passcode: 1234 }]) {
      assert.equal(errorOf(await share(h, h.ada, 'ready', body), 400), 'http.invalid_body', JSON.stringify(body));
    }
    await made(h, 'ready', { passcode: 'x'.repeat(64), expiresInDays: 365 });
    await made(h, 'ready', { passcode: 'abcd', expiresInDays: 1 });
    assert.equal((await h.storage.recordingShares.listFor('ready', new Date())).length, 2);
  });

  it('only the owner or an administrator shares, lists or stops links; nobody else learns the recording exists', async (t) => {
    const h = await setup(t);
    assert.equal(errorOf(await share(h, undefined, 'ready'), 401), 'auth.unauthenticated');
    assert.equal(errorOf(await share(h, h.eve, 'ready'), 404), 'http.not_found');
    assert.equal(errorOf(await share(h, h.eve, 'nope'), 404), 'http.not_found');
    assert.equal(errorOf(await h.app.inject({ method: 'POST', url: '/api/recordings/ready/shares', headers: headersOf(h.ada), payload: {} }), 403), 'http.csrf');
    assert.equal(errorOf(await h.app.inject({ method: 'POST', url: '/api/recordings/ready/shares', headers: headersOf(h.ada, { ...CSRF, origin: 'https://evil.example' }), payload: {} }), 403), 'http.csrf');

    const byAdmin = await made(h, 'ready', { passcode: 'root1234' }, h.root);
    const byOwner = await made(h, 'ready');
    assert.equal((await h.storage.recordingShares.byToken(byAdmin.id))?.createdBy, (await h.storage.users.byEmail('root@example.org'))?.id);

    assert.equal(errorOf(await h.app.inject({ method: 'GET', url: '/api/recordings/ready/shares', headers: headersOf(h.eve) }), 404), 'http.not_found');
    assert.equal(errorOf(await h.app.inject({ method: 'GET', url: '/api/recordings/ready/shares' }), 401), 'auth.unauthenticated');
    const forRoot = await h.app.inject({ method: 'GET', url: '/api/recordings/ready/shares', headers: headersOf(h.root) });
    assert.equal(RecordingShareListResponse.parse(forRoot.json()).shares.length, 2);

    const stop = (cookie: string | undefined, id: string, shareId: string) =>
      h.app.inject({ method: 'DELETE', url: `/api/recordings/${id}/shares/${shareId}`, headers: headersOf(cookie, CSRF) });
    assert.equal(errorOf(await stop(h.eve, 'ready', byOwner.id), 404), 'http.not_found');
    assert.equal(errorOf(await stop(undefined, 'ready', byOwner.id), 401), 'auth.unauthenticated');
    assert.equal(errorOf(await stop(h.ada, 'other', byOwner.id), 404), 'http.not_found', 'not through another recording');
    assert.equal(errorOf(await h.app.inject({ method: 'DELETE', url: `/api/recordings/ready/shares/${byOwner.id}`, headers: headersOf(h.ada) }), 403), 'http.csrf');
    assert.equal((await publicGet(h, byOwner.id)).statusCode, 200, 'refused attempts stopped nothing');
    const res = await stop(h.root, 'ready', byOwner.id);
    assert.equal(res.statusCode, 200, res.body);
    assert.deepEqual(res.json(), { ok: true });
    assert.equal(errorOf(await stop(h.ada, 'ready', byOwner.id), 404), 'http.not_found', 'once');
  });

  it('refuses to share a recording that is not ready', async (t) => {
    const h = await setup(t);
    assert.equal(errorOf(await share(h, h.ada, 'making'), 409), 'protocol.out_of_order');
    assert.equal(errorOf(await share(h, h.ada, 'broken'), 409), 'protocol.out_of_order');
    assert.deepEqual(await h.storage.recordingShares.listFor('making', new Date()), []);
  });
});

describe('sharing a recording by link: whoever holds the link', () => {
  it('without a passcode: the title, date and length, then the video, inline and never cached', async (t) => {
    const h = await setup(t);
    const s = await made(h, 'ready');
    const res = await publicGet(h, s.id);
    assert.equal(res.statusCode, 200, res.body);
    assert.equal(res.headers['cache-control'], 'no-store');
    assert.equal(res.headers['x-robots-tag'], 'noindex, nofollow');
    assert.deepEqual(SharedRecordingView.parse(res.json()), { title: 'Algèbre: "cours" 1/2', startedAt: T0.toISOString(), durationSeconds: 61.5, needsPasscode: false, unlocked: true });
    assert.deepEqual(Object.keys(res.json()).sort(), ['durationSeconds', 'needsPasscode', 'startedAt', 'title', 'unlocked'], 'nothing about the owner or the meeting');

    const file = await fileGet(h, s.id);
    assert.equal(file.statusCode, 200, file.body);
    assert.equal(file.headers['content-type'], 'video/mp4');
    assert.equal(file.headers['cache-control'], 'no-store');
    assert.equal(file.headers['accept-ranges'], 'bytes');
    assert.equal(file.headers['content-length'], '256');
    assert.equal(file.headers['content-disposition'], downloadDisposition('Algèbre: "cours" 1/2', T0.toISOString(), 'inline'));
    assert.match(String(file.headers['content-disposition']), /^inline; filename="/);
    assert.deepEqual(file.rawPayload, MP4);
    // Unlocking a link without a passcode is no error, and sets nothing.
    const open = await unlock(h, s.id, 'whatever');
    assert.equal(open.statusCode, 200, open.body);
    assert.equal(open.headers['set-cookie'], undefined);
  });

  it('a recording without a known length leaves durationSeconds out', async (t) => {
    const h = await setup(t);
    await h.storage.recordings.update('other', { durationS: null });
    const s = await made(h, 'other');
    const body = SharedRecordingView.parse((await publicGet(h, s.id)).json());
    assert.equal('durationSeconds' in body, false);
  });

  it('unknown and malformed links get the same not-found answer', async (t) => {
    const h = await setup(t);
    await made(h, 'ready');
    for (const token of ['A'.repeat(32), 'short', 'x'.repeat(99), '..%2F..%2Fready']) {
      assert.equal(errorOf(await publicGet(h, token), 404), 'http.not_found', token);
      assert.equal(errorOf(await fileGet(h, token), 404), 'http.not_found', token);
      assert.equal(errorOf(await unlock(h, token, 'abcd'), 404), 'http.not_found', token);
    }
  });

  it('with a passcode: nothing plays until the right passcode is given; then a cookie for this link only', async (t) => {
    const h = await setup(t);
    const s = await made(h, 'ready', { passcode: 'tea-time' });
    assert.deepEqual(SharedRecordingView.parse((await publicGet(h, s.id)).json()), { title: 'Algèbre: "cours" 1/2', startedAt: T0.toISOString(), durationSeconds: 61.5, needsPasscode: true, unlocked: false });
    assert.equal(errorOf(await fileGet(h, s.id), 401), 'recording.passcode_required');
    assert.equal(errorOf(await fileGet(h, s.id, undefined, { range: 'bytes=0-9' }), 401), 'recording.passcode_required');

    const wrong = await unlock(h, s.id, 'coffee-time');
    assert.equal(errorOf(wrong, 403), 'recording.passcode_wrong');
    assert.equal(wrong.headers['set-cookie'], undefined);
    assert.equal(errorOf(await h.app.inject({ method: 'POST', url: `/api/shared-recordings/${s.id}/unlock`, headers: CSRF, payload: {} }), 400), 'http.invalid_body');
    assert.equal(errorOf(await h.app.inject({ method: 'POST', url: `/api/shared-recordings/${s.id}/unlock`, payload: { passcode: 'tea-time' } }), 403), 'http.csrf');

    const { header, cookie } = unlockCookie(await unlock(h, s.id, 'tea-time'));
    const attributes = header.split(';').map((a) => a.trim());
    assert.ok(attributes.includes('HttpOnly'), header);
    assert.ok(attributes.includes('SameSite=Lax'), header);
    assert.ok(attributes.includes(`Path=/api/shared-recordings/${s.id}`), header);
    assert.ok(!attributes.includes('Secure'), 'not over plain HTTP');
    assert.ok(!attributes.some((a) => a.startsWith('Expires=')), 'a link without expiry: until the browser closes');

    assert.equal(SharedRecordingView.parse((await publicGet(h, s.id, cookie)).json()).unlocked, true);
    const file = await fileGet(h, s.id, cookie);
    assert.equal(file.statusCode, 200, file.body);
    assert.deepEqual(file.rawPayload, MP4);
    assert.equal(file.headers['cache-control'], 'no-store');
    // A forged or tampered cookie opens nothing. (Tampered: its last character changed, to one
    // it is not, or one run in 64 would "tamper" a cookie ending in A into itself.)
    const value = cookie.split('=')[1]!;
    const tampered = value.slice(0, -1) + (value.endsWith('A') ? 'B' : 'A');
    for (const forged of [`${SHARE_UNLOCK_COOKIE}=x`, `${SHARE_UNLOCK_COOKIE}=${tampered}`, `${SHARE_UNLOCK_COOKIE}=`]) {
      assert.equal(errorOf(await fileGet(h, s.id, forged), 401), 'recording.passcode_required', forged);
    }
  });

  it('the cookie of one link opens no other, even with the same passcode or recording', async (t) => {
    const h = await setup(t);
    const a = await made(h, 'ready', { passcode: 'same-code' });
    const b = await made(h, 'ready', { passcode: 'same-code' });
    const c = await made(h, 'other', { passcode: 'same-code' });
    const cookieA = await unlocked(h, a.id, 'same-code');
    assert.equal((await fileGet(h, a.id, cookieA)).statusCode, 200);
    assert.equal(errorOf(await fileGet(h, b.id, cookieA), 401), 'recording.passcode_required');
    assert.equal(errorOf(await fileGet(h, c.id, cookieA), 401), 'recording.passcode_required');
    assert.equal(SharedRecordingView.parse((await publicGet(h, b.id, cookieA)).json()).unlocked, false);
    // A share without a passcode plays for anyone, of course.
    const open = await made(h, 'other');
    assert.equal((await fileGet(h, open.id)).statusCode, 200);
  });

  it('behind TLS the cookie is Secure, and lasts as long as the link', async (t) => {
    const h = await setup(t, 'https://amphi.test');
    const s = await made(h, 'ready', { passcode: 'tea-time', expiresInDays: 30 });
    assert.equal(s.url, `https://amphi.test/r/${s.id}`);
    const res = await h.app.inject({ method: 'POST', url: `/api/shared-recordings/${s.id}/unlock`, headers: { ...CSRF, origin: 'https://amphi.test' }, payload: { passcode: 'tea-time' } });
    const { header } = unlockCookie(res);
    const attributes = header.split(';').map((x) => x.trim());
    assert.ok(attributes.includes('Secure'), header);
    assert.ok(attributes.includes(`Expires=${new Date(s.expiresAt!).toUTCString()}`), header);
  });

  it('serves byte ranges of the shared video so the player can seek', async (t) => {
    const h = await setup(t);
    const s = await made(h, 'ready', { passcode: 'tea-time' });
    const cookie = await unlocked(h, s.id, 'tea-time');
    let res = await fileGet(h, s.id, cookie, { range: 'bytes=10-19' });
    assert.equal(res.statusCode, 206);
    assert.equal(res.headers['content-range'], 'bytes 10-19/256');
    assert.equal(res.headers['content-length'], '10');
    assert.deepEqual(res.rawPayload, MP4.subarray(10, 20));
    res = await fileGet(h, s.id, cookie, { range: 'bytes=-6' });
    assert.equal(res.headers['content-range'], 'bytes 250-255/256');
    assert.deepEqual(res.rawPayload, MP4.subarray(250));
    res = await fileGet(h, s.id, cookie, { range: 'bytes=256-' });
    assert.equal(res.statusCode, 416);
    assert.equal(res.headers['content-range'], 'bytes */256');
    const head = await h.app.inject({ method: 'HEAD', url: `/api/shared-recordings/${s.id}/file`, headers: { cookie } });
    assert.equal(head.statusCode, 200);
    assert.equal(head.headers['content-length'], '256');
    assert.equal(head.rawPayload.length, 0);
  });

  it('a link stops working the moment it expires, and is no longer listed', async (t) => {
    const h = await setup(t);
    const s = await made(h, 'ready', { passcode: 'tea-time', expiresInDays: 1 });
    const cookie = await unlocked(h, s.id, 'tea-time');
    assert.equal((await fileGet(h, s.id, cookie)).statusCode, 200);
    // The clock moves past the expiry: written into the database rather than waited for.
    await h.storage.db.updateTable('recording_shares').set({ expires_at: new Date(Date.now() - 1000).toISOString() }).where('id', '=', s.id).execute();
    assert.equal(errorOf(await publicGet(h, s.id, cookie), 404), 'http.not_found');
    assert.equal(errorOf(await fileGet(h, s.id, cookie), 404), 'http.not_found');
    assert.equal(errorOf(await unlock(h, s.id, 'tea-time'), 404), 'http.not_found');
    const list = await h.app.inject({ method: 'GET', url: '/api/recordings/ready/shares', headers: headersOf(h.ada) });
    assert.deepEqual(RecordingShareListResponse.parse(list.json()).shares, []);
  });

  it('a stopped link is answered like one that never existed', async (t) => {
    const h = await setup(t);
    const s = await made(h, 'ready');
    const kept = await made(h, 'ready');
    assert.equal((await fileGet(h, s.id)).statusCode, 200);
    const res = await h.app.inject({ method: 'DELETE', url: `/api/recordings/ready/shares/${s.id}`, headers: headersOf(h.ada, CSRF) });
    assert.equal(res.statusCode, 200, res.body);
    assert.equal(errorOf(await publicGet(h, s.id), 404), 'http.not_found');
    assert.equal(errorOf(await fileGet(h, s.id), 404), 'http.not_found');
    assert.equal((await fileGet(h, kept.id)).statusCode, 200, 'the other link still works');
  });

  it('deleting the recording stops its links', async (t) => {
    const h = await setup(t);
    const s = await made(h, 'ready', { passcode: 'tea-time' });
    const open = await made(h, 'ready');
    const cookie = await unlocked(h, s.id, 'tea-time');
    const res = await h.app.inject({ method: 'DELETE', url: '/api/recordings/ready', headers: headersOf(h.ada, CSRF) });
    assert.equal(res.statusCode, 200, res.body);
    assert.equal(errorOf(await publicGet(h, s.id, cookie), 404), 'http.not_found');
    assert.equal(errorOf(await fileGet(h, s.id, cookie), 404), 'http.not_found');
    assert.equal(errorOf(await fileGet(h, open.id), 404), 'http.not_found');
    assert.deepEqual(await h.storage.db.selectFrom('recording_shares').selectAll().execute(), [], 'the rows went with it');
  });

  it('a lost MP4 is a not-found, not a crash', async (t) => {
    const h = await setup(t);
    const s = await made(h, 'other');
    fs.rmSync(path.join(h.dir, 'other.mp4'));
    assert.equal(errorOf(await fileGet(h, s.id), 404), 'http.not_found');
  });

  it('limits wrong passcodes per link, whatever the address, without locking out other links', async (t) => {
    const h = await setup(t);
    const s = await made(h, 'ready', { passcode: 'tea-time' });
    const other = await made(h, 'ready', { passcode: 'tea-time' });
    // 20 wrong passcodes from 20 addresses (so no address reaches its own limit).
    for (let i = 0; i < 20; i++) assert.equal(errorOf(await unlock(h, s.id, `wrong-${i}`, `198.51.100.${i + 1}`), 403), 'recording.passcode_wrong');
    assert.equal(errorOf(await unlock(h, s.id, 'tea-time', '198.51.100.200'), 429), 'http.rate_limited', 'even the right passcode waits now');
    unlockCookie(await unlock(h, other.id, 'tea-time', '198.51.100.200'));
  });

  it('limits passcode attempts per address, across links; right ones do not spend the link’s budget', async (t) => {
    const h = await setup(t);
    const s = await made(h, 'ready', { passcode: 'tea-time' });
    // A class behind other addresses all give the right passcode: no limit for the link.
    for (let i = 0; i < 25; i++) unlockCookie(await unlock(h, s.id, 'tea-time', `192.0.2.${i + 1}`));
    for (let i = 0; i < 20; i++) {
      const res = await unlock(h, s.id, i % 2 === 0 ? 'tea-time' : 'nope-nope', '203.0.113.9');
      assert.ok(res.statusCode === 200 || res.statusCode === 403, res.body);
    }
    assert.equal(errorOf(await unlock(h, s.id, 'tea-time', '203.0.113.9'), 429), 'http.rate_limited');
    assert.equal(errorOf(await unlock(h, 'A'.repeat(32), 'tea-time', '203.0.113.9'), 429), 'http.rate_limited', 'probing other links counts too');
    unlockCookie(await unlock(h, s.id, 'tea-time', '203.0.113.10'));
  });
});
