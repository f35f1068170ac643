// The retention job against real things: a SQLite database on a temp file, real files in a temp
// folder, and a real SMTP server (the e2e sink) reached through the project's SmtpMailer. The
// clock is moved by passing `now`.
import { describe, it, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startSmtpSink } from '../../../../tests/e2e/harness/smtpSink.ts';
import { createLogger } from '../Logger.ts';
import { SmtpMailer } from '../mail/SmtpMailer.ts';
import type { Mailer } from '../ports/Mailer.ts';
import { Storage } from '../storage/Storage.ts';
import { expiryOf, recordingFiles, RetentionJob } from './RetentionJob.ts';

const DAY = 86_400_000;
const T0 = new Date('2026-03-02T09:00:00.000Z');
const at = (days: number) => new Date(T0.getTime() + days * DAY);
const PUBLIC_URL = new URL('https://meet.univ.example');

interface Setup {
  storage: Storage;
  dir: string;
  lines: Record<string, unknown>[];
  ada: string;
  job: (mailer: Mailer | undefined) => RetentionJob;
  /** A ready recording made at `startedAt`, with its MP4 and a raw folder on disk. */
  ready: (id: string, ownerId: string, title: string, startedAt: Date) => Promise<void>;
}

async function setup(t: TestContext): Promise<Setup> {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'amphi-retention-'));
  const dir = path.join(root, 'recordings');
  fs.mkdirSync(dir);
  const storage = await Storage.open({ kind: 'sqlite', file: path.join(root, 'amphi.sqlite') });
  t.after(async () => {
    await storage.close();
    fs.rmSync(root, { recursive: true, force: true });
  });
  const lines: Record<string, unknown>[] = [];
  const log = createLogger('info', {}, (line) => lines.push(JSON.parse(line) as Record<string, unknown>));
  const ada = (await storage.users.create({ email: 'ada@example.org', name: 'Ada Lovelace', passwordHash: null, isAdmin: false, isStaff: true })).id;
  return {
    storage,
    dir,
    lines,
    ada,
    job: (mailer) => new RetentionJob({ catalog: storage.recordings, shares: storage.recordingShares, users: storage.users, mailer, dir, retentionDays: 60, publicUrl: PUBLIC_URL, log }),
    ready: async (id, ownerId, title, startedAt) => {
      await storage.recordings.create({ id, meetingId: 'abc-defg-hjk', ownerId, title, startedAt });
      const readyAt = new Date(startedAt.getTime() + 3_600_000);
      await storage.recordings.update(id, { status: 'ready', endedAt: readyAt.toISOString(), durationS: 3500, bytes: 4, expiresAt: expiryOf(readyAt, 60).toISOString() });
      const files = recordingFiles(dir, id);
      fs.writeFileSync(files.mp4, 'mp4!');
      fs.mkdirSync(files.raw);
      fs.writeFileSync(path.join(files.raw, 'audio.mjr'), 'raw');
    },
  };
}

function mailerFor(t: TestContext, url: string): SmtpMailer {
  const mailer = new SmtpMailer(url, 'Amphi <no-reply@meet.univ.example>');
  t.after(() => mailer.close());
  return mailer;
}

const exists = (p: string) => fs.existsSync(p);

describe('RetentionJob', () => {
  it('expiryOf adds the retention days to when the recording became ready', () => {
    assert.equal(expiryOf(T0, 60).toISOString(), '2026-05-01T09:00:00.000Z');
    assert.equal(expiryOf(T0, 1).toISOString(), '2026-03-03T09:00:00.000Z');
  });

  it('recording files stay inside the recordings folder', () => {
    assert.deepEqual(recordingFiles('/data/recordings', 'r-1_A'), { mp4: '/data/recordings/r-1_A.mp4', raw: '/data/recordings/r-1_A' });
    for (const id of ['../etc', 'a/b', '', '.hidden', 'a\\b', 'x'.repeat(200)]) assert.throws(() => recordingFiles('/data/recordings', id), id);
  });

  it('keeps everything at first, warns once a week ahead by email, then deletes the expired recording and keeps a fresh one', async (t) => {
    const s = await setup(t);
    const sink = await startSmtpSink();
    t.after(() => sink.close());
    const job = s.job(mailerFor(t, sink.url));
    await s.ready('old', s.ada, 'Algebra — lecture 1', T0);
    await s.ready('fresh', s.ada, 'Algebra — lecture 9', at(30));
    // Still being made or failed: never the retention job's business.
    await s.storage.recordings.create({ id: 'live', meetingId: 'abc-defg-hjk', ownerId: s.ada, title: 'Live', startedAt: T0 });

    assert.deepEqual(await job.run(T0), { deleted: [], warned: [] });
    assert.equal(sink.messages.length, 0);

    // Day 54: "old" expires on day 60 (ready one hour after it started), within the week.
    assert.deepEqual(await job.run(at(54)), { deleted: [], warned: ['old'] });
    assert.equal(sink.messages.length, 1);
    const mail = sink.messages[0]!;
    assert.deepEqual(mail.to && !Array.isArray(mail.to) ? mail.to.value.map((a) => a.address) : [], ['ada@example.org']);
    assert.match(mail.text ?? '', /Algebra — lecture 1/);
    assert.doesNotMatch(mail.text ?? '', /lecture 9/, 'only what expires within the week');
    assert.match(mail.text ?? '', /Ada Lovelace/);
    assert.match(mail.text ?? '', /1 May 2026/);
    assert.match(mail.text ?? '', /1 mai 2026/);
    assert.match(mail.text ?? '', /https:\/\/meet\.univ\.example\//);
    assert.match(mail.subject ?? '', /deleted/);

    assert.deepEqual(await job.run(at(54)), { deleted: [], warned: [] }, 'not warned twice');
    assert.deepEqual(await job.run(at(55)), { deleted: [], warned: [] });
    assert.equal(sink.messages.length, 1);
    assert.ok(exists(recordingFiles(s.dir, 'old').mp4), 'nothing deleted before the day');

    const lines = s.lines.length;
    assert.deepEqual(await job.run(at(61)), { deleted: ['old'], warned: [] });
    const old = recordingFiles(s.dir, 'old');
    assert.equal(exists(old.mp4), false, 'MP4 deleted');
    assert.equal(exists(old.raw), false, 'raw folder deleted');
    assert.equal(await s.storage.recordings.byId('old'), undefined, 'record deleted');
    const fresh = recordingFiles(s.dir, 'fresh');
    assert.ok(exists(fresh.mp4) && exists(fresh.raw), 'the fresh one keeps its files');
    assert.equal((await s.storage.recordings.byId('fresh'))?.status, 'ready');
    assert.equal((await s.storage.recordings.byId('live'))?.status, 'recording');
    assert.deepEqual(
      s.lines.slice(lines).filter((l) => l.msg === 'recording deleted').map((l) => [l.level, l.recording, l.meeting, l.owner, l.title]),
      [['info', 'old', 'abc-defg-hjk', s.ada, 'Algebra — lecture 1']],
      'every deletion is logged',
    );
    assert.equal(sink.messages.length, 1);
  });

  it('deleting an expired recording stops its share links; expired links are forgotten, working ones kept', async (t) => {
    const s = await setup(t);
    await s.ready('old', s.ada, 'Old', T0);
    await s.ready('fresh', s.ada, 'Fresh', at(30));
    const link = (id: string, recordingId: string, expiresAt: Date | null) =>
      s.storage.recordingShares.create({ id: id.repeat(32), recordingId, passcodeHash: null, expiresAt, createdBy: s.ada, now: T0 });
    await link('a', 'old', null);
    await link('b', 'fresh', at(10));
    await link('c', 'fresh', null);
    await link('d', 'fresh', at(100));

    assert.deepEqual(await s.job(undefined).run(at(11)), { deleted: [], warned: [] });
    assert.equal(await s.storage.recordingShares.byToken('b'.repeat(32)), undefined, 'expired link forgotten');
    assert.ok(await s.storage.recordingShares.byToken('a'.repeat(32)));
    assert.ok(s.lines.some((l) => l.msg === 'expired recording links forgotten' && l.count === 1));

    assert.deepEqual((await s.job(undefined).run(at(61))).deleted, ['old']);
    assert.equal(await s.storage.recordingShares.byToken('a'.repeat(32)), undefined, 'the link went with its recording');
    assert.deepEqual((await s.storage.recordingShares.listFor('fresh', at(61))).map((x) => x.id).sort(), ['c'.repeat(32), 'd'.repeat(32)]);
  });

  it('a recording that expires before anyone could warn is deleted without an email; a missing file is no obstacle', async (t) => {
    const s = await setup(t);
    const sink = await startSmtpSink();
    t.after(() => sink.close());
    await s.ready('old', s.ada, 'Old', T0);
    fs.rmSync(recordingFiles(s.dir, 'old').mp4);
    assert.deepEqual(await s.job(mailerFor(t, sink.url)).run(at(90)), { deleted: ['old'], warned: [] });
    assert.equal(exists(recordingFiles(s.dir, 'old').raw), false);
    assert.equal(sink.messages.length, 0);
  });

  it('without a mail server it says it could not warn and warns later, once one is there', async (t) => {
    const s = await setup(t);
    await s.ready('old', s.ada, 'Old', T0);
    assert.deepEqual(await s.job(undefined).run(at(54)), { deleted: [], warned: [] });
    assert.ok(s.lines.some((l) => l.level === 'warn' && /no mail server/.test(String(l.msg))));

    // A mail server that does not answer: not marked either.
    const down = await startSmtpSink();
    await down.close();
    assert.deepEqual(await s.job(mailerFor(t, down.url)).run(at(54)), { deleted: [], warned: [] });
    assert.ok(s.lines.some((l) => l.level === 'warn' && l.owner === s.ada));

    const sink = await startSmtpSink();
    t.after(() => sink.close());
    assert.deepEqual(await s.job(mailerFor(t, sink.url)).run(at(55)), { deleted: [], warned: ['old'] });
    assert.equal(sink.messages.length, 1);
  });

  it('one email per owner lists all their recordings; runs started together warn once', async (t) => {
    const s = await setup(t);
    const bob = (await s.storage.users.create({ email: 'bob@example.org', name: 'Bob', passwordHash: null, isAdmin: false, isStaff: true })).id;
    await s.ready('a1', s.ada, 'First', T0);
    await s.ready('a2', s.ada, 'Second', at(1));
    await s.ready('b1', bob, 'Bobs', T0);
    const sink = await startSmtpSink();
    t.after(() => sink.close());
    const job = s.job(mailerFor(t, sink.url));
    const [first, second] = await Promise.all([job.run(at(55)), job.run(at(55))]);
    assert.deepEqual([...first.warned].sort(), ['a1', 'a2', 'b1']);
    assert.deepEqual(second.warned, []);
    assert.equal(sink.messages.length, 2);
    const toAda = sink.messages.find((m) => /Ada/.test(m.text ?? ''));
    assert.match(toAda?.text ?? '', /First[\s\S]*Second/);
    assert.doesNotMatch(toAda?.text ?? '', /Bobs/);
  });
});
