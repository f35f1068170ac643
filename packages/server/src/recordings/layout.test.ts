import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { CANVAS, composeArgs, layout, MAX_GRID } from './layout.ts';
import type { Clip, SpeakerIntervals } from './timeline.ts';

const cam = (n: number, at = 0): Clip => ({ file: `cam${n}.webm`, kind: 'video', screen: false, source: `${n}:camera`, inPoint: 0, at, length: 10 });
const screen = (n: number): Clip => ({ ...cam(n), file: `screen${n}.webm`, screen: true, source: `${n}:screen` });
const voice = (n: number, at = 0): Clip => ({ ...cam(n, at), file: `voice${n}.opus`, kind: 'audio' });
const none: SpeakerIntervals = new Map();

test('without a screen, cameras fill a grid, one box per person whatever the number of files', () => {
  assert.deepEqual([...layout([cam(1)], none).values()].map((p) => p.box), [{ x: 0, y: 0, w: 1280, h: 720 }]);
  assert.deepEqual([...layout([cam(1), cam(2)], none).values()].map((p) => p.box), [
    { x: 0, y: 0, w: 640, h: 720 },
    { x: 640, y: 0, w: 640, h: 720 },
  ]);
  const five = [...layout([cam(1), cam(2), cam(3), cam(4), cam(5)], none).values()].map((p) => p.box);
  assert.equal(new Set(five.map((b) => `${b.x},${b.y}`)).size, 5, 'no two cameras in the same place');
  assert.ok(five.every((b) => b.x + b.w <= CANVAS.width && b.y + b.h <= CANVAS.height));
  // The same camera in two files (before and after a pause) keeps its box.
  assert.equal(layout([cam(1), { ...cam(1, 5), file: 'cam1-again.webm' }, cam(2)], none).size, 2);
});

test('with a screen, it takes three quarters and the active speaker is shown beside it, only while speaking', () => {
  const speakers: SpeakerIntervals = new Map([
    ['1:camera', [{ from: 0, to: 4 }]],
    ['3:camera', [{ from: 4, to: 10 }]],
  ]);
  const placements = layout([cam(1), screen(2), cam(2), cam(3)], speakers);
  assert.deepEqual(placements.get('2:screen'), { box: { x: 0, y: 0, w: 960, h: 720 } });
  assert.deepEqual(placements.get('1:camera'), { box: { x: 960, y: 0, w: 320, h: 240 }, when: [{ from: 0, to: 4 }] });
  assert.deepEqual(placements.get('3:camera')?.when, [{ from: 4, to: 10 }]);
  assert.equal(placements.has('2:camera'), false, 'a camera never shown is left out (not even decoded)');
});

test('too many cameras for a grid: the active speaker fills the picture', () => {
  const clips = Array.from({ length: MAX_GRID + 1 }, (_, i) => cam(i + 1));
  const placements = layout(clips, new Map([['4:camera', [{ from: 0, to: 10 }]]]));
  assert.deepEqual([...placements.keys()], ['4:camera']);
  assert.deepEqual(placements.get('4:camera')?.box, { x: 0, y: 0, w: 1280, h: 720 });
});

test('the ffmpeg command cuts each clip from its file, places it, mixes every sound, and is exactly as long as the segment', () => {
  const args = composeArgs([cam(1), { ...screen(2), at: 2.5, inPoint: 1.25, length: 7.5 }, voice(1, 0.25)], 12.5, new Map([['1:camera', [{ from: 0, to: 12.5 }]]]), 'out.mp4');
  const graph = args[args.indexOf('-filter_complex') + 1]!;
  assert.match(graph, /setpts=PTS-STARTPTS\+2\.500\/TB/);
  assert.match(graph, /adelay=250\|250/);
  assert.match(graph, /color=c=black:s=1280x720:r=15:d=12\.500/);
  assert.match(graph, /enable='between\(t,0\.000,12\.500\)'/);
  assert.match(graph, /apad=whole_dur=12\.500/);
  assert.deepEqual(args.slice(args.indexOf('screen2.webm') - 7, args.indexOf('screen2.webm') + 1), ['-reinit_filter', '0', '-ss', '1.250', '-t', '7.500', '-i', 'screen2.webm']);
  assert.deepEqual(args.filter((a) => a === '-i').length, 3);
  assert.equal(args[args.indexOf('-t', args.indexOf('-filter_complex')) + 1], '12.500');
  for (const expected of ['libx264', 'aac', 'out.mp4']) assert.ok(args.includes(expected), expected);
  // No sound at all still gives an AAC track (silence), so players behave.
  const silent = composeArgs([cam(1)], 5, none, 'x.mp4');
  assert.match(silent[silent.indexOf('-filter_complex') + 1]!, /anullsrc/);
});

test('a camera that changes size in the middle of its file (a simulcast layer dropped or regained) stays in the picture', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'amphi-layout-'));
  try {
    const ffmpeg = (...args: string[]) => execFileSync('ffmpeg', ['-y', '-hide_banner', '-loglevel', 'error', ...args], { cwd: dir });
    // 2 s at 320x240, then 2 s at 640x480, in one VP8 file (what janus-pp-rec makes of such a recording).
    ffmpeg('-f', 'lavfi', '-i', 'testsrc2=size=320x240:rate=15:duration=2', '-c:v', 'libvpx', '-b:v', '300k', 'small.webm');
    ffmpeg('-f', 'lavfi', '-i', 'testsrc2=size=640x480:rate=15:duration=2', '-c:v', 'libvpx', '-b:v', '600k', 'large.webm');
    fs.writeFileSync(path.join(dir, 'list.txt'), 'file small.webm\nfile large.webm\n');
    ffmpeg('-f', 'concat', '-i', 'list.txt', '-c', 'copy', 'camera.webm');
    const clip: Clip = { file: path.join(dir, 'camera.webm'), kind: 'video', screen: false, source: '1:camera', inPoint: 0, at: 0, length: 4 };
    execFileSync('ffmpeg', composeArgs([clip], 4, none, path.join(dir, 'out.mp4')));
    // The share of the picture that is not black, in a frame before the change and one after it.
    const lit = (at: string) => {
      const gray = execFileSync('ffmpeg', ['-loglevel', 'error', '-ss', at, '-i', path.join(dir, 'out.mp4'), '-frames:v', '1', '-f', 'rawvideo', '-pix_fmt', 'gray', '-']);
      return gray.filter((b) => b > 40).length / gray.length;
    };
    assert.ok(lit('1.0') > 0.3, `before the change: ${lit('1.0')}`);
    assert.ok(lit('3.0') > 0.3, `after the change the camera is still there: ${lit('3.0')}`);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
