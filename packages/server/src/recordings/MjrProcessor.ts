import { execFile } from 'node:child_process';
import fs from 'node:fs/promises';
import path from 'node:path';
import { z } from 'zod';
import type { Logger } from '../Logger.ts';
import { MANIFEST_FILE, type RecordingManifest, type RecordingProcessor } from '../ports/RecordingProcessor.ts';
import { composeArgs, type Track } from './layout.ts';

/** janus-pp-rec -j: the header of a Janus recording (kind, codec, first packet time in µs). */
const MjrHeader = z.object({ t: z.string(), c: z.string(), u: z.number().optional(), s: z.number() });
const Manifest = z.object({
  feeds: z.record(z.string(), z.object({ name: z.string(), screenMids: z.array(z.string()) })),
  pauses: z.array(z.object({ from: z.number(), to: z.number() })).optional(),
});
/** videoroom-<room>-user-<feed>-<time>-<audio|video>-<mid>.mjr */
const FILE_NAME = /-user-(\d+)-\d+-(audio|video)-([A-Za-z0-9]+)\.mjr$/;

function run(command: string, args: string[], timeoutMs: number): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(command, args, { timeout: timeoutMs, maxBuffer: 16 << 20 }, (error, stdout, stderr) => {
      if (error) reject(new Error(`${command} failed: ${stderr.trim().slice(-500) || error.message}`));
      else resolve(stdout);
    });
  });
}

async function durationOf(file: string): Promise<number> {
  const out = await run('ffprobe', ['-v', 'error', '-show_entries', 'format=duration', '-of', 'default=nw=1:nk=1', file], 60_000);
  const d = Number(out.trim());
  return Number.isFinite(d) ? d : 0;
}

/**
 * Janus's per-stream recordings (.mjr) to one MP4: each stream is turned into a playable file
 * with janus-pp-rec, placed on a common timeline by its first packet's time, then composed by
 * ffmpeg (see layout.ts). Streams that hold nothing (a camera that was off) are left out.
 */
export class MjrProcessor implements RecordingProcessor {
  constructor(private readonly log: Logger) {}

  async process(rawDir: string, outFile: string): Promise<{ durationS: number; bytes: number }> {
    const manifest = await readManifest(rawDir);
    const workDir = path.join(rawDir, 'work');
    await fs.mkdir(workDir, { recursive: true });
    const found: (Track & { start: number; duration: number })[] = [];
    for (const name of (await fs.readdir(rawDir)).filter((n) => n.endsWith('.mjr')).sort()) {
      const file = path.join(rawDir, name);
      const match = FILE_NAME.exec(name);
      let header: z.infer<typeof MjrHeader>;
      try {
        header = MjrHeader.parse(JSON.parse((await run('janus-pp-rec', ['-j', file], 60_000)).trim().split('\n').pop() ?? ''));
      } catch (err) {
        this.log.warn('skipping an unreadable recording file', { file: name, err: String(err) });
        continue;
      }
      const kind = header.t === 'a' ? 'audio' : header.t === 'v' ? 'video' : undefined;
      if (!kind) continue;
      const extension = kind === 'audio' ? (header.c === 'opus' ? 'opus' : 'wav') : header.c === 'vp8' || header.c === 'vp9' ? 'webm' : 'mkv';
      const out = path.join(workDir, `${name}.${extension}`);
      let duration: number;
      try {
        await run('janus-pp-rec', [file, out], 10 * 60_000);
        if (((await fs.stat(out).catch(() => undefined))?.size ?? 0) < 100) continue;
        duration = await durationOf(out);
        if (duration <= 0) continue;
      } catch (err) {
        this.log.warn('skipping a stream that could not be converted', { file: name, err: String(err) });
        continue;
      }
      const feed = match?.[1];
      const mid = match?.[3];
      const screen = kind === 'video' && feed !== undefined && mid !== undefined && (manifest.feeds[feed]?.screenMids.includes(mid) ?? false);
      found.push({ file: out, kind, screen, offset: 0, start: header.u ?? header.s, duration });
    }
    if (found.length === 0) throw new Error('nothing was recorded');
    const t0 = Math.min(...found.map((t) => t.start));
    // A pause closes every stream's file and resuming opens new ones: each file lies after the
    // pauses that ended before it began, so those pauses are cut out of its place on the timeline.
    const pauses = manifest.pauses ?? [];
    const pausedBefore = (startUs: number) => pauses.filter((p) => p.to * 1000 <= startUs).reduce((sum, p) => sum + (p.to - p.from) * 1000, 0);
    const placed = found.map((t) => ({ ...t, offset: Math.max(0, (t.start - t0 - pausedBefore(t.start)) / 1e6) }));
    const tracks: Track[] = placed.map(({ file, kind, screen, offset }) => ({ file, kind, screen, offset }));
    const total = Math.max(...placed.map((t) => t.offset + t.duration));
    this.log.info('composing a recording', { tracks: placed.map((t) => ({ file: path.basename(t.file), offset: Number(t.offset.toFixed(3)), duration: Number(t.duration.toFixed(3)) })), pauses: pauses.length, total });
    const partial = `${outFile}.part.mp4`;
    await run('ffmpeg', composeArgs(tracks, total, partial), 60 * 60_000);
    await fs.rename(partial, outFile);
    await fs.rm(workDir, { recursive: true, force: true });
    return { durationS: await durationOf(outFile), bytes: (await fs.stat(outFile)).size };
  }
}

async function readManifest(rawDir: string): Promise<RecordingManifest> {
  try {
    return Manifest.parse(JSON.parse(await fs.readFile(path.join(rawDir, MANIFEST_FILE), 'utf8')));
  } catch {
    return { feeds: {} };
  }
}
