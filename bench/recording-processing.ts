/*
 * Recording processing: how long it takes, once a recording stops, to make its MP4, and how
 * much CPU it uses, as a multiple of the recording's length. Synthetic streams stand in for
 * what Janus writes (three cameras at 640×480, a 1280×720 screen, three voices: VP8 and Opus,
 * as janus-pp-rec gives them); the composition is Amphi's own (recordings/layout.ts). The
 * baseline, measured in the same run, is a plain transcode of one camera to H.264.
 *
 *   sudo ./amphi bench recording-processing          (10 minutes of meeting by default)
 *   BENCH_MINUTES=2 sudo -E ./amphi bench recording-processing
 */
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { composeArgs, type Track } from '../packages/server/src/recordings/layout.ts';

const MINUTES = Number(process.env.BENCH_MINUTES ?? 10);
const SECONDS = Math.round(MINUTES * 60);
const TICKS_PER_S = 100;

function run(args: string[]): Promise<void> {
  return new Promise((resolve, reject) => execFile('ffmpeg', ['-y', '-hide_banner', '-loglevel', 'error', ...args], { maxBuffer: 1 << 24 }, (err) => (err ? reject(err) : resolve())));
}

/** CPU seconds used by this process's finished children so far (/proc/self/stat cutime + cstime). */
function childCpuSeconds(): number {
  const stat = fs.readFileSync('/proc/self/stat', 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[13]) + Number(fields[14])) / TICKS_PER_S;
}

async function measure(work: () => Promise<void>): Promise<{ wall: number; cpu: number }> {
  const cpu0 = childCpuSeconds();
  const t0 = performance.now();
  await work();
  return { wall: (performance.now() - t0) / 1000, cpu: childCpuSeconds() - cpu0 };
}

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'amphi-bench-rec-'));
const file = (name: string) => path.join(dir, name);
console.log(`making ${MINUTES} min of synthetic streams in ${dir} …`);
const vp8 = ['-c:v', 'libvpx', '-deadline', 'realtime', '-cpu-used', '8', '-b:v', '500k'];
await Promise.all([
  ...[1, 2, 3].map((n) => run(['-f', 'lavfi', '-i', `testsrc2=s=640x480:r=20:d=${SECONDS}`, ...vp8, file(`cam${n}.webm`)])),
  run(['-f', 'lavfi', '-i', `testsrc=s=1280x720:r=15:d=${SECONDS}`, ...vp8, file('screen.webm')]),
  ...[1, 2, 3].map((n) => run(['-f', 'lavfi', '-i', `sine=f=${220 * n}:d=${SECONDS}`, '-c:a', 'libopus', '-b:a', '32k', file(`voice${n}.opus`)])),
]);

// People arrive a little apart, the screen is shared a minute in (or a tenth in, for short runs).
const screenAt = Math.min(60, SECONDS / 10);
const tracks: Track[] = [
  { file: file('cam1.webm'), kind: 'video', screen: false, offset: 0 },
  { file: file('cam2.webm'), kind: 'video', screen: false, offset: 1.2 },
  { file: file('cam3.webm'), kind: 'video', screen: false, offset: 2.5 },
  { file: file('screen.webm'), kind: 'video', screen: true, offset: screenAt },
  { file: file('voice1.opus'), kind: 'audio', screen: false, offset: 0 },
  { file: file('voice2.opus'), kind: 'audio', screen: false, offset: 1.2 },
  { file: file('voice3.opus'), kind: 'audio', screen: false, offset: 2.5 },
];
const total = SECONDS + screenAt;

const baseline = await measure(() => run(['-i', file('cam1.webm'), '-c:v', 'libx264', '-preset', 'veryfast', '-crf', '23', '-an', file('baseline.mp4')]));
const composed = await measure(() => run(composeArgs(tracks, total, file('meeting.mp4'))));

console.log(`\nrecording processing, ${os.cpus().length} cores, ${MINUTES} min of meeting (${total.toFixed(0)} s of MP4)`);
console.log('| step | wall s | × real time | CPU s | CPU × real time |');
console.log('|---|---|---|---|---|');
console.log(`| baseline: one camera to H.264 | ${baseline.wall.toFixed(1)} | ${(baseline.wall / SECONDS).toFixed(2)} | ${baseline.cpu.toFixed(1)} | ${(baseline.cpu / SECONDS).toFixed(2)} |`);
console.log(`| Amphi's composition (3 cameras, screen, 3 voices) | ${composed.wall.toFixed(1)} | ${(composed.wall / total).toFixed(2)} | ${composed.cpu.toFixed(1)} | ${(composed.cpu / total).toFixed(2)} |`);
console.log(`| ratio composition / baseline (wall) | ${(composed.wall / baseline.wall).toFixed(1)} | | | |`);
console.log(`\nstop → MP4 ready for a ${MINUTES}-minute meeting ≈ ${composed.wall.toFixed(0)} s (plus janus-pp-rec, about 0.07 s per 10 s per stream)`);
fs.rmSync(dir, { recursive: true, force: true });
