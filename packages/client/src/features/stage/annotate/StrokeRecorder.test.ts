// How a drag becomes annotation ops: batching in time, the protocol's point caps, shapes
// replaced while dragged, and the local copy the layer draws at once. A fake clock drives it.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { AnnotateOp, MAX_APPEND_POINTS, MAX_STROKE_POINTS, type Point } from '@amphi/protocol';
import { toPoint } from './strokes.ts';
import { newStrokeId, SEND_INTERVAL_MS, StrokeRecorder, type DragTool, type RecorderClock } from './StrokeRecorder.ts';

class FakeClock implements RecorderClock {
  t = 1000;
  #timers = new Map<number, { at: number; fn: () => void }>();
  #next = 1;
  now = () => this.t;
  setTimeout = (fn: () => void, ms: number) => {
    const id = this.#next++;
    this.#timers.set(id, { at: this.t + ms, fn });
    return id;
  };
  clearTimeout = (handle: unknown) => {
    this.#timers.delete(handle as number);
  };
  get pending(): number {
    return this.#timers.size;
  }
  advance(ms: number): void {
    const end = this.t + ms;
    for (;;) {
      const due = [...this.#timers.entries()].filter(([, x]) => x.at <= end).sort((a, b) => a[1].at - b[1].at)[0];
      if (!due) break;
      this.#timers.delete(due[0]);
      this.t = due[1].at;
      due[1].fn();
    }
    this.t = end;
  }
}

function setup(tool: DragTool, aspect = 1) {
  const clock = new FakeClock();
  const ops: AnnotateOp[] = [];
  let ids = 0;
  const recorder = new StrokeRecorder({
    tool,
    width: 0.005,
    color: '#e53935',
    aspect,
    minDistance: 0.001,
    newId: () => `id${++ids}`,
    send: (op) => {
      // Every op must be one the server accepts.
      AnnotateOp.parse(op);
      ops.push(structuredClone(op));
    },
    clock,
  });
  return { clock, ops, recorder };
}

/** The i-th point of a long zigzag, 2 px apart on a 1000 px box. */
const along = (i: number): Point => [Math.round((0.1 + (i % 400) * 0.002) * 10_000) / 10_000, Math.round((0.1 + Math.floor(i / 400) * 0.01) * 10_000) / 10_000];

describe('StrokeRecorder: pen and highlighter', () => {
  test('put with the first point at once, then appends at most every 80 ms, the rest on end', () => {
    const { clock, ops, recorder } = setup('pen');
    recorder.begin([0.1, 0.1]);
    assert.deepEqual(ops, [{ kind: 'put', stroke: { id: 'id1', tool: 'pen', width: 0.005, points: [[0.1, 0.1]] } }]);
    clock.advance(10);
    recorder.move([0.11, 0.1]);
    clock.advance(10);
    recorder.move([0.12, 0.1]);
    assert.equal(ops.length, 1, 'nothing more within 80 ms of the put');
    clock.advance(SEND_INTERVAL_MS);
    assert.deepEqual(ops[1], { kind: 'append', id: 'id1', points: [[0.11, 0.1], [0.12, 0.1]] }, 'the timer sends what waited');
    recorder.move([0.13, 0.1]);
    recorder.end();
    assert.deepEqual(ops[2], { kind: 'append', id: 'id1', points: [[0.13, 0.1]] }, 'flushed on end');
    assert.equal(ops.length, 3);
    assert.equal(clock.pending, 0, 'no timer left behind');
    assert.deepEqual(recorder.strokes.map((s) => s.points.length), [4], 'the local copy has every point');
    recorder.end();
    recorder.move([0.5, 0.5]);
    assert.equal(ops.length, 3, 'end is idempotent and closes the recorder');
  });

  test('points closer than ~1 px to the previous are not sent (aspect-correct)', () => {
    const { clock, ops, recorder } = setup('highlighter', 2);
    recorder.begin([0.5, 0.5]);
    recorder.move([0.5005, 0.5]); // 0.5 px
    recorder.move([0.5, 0.5015]); // 0.75 px on a 2:1 box
    recorder.move([0.5, 0.503]); // 1.5 px
    clock.advance(100);
    recorder.end();
    assert.deepEqual(ops.slice(1), [{ kind: 'append', id: 'id1', points: [[0.5, 0.503]] }]);
  });

  test('an append never carries more than MAX_APPEND_POINTS; a stroke never more than MAX_STROKE_POINTS', () => {
    const { ops, recorder } = setup('pen');
    recorder.begin(along(0));
    // A fast hand: every point within the same 80 ms, so only the caps split the appends.
    const total = MAX_STROKE_POINTS + 500;
    for (let i = 1; i < total; i++) recorder.move(along(i));
    recorder.end();
    const appends = ops.filter((o) => o.kind === 'append');
    assert.ok(appends.every((o) => o.points.length <= MAX_APPEND_POINTS));
    assert.ok(appends.some((o) => o.points.length === MAX_APPEND_POINTS), 'full appends go out without waiting');
    const puts = ops.filter((o) => o.kind === 'put');
    assert.equal(puts.length, 2, 'continued as a second stroke');
    const perStroke = new Map<string, number>();
    for (const op of ops) {
      if (op.kind === 'put') perStroke.set(op.stroke.id, op.stroke.points.length);
      if (op.kind === 'append') perStroke.set(op.id, perStroke.get(op.id)! + op.points.length);
    }
    assert.deepEqual([...perStroke.values()], [MAX_STROKE_POINTS, total - MAX_STROKE_POINTS + 1]);
    // The second stroke starts where the first ended, so the line has no gap.
    const first = recorder.strokes[0]!;
    const second = recorder.strokes[1]!;
    assert.deepEqual(second.points[0], first.points[first.points.length - 1]);
    assert.deepEqual(recorder.strokes.map((s) => s.points.length), [...perStroke.values()], 'local copies match what was sent');
  });
});

describe('StrokeRecorder: shapes', () => {
  test('put with two points on down, re-put (same id) at most every 80 ms while dragging, once more on up', () => {
    const { clock, ops, recorder } = setup('rectangle');
    recorder.begin([0.2, 0.2]);
    assert.deepEqual(ops, [{ kind: 'put', stroke: { id: 'id1', tool: 'rectangle', width: 0.005, points: [[0.2, 0.2], [0.2, 0.2]] } }]);
    for (let i = 1; i <= 10; i++) {
      clock.advance(16);
      recorder.move(toPoint(0.2 + i * 0.02, 0.2 + i * 0.01));
    }
    const puts = ops.filter((o) => o.kind === 'put');
    assert.equal(puts.length, 3, '160 ms of dragging: a put at 80 ms and one at 160 ms');
    recorder.end();
    const last = ops[ops.length - 1]!;
    assert.deepEqual(last, { kind: 'put', stroke: { id: 'id1', tool: 'rectangle', width: 0.005, points: [[0.2, 0.2], [0.4, 0.3]] } });
    assert.ok(ops.every((o) => o.kind === 'put' && o.stroke.id === 'id1'));
    assert.equal(clock.pending, 0);
  });

  test('the last position is sent after a pause, even without another move', () => {
    const { clock, ops, recorder } = setup('arrow');
    recorder.begin([0.2, 0.2]);
    clock.advance(20);
    recorder.move([0.5, 0.5]);
    assert.equal(ops.length, 1);
    clock.advance(SEND_INTERVAL_MS);
    assert.equal(ops.length, 2);
    assert.deepEqual(ops[1]!.kind === 'put' && ops[1]!.stroke.points, [[0.2, 0.2], [0.5, 0.5]]);
    recorder.end();
    assert.equal(ops.length, 2, 'nothing new to send on up');
  });

  test('a click with a shape tool takes its invisible stroke back', () => {
    const { ops, recorder } = setup('ellipse');
    recorder.begin([0.3, 0.3]);
    recorder.move([0.3005, 0.3]);
    recorder.end();
    assert.deepEqual(ops[ops.length - 1], { kind: 'erase', ids: ['id1'] });
    assert.deepEqual(recorder.strokes, []);
  });
});

test('stroke ids are random and fit the protocol', () => {
  const ids = new Set(Array.from({ length: 1000 }, newStrokeId));
  assert.equal(ids.size, 1000);
  for (const id of ids) assert.match(id, /^[A-Za-z0-9_-]{1,40}$/);
});
