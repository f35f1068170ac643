import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, test } from 'node:test';
import { createLogger } from '../Logger.ts';
import type { RecordingCatalog, RecordingRecord } from '../ports/RecordingCatalog.ts';
import { MANIFEST_FILE, type RecordingProcessor } from '../ports/RecordingProcessor.ts';
import { RecordingService } from './RecordingService.ts';

/** The catalog as the service sees it, in memory. */
class MemoryCatalog implements RecordingCatalog {
  readonly rows = new Map<string, RecordingRecord>();
  async create(input: { id: string; meetingId: string; ownerId: string; title: string; startedAt: Date }) {
    const row: RecordingRecord = { ...input, startedAt: input.startedAt.toISOString(), endedAt: null, status: 'recording', durationS: null, bytes: null, expiresAt: null, error: null };
    this.rows.set(input.id, row);
    return row;
  }
  async update(id: string, change: Partial<RecordingRecord>) {
    Object.assign(this.rows.get(id)!, change);
  }
  async byId(id: string) {
    return this.rows.get(id);
  }
  async unfinished() {
    return [...this.rows.values()].filter((r) => r.status === 'recording' || r.status === 'processing');
  }
}

/** Writes a small MP4 stand-in and says which folders it made one of (ffmpeg is tested end to end). */
class NotingProcessor implements RecordingProcessor {
  readonly processed: string[] = [];
  async advance() {}
  async process(rawDir: string, outFile: string) {
    this.processed.push(path.basename(rawDir));
    fs.writeFileSync(outFile, 'mp4');
    return { durationS: 1, bytes: 3 };
  }
}

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) fs.rmSync(d, { recursive: true, force: true });
});

function service() {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'amphi-recordings-'));
  dirs.push(dir);
  const catalog = new MemoryCatalog();
  const processor = new NotingProcessor();
  const recorder = new RecordingService({ catalog, processor, dir, retentionDays: 60, minFreeBytes: 0, log: createLogger('silent') });
  return { dir, catalog, processor, recorder };
}

describe('cloud recordings across a restart of Amphi', () => {
  test('a recording a restored meeting goes on with: its manifest and when media was last written; the others are processed', async () => {
    const first = service();
    const carried = await first.recorder.begin({ meetingId: 'm1', ownerId: 'u1', title: 'Goes on' });
    const cut = await first.recorder.begin({ meetingId: 'm2', ownerId: 'u1', title: 'Its meeting ended' });
    await first.recorder.describe(carried.id, { feeds: { '7': { name: 'Ada', screenMids: ['2'] } }, pauses: [{ from: 1, to: 2 }] });
    const media = path.join(carried.rawDir, 'videoroom-1-user-7-1-video-1.mjr');
    fs.writeFileSync(media, 'MJR');
    const lastPacket = new Date(Date.now() - 30_000);
    fs.utimesSync(media, lastPacket, lastPacket);
    fs.writeFileSync(path.join(cut.rawDir, 'videoroom-1-user-8-1-audio-0.mjr'), 'MJR');
    await first.recorder.idle();

    // A new process over the same folder and catalog.
    const processor = new NotingProcessor();
    const recorder = new RecordingService({ catalog: first.catalog, processor, dir: first.dir, retentionDays: 60, minFreeBytes: 0, log: createLogger('silent') });
    const kept = await recorder.carryOn(carried.id);
    assert.equal(kept?.rawDir, carried.rawDir);
    assert.deepEqual(kept?.manifest, { feeds: { '7': { name: 'Ada', screenMids: ['2'] } }, pauses: [{ from: 1, to: 2 }] });
    assert.equal(Math.round(kept!.mediaUntil.getTime() / 1000), Math.round(lastPacket.getTime() / 1000), 'the media file, not the manifest written later');
    await recorder.recover();
    await recorder.idle();
    assert.deepEqual(processor.processed, [cut.id], 'only the recording nobody carries on is processed now');
    assert.equal(first.catalog.rows.get(carried.id)?.status, 'recording');
    assert.equal(fs.readFileSync(path.join(carried.rawDir, MANIFEST_FILE), 'utf8').includes('Ada'), true);

    recorder.end(carried.id);
    await recorder.idle();
    assert.equal(first.catalog.rows.get(carried.id)?.status, 'ready', 'processed once it stops');
    assert.equal(await recorder.carryOn(carried.id), undefined, 'a recording already made cannot go on');
    assert.equal(await recorder.carryOn('no-such-recording'), undefined);
  });
});
