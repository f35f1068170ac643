import assert from 'node:assert/strict';
import { test } from 'node:test';
import { CANVAS, composeArgs, layout, type Track } from './layout.ts';

const cam = (n: number, offset = 0): Track => ({ file: `cam${n}.webm`, kind: 'video', screen: false, offset });

test('cameras fill a grid; with a screen, the screen takes three quarters and cameras stack beside it', () => {
  assert.deepEqual(layout([cam(1)]), [{ x: 0, y: 0, w: 1280, h: 720 }]);
  assert.deepEqual(layout([cam(1), cam(2)]), [
    { x: 0, y: 0, w: 640, h: 720 },
    { x: 640, y: 0, w: 640, h: 720 },
  ]);
  const five = layout([cam(1), cam(2), cam(3), cam(4), cam(5)]);
  assert.equal(new Set(five.map((b) => `${b.x},${b.y}`)).size, 5, 'no two cameras in the same place');
  assert.ok(five.every((b) => b.x + b.w <= CANVAS.width && b.y + b.h <= CANVAS.height));
  const withScreen = layout([cam(1), { ...cam(2), screen: true }, cam(3)]);
  assert.deepEqual(withScreen[1], { x: 0, y: 0, w: 960, h: 720 });
  assert.deepEqual(withScreen[0], { x: 960, y: 0, w: 320, h: 240 });
  assert.deepEqual(withScreen[2], { x: 960, y: 240, w: 320, h: 240 });
});

test('the ffmpeg command places each stream at its offset, mixes every sound, and makes a fast-start H.264 + AAC MP4', () => {
  const args = composeArgs([cam(1, 0), { ...cam(2, 2.5), screen: true }, { file: 'a1.opus', kind: 'audio', screen: false, offset: 0.25 }], 12.5, 'out.mp4');
  const graph = args[args.indexOf('-filter_complex') + 1]!;
  assert.match(graph, /setpts=PTS-STARTPTS\+2\.500\/TB/);
  assert.match(graph, /adelay=250\|250/);
  assert.match(graph, /color=c=black:s=1280x720:r=15:d=12\.500/);
  assert.deepEqual(args.filter((a) => a === '-i').length, 3);
  for (const expected of ['libx264', 'aac', '+faststart', 'out.mp4']) assert.ok(args.includes(expected), expected);
  // No sound at all still gives an AAC track (silence), so players behave.
  assert.match(composeArgs([cam(1)], 5, 'x.mp4')[composeArgs([cam(1)], 5, 'x.mp4').indexOf('-filter_complex') + 1]!, /anullsrc/);
});
