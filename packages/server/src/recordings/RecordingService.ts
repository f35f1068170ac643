import crypto from 'node:crypto';
import fs from 'node:fs/promises';
import path from 'node:path';
import type { Logger } from '../Logger.ts';
import type { CloudRecorder } from '../ports/CloudRecorder.ts';
import type { OutgoingMail } from '../ports/Mailer.ts';
import type { RecordingCatalog, RecordingRecord } from '../ports/RecordingCatalog.ts';
import { MANIFEST_FILE, type RecordingManifest, type RecordingProcessor } from '../ports/RecordingProcessor.ts';
import { readManifest } from './manifest.ts';

export interface RecordingServiceOptions {
  catalog: RecordingCatalog;
  processor: RecordingProcessor;
  /** `<dir>/<id>/` holds what the media server writes; `<dir>/<id>.mp4` the result. */
  dir: string;
  retentionDays: number;
  /** Below this much free space on the recordings disk, recording stops. */
  minFreeBytes: number;
  log: Logger;
  /** Told when a recording is ready (to email its owner). */
  onReady?: (recording: RecordingRecord) => Promise<void>;
  /** How often, while recording, what can already be made of the MP4 is made (default 10 s). */
  advanceEveryMs?: number;
}

/**
 * Cloud recordings on local disk. Processing runs one step at a time (ffmpeg takes the cores
 * it gets) in the background: while a recording goes on, what can already be made of its MP4
 * is made every few seconds, so that it is ready soon after it stops; a recording a crash cut
 * short is processed at the next start from what the media server had written.
 */
export class RecordingService implements CloudRecorder {
  #queue: Promise<void> = Promise.resolve();
  readonly #log: Logger;
  /** Aborted when Amphi stops: segments of recordings that go on are made after the restart. */
  readonly #stopping = new AbortController();
  /** Recordings going on: their timer, and whether a step is already waiting in the queue. */
  readonly #running = new Map<string, { timer: ReturnType<typeof setInterval>; queued: boolean }>();

  constructor(private readonly options: RecordingServiceOptions) {
    this.#log = options.log;
  }

  async begin(input: { meetingId: string; ownerId: string; title: string }): Promise<{ id: string; rawDir: string }> {
    const id = crypto.randomUUID();
    const rawDir = path.join(this.options.dir, id);
    await fs.mkdir(rawDir, { recursive: true, mode: 0o750 });
    await this.options.catalog.create({ id, ...input, startedAt: new Date() });
    this.#run(id);
    return { id, rawDir };
  }

  async carryOn(id: string): Promise<{ rawDir: string; manifest: RecordingManifest; mediaUntil: Date } | undefined> {
    const record = await this.options.catalog.byId(id);
    const rawDir = path.join(this.options.dir, id);
    if (record?.status !== 'recording' || !(await fs.stat(rawDir).catch(() => undefined))?.isDirectory()) return undefined;
    this.#run(id);
    return { rawDir, manifest: await readManifest(rawDir), mediaUntil: await this.#lastWrite(id, '.mjr') };
  }

  /** While it goes on, what can be made of its MP4 is made every few seconds. */
  #run(id: string): void {
    if (this.#running.has(id)) return;
    const running = { timer: setInterval(() => this.#advance(id), this.options.advanceEveryMs ?? 10_000), queued: false };
    running.timer.unref?.();
    this.#running.set(id, running);
  }

  async describe(id: string, manifest: RecordingManifest): Promise<void> {
    const file = path.join(this.options.dir, id, MANIFEST_FILE);
    await fs.writeFile(`${file}.part`, JSON.stringify(manifest));
    await fs.rename(`${file}.part`, file);
  }

  async hasRoom(): Promise<boolean> {
    try {
      const stats = await fs.statfs(this.options.dir);
      return stats.bavail * stats.bsize >= this.options.minFreeBytes;
    } catch {
      return false;
    }
  }

  end(id: string): void {
    const endedAt = new Date();
    clearInterval(this.#running.get(id)?.timer);
    this.#running.delete(id);
    void this.#enqueue(id, endedAt);
  }

  /**
   * Processes what a crash left behind (status recording or processing), except the recordings
   * that restored meetings carry on with (carryOn, called first).
   */
  async recover(): Promise<void> {
    for (const recording of await this.options.catalog.unfinished()) {
      if (this.#running.has(recording.id)) continue;
      this.#log.warn('recovering a recording cut short', { recording: recording.id, status: recording.status });
      void this.#enqueue(recording.id, recording.endedAt ? new Date(recording.endedAt) : await this.#lastWrite(recording.id));
    }
  }

  /**
   * At shutdown: stops making segments of recordings that go on (the next start carries them on
   * from the last segment made, see carryOn) and waits only for the segment being made and for
   * recordings being finished.
   */
  async idle(): Promise<void> {
    this.#stopping.abort();
    for (const running of this.#running.values()) clearInterval(running.timer);
    this.#running.clear();
    await this.#queue;
  }

  #advance(id: string): void {
    const running = this.#running.get(id);
    if (!running || running.queued) return;
    running.queued = true;
    const step = this.#queue.then(async () => {
      running.queued = false;
      if (!this.#running.has(id)) return;
      if (this.#stopping.signal.aborted) return;
      await this.options.processor.advance(path.join(this.options.dir, id), this.#stopping.signal).catch((err) => this.#log.warn('could not process a recording while it goes on', { recording: id, err: String(err) }));
    });
    this.#queue = step.catch(() => {});
  }

  #enqueue(id: string, endedAt: Date): Promise<void> {
    const run = this.#queue.then(() => this.#process(id, endedAt));
    this.#queue = run.catch(() => {});
    return run;
  }

  async #process(id: string, endedAt: Date): Promise<void> {
    const { catalog, processor, dir } = this.options;
    const rawDir = path.join(dir, id);
    const started = Date.now();
    try {
      await catalog.update(id, { status: 'processing', endedAt: endedAt.toISOString() });
      const { durationS, bytes } = await processor.process(rawDir, path.join(dir, `${id}.mp4`));
      const expiresAt = new Date(Date.now() + this.options.retentionDays * 86_400_000).toISOString();
      await catalog.update(id, { status: 'ready', durationS, bytes, expiresAt, error: null });
      // The per-stream files are only the way to the MP4.
      await fs.rm(rawDir, { recursive: true, force: true });
      this.#log.info('recording ready', { recording: id, durationS, bytes, processingMs: Date.now() - started });
      const ready = await catalog.byId(id);
      if (ready && this.options.onReady) await this.options.onReady(ready).catch((err) => this.#log.warn('could not tell the owner', { recording: id, err: String(err) }));
    } catch (err) {
      this.#log.error('recording processing failed', { recording: id, err: String(err) });
      await catalog.update(id, { status: 'failed', error: String(err).slice(0, 500) }).catch(() => {});
    }
  }

  /** When anything (or, with `ending`, any file so named) in the recording's folder was last written. */
  async #lastWrite(id: string, ending = ''): Promise<Date> {
    let last = 0;
    const rawDir = path.join(this.options.dir, id);
    for (const name of await fs.readdir(rawDir).catch(() => [] as string[])) {
      if (!name.endsWith(ending)) continue;
      const stat = await fs.stat(path.join(rawDir, name)).catch(() => undefined);
      if (stat) last = Math.max(last, stat.mtimeMs);
    }
    return last > 0 ? new Date(last) : new Date();
  }
}

/** The email that tells a recording's owner it is ready (English and French in one message). */
export function recordingReadyMail(input: { to: string; name: string; title: string; durationS: number; link: string }): OutgoingMail {
  const minutes = Math.max(1, Math.round(input.durationS / 60));
  return {
    to: input.to,
    subject: `Recording ready: ${input.title} / Enregistrement prêt : ${input.title}`,
    text:
      `Hello ${input.name},\n\nThe recording of “${input.title}” (${minutes} min) is ready. Play, download or share it from your recordings: ${input.link}\n\n` +
      `Bonjour ${input.name},\n\nL’enregistrement de « ${input.title} » (${minutes} min) est prêt. Lisez-le, téléchargez-le ou partagez-le depuis vos enregistrements : ${input.link}\n`,
  };
}
