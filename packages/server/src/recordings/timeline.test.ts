import assert from 'node:assert/strict';
import { test } from 'node:test';
import { clipsIn, MIN_SPEAKER_S, placeStreams, speakerIntervals, timelineAt, type RecordedStream } from './timeline.ts';

const T0 = 1_700_000_000_000; // Unix ms
const stream = (feed: string, startS: number, duration: number, kind: 'audio' | 'video' = 'video', screen = false): RecordedStream => ({
  file: `${feed}-${kind}-${startS}`,
  kind,
  feed,
  screen,
  startUs: (T0 + startS * 1000) * 1000,
  duration,
});

test('streams are placed by their first packet, the pauses before them cut out', () => {
  const pauses = [{ from: T0 + 10_000, to: T0 + 14_000 }];
  const { placed, total } = placeStreams([stream('1', 0, 10), stream('2', 2, 8, 'audio'), stream('1', 14, 6)], pauses);
  assert.deepEqual(
    placed.map((p) => [p.source, p.offset]),
    [
      ['1:camera', 0],
      ['2:camera', 2],
      ['1:camera', 10],
    ],
  );
  assert.equal(total, 16);
  // A moment inside a pause lands where the pause was cut.
  assert.equal(timelineAt(T0 + 12_000, T0 * 1000, pauses), 10);
  assert.equal(timelineAt(T0 + 20_000, T0 * 1000, pauses), 16);
});

test('a segment takes from each stream what lies in it', () => {
  const { placed } = placeStreams([stream('1', 0, 100), stream('2', 30, 20), stream('3', 90, 30)], []);
  const clips = clipsIn(placed, 60, 120);
  assert.deepEqual(
    clips.map((c) => [c.source, c.inPoint, c.at, c.length]),
    [
      ['1:camera', 60, 0, 40],
      ['3:camera', 0, 30, 30],
    ],
    'the stream that ended before the segment is not in it',
  );
});

test('the active speaker: whoever last started talking with a camera, held for a while; before anyone talks, the first camera', () => {
  const cameras = ['1:camera', '2:camera', '3:camera'];
  const at = (s: number) => T0 + s * 1000;
  const changes = [
    { feed: '2', at: at(10) },
    { feed: '9', at: at(12) }, // no camera: ignored
    { feed: '3', at: at(20) },
    { feed: '1', at: at(20 + MIN_SPEAKER_S / 2) }, // took over too soon: 3 is never shown, 1 is
    { feed: '2', at: at(40) },
  ];
  assert.deepEqual(speakerIntervals(changes, cameras, T0 * 1000, [], 0, 60), new Map([
    ['1:camera', [{ from: 0, to: 10 }, { from: 21, to: 40 }]],
    ['2:camera', [{ from: 10, to: 21 }, { from: 40, to: 60 }]],
  ]));
  // A later segment starts with whoever was speaking when it began.
  assert.deepEqual(speakerIntervals(changes, cameras, T0 * 1000, [], 30, 60), new Map([
    ['1:camera', [{ from: 0, to: 10 }]],
    ['2:camera', [{ from: 10, to: 30 }]],
  ]));
  assert.deepEqual(speakerIntervals([], ['5:camera'], T0 * 1000, [], 0, 5), new Map([['5:camera', [{ from: 0, to: 5 }]]]));
  assert.equal(speakerIntervals(changes, [], T0 * 1000, [], 0, 5).size, 0);
});
