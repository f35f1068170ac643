import {
  MAX_STROKE_POINTS,
  MAX_SURFACE_POINTS,
  MAX_SURFACE_STROKES,
  type AnnotateOp,
  type AnnotationEvent,
  type ServerMessage,
  type Stroke,
} from '@amphi/protocol';
import { AppError } from '../errors.ts';
import { RateLimiter } from '../RateLimiter.ts';
import type { MeetingContext } from './MeetingContext.ts';
import type { Participant } from './Participant.ts';
import { isModerator, mayAnnotate } from './permissions.ts';

/** One colour per person, in arrival order: distinct on white pages and on dark screens. */
export const ANNOTATION_COLORS = ['#e53935', '#1e88e5', '#43a047', '#fb8c00', '#8e24aa', '#00897b', '#d81b60', '#6d4c41', '#3949ab', '#c0ca33', '#00acc1', '#f4511e'];

/** Ops and points one participant may send per 10 s: a drawing hand stays far below both. */
const OPS_PER_10S = 200;
const POINTS_PER_10S = 20_000;

interface SurfaceState {
  /** In drawing order (a Map keeps insertion order; a replaced stroke keeps its place). */
  strokes: Map<string, Stroke>;
  points: number;
}

/** What drawings need of the meeting: which surfaces the stage shows. */
export interface AnnotationsHost extends MeetingContext {
  readonly stage: { surfaces(): string[] };
}

/**
 * What people draw on the stage: over a shared screen, a document page, the whiteboard.
 * Strokes stay for the meeting (a screen's until that share stops) so a newcomer sees the
 * current drawing. Only what is on the stage can be drawn on, within fixed bounds, and each
 * participant's ops are rate-limited, so one client's flood cannot grow memory or slow others.
 */
export class Annotations {
  readonly #surfaces = new Map<string, SurfaceState>();
  readonly #ops = new RateLimiter(OPS_PER_10S, 10_000);
  readonly #points = new RateLimiter(POINTS_PER_10S, 10_000);
  readonly #notice = new RateLimiter(1, 2_000);
  #nextColor = 0;

  constructor(private readonly meeting: AnnotationsHost) {}

  /** The next newcomer's colour. */
  /** Everything drawn, for storage (MeetingSnapshot). */
  snapshot(): { nextColor: number; surfaces: [string, Stroke[]][] } {
    return { nextColor: this.#nextColor, surfaces: [...this.#surfaces].map(([surface, state]) => [surface, [...state.strokes.values()]]) };
  }

  restore(snapshot: { nextColor: number; surfaces: [string, Stroke[]][] }): void {
    this.#nextColor = snapshot.nextColor;
    for (const [surface, strokes] of snapshot.surfaces) {
      this.#surfaces.set(surface, { strokes: new Map(strokes.map((s) => [s.id, s])), points: strokes.reduce((n, s) => n + s.points.length, 0) });
    }
  }

  nextColor(): string {
    return ANNOTATION_COLORS[this.#nextColor++ % ANNOTATION_COLORS.length]!;
  }

  strokes(surface: string): Stroke[] {
    return [...(this.#surfaces.get(surface)?.strokes.values() ?? [])];
  }

  annotate(p: Participant, surface: string, op: AnnotateOp): void {
    if (!mayAnnotate(p, this.meeting.state.permissions)) throw new AppError('auth.forbidden', 'the host does not allow participants to draw');
    if (!this.meeting.stage.surfaces().includes(surface) || this.#roomOf(surface) !== p.room) throw new AppError('protocol.out_of_order', 'that is not on the stage');
    const points = op.kind === 'put' ? op.stroke.points.length : op.kind === 'append' ? op.points.length : 1;
    if (!this.#ops.hit(p.id) || !this.#points.hit(p.id, points)) {
      // Excess ops are dropped; the sender hears about it now and then, not once per op.
      if (this.#notice.hit(p.id)) throw new AppError('protocol.rate_limited', 'drawing too fast; some strokes were dropped');
      return;
    }
    const state = this.#surface(surface);
    switch (op.kind) {
      case 'put': {
        const existing = state.strokes.get(op.stroke.id);
        if (existing && existing.authorId !== p.id) throw new AppError('auth.forbidden', 'that stroke is someone else’s');
        const added = op.stroke.points.length - (existing?.points.length ?? 0);
        if ((!existing && state.strokes.size >= MAX_SURFACE_STROKES) || state.points + added > MAX_SURFACE_POINTS) {
          throw new AppError('annotation.full', 'this surface holds as much drawing as Amphi keeps; clear some first');
        }
        const stroke: Stroke = { ...op.stroke, authorId: p.id, authorName: p.name, color: p.color };
        state.strokes.set(stroke.id, stroke);
        state.points += added;
        return this.#emit(surface, { kind: 'put', stroke });
      }
      case 'append': {
        const stroke = state.strokes.get(op.id);
        if (!stroke) throw new AppError('protocol.out_of_order', 'no such stroke to extend');
        if (stroke.authorId !== p.id) throw new AppError('auth.forbidden', 'that stroke is someone else’s');
        if (stroke.tool !== 'pen' && stroke.tool !== 'highlighter') throw new AppError('protocol.invalid', 'only pen and highlighter strokes grow');
        if (stroke.points.length + op.points.length > MAX_STROKE_POINTS) throw new AppError('protocol.invalid', `a stroke has at most ${MAX_STROKE_POINTS} points; start a new one`);
        if (state.points + op.points.length > MAX_SURFACE_POINTS) throw new AppError('annotation.full', 'this surface holds as much drawing as Amphi keeps; clear some first');
        stroke.points.push(...op.points);
        state.points += op.points.length;
        return this.#emit(surface, { kind: 'append', id: op.id, points: op.points });
      }
      case 'erase': {
        const found = op.ids.map((id) => state.strokes.get(id)).filter((s): s is Stroke => s !== undefined);
        if (!isModerator(p.role) && found.some((s) => s.authorId !== p.id)) throw new AppError('auth.forbidden', 'only hosts can erase what others drew');
        return this.#remove(surface, state, found);
      }
      case 'undo': {
        const mine = [...state.strokes.values()].filter((s) => s.authorId === p.id);
        const last = mine[mine.length - 1];
        return last ? this.#remove(surface, state, [last]) : undefined;
      }
      case 'clear': {
        if (op.scope === 'all') {
          if (!isModerator(p.role)) throw new AppError('auth.forbidden', 'only hosts and co-hosts can clear everyone’s drawings');
          this.#surfaces.delete(surface);
          return this.#emit(surface, { kind: 'clear', authorId: null });
        }
        for (const s of [...state.strokes.values()]) {
          if (s.authorId === p.id) {
            state.strokes.delete(s.id);
            state.points -= s.points.length;
          }
        }
        return this.#emit(surface, { kind: 'clear', authorId: p.id });
      }
    }
  }

  /** Everything drawn on `surface`, to everyone (the stage now shows it). */
  sendSnapshot(surface: string): void {
    this.#send(surface, { type: 'annotations', surface, strokes: this.strokes(surface) });
  }

  /** What is drawn on the stage of their room now, to a newcomer (or someone changing rooms). */
  sendStageTo(p: Participant): void {
    for (const surface of this.meeting.stage.surfaces()) {
      if (this.#roomOf(surface) === p.room) p.channel.send({ type: 'annotations', surface, strokes: this.strokes(surface) });
    }
  }

  /** The room whose people see a surface (null: the main room). */
  #roomOf(surface: string): string | null {
    if (surface.startsWith('board:')) return surface.slice('board:'.length);
    if (surface.startsWith('screen:')) return this.meeting.participant(surface.slice('screen:'.length))?.room ?? null;
    return null;
  }

  /** Main-room surfaces go to everyone (people in breakout rooms come back to them); a room's stay in it. */
  #send(surface: string, message: ServerMessage): void {
    const room = this.#roomOf(surface);
    if (room === null) this.meeting.broadcast(message);
    else this.meeting.broadcastToRoom(room, message);
  }

  drop(surface: string): void {
    this.#surfaces.delete(surface);
  }

  dropDocument(documentId: string): void {
    for (const surface of [...this.#surfaces.keys()]) if (surface.startsWith(`doc:${documentId}:`)) this.#surfaces.delete(surface);
  }

  #surface(surface: string): SurfaceState {
    let state = this.#surfaces.get(surface);
    if (!state) {
      state = { strokes: new Map(), points: 0 };
      this.#surfaces.set(surface, state);
    }
    return state;
  }

  #remove(surface: string, state: SurfaceState, strokes: Stroke[]): void {
    if (strokes.length === 0) return;
    for (const s of strokes) {
      state.strokes.delete(s.id);
      state.points -= s.points.length;
    }
    this.#emit(surface, { kind: 'remove', ids: strokes.map((s) => s.id) });
  }

  #emit(surface: string, event: AnnotationEvent): void {
    this.#send(surface, { type: 'annotation', surface, event });
  }
}
