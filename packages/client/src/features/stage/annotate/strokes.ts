// Drawing, hit-testing and exporting annotation strokes. Pure functions over the protocol's
// strokes: no DOM here except a 2D context handed in (and a canvas made for exportImage), so
// the geometry is unit-tested with a recording fake context.
//
// Coordinates are relative to the content box (0..1 on both axes); stroke widths are relative
// to the content's width. Distances (hit tolerance, thinning) are measured in "width units":
// x as is, y divided by the aspect ratio (width/height), so a circle on screen is a circle in
// the metric whatever the window's shape.
import type { Point, Stroke, StrokeDraft } from '@amphi/protocol';

/** A stroke as drawn: one received from the server, or one's own still on its way there. */
export type DrawableStroke = Stroke | (StrokeDraft & { color: string });

/** A highlighter is this many times wider than a pen of the same chosen width. */
export const HIGHLIGHTER_SCALE = 3;
/** Opacity of highlighter ink. */
export const HIGHLIGHTER_ALPHA = 0.35;
/** Text's font size as a multiple of its stroke width (0.005 of a 1000 px page: 35 px). */
export const TEXT_SCALE = 7;
/** Line height of text, in font sizes. */
export const TEXT_LINE_HEIGHT = 1.25;
/** Average glyph advance of the sans-serif font, in font sizes (for hit-testing text without measuring it). */
const TEXT_ADVANCE = 0.58;
/** Segments an ellipse's outline is approximated by for hit-testing. */
const ELLIPSE_SEGMENTS = 72;
const TEXT_FONT_FAMILY = 'system-ui, -apple-system, "Segoe UI", Roboto, sans-serif';

/** A point on the content from a position relative to it: clamped to the box, rounded to 4 decimals (0.1 px of a 1000 px page). */
export function toPoint(x: number, y: number): Point {
  const clean = (v: number) => (Number.isFinite(v) ? Math.round(Math.min(1, Math.max(0, v)) * 10_000) / 10_000 : 0);
  return [clean(x), clean(y)];
}

/** The stroke's line width relative to the content's width, as drawn. */
export function relativeLineWidth(stroke: Pick<StrokeDraft, 'tool' | 'width'>): number {
  return stroke.tool === 'highlighter' ? stroke.width * HIGHLIGHTER_SCALE : stroke.width;
}

/** Font size of a text stroke, relative to the content's width. */
export function relativeFontSize(stroke: Pick<StrokeDraft, 'width'>): number {
  return stroke.width * TEXT_SCALE;
}

/** The CSS font of a text stroke drawn at `fontPx` pixels. */
export function textFont(fontPx: number): string {
  // Rounded: a font size like 14.000000000000002px is valid CSS but noisy.
  return `${Math.round(fontPx * 10) / 10}px ${TEXT_FONT_FAMILY}`;
}

// ---------------------------------------------------------------------------------------------
// Drawing

/** Draws one stroke on a context whose user space is `width` × `height` pixels (the content box). */
export function drawStroke(ctx: CanvasRenderingContext2D, stroke: DrawableStroke, width: number, height: number): void {
  const first = stroke.points[0];
  if (!first) return;
  const last = stroke.points[stroke.points.length - 1]!;
  const px = (p: Point): [number, number] => [p[0] * width, p[1] * height];
  const lineWidth = Math.max(1, relativeLineWidth(stroke) * width);

  ctx.save();
  ctx.strokeStyle = stroke.color;
  ctx.fillStyle = stroke.color;
  ctx.lineWidth = lineWidth;
  ctx.lineCap = 'round';
  ctx.lineJoin = 'round';
  switch (stroke.tool) {
    case 'pen':
    case 'highlighter': {
      if (stroke.tool === 'highlighter') {
        // Ink that darkens what it covers rather than hiding it, as a felt highlighter does.
        ctx.globalAlpha = HIGHLIGHTER_ALPHA;
        ctx.globalCompositeOperation = 'multiply';
      }
      const pts = stroke.points.map(px);
      if (pts.length === 1) {
        // A tap: a dot as wide as the line.
        ctx.beginPath();
        ctx.arc(pts[0]![0], pts[0]![1], lineWidth / 2, 0, Math.PI * 2);
        ctx.fill();
        break;
      }
      ctx.beginPath();
      ctx.moveTo(pts[0]![0], pts[0]![1]);
      // Quadratic curves through the midpoints smooth the polyline without overshooting it.
      for (let i = 1; i < pts.length - 1; i++) {
        const [x, y] = pts[i]!;
        const [nx, ny] = pts[i + 1]!;
        ctx.quadraticCurveTo(x, y, (x + nx) / 2, (y + ny) / 2);
      }
      const end = pts[pts.length - 1]!;
      ctx.lineTo(end[0], end[1]);
      ctx.stroke();
      break;
    }
    case 'line': {
      const [x0, y0] = px(first);
      const [x1, y1] = px(last);
      ctx.beginPath();
      ctx.moveTo(x0, y0);
      ctx.lineTo(x1, y1);
      ctx.stroke();
      break;
    }
    case 'arrow': {
      const [x0, y0] = px(first);
      const [x1, y1] = px(last);
      const length = Math.hypot(x1 - x0, y1 - y0);
      if (length < 0.5) {
        ctx.beginPath();
        ctx.arc(x1, y1, lineWidth / 2, 0, Math.PI * 2);
        ctx.fill();
        break;
      }
      const ux = (x1 - x0) / length;
      const uy = (y1 - y0) / length;
      // The head grows with the line's width, but never past 60% of a short arrow.
      const head = Math.min(Math.max(8, lineWidth * 4), length * 0.6);
      const halfBase = head * 0.55;
      const baseX = x1 - ux * head;
      const baseY = y1 - uy * head;
      ctx.beginPath();
      ctx.moveTo(x0, y0);
      // The shaft stops inside the head so its round cap does not poke past the tip.
      ctx.lineTo(x1 - ux * head * 0.5, y1 - uy * head * 0.5);
      ctx.stroke();
      ctx.beginPath();
      ctx.moveTo(x1, y1);
      ctx.lineTo(baseX - uy * halfBase, baseY + ux * halfBase);
      ctx.lineTo(baseX + uy * halfBase, baseY - ux * halfBase);
      ctx.closePath();
      ctx.fill();
      break;
    }
    case 'rectangle': {
      const [x0, y0] = px(first);
      const [x1, y1] = px(last);
      ctx.beginPath();
      ctx.rect(Math.min(x0, x1), Math.min(y0, y1), Math.abs(x1 - x0), Math.abs(y1 - y0));
      ctx.stroke();
      break;
    }
    case 'ellipse': {
      const [x0, y0] = px(first);
      const [x1, y1] = px(last);
      ctx.beginPath();
      ctx.ellipse((x0 + x1) / 2, (y0 + y1) / 2, Math.abs(x1 - x0) / 2, Math.abs(y1 - y0) / 2, 0, 0, Math.PI * 2);
      ctx.stroke();
      break;
    }
    case 'text': {
      if (!stroke.text) break;
      const fontPx = relativeFontSize(stroke) * width;
      const [x, y] = px(first);
      ctx.font = textFont(fontPx);
      ctx.textBaseline = 'top';
      ctx.textAlign = 'left';
      stroke.text.split('\n').forEach((line, i) => ctx.fillText(line, x, y + i * fontPx * TEXT_LINE_HEIGHT));
      break;
    }
    default:
      assertNever(stroke.tool);
  }
  ctx.restore();
}

/** Clears the context and draws the strokes in order (later ones on top). */
export function drawAll(ctx: CanvasRenderingContext2D, strokes: readonly DrawableStroke[], width: number, height: number): void {
  ctx.clearRect(0, 0, width, height);
  for (const stroke of strokes) drawStroke(ctx, stroke, width, height);
}

// ---------------------------------------------------------------------------------------------
// Hit-testing

type Vec = [number, number];

/** Distance from p to the segment ab (all in width units). */
function distanceToSegment(p: Vec, a: Vec, b: Vec): number {
  const dx = b[0] - a[0];
  const dy = b[1] - a[1];
  const lengthSq = dx * dx + dy * dy;
  const t = lengthSq === 0 ? 0 : Math.max(0, Math.min(1, ((p[0] - a[0]) * dx + (p[1] - a[1]) * dy) / lengthSq));
  return Math.hypot(p[0] - (a[0] + t * dx), p[1] - (a[1] + t * dy));
}

function distanceToPolyline(p: Vec, pts: readonly Vec[], closed: boolean): number {
  if (pts.length === 1) return Math.hypot(p[0] - pts[0]![0], p[1] - pts[0]![1]);
  let best = Infinity;
  const n = closed ? pts.length : pts.length - 1;
  for (let i = 0; i < n; i++) best = Math.min(best, distanceToSegment(p, pts[i]!, pts[(i + 1) % pts.length]!));
  return best;
}

/**
 * Whether `point` touches the stroke: within `tolerance` (width units) of its line, of a
 * rectangle's or ellipse's outline, or inside a text's box grown by `tolerance`.
 */
export function hits(stroke: DrawableStroke, point: Point, aspect: number, tolerance: number): boolean {
  const w = (p: Point): Vec => [p[0], p[1] / aspect];
  const p = w(point);
  const first = stroke.points[0];
  if (!first) return false;
  const last = stroke.points[stroke.points.length - 1]!;
  const reach = tolerance + relativeLineWidth(stroke) / 2;
  switch (stroke.tool) {
    case 'pen':
    case 'highlighter':
      return distanceToPolyline(p, stroke.points.map(w), false) <= reach;
    case 'line':
    case 'arrow':
      return distanceToSegment(p, w(first), w(last)) <= reach;
    case 'rectangle': {
      const [x0, y0] = w(first);
      const [x1, y1] = w(last);
      return distanceToPolyline(p, [[x0, y0], [x1, y0], [x1, y1], [x0, y1]], true) <= reach;
    }
    case 'ellipse': {
      const [x0, y0] = w(first);
      const [x1, y1] = w(last);
      const cx = (x0 + x1) / 2;
      const cy = (y0 + y1) / 2;
      const rx = Math.abs(x1 - x0) / 2;
      const ry = Math.abs(y1 - y0) / 2;
      const outline: Vec[] = [];
      for (let i = 0; i < ELLIPSE_SEGMENTS; i++) {
        const a = (i / ELLIPSE_SEGMENTS) * Math.PI * 2;
        outline.push([cx + rx * Math.cos(a), cy + ry * Math.sin(a)]);
      }
      return distanceToPolyline(p, outline, true) <= reach;
    }
    case 'text': {
      const box = textBox(stroke, aspect);
      if (!box) return false;
      return p[0] >= box.x - tolerance && p[0] <= box.x + box.width + tolerance && p[1] >= box.y - tolerance && p[1] <= box.y + box.height + tolerance;
    }
    default:
      return assertNever(stroke.tool);
  }
}

/**
 * The box a text stroke covers, in width units, estimated from its length (hit-testing must
 * not depend on a canvas to measure text).
 */
export function textBox(stroke: DrawableStroke, aspect: number): { x: number; y: number; width: number; height: number } | undefined {
  const first = stroke.points[0];
  if (stroke.tool !== 'text' || !stroke.text || !first) return undefined;
  const font = relativeFontSize(stroke);
  const lines = stroke.text.split('\n');
  const longest = Math.max(...lines.map((l) => [...l].length));
  return { x: first[0], y: first[1] / aspect, width: longest * TEXT_ADVANCE * font, height: lines.length * TEXT_LINE_HEIGHT * font };
}

/**
 * The topmost stroke under `point`, if any. `aspect` is the content's width / height;
 * `tolerance` is a fraction of the content's width (e.g. 6 / widthInPixels for 6 px).
 */
export function hitTest<S extends DrawableStroke>(strokes: readonly S[], point: Point, aspect: number, tolerance: number): S | undefined {
  for (let i = strokes.length - 1; i >= 0; i--) {
    const stroke = strokes[i]!;
    if (hits(stroke, point, aspect, tolerance)) return stroke;
  }
  return undefined;
}

/**
 * The strokes an eraser dragged from `from` to `to` touches, for which `mayErase` holds and
 * that are not in `already`: the segment is sampled every `tolerance` so a fast swipe, which
 * reports few pointer positions, erases everything it crossed.
 */
export function eraseAlong<S extends DrawableStroke>(
  strokes: readonly S[],
  from: Point,
  to: Point,
  aspect: number,
  tolerance: number,
  mayErase: (stroke: S) => boolean,
  already: ReadonlySet<string>,
): S[] {
  const distance = Math.hypot(to[0] - from[0], (to[1] - from[1]) / aspect);
  const steps = Math.max(1, Math.ceil(distance / Math.max(tolerance, 1e-4)));
  const found = new Map<string, S>();
  for (const stroke of strokes) {
    if (already.has(stroke.id) || !mayErase(stroke)) continue;
    for (let i = 0; i <= steps; i++) {
      const t = i / steps;
      const p: Point = [from[0] + (to[0] - from[0]) * t, from[1] + (to[1] - from[1]) * t];
      if (hits(stroke, p, aspect, tolerance)) {
        found.set(stroke.id, stroke);
        break;
      }
    }
  }
  return [...found.values()];
}

// ---------------------------------------------------------------------------------------------
// Thinning

/** Whether b is at least `minDistance` (width units) from a: worth sending as a new point. */
export function farEnough(a: Point, b: Point, minDistance: number, aspect: number): boolean {
  const dx = b[0] - a[0];
  const dy = (b[1] - a[1]) / aspect;
  return dx * dx + dy * dy >= minDistance * minDistance;
}

/**
 * The points without those closer than `minDistance` (width units; 1 / widthInPixels for
 * 1 px) to the last one kept. The first point is always kept.
 */
export function thin(points: readonly Point[], minDistance: number, aspect: number): Point[] {
  const out: Point[] = [];
  for (const p of points) {
    const previous = out[out.length - 1];
    if (!previous || farEnough(previous, p, minDistance, aspect)) out.push(p);
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// Exporting

/**
 * A PNG of the drawing over its background (a pdf.js page canvas, a video element showing a
 * shared screen, or null for the whiteboard), `width` × `height` pixels. The background is
 * scaled to fill the image; give the background's own size (canvas.width / video.videoWidth)
 * for a full-resolution export.
 */
export function exportImage(
  background: CanvasImageSource | null,
  strokes: readonly DrawableStroke[],
  width: number,
  height: number,
  backgroundColor = '#ffffff',
): Promise<Blob> {
  const canvas = document.createElement('canvas');
  canvas.width = Math.max(1, Math.round(width));
  canvas.height = Math.max(1, Math.round(height));
  const ctx = canvas.getContext('2d');
  if (!ctx) return Promise.reject(new Error('no 2D canvas context'));
  ctx.fillStyle = backgroundColor;
  ctx.fillRect(0, 0, canvas.width, canvas.height);
  if (background) ctx.drawImage(background, 0, 0, canvas.width, canvas.height);
  for (const stroke of strokes) drawStroke(ctx, stroke, canvas.width, canvas.height);
  return new Promise((resolve, reject) => canvas.toBlob((blob) => (blob ? resolve(blob) : reject(new Error('the image could not be encoded'))), 'image/png'));
}

function assertNever(x: never): never {
  throw new Error(`unexpected ${String(x)}`);
}
