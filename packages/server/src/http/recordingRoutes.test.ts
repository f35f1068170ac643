// The recordings library through Fastify's inject(): a real Storage on a temp SQLite file, real
// sessions, and real MP4 files (bytes) in the app's own recordings folder. Each test builds its
// own app.
import { describe, it, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import type { FastifyInstance, LightMyRequestResponse } from 'fastify';
import { CSRF_HEADER, ErrorBody, RecordingListResponse, type ErrorCode } from '@amphi/protocol';
import { hashPassword } from '../auth/passwords.ts';
import type { Storage } from '../storage/Storage.ts';
import { downloadDisposition, parseRange } from './recordingFile.ts';
import { freshApp, PASSWORD, signIn, organiser } from './testing/httpHarness.ts';

const CSRF = { [CSRF_HEADER]: '1' };
const T0 = new Date('2026-03-02T09:00:00.000Z');
/** The MP4 of "ready": 256 distinct bytes, so any slice shows where it came from. */
const MP4 = Buffer.from(Array.from({ length: 256 }, (_, i) => i));

interface Harness {
  app: FastifyInstance;
  storage: Storage;
  dir: string;
  /** Session cookies: Ada owns the recordings, Eve is another organiser, Root an administrator. */
  ada: string;
  eve: string;
  root: string;
}

/**
 * Ada has "ready" (an MP4 and raw files), "making" (still processing) and "broken" (failed, raw
 * files only); Eve has "eves" (ready).
 */
async function setup(t: TestContext): Promise<Harness> {
  const { app, storage, recordingsDir: dir } = await freshApp(t);
  const hash = await hashPassword(PASSWORD);
  const adaId = (await organiser(storage, { email: 'ada@example.org', name: 'Ada Lovelace', passwordHash: hash, isAdmin: false, isStaff: true })).id;
  const eveId = (await organiser(storage, { email: 'eve@example.org', name: 'Eve', passwordHash: hash, isAdmin: false, isStaff: true })).id;
  await organiser(storage, { email: 'root@example.org', name: 'Root', passwordHash: hash, isAdmin: true, isStaff: true });
  const make = async (id: string, ownerId: string, title: string, days: number, status: 'ready' | 'processing' | 'failed', bytes: number | null) => {
    const startedAt = new Date(T0.getTime() + days * 86_400_000);
    await storage.recordings.create({ id, meetingId: 'abc-defg-hjk', ownerId, title, startedAt });
    await storage.recordings.update(id, {
      status,
      endedAt: startedAt.toISOString(),
      bytes,
      durationS: bytes === null ? null : 61.5,
      expiresAt: status === 'ready' ? new Date(startedAt.getTime() + 60 * 86_400_000).toISOString() : null,
      error: status === 'failed' ? 'no media' : null,
    });
    fs.mkdirSync(path.join(dir, id));
    fs.writeFileSync(path.join(dir, id, 'video.mjr'), 'raw');
  };
  await make('ready', adaId, 'Algèbre: "cours" 1/2', 0, 'ready', MP4.length);
  fs.writeFileSync(path.join(dir, 'ready.mp4'), MP4);
  await make('making', adaId, 'Making', 2, 'processing', null);
  await make('broken', adaId, 'Broken', 1, 'failed', null);
  await make('eves', eveId, 'Eve’s seminar', 3, 'ready', 1000);
  fs.writeFileSync(path.join(dir, 'eves.mp4'), Buffer.alloc(1000));
  return { app, storage, dir, ada: await signIn(app, 'ada@example.org'), eve: await signIn(app, 'eve@example.org'), root: await signIn(app, 'root@example.org') };
}

function errorOf(res: LightMyRequestResponse, status: number): ErrorCode {
  assert.equal(res.statusCode, status, res.body);
  const parsed = ErrorBody.safeParse(res.json());
  assert.ok(parsed.success, `error body has the catalogue shape: ${res.body}`);
  return parsed.data.error.code;
}

const get = (h: Harness, cookie: string | undefined, url: string, headers: Record<string, string> = {}) =>
  h.app.inject({ method: 'GET', url, headers: { ...headers, ...(cookie ? { cookie } : {}) } });
const del = (h: Harness, cookie: string | undefined, id: string) => h.app.inject({ method: 'DELETE', url: `/api/recordings/${id}`, headers: { ...CSRF, ...(cookie ? { cookie } : {}) } });

describe('recordings library', () => {
  it('lists one’s own recordings, newest first, with what the page shows', async (t) => {
    const h = await setup(t);
    assert.equal(errorOf(await get(h, undefined, '/api/recordings'), 401), 'auth.unauthenticated');
    const res = await get(h, h.ada, '/api/recordings');
    assert.equal(res.statusCode, 200, res.body);
    assert.equal(res.headers['cache-control'], 'no-store');
    const body = RecordingListResponse.parse(res.json());
    assert.deepEqual(body.recordings.map((r) => [r.id, r.status, r.ownerName]), [
      ['making', 'processing', 'Ada Lovelace'],
      ['broken', 'failed', 'Ada Lovelace'],
      ['ready', 'ready', 'Ada Lovelace'],
    ]);
    assert.deepEqual(body.recordings[2], {
      id: 'ready',
      meetingId: 'abc-defg-hjk',
      title: 'Algèbre: "cours" 1/2',
      startedAt: T0.toISOString(),
      endedAt: T0.toISOString(),
      status: 'ready',
      durationS: 61.5,
      bytes: 256,
      expiresAt: '2026-05-01T09:00:00.000Z',
      ownerName: 'Ada Lovelace',
    });
    assert.equal(body.totalBytes, 256);
    assert.deepEqual(RecordingListResponse.parse((await get(h, h.eve, '/api/recordings')).json()).recordings.map((r) => r.id), ['eves']);
  });

  it('administrators see everyone’s recordings with their owner and the storage used; others may not ask', async (t) => {
    const h = await setup(t);
    assert.equal(errorOf(await get(h, h.ada, '/api/recordings?all=1'), 403), 'auth.forbidden');
    const body = RecordingListResponse.parse((await get(h, h.root, '/api/recordings?all=1')).json());
    assert.deepEqual(body.recordings.map((r) => [r.id, r.ownerName]), [
      ['eves', 'Eve'],
      ['making', 'Ada Lovelace'],
      ['broken', 'Ada Lovelace'],
      ['ready', 'Ada Lovelace'],
    ]);
    assert.equal(body.totalBytes, 1256);
    assert.deepEqual(RecordingListResponse.parse((await get(h, h.root, '/api/recordings')).json()).recordings, [], 'without ?all, only their own');
  });

  it('plays the MP4 for its owner and administrators, nobody else', async (t) => {
    const h = await setup(t);
    for (const cookie of [h.ada, h.root]) {
      const res = await get(h, cookie, '/api/recordings/ready/file');
      assert.equal(res.statusCode, 200, res.body);
      assert.equal(res.headers['content-type'], 'video/mp4');
      assert.equal(res.headers['accept-ranges'], 'bytes');
      assert.equal(res.headers['content-length'], '256');
      assert.equal(res.headers['content-disposition'], undefined, 'played in the page, not downloaded');
      assert.deepEqual(res.rawPayload, MP4);
    }
    const head = await h.app.inject({ method: 'HEAD', url: '/api/recordings/ready/file', headers: { cookie: h.ada } });
    assert.equal(head.statusCode, 200);
    assert.equal(head.headers['content-length'], '256');
    assert.equal(head.rawPayload.length, 0);
    assert.equal(errorOf(await get(h, h.eve, '/api/recordings/ready/file'), 404), 'http.not_found');
    assert.equal(errorOf(await get(h, undefined, '/api/recordings/ready/file'), 401), 'auth.unauthenticated');
    assert.equal(errorOf(await get(h, h.ada, '/api/recordings/making/file'), 404), 'http.not_found', 'not ready yet');
    assert.equal(errorOf(await get(h, h.ada, '/api/recordings/nope/file'), 404), 'http.not_found');
    assert.equal(errorOf(await get(h, h.ada, `/api/recordings/${'x'.repeat(99)}/file`), 404), 'http.not_found');
    fs.rmSync(path.join(h.dir, 'eves.mp4'));
    assert.equal(errorOf(await get(h, h.root, '/api/recordings/eves/file'), 404), 'http.not_found', 'a lost file');
  });

  it('serves byte ranges so the player can seek', async (t) => {
    const h = await setup(t);
    const ranged = async (range: string) => get(h, h.ada, '/api/recordings/ready/file', { range });

    let res = await ranged('bytes=10-19');
    assert.equal(res.statusCode, 206);
    assert.equal(res.headers['content-range'], 'bytes 10-19/256');
    assert.equal(res.headers['content-length'], '10');
    assert.equal(res.headers['accept-ranges'], 'bytes');
    assert.deepEqual(res.rawPayload, MP4.subarray(10, 20));

    res = await ranged('bytes=250-');
    assert.equal(res.statusCode, 206);
    assert.equal(res.headers['content-range'], 'bytes 250-255/256');
    assert.deepEqual(res.rawPayload, MP4.subarray(250));

    res = await ranged('bytes=-4');
    assert.equal(res.headers['content-range'], 'bytes 252-255/256');
    assert.deepEqual(res.rawPayload, MP4.subarray(252));

    res = await ranged('bytes=200-999');
    assert.equal(res.headers['content-range'], 'bytes 200-255/256', 'an end past the file stops at its end');
    assert.equal(res.rawPayload.length, 56);

    res = await ranged('bytes=256-');
    assert.equal(res.statusCode, 416);
    assert.equal(res.headers['content-range'], 'bytes */256');

    for (const ignored of ['bytes=0-1,5-6', 'items=0-1', 'bytes=9-3', 'bytes=-']) {
      res = await ranged(ignored);
      assert.equal(res.statusCode, 200, ignored);
      assert.equal(res.rawPayload.length, 256, ignored);
    }
    assert.equal(errorOf(await get(h, h.eve, '/api/recordings/ready/file', { range: 'bytes=0-9' }), 404), 'http.not_found');
  });

  it('parseRange reads one range and refuses what no byte answers', () => {
    assert.deepEqual(parseRange('bytes=0-0', 10), { start: 0, end: 0 });
    assert.deepEqual(parseRange(' bytes=3-', 10), { start: 3, end: 9 });
    assert.deepEqual(parseRange('bytes=-20', 10), { start: 0, end: 9 });
    assert.equal(parseRange('bytes=-0', 10), 'unsatisfiable');
    assert.equal(parseRange('bytes=0-', 0), 'unsatisfiable');
    assert.equal(parseRange(undefined, 10), undefined);
  });

  it('?download=1 names the file after the title and date, safely', async (t) => {
    const h = await setup(t);
    const res = await get(h, h.ada, '/api/recordings/ready/file?download=1');
    assert.equal(res.statusCode, 200);
    const disposition = String(res.headers['content-disposition']);
    assert.equal(disposition, downloadDisposition('Algèbre: "cours" 1/2', T0.toISOString()));
    const ascii = /^attachment; filename="([^"]*)"; filename\*=UTF-8''(\S+)$/.exec(disposition);
    assert.ok(ascii, disposition);
    assert.equal(ascii[1], 'Algebre_ _cours_ 1_2 2026-03-02.mp4');
    assert.equal(decodeURIComponent(ascii[2]!), 'Algèbre_ _cours_ 1_2 2026-03-02.mp4');
    assert.match(downloadDisposition('\r\n"; x=evil', T0.toISOString()), /^attachment; filename="x_evil 2026-03-02\.mp4"; filename\*=UTF-8''[^\s"]+$/);
    assert.match(downloadDisposition('', T0.toISOString()), /filename="2026-03-02\.mp4"/);
  });

  it('deletes a recording with its files, for its owner or an administrator; not one still being made', async (t) => {
    const h = await setup(t);
    const exists = (name: string) => fs.existsSync(path.join(h.dir, name));

    assert.equal(errorOf(await del(h, h.eve, 'ready'), 404), 'http.not_found');
    assert.equal(errorOf(await del(h, undefined, 'ready'), 401), 'auth.unauthenticated');
    assert.equal(errorOf(await h.app.inject({ method: 'DELETE', url: '/api/recordings/ready', headers: { cookie: h.ada } }), 403), 'http.csrf');
    assert.ok(exists('ready.mp4') && exists('ready'));

    assert.equal(errorOf(await del(h, h.ada, 'making'), 409), 'protocol.out_of_order');
    assert.ok(await h.storage.recordings.byId('making'));
    assert.ok(exists('making'));

    let res = await del(h, h.ada, 'ready');
    assert.equal(res.statusCode, 200, res.body);
    assert.deepEqual(res.json(), { ok: true });
    assert.equal(exists('ready.mp4'), false);
    assert.equal(exists('ready'), false);
    assert.equal(await h.storage.recordings.byId('ready'), undefined);
    assert.equal(errorOf(await del(h, h.ada, 'ready'), 404), 'http.not_found');
    assert.equal(errorOf(await get(h, h.ada, '/api/recordings/ready/file'), 404), 'http.not_found');

    // An administrator deletes someone else's failed recording (raw files only).
    res = await del(h, h.root, 'broken');
    assert.equal(res.statusCode, 200, res.body);
    assert.equal(exists('broken'), false);
    assert.deepEqual(RecordingListResponse.parse((await get(h, h.ada, '/api/recordings')).json()).recordings.map((r) => r.id), ['making']);
    assert.ok(exists('eves.mp4'), 'other recordings are untouched');
  });
});
