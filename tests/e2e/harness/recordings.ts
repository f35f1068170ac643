import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import type { BrowserContext } from 'playwright-core';

/** Cloud recordings as their owner sees them, and what ffprobe and ffmpeg make of the MP4. */

export const run = promisify(execFile);

export interface RecordingView {
  id: string;
  status: string;
  durationS: number | null;
}

export async function recordings(context: BrowserContext, url: string): Promise<RecordingView[]> {
  const res = await context.request.get(`${url}/api/recordings`);
  assert.equal(res.status(), 200, await res.text());
  return ((await res.json()) as { recordings: RecordingView[] }).recordings;
}

export async function waitReady(context: BrowserContext, url: string, timeoutMs = 90_000): Promise<RecordingView> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const all = await recordings(context, url);
    const done = all.find((r) => r.status === 'ready' || r.status === 'failed');
    if (done) return done;
    if (Date.now() > deadline) assert.fail(`no recording became ready: ${JSON.stringify(all)}`);
    await new Promise((r) => setTimeout(r, 500));
  }
}

/**
 * ffprobe's view of the file: codecs and duration; and how bright a frame from its middle is,
 * in the box where the active speaker's camera goes beside a shared screen (the fake screen of
 * headless Chromium is mostly dark; the fake camera is bright).
 */
export async function inspect(file: string): Promise<{ video: string; audio: string; duration: number; lit: number }> {
  const { stdout } = await run('ffprobe', ['-v', 'error', '-show_entries', 'stream=codec_type,codec_name:format=duration', '-of', 'json', file]);
  const probe = JSON.parse(stdout) as { streams: { codec_type: string; codec_name: string }[]; format: { duration: string } };
  const duration = Number(probe.format.duration);
  const lit = await litShare(file, duration / 2, 'crop=320:240:960:0');
  return {
    video: probe.streams.find((s) => s.codec_type === 'video')?.codec_name ?? '',
    audio: probe.streams.find((s) => s.codec_type === 'audio')?.codec_name ?? '',
    duration,
    lit,
  };
}

/**
 * The share of a frame (at `at` seconds, in the box `crop` picks if given) that is clearly lit:
 * a black frame (nothing decoded) has none. By the brightest channel: the fake camera's dark
 * green is nearly black in grey.
 */
export async function litShare(file: string, at: number, crop?: string): Promise<number> {
  const filter = [crop, 'scale=32:24', 'format=rgb24'].filter(Boolean).join(',');
  const frame = await run('ffmpeg', ['-v', 'error', '-ss', String(at), '-i', file, '-frames:v', '1', '-vf', filter, '-f', 'rawvideo', '-'], { encoding: 'buffer', maxBuffer: 1 << 20 });
  const pixels = frame.stdout as Buffer;
  let litPixels = 0;
  for (let i = 0; i + 2 < pixels.length; i += 3) if (Math.max(pixels[i]!, pixels[i + 1]!, pixels[i + 2]!) > 48) litPixels++;
  return litPixels / Math.max(1, pixels.length / 3);
}

export async function download(context: BrowserContext, url: string, id: string): Promise<string> {
  const res = await context.request.get(`${url}/api/recordings/${id}/file?download=1`);
  assert.equal(res.status(), 200);
  const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'amphi-rec-')), 'recording.mp4');
  fs.writeFileSync(file, await res.body());
  return file;
}
