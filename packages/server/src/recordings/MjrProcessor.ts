import { execFile } from 'node:child_process';
import fs from 'node:fs/promises';
import path from 'node:path';
import type { Logger } from '../Logger.ts';
import type { RecordingManifest, RecordingProcessor } from '../ports/RecordingProcessor.ts';
import { readManifest } from './manifest.ts';
import { composeArgs } from './layout.ts';
import { MjrIndex } from './mjr.ts';
import { clipsIn, placeStreams, speakerIntervals, type Clip, type PlacedStream } from './timeline.ts';

/** videoroom-<room>-user-<feed>-<time>-<audio|video>-<mid>.mjr */
const FILE_NAME = /-user-(\d+)-\d+-(audio|video)-([A-Za-z0-9]+)\.mjr$/;
/** While recording, a segment is made once the streams are this far past its end (files are written with a little delay). */
const MARGIN_S = 3;
/** A last segment shorter than this is not made (the end of a recording is not that exact). */
const MIN_LAST_S = 0.25;
const SEGMENTS = 'segments';

export interface MjrProcessorOptions {
  /** Length of the pieces the MP4 is made of, in seconds; the last one is made after the recording stops. */
  segmentS: number;
}

function run(command: string, args: string[], timeoutMs: number): Promise<string> {
  // Lower priority: processing must never take the CPU from the media server during meetings.
  return new Promise((resolve, reject) => {
    execFile('nice', ['-n', '10', command, ...args], { timeout: timeoutMs, maxBuffer: 16 << 20 }, (error, stdout, stderr) => {
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

interface Stream extends PlacedStream {
  index: MjrIndex;
}

/**
 * Janus's per-stream recordings (.mjr) to one MP4, made in segments: while the meeting goes on,
 * each segment of the timeline is composed as soon as every stream has gone past it (only that
 * piece of each file is cut out, converted with janus-pp-rec and composed by ffmpeg, see
 * layout.ts); when the recording stops only the last segment is left to make, and the segments
 * are joined without re-encoding. Streams are placed on a common timeline by their first
 * packet's time, less the pauses (timeline.ts). A crash loses nothing made: the segments are
 * files, and the next run goes on from the first one missing.
 */
export class MjrProcessor implements RecordingProcessor {
  /** Indexes of the files being recorded, kept between runs so a growing file is read once. */
  readonly #indexes = new Map<string, MjrIndex>();

  constructor(
    private readonly log: Logger,
    private readonly options: MjrProcessorOptions,
  ) {}

  /** Makes the segments the streams have gone past; stops between two when `signal` aborts (Amphi stops). */
  async advance(rawDir: string, signal?: AbortSignal): Promise<void> {
    const timeline = await this.#timeline(rawDir);
    if (!timeline) return;
    const S = this.options.segmentS;
    for (let k = await segmentsDone(rawDir); (k + 1) * S <= timeline.total - MARGIN_S && !signal?.aborted; k++) {
      await this.#segment(rawDir, timeline, k, k * S, (k + 1) * S);
    }
  }

  async process(rawDir: string, outFile: string): Promise<{ durationS: number; bytes: number }> {
    const timeline = await this.#timeline(rawDir);
    if (!timeline || timeline.total < 0.1) throw new Error('nothing was recorded');
    const S = this.options.segmentS;
    const count = Math.max(1, Math.ceil((timeline.total - MIN_LAST_S) / S));
    for (let k = await segmentsDone(rawDir); k < count; k++) await this.#segment(rawDir, timeline, k, k * S, k === count - 1 ? Math.max(timeline.total, k * S + MIN_LAST_S) : (k + 1) * S);
    const list = path.join(rawDir, 'segments.txt');
    await fs.writeFile(list, Array.from({ length: count }, (_, k) => `file '${segmentFile(rawDir, k)}'\n`).join(''));
    const partial = `${outFile}.part.mp4`;
    await run('ffmpeg', ['-y', '-hide_banner', '-loglevel', 'error', '-f', 'concat', '-safe', '0', '-i', list, '-c', 'copy', '-movflags', '+faststart', partial], 30 * 60_000);
    await fs.rename(partial, outFile);
    for (const key of this.#indexes.keys()) if (key.startsWith(rawDir + path.sep)) this.#indexes.delete(key);
    this.log.info('recording joined', { segments: count, total: Number(timeline.total.toFixed(3)) });
    return { durationS: await durationOf(outFile), bytes: (await fs.stat(outFile)).size };
  }

  /** The recording's streams as their files stand now, placed on the timeline. */
  async #timeline(rawDir: string): Promise<{ streams: Stream[]; total: number; t0Us: number; manifest: RecordingManifest } | undefined> {
    const manifest = await readManifest(rawDir);
    const found: (Omit<PlacedStream, 'offset' | 'source'> & { index: MjrIndex })[] = [];
    for (const name of (await fs.readdir(rawDir)).filter((n) => n.endsWith('.mjr')).sort()) {
      const file = path.join(rawDir, name);
      let index = this.#indexes.get(file);
      if (!index) {
        index = new MjrIndex(file);
        this.#indexes.set(file, index);
      }
      const readable = await index.update().catch((err) => {
        this.log.warn('skipping an unreadable recording file', { file: name, err: String(err) });
        return false;
      });
      const info = index.info;
      if (!readable || !info || info.kind === 'data') continue;
      const match = FILE_NAME.exec(name);
      const feed = match?.[1];
      const mid = match?.[3];
      const screen = info.kind === 'video' && feed !== undefined && mid !== undefined && (manifest.feeds[feed]?.screenMids.includes(mid) ?? false);
      // The last packet's receive time, plus about one frame.
      found.push({ file, kind: info.kind, feed, screen, startUs: info.firstUs, duration: index.lastMs / 1000 + 0.04, index });
    }
    if (found.length === 0) return undefined;
    const { placed, total, t0Us } = placeStreams(found, manifest.pauses ?? []);
    return { streams: placed.map((p, i) => ({ ...p, index: found[i]!.index })), total, t0Us, manifest };
  }

  /** Composes [from, to) of the timeline into segment k. */
  async #segment(rawDir: string, timeline: { streams: Stream[]; t0Us: number; manifest: RecordingManifest }, k: number, from: number, to: number): Promise<void> {
    const started = Date.now();
    const work = path.join(rawDir, 'work', String(k));
    await fs.rm(work, { recursive: true, force: true });
    await fs.mkdir(work, { recursive: true });
    const clips: Clip[] = [];
    for (const [i, stream] of timeline.streams.entries()) {
      const [clip] = clipsIn([stream], from, to);
      if (!clip) continue;
      const info = stream.index.info!;
      const piece = path.join(work, `${i}.mjr`);
      // A little past the end, so the composition never runs short of a frame.
      const firstMs = await stream.index.writePiece(clip.inPoint * 1000, (clip.inPoint + clip.length) * 1000 + 500, piece);
      if (firstMs === undefined) continue;
      const extension = info.kind === 'audio' ? (info.codec === 'opus' ? 'opus' : 'wav') : info.codec === 'vp8' || info.codec === 'vp9' ? 'webm' : 'mkv';
      const playable = path.join(work, `${i}.${extension}`);
      try {
        await run('janus-pp-rec', ['-d', '2', piece, playable], 10 * 60_000);
      } catch (err) {
        this.log.warn('skipping a piece of a stream that could not be converted', { file: path.basename(stream.file), segment: k, err: String(err) });
        continue;
      }
      if (((await fs.stat(playable).catch(() => undefined))?.size ?? 0) < 100) continue;
      // The piece starts at its first packet, which may be before `from` (a video keyframe).
      const pieceAt = stream.offset + firstMs / 1000;
      const start = Math.max(from, pieceAt);
      clips.push({ ...clip, file: playable, inPoint: start - pieceAt, at: start - from, length: clip.at + clip.length - (start - from) });
    }
    const cameras = [...new Set(clips.filter((c) => c.kind === 'video' && !c.screen).map((c) => c.source))];
    const speakers = speakerIntervals(timeline.manifest.speakers ?? [], cameras, timeline.t0Us, timeline.manifest.pauses ?? [], from, to);
    const out = segmentFile(rawDir, k);
    await run('ffmpeg', composeArgs(clips, to - from, speakers, `${out}.part.mp4`), 60 * 60_000);
    await fs.rename(`${out}.part.mp4`, out);
    await fs.rm(work, { recursive: true, force: true });
    this.log.info('recording segment made', { segment: k, from, to: Number(to.toFixed(3)), clips: clips.length, ms: Date.now() - started });
  }
}

function segmentFile(rawDir: string, k: number): string {
  return path.join(rawDir, SEGMENTS, `${String(k).padStart(6, '0')}.mp4`);
}

/** How many segments in a row, from the first, are already made. */
async function segmentsDone(rawDir: string): Promise<number> {
  await fs.mkdir(path.join(rawDir, SEGMENTS), { recursive: true });
  const names = new Set(await fs.readdir(path.join(rawDir, SEGMENTS)));
  let k = 0;
  while (names.has(path.basename(segmentFile(rawDir, k)))) k++;
  return k;
}
