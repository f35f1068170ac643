// Geometry of annotation strokes: drawing at the right pixels, hit-testing each tool, thinning.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { AnnotationTool, Point, Stroke } from '@amphi/protocol';
import { drawAll, drawStroke, eraseAlong, farEnough, hitTest, HIGHLIGHTER_ALPHA, thin, toPoint, type DrawableStroke } from './strokes.ts';

type Call = { name: string; args: unknown[] };

/** A 2D context that records method calls and property assignments, in order. */
function recordingContext(): { ctx: CanvasRenderingContext2D; calls: Call[]; sets: Call[] } {
  const calls: Call[] = [];
  const sets: Call[] = [];
  const state: Record<string | symbol, unknown> = {};
  const ctx = new Proxy(state, {
    get(target, prop) {
      if (prop in target) return target[prop];
      return (...args: unknown[]) => {
        calls.push({ name: String(prop), args });
        return prop === 'measureText' ? { width: 10 } : undefined;
      };
    },
    set(target, prop, value) {
      sets.push({ name: String(prop), args: [value] });
      calls.push({ name: `set ${String(prop)}`, args: [value] });
      target[prop] = value;
      return true;
    },
  });
  return { ctx: ctx as unknown as CanvasRenderingContext2D, calls, sets };
}

let n = 0;
function stroke(tool: AnnotationTool, points: Point[], extra: Partial<Stroke> = {}): Stroke {
  n++;
  return { id: `s${n}`, tool, width: 0.005, points, authorId: 'a', authorName: 'Ada', color: '#e53935', ...extra };
}

const drawn = (calls: Call[]) => calls.filter((c) => !c.name.startsWith('set ') && c.name !== 'save' && c.name !== 'restore');

describe('drawStroke', () => {
  test('a rectangle is a path at the pixel coordinates of its corners, whatever the canvas size', () => {
    // Corners given bottom-right first: the rectangle is still drawn from its top-left.
    const rect = stroke('rectangle', [[0.75, 0.5], [0.25, 0.1]]);
    for (const [width, height, expected] of [
      [800, 600, [200, 60, 400, 240]],
      [1920, 1080, [480, 108, 960, 432]],
    ] as const) {
      const { ctx, calls } = recordingContext();
      drawStroke(ctx, rect, width, height);
      const rectCall = calls.find((c) => c.name === 'rect');
      assert.ok(rectCall, `${width}×${height}: rect() called`);
      assert.deepEqual(rectCall.args.map((v) => Math.round(Number(v) * 1000) / 1000), expected);
      assert.deepEqual(drawn(calls).map((c) => c.name), ['beginPath', 'rect', 'stroke']);
    }
  });

  test('line width, colour, caps: from the stroke, relative to the width', () => {
    const { ctx, sets } = recordingContext();
    drawStroke(ctx, stroke('line', [[0, 0], [1, 1]], { width: 0.01, color: '#123456' }), 500, 300);
    const value = (name: string) => sets.find((s) => s.name === name)?.args[0];
    assert.equal(value('lineWidth'), 5);
    assert.equal(value('strokeStyle'), '#123456');
    assert.equal(value('lineCap'), 'round');
    assert.equal(value('lineJoin'), 'round');
  });

  test('every stroke is drawn between save and restore, so its style does not leak', () => {
    const { ctx, calls } = recordingContext();
    const tools: AnnotationTool[] = ['pen', 'highlighter', 'line', 'arrow', 'rectangle', 'ellipse', 'text'];
    for (const tool of tools) drawStroke(ctx, stroke(tool, [[0.1, 0.1], [0.4, 0.3], [0.5, 0.6]], { text: 'Hi' }), 400, 300);
    const saves = calls.filter((c) => c.name === 'save').length;
    assert.equal(saves, tools.length);
    assert.equal(calls.filter((c) => c.name === 'restore').length, tools.length);
  });

  test('a pen stroke is one smooth path through its points; a tap is a dot', () => {
    const { ctx, calls } = recordingContext();
    drawStroke(ctx, stroke('pen', [[0, 0], [0.5, 0], [0.5, 0.5], [1, 1]]), 100, 100);
    assert.deepEqual(drawn(calls).map((c) => c.name), ['beginPath', 'moveTo', 'quadraticCurveTo', 'quadraticCurveTo', 'lineTo', 'stroke']);
    assert.deepEqual(drawn(calls)[2]!.args, [50, 0, 50, 25]);
    assert.deepEqual(drawn(calls)[4]!.args, [100, 100]);

    const dot = recordingContext();
    drawStroke(dot.ctx, stroke('pen', [[0.5, 0.5]], { width: 0.02 }), 100, 100);
    assert.deepEqual(drawn(dot.calls).map((c) => c.name), ['beginPath', 'arc', 'fill']);
    assert.deepEqual(drawn(dot.calls)[1]!.args.slice(0, 3), [50, 50, 1]);
  });

  test('a highlighter is wide, translucent and multiplies', () => {
    const { ctx, sets } = recordingContext();
    drawStroke(ctx, stroke('highlighter', [[0, 0], [1, 0]], { width: 0.01 }), 200, 100);
    const value = (name: string) => sets.find((s) => s.name === name)?.args[0];
    assert.equal(value('globalAlpha'), HIGHLIGHTER_ALPHA);
    assert.equal(value('globalCompositeOperation'), 'multiply');
    assert.ok(Number(value('lineWidth')) > 2, 'wider than a pen of the same width');
  });

  test('an arrow ends in a filled head at its tip, sized from the width', () => {
    const thin = recordingContext();
    drawStroke(thin.ctx, stroke('arrow', [[0, 0.5], [1, 0.5]], { width: 0.002 }), 1000, 100);
    const thick = recordingContext();
    drawStroke(thick.ctx, stroke('arrow', [[0, 0.5], [1, 0.5]], { width: 0.01 }), 1000, 100);
    for (const { calls } of [thin, thick]) {
      assert.deepEqual(drawn(calls).map((c) => c.name), ['beginPath', 'moveTo', 'lineTo', 'stroke', 'beginPath', 'moveTo', 'lineTo', 'lineTo', 'closePath', 'fill']);
      assert.deepEqual(drawn(calls)[5]!.args, [1000, 50], 'the head starts at the tip');
    }
    const headBase = (calls: Call[]) => 1000 - Number(drawn(calls)[6]!.args[0]);
    assert.ok(headBase(thick.calls) > headBase(thin.calls), 'a wider arrow has a larger head');
  });

  test('an ellipse fits the box its two corners span', () => {
    const { ctx, calls } = recordingContext();
    drawStroke(ctx, stroke('ellipse', [[0.2, 0.8], [0.6, 0.4]]), 500, 200);
    const e = calls.find((c) => c.name === 'ellipse')!;
    assert.deepEqual(e.args.slice(0, 4).map((v) => Math.round(Number(v) * 1000) / 1000), [200, 120, 100, 40]);
  });

  test('text: at its top-left point, in its colour, the font scaled to the width', () => {
    const small = recordingContext();
    drawStroke(small.ctx, stroke('text', [[0.5, 0.25]], { text: 'Bonjour\nà tous', color: '#00ff00' }), 400, 200);
    const large = recordingContext();
    drawStroke(large.ctx, stroke('text', [[0.5, 0.25]], { text: 'Bonjour\nà tous', color: '#00ff00' }), 800, 400);
    const fills = (calls: Call[]) => calls.filter((c) => c.name === 'fillText').map((c) => c.args);
    const font = (sets: Call[]) => String(sets.find((s) => s.name === 'font')?.args[0]);
    assert.equal(fills(small.calls).length, 2);
    assert.deepEqual(fills(small.calls)[0], ['Bonjour', 200, 50]);
    assert.deepEqual(fills(large.calls)[0], ['Bonjour', 400, 100]);
    assert.match(font(small.sets), /^14px .*sans-serif/);
    assert.match(font(large.sets), /^28px /);
    assert.equal(small.sets.find((s) => s.name === 'fillStyle')?.args[0], '#00ff00');
    assert.ok(Number(fills(small.calls)[1]![2]) > 50, 'the second line is below the first');
  });

  test('drawAll clears the canvas first, then draws in order', () => {
    const { ctx, calls } = recordingContext();
    drawAll(ctx, [stroke('rectangle', [[0, 0], [0.5, 0.5]]), stroke('ellipse', [[0, 0], [1, 1]])], 300, 200);
    const names = drawn(calls).map((c) => c.name);
    assert.deepEqual(calls[0], { name: 'clearRect', args: [0, 0, 300, 200] });
    assert.ok(names.indexOf('rect') < names.indexOf('ellipse'));
  });
});

describe('hitTest', () => {
  // A 2:1 content box; tolerance 0.01 of the width.
  const aspect = 2;
  const tol = 0.01;

  test('pen: near any of its segments, not far from them', () => {
    const pen = stroke('pen', [[0.1, 0.1], [0.3, 0.1], [0.3, 0.5]], { width: 0.004 });
    assert.equal(hitTest([pen], [0.2, 0.105], aspect, tol), pen);
    assert.equal(hitTest([pen], [0.305, 0.3], aspect, tol), pen);
    assert.equal(hitTest([pen], [0.2, 0.3], aspect, tol), undefined);
  });

  test('the metric is aspect-correct: the same screen distance hits on both axes', () => {
    const h = stroke('line', [[0.2, 0.5], [0.8, 0.5]], { width: 0.002 });
    // 0.015 of the height is 0.0075 of the width on a 2:1 box: within tolerance.
    assert.equal(hitTest([h], [0.5, 0.515], aspect, tol), h);
    // 0.03 of the height is 0.015 of the width: outside (reach 0.011), as 0.015 of the width is sideways.
    assert.equal(hitTest([h], [0.5, 0.53], aspect, tol), undefined);
    const v = stroke('line', [[0.5, 0.2], [0.5, 0.8]], { width: 0.002 });
    assert.equal(hitTest([v], [0.5075, 0.5], aspect, tol), v);
    assert.equal(hitTest([v], [0.515, 0.5], aspect, tol), undefined);
  });

  test('highlighter: its wider ink counts', () => {
    const hl = stroke('highlighter', [[0.1, 0.5], [0.9, 0.5]], { width: 0.01 });
    // Half the highlighter's width (3 × 0.01 / 2 = 0.015) plus the tolerance: 0.025 of the width = 0.05 of the height.
    assert.equal(hitTest([hl], [0.5, 0.54], aspect, tol), hl);
    assert.equal(hitTest([hl], [0.5, 0.56], aspect, tol), undefined);
    const pen = stroke('pen', [[0.1, 0.5], [0.9, 0.5]], { width: 0.01 });
    assert.equal(hitTest([pen], [0.5, 0.54], aspect, tol), undefined);
  });

  test('line and arrow: the segment, not its extension', () => {
    for (const tool of ['line', 'arrow'] as const) {
      const s = stroke(tool, [[0.2, 0.2], [0.6, 0.6]]);
      assert.equal(hitTest([s], [0.4, 0.4], aspect, tol), s, tool);
      assert.equal(hitTest([s], [0.8, 0.8], aspect, tol), undefined, tool);
    }
  });

  test('rectangle: its outline, not its inside', () => {
    const r = stroke('rectangle', [[0.6, 0.8], [0.2, 0.2]]);
    assert.equal(hitTest([r], [0.4, 0.2], aspect, tol), r, 'top edge');
    assert.equal(hitTest([r], [0.6, 0.5], aspect, tol), r, 'right edge');
    assert.equal(hitTest([r], [0.4, 0.5], aspect, tol), undefined, 'inside');
    assert.equal(hitTest([r], [0.9, 0.5], aspect, tol), undefined, 'outside');
  });

  test('ellipse: its outline, not its centre or its bounding box corners', () => {
    const e = stroke('ellipse', [[0.2, 0.2], [0.6, 0.8]]);
    assert.equal(hitTest([e], [0.4, 0.2], aspect, tol), e, 'top');
    assert.equal(hitTest([e], [0.2, 0.5], aspect, tol), e, 'left');
    const c = Math.SQRT1_2;
    assert.equal(hitTest([e], [0.4 + 0.2 * c, 0.5 + 0.3 * c], aspect, tol), e, 'on the curve at 45°');
    assert.equal(hitTest([e], [0.4, 0.5], aspect, tol), undefined, 'centre');
    assert.equal(hitTest([e], [0.2, 0.2], aspect, tol), undefined, 'corner of the box');
  });

  test('text: its box', () => {
    const s = stroke('text', [[0.1, 0.1]], { text: 'Hello world', width: 0.005 });
    // Font 0.035 of the width; ~11 glyphs ≈ 0.22 wide; one line ≈ 0.044 of the width = 0.088 of the height.
    assert.equal(hitTest([s], [0.12, 0.12], aspect, tol), s);
    assert.equal(hitTest([s], [0.3, 0.15], aspect, tol), s);
    assert.equal(hitTest([s], [0.5, 0.12], aspect, tol), undefined, 'right of it');
    assert.equal(hitTest([s], [0.12, 0.3], aspect, tol), undefined, 'below it');
    assert.equal(hitTest([stroke('text', [[0.1, 0.1]], { text: '' })], [0.1, 0.1], aspect, tol), undefined, 'empty text');
  });

  test('the topmost stroke wins', () => {
    const below = stroke('line', [[0, 0.5], [1, 0.5]]);
    const above = stroke('line', [[0.5, 0], [0.5, 1]]);
    assert.equal(hitTest([below, above], [0.5, 0.5], aspect, tol), above);
    assert.equal(hitTest([above, below], [0.5, 0.5], aspect, tol), below);
    assert.equal(hitTest([], [0.5, 0.5], aspect, tol), undefined);
  });
});

describe('eraseAlong', () => {
  test('a fast swipe erases what it crossed between two pointer positions, once, and only what may be erased', () => {
    const a = stroke('line', [[0.5, 0.1], [0.5, 0.9]], { authorId: 'me' });
    const b = stroke('line', [[0.7, 0.1], [0.7, 0.9]], { authorId: 'other' });
    const c = stroke('line', [[0.3, 0.1], [0.3, 0.9]], { authorId: 'me' });
    const mine = (s: Stroke) => s.authorId === 'me';
    const hit = eraseAlong([a, b, c], [0.1, 0.5], [0.9, 0.5], 1.5, 0.01, mine, new Set());
    assert.deepEqual(hit.map((s) => s.id).sort(), [a.id, c.id].sort());
    assert.deepEqual(eraseAlong([a, b, c], [0.1, 0.5], [0.9, 0.5], 1.5, 0.01, mine, new Set([a.id])), [c]);
    assert.deepEqual(eraseAlong([a, b, c], [0.1, 0.5], [0.9, 0.5], 1.5, 0.01, () => true, new Set([a.id, c.id])), [b]);
    assert.deepEqual(eraseAlong([a, b, c], [0.1, 0.5], [0.2, 0.5], 1.5, 0.01, () => true, new Set()), []);
  });
});

describe('points', () => {
  test('toPoint clamps to the content and rounds to 4 decimals', () => {
    assert.deepEqual(toPoint(0.123456, 0.98765), [0.1235, 0.9877]);
    assert.deepEqual(toPoint(-0.2, 1.7), [0, 1]);
    assert.deepEqual(toPoint(Number.NaN, Infinity), [0, 0]);
  });

  test('thinning drops points closer than the minimum distance to the last one kept, aspect-correct', () => {
    const px = 1 / 1000; // 1 px on a 1000 × 500 box (aspect 2)
    const points: Point[] = [[0.1, 0.1], [0.1003, 0.1], [0.1006, 0.1], [0.1012, 0.1], [0.1012, 0.1015], [0.1012, 0.1035]];
    // 0.0003 and 0.0006 from the first: under 1 px; 0.0012: kept. 0.0015 of the height is 0.75 px: dropped; 0.0035 is 1.75 px: kept.
    assert.deepEqual(thin(points, px, 2), [[0.1, 0.1], [0.1012, 0.1], [0.1012, 0.1035]]);
    assert.deepEqual(thin([], px, 2), []);
    assert.deepEqual(thin([[0.5, 0.5], [0.5, 0.5]], px, 2), [[0.5, 0.5]]);
    assert.equal(farEnough([0, 0], [0, 0.002], px, 2), true);
    assert.equal(farEnough([0, 0], [0, 0.0019], px, 2), false);
  });

  test('a draft of one’s own (no author yet) draws and hit-tests like a received stroke', () => {
    const draft: DrawableStroke = { id: 'd', tool: 'pen', width: 0.005, color: '#000', points: [[0, 0], [1, 1]] };
    assert.equal(hitTest([draft], [0.5, 0.5], 1, 0.01), draft);
    const { ctx, calls } = recordingContext();
    drawStroke(ctx, draft, 10, 10);
    assert.ok(calls.some((c) => c.name === 'stroke'));
  });
});
