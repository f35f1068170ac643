import { MAX_APPEND_POINTS, MAX_STROKE_POINTS, type AnnotateOp, type AnnotationTool, type Point } from '@amphi/protocol';
import { farEnough, type DrawableStroke } from './strokes.ts';

/** Pen points and shape updates go out at most this often while drawing (the server allows 20 ops/s). */
export const SEND_INTERVAL_MS = 80;

/** The time source a recorder batches with (a fake one in tests). */
export interface RecorderClock {
  now(): number;
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

export const realClock: RecorderClock = {
  now: () => performance.now(),
  setTimeout: (fn, ms) => setTimeout(fn, ms),
  clearTimeout: (handle) => clearTimeout(handle as ReturnType<typeof setTimeout>),
};

/** The tools a drag draws with (text is typed, the eraser removes). */
export type DragTool = Exclude<AnnotationTool, 'text'>;

export interface RecorderOptions {
  tool: DragTool;
  /** Stroke width relative to the content's width. */
  width: number;
  color: string;
  /** Content width / height. */
  aspect: number;
  /** Points closer than this to the previous one (width units, ~1 px) are not sent. */
  minDistance: number;
  newId: () => string;
  send: (op: AnnotateOp) => void;
  clock: RecorderClock;
}

/** A random stroke id (16 characters of [A-Za-z0-9_-], ~96 bits). */
export function newStrokeId(): string {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-';
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  let id = '';
  for (const b of bytes) id += alphabet[b & 63];
  return id;
}

/**
 * Turns one drag (pointer down, moves, up) into the ops that draw it, at a pace the server and
 * the network take: a pen or highlighter stroke is `put` with its first point, then grows by
 * `append`s at most every SEND_INTERVAL_MS (each within MAX_APPEND_POINTS; past
 * MAX_STROKE_POINTS it continues as a new stroke); a shape is `put` on pointer down and
 * `put` again, replaced, while it is dragged. `strokes` holds what was drawn, as drawn so far,
 * for the layer to show at once without waiting for the server's echo.
 */
export class StrokeRecorder {
  /** This drag's strokes, as drawn locally (a long pen stroke is split into several). */
  readonly strokes: DrawableStroke[] = [];
  #current: DrawableStroke | undefined;
  /** Pen points drawn but not sent yet. */
  #pending: Point[] = [];
  /** A shape changed since its last `put`. */
  #dirty = false;
  #lastSent = -Infinity;
  #timer: unknown;
  #ended = false;

  constructor(private readonly o: RecorderOptions) {}

  get ended(): boolean {
    return this.#ended;
  }

  begin(p: Point): void {
    if (this.#current || this.#ended) return;
    const freehand = this.o.tool === 'pen' || this.o.tool === 'highlighter';
    this.#startStroke(freehand ? [p] : [p, p]);
  }

  move(p: Point): void {
    const stroke = this.#current;
    if (!stroke || this.#ended) return;
    if (stroke.tool === 'pen' || stroke.tool === 'highlighter') {
      const previous = stroke.points[stroke.points.length - 1]!;
      if (!farEnough(previous, p, this.o.minDistance, this.o.aspect)) return;
      if (stroke.points.length >= MAX_STROKE_POINTS) {
        // The server keeps at most MAX_STROKE_POINTS per stroke: go on as a new one from here.
        this.#flush();
        this.#startStroke([previous, p]);
        return;
      }
      stroke.points.push(p);
      this.#pending.push(p);
      if (this.#pending.length >= MAX_APPEND_POINTS) this.#flush();
      else this.#sendSoon();
    } else {
      stroke.points[1] = p;
      this.#dirty = true;
      this.#sendSoon();
    }
  }

  /** The drag is over: sends what is left. A shape dragged less than ~2 px is taken back. Safe to call twice. */
  end(): void {
    if (this.#ended) return;
    this.#ended = true;
    this.#clearTimer();
    const stroke = this.#current;
    if (!stroke) return;
    if (stroke.tool === 'pen' || stroke.tool === 'highlighter') {
      this.#flush();
    } else if (!farEnough(stroke.points[0]!, stroke.points[1]!, this.o.minDistance * 2, this.o.aspect)) {
      // A click with a shape tool draws nothing visible; leave no invisible stroke to undo.
      this.o.send({ kind: 'erase', ids: [stroke.id] });
      this.strokes.splice(this.strokes.indexOf(stroke), 1);
    } else {
      this.#flush();
    }
    this.#current = undefined;
  }

  #startStroke(points: Point[]): void {
    const stroke: DrawableStroke = { id: this.o.newId(), tool: this.o.tool, width: this.o.width, color: this.o.color, points };
    this.#current = stroke;
    this.strokes.push(stroke);
    this.#pending = [];
    this.#dirty = false;
    this.#put(stroke);
  }

  #put(stroke: DrawableStroke): void {
    this.o.send({ kind: 'put', stroke: { id: stroke.id, tool: stroke.tool, width: stroke.width, points: [...stroke.points] } });
    this.#lastSent = this.o.clock.now();
  }

  #sendSoon(): void {
    const wait = this.#lastSent + SEND_INTERVAL_MS - this.o.clock.now();
    if (wait <= 0) return this.#flush();
    if (this.#timer === undefined) {
      this.#timer = this.o.clock.setTimeout(() => {
        this.#timer = undefined;
        this.#flush();
      }, wait);
    }
  }

  /** Sends what changed since the last op: the pending pen points, or the shape's new corners. */
  #flush(): void {
    this.#clearTimer();
    const stroke = this.#current;
    if (!stroke) return;
    if (this.#pending.length > 0) {
      this.o.send({ kind: 'append', id: stroke.id, points: this.#pending });
      this.#pending = [];
      this.#lastSent = this.o.clock.now();
    } else if (this.#dirty) {
      this.#dirty = false;
      this.#put(stroke);
    }
  }

  #clearTimer(): void {
    if (this.#timer !== undefined) this.o.clock.clearTimeout(this.#timer);
    this.#timer = undefined;
  }
}
