/*
 * Recording processing: how long it takes, once a recording stops, to make its MP4, and how
 * much CPU it uses, as a multiple of the recording's length. Synthetic streams stand in for
 * what Janus writes (three cameras at 640×480, a 1280×720 screen, three voices: VP8 and Opus,
 * as janus-pp-rec gives them); the composition is Amphi's own (recordings/layout.ts). The
 * baseline, measured in the same run, is a plain transcode of one camera to H.264. Compared:
 * composing the whole meeting after it stops, and Amphi's way, in segments while it goes on
 * (only the last segment and the joining are left after the stop).
 *
 *   sudo ./amphi bench recording-processing          (10 minutes of meeting by default)
 *   BENCH_MINUTES=2 BENCH_SEGMENT_S=30 sudo -E ./amphi bench recording-processing
 */
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { composeArgs } from '../packages/server/src/recordings/layout.ts';
import { clipsIn, placeStreams, speakerIntervals, type RecordedStream } from '../packages/server/src/recordings/timeline.ts';

const MINUTES = Number(process.env.BENCH_MINUTES ?? 10);
const SECONDS = Math.round(MINUTES * 60);
const SEGMENT_S = Number(process.env.BENCH_SEGMENT_S ?? 60);
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
const T0 = Date.now();
const stream = (name: string, feed: string, kind: 'audio' | 'video', startS: number, screen = false): RecordedStream => ({
  file: file(name),
  kind,
  feed,
  screen,
  startUs: (T0 + startS * 1000) * 1000,
  duration: SECONDS,
});
const { placed, total, t0Us } = placeStreams(
  [
    stream('cam1.webm', '1', 'video', 0),
    stream('cam2.webm', '2', 'video', 1.2),
    stream('cam3.webm', '3', 'video', 2.5),
    stream('screen.webm', '1', 'video', screenAt, true),
    stream('voice1.opus', '1', 'audio', 0),
    stream('voice2.opus', '2', 'audio', 1.2),
    stream('voice3.opus', '3', 'audio', 2.5),
  ],
  [],
);
// The speaker changes every 20 s.
const speakers = Array.from({ length: Math.floor(SECONDS / 20) }, (_, i) => ({ feed: String((i % 3) + 1), at: T0 + i * 20_000 }));

/** Composes [from, to) of the meeting as Amphi does, into `out`. */
function composeSegment(from: number, to: number, out: string): Promise<void> {
  const clips = clipsIn(placed, from, to);
  const cameras = [...new Set(clips.filter((c) => c.kind === 'video' && !c.screen).map((c) => c.source))];
  return run(composeArgs(clips, to - from, speakerIntervals(speakers, cameras, t0Us, [], from, to), out));
}

const baseline = await measure(() => run(['-i', file('cam1.webm'), '-c:v', 'libx264', '-preset', 'veryfast', '-crf', '23', '-an', file('baseline.mp4')]));
// All at once after the meeting (how it was before segments).
const whole = await measure(() => composeSegment(0, total, file('whole.mp4')));
// In segments: all but the last while the meeting goes on, then the last one and the joining.
const count = Math.ceil(total / SEGMENT_S);
const during = await measure(async () => {
  for (let k = 0; k < count - 1; k++) await composeSegment(k * SEGMENT_S, (k + 1) * SEGMENT_S, file(`seg${k}.mp4`));
});
const list = file('segments.txt');
fs.writeFileSync(list, Array.from({ length: count }, (_, k) => `file '${file(`seg${k}.mp4`)}'\n`).join(''));
const after = await measure(async () => {
  await composeSegment((count - 1) * SEGMENT_S, total, file(`seg${count - 1}.mp4`));
  await run(['-f', 'concat', '-safe', '0', '-i', list, '-c', 'copy', '-movflags', '+faststart', file('meeting.mp4')]);
});

console.log(`\nrecording processing, ${os.cpus().length} cores, ${MINUTES} min of meeting (${total.toFixed(0)} s of MP4), segments of ${SEGMENT_S} s`);
console.log('| step | wall s | × real time | CPU s | CPU × real time |');
console.log('|---|---|---|---|---|');
const row = (label: string, m: { wall: number; cpu: number }, length: number) => console.log(`| ${label} | ${m.wall.toFixed(1)} | ${(m.wall / length).toFixed(3)} | ${m.cpu.toFixed(1)} | ${(m.cpu / length).toFixed(3)} |`);
row('baseline: one camera to H.264', baseline, SECONDS);
row('whole meeting composed after it stops (3 cameras, screen, 3 voices)', whole, total);
row(`segments made while the meeting goes on (${count - 1})`, during, total);
row('after it stops: last segment + joining', after, total);
console.log(`\nstop → MP4 ready: ${after.wall.toFixed(1)} s in segments, ${whole.wall.toFixed(1)} s all at once (${(whole.wall / after.wall).toFixed(1)}× sooner); whole / baseline wall: ${(whole.wall / baseline.wall).toFixed(2)}`);
console.log('(janus-pp-rec converts only each segment\'s piece of every stream: about 0.07 s per 10 s per stream)');
fs.rmSync(dir, { recursive: true, force: true });
