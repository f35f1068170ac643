import { useCallback, useEffect, useRef, useState, type JSX, type KeyboardEvent, type PointerEvent } from 'react';
import type { AnnotateOp, AnnotationTool, Point, Stroke } from '@amphi/protocol';
import { useI18n } from '../../../ui/i18n.tsx';
import { newStrokeId, realClock, StrokeRecorder } from './StrokeRecorder.ts';
import { drawAll, eraseAlong, hitTest, relativeFontSize, textFont, toPoint, type DrawableStroke } from './strokes.ts';

/** What the pointer does on the layer: draw with a tool, or erase. */
export type DrawingTool = AnnotationTool | 'eraser';

export interface AnnotationLayerProps {
  /** The surface's strokes, in drawing order (owned by the parent, updated from server events). */
  strokes: readonly Stroke[];
  /** null: nothing to draw with (the layer only shows strokes and the author's name on hover). */
  tool: DrawingTool | null;
  /** Stroke width relative to the content's width. */
  width: number;
  self: { id: string; color: string; moderator: boolean };
  /** Sends an op to the server (the server echoes it to everyone, the author included, as AnnotationEvents that update `strokes`). */
  onOp: (op: AnnotateOp) => void;
  /** Accessible label of what is drawn on (e.g. "Drawings on page 2"). */
  label: string;
}

/** Pointer distances, in CSS pixels. */
const HOVER_TOLERANCE_PX = 6;
const ERASER_TOLERANCE_PX = 10;
const MIN_POINT_DISTANCE_PX = 1;
/** How long one's finished stroke is drawn from local state while its echo is awaited (a refused one then disappears). */
const ECHO_WAIT_MS = 4_000;
const MAX_ERASE_IDS = 100;

/** A finished stroke of one's own, shown until the server's copy has caught up with it. */
interface Settling {
  stroke: DrawableStroke;
  /** The server's copy has been seen (if it then goes, it was erased: stop showing it). */
  seen: boolean;
  timer: ReturnType<typeof setTimeout>;
}

type Drag =
  | { kind: 'record'; pointerId: number; rect: DOMRect; recorder: StrokeRecorder }
  | { kind: 'erase'; pointerId: number; rect: DOMRect; last: Point; done: Set<string> };

/**
 * A transparent canvas over content (a shared screen, a document page, the whiteboard) showing
 * everyone's strokes and drawing one's own. It fills its parent, which must be positioned and
 * sized exactly to the content's box. One's own stroke is drawn from local state while it is
 * drawn and until the server's echo has caught up, so drawing feels instant whatever the latency.
 */
export function AnnotationLayer({ strokes, tool, width, self, onOp, label }: AnnotationLayerProps): JSX.Element {
  const { t } = useI18n();
  const canvasRef = useRef<HTMLCanvasElement>(null);
  /** CSS size of the content box, and device pixels per CSS pixel on each axis. */
  const sizeRef = useRef({ w: 0, h: 0, sx: 1, sy: 1 });
  const [size, setSize] = useState({ w: 0, h: 0 });
  const strokesRef = useRef(strokes);
  strokesRef.current = strokes;
  const onOpRef = useRef(onOp);
  onOpRef.current = onOp;
  const dragRef = useRef<Drag | null>(null);
  const settlingRef = useRef(new Map<string, Settling>());
  const frameRef = useRef(0);
  const [hover, setHover] = useState<{ name: string; x: number; y: number } | null>(null);
  const [textDraft, setTextDraft] = useState<{ id: string; at: Point } | null>(null);
  const textDraftRef = useRef(textDraft);
  textDraftRef.current = textDraft;

  const draw = useCallback(() => {
    frameRef.current = 0;
    const canvas = canvasRef.current;
    const ctx = canvas?.getContext('2d');
    const { w, h, sx, sy } = sizeRef.current;
    if (!ctx || w <= 0 || h <= 0) return;
    const byId = new Map(strokesRef.current.map((s) => [s.id, s]));
    const settling = settlingRef.current;
    for (const [id, entry] of settling) {
      const remote = byId.get(id);
      if (remote) entry.seen = true;
      if ((remote && caughtUp(remote, entry.stroke)) || (!remote && entry.seen)) {
        clearTimeout(entry.timer);
        settling.delete(id);
      }
    }
    const drag = dragRef.current;
    const local = [...(drag?.kind === 'record' ? drag.recorder.strokes : []), ...[...settling.values()].map((e) => e.stroke)];
    const localIds = new Set(local.map((s) => s.id));
    ctx.setTransform(sx, 0, 0, sy, 0, 0);
    // The server's copy of a stroke still drawn locally would double a highlighter's ink.
    drawAll(ctx, [...strokesRef.current.filter((s) => !localIds.has(s.id)), ...local], w, h);
  }, []);

  const scheduleDraw = useCallback(() => {
    if (frameRef.current !== 0) return;
    const frame = requestAnimationFrame(draw);
    frameRef.current = frame;
    // A window the browser thinks nobody sees gets no animation frames; its drawing must still
    // be current (saving it as an image, or the window coming back), so a timer backs rAF up.
    setTimeout(() => {
      if (frameRef.current !== frame) return;
      cancelAnimationFrame(frame);
      draw();
    }, 250);
  }, [draw]);

  useEffect(scheduleDraw, [strokes, scheduleDraw]);

  // The backing store follows the box's size in device pixels, so lines stay sharp when zoomed.
  useEffect(() => {
    const canvas = canvasRef.current;
    if (!canvas) return;
    const apply = (cssW: number, cssH: number, deviceW?: number, deviceH?: number) => {
      const dpr = window.devicePixelRatio || 1;
      // The exact device-pixel box avoids resampling blur, but only where it agrees with the
      // pixel ratio (emulated ratios, as in headless Chromium, report CSS pixels there).
      const exact = (device: number | undefined, css: number) => (device !== undefined && Math.abs(device - css * dpr) <= 1 ? device : Math.round(css * dpr));
      const pw = Math.max(1, exact(deviceW, cssW));
      const ph = Math.max(1, exact(deviceH, cssH));
      if (canvas.width !== pw) canvas.width = pw;
      if (canvas.height !== ph) canvas.height = ph;
      sizeRef.current = { w: cssW, h: cssH, sx: cssW > 0 ? pw / cssW : 1, sy: cssH > 0 ? ph / cssH : 1 };
      setSize((s) => (s.w === cssW && s.h === cssH ? s : { w: cssW, h: cssH }));
      // Resizing cleared the canvas: draw now rather than show a blank frame.
      draw();
    };
    const observer = new ResizeObserver((entries) => {
      for (const entry of entries) {
        const device = entry.devicePixelContentBoxSize?.[0];
        apply(entry.contentRect.width, entry.contentRect.height, device?.inlineSize, device?.blockSize);
      }
    });
    try {
      observer.observe(canvas, { box: 'device-pixel-content-box' });
    } catch {
      observer.observe(canvas); // Safari has no device-pixel-content-box
    }
    return () => observer.disconnect();
  }, [draw]);

  const settle = useCallback(
    (stroke: DrawableStroke) => {
      const settling = settlingRef.current;
      const timer = setTimeout(() => {
        settling.delete(stroke.id);
        scheduleDraw();
      }, ECHO_WAIT_MS);
      settling.set(stroke.id, { stroke, seen: false, timer });
    },
    [scheduleDraw],
  );

  const finishDrag = useCallback(() => {
    const drag = dragRef.current;
    if (!drag) return;
    dragRef.current = null;
    if (drag.kind === 'record') {
      drag.recorder.end();
      for (const stroke of drag.recorder.strokes) settle(stroke);
    }
    scheduleDraw();
  }, [settle, scheduleDraw]);

  // Switching tools ends a drag in progress; unmounting also sends what is left of it.
  useEffect(() => finishDrag, [tool, finishDrag]);
  useEffect(
    () => () => {
      cancelAnimationFrame(frameRef.current);
      frameRef.current = 0;
      for (const entry of settlingRef.current.values()) clearTimeout(entry.timer);
      settlingRef.current.clear();
    },
    [],
  );

  const pointAt = (e: { clientX: number; clientY: number }, rect: DOMRect): Point =>
    toPoint((e.clientX - rect.left) / (rect.width || 1), (e.clientY - rect.top) / (rect.height || 1));
  const aspect = () => (sizeRef.current.h > 0 ? sizeRef.current.w / sizeRef.current.h : 1);
  const px = (n: number) => n / Math.max(1, sizeRef.current.w);

  const erase = (drag: Extract<Drag, { kind: 'erase' }>, to: Point) => {
    const mayErase = (s: Stroke) => self.moderator || s.authorId === self.id;
    const hit = eraseAlong(strokesRef.current, drag.last, to, aspect(), px(ERASER_TOLERANCE_PX), mayErase, drag.done);
    drag.last = to;
    const ids = hit.map((s) => s.id);
    for (const id of ids) drag.done.add(id);
    for (let i = 0; i < ids.length; i += MAX_ERASE_IDS) onOpRef.current({ kind: 'erase', ids: ids.slice(i, i + MAX_ERASE_IDS) });
  };

  /** Places the typed text of draft `id`, if that draft is still open (a blur after Enter or Escape finds it gone). */
  const commitText = (id: string, value: string) => {
    const draft = textDraftRef.current;
    if (!draft || draft.id !== id) return;
    textDraftRef.current = null;
    setTextDraft(null);
    const text = value.trim().slice(0, 500);
    if (!text) return;
    const stroke: DrawableStroke = { id: draft.id, tool: 'text', width, color: self.color, points: [draft.at], text };
    onOpRef.current({ kind: 'put', stroke: { id: stroke.id, tool: 'text', width, points: [draft.at], text } });
    settle(stroke);
    scheduleDraw();
  };

  const onPointerDown = (e: PointerEvent<HTMLCanvasElement>) => {
    if (!tool || dragRef.current || (e.pointerType === 'mouse' && e.button !== 0)) return;
    const canvas = e.currentTarget;
    const rect = canvas.getBoundingClientRect();
    const at = pointAt(e, rect);
    // No text selection, no compatibility mouse events; focus stays for Ctrl+Z.
    e.preventDefault();
    setHover(null);
    if (tool === 'text') {
      const open = textDraftRef.current;
      if (open) {
        // Clicking elsewhere places what was typed, then starts a new text there.
        const input = canvas.parentElement?.querySelector<HTMLInputElement>('input.annotation-text');
        commitText(open.id, input?.value ?? '');
      }
      setTextDraft({ id: newStrokeId(), at });
      return;
    }
    canvas.focus({ preventScroll: true });
    canvas.setPointerCapture(e.pointerId);
    if (tool === 'eraser') {
      const drag: Drag = { kind: 'erase', pointerId: e.pointerId, rect, last: at, done: new Set() };
      dragRef.current = drag;
      erase(drag, at);
      return;
    }
    const recorder = new StrokeRecorder({
      tool,
      width,
      color: self.color,
      aspect: aspect(),
      minDistance: px(MIN_POINT_DISTANCE_PX),
      newId: newStrokeId,
      send: (op) => onOpRef.current(op),
      clock: realClock,
    });
    dragRef.current = { kind: 'record', pointerId: e.pointerId, rect, recorder };
    recorder.begin(at);
    scheduleDraw();
  };

  const onPointerMove = (e: PointerEvent<HTMLCanvasElement>) => {
    const drag = dragRef.current;
    if (drag && drag.pointerId === e.pointerId) {
      // A pen reports more positions than frames; the coalesced ones make smoother curves.
      const events = e.nativeEvent.getCoalescedEvents?.() ?? [];
      const positions = events.length > 0 ? events : [e];
      for (const position of positions) {
        const at = pointAt(position, drag.rect);
        if (drag.kind === 'record') drag.recorder.move(at);
        else erase(drag, at);
      }
      scheduleDraw();
      return;
    }
    if (drag || e.buttons !== 0) return;
    const rect = e.currentTarget.getBoundingClientRect();
    const stroke = hitTest(strokesRef.current, pointAt(e, rect), aspect(), px(HOVER_TOLERANCE_PX));
    setHover((h) => {
      if (!stroke) return h && null;
      const x = Math.round(e.clientX - rect.left);
      const y = Math.round(e.clientY - rect.top);
      return h && h.name === stroke.authorName && h.x === x && h.y === y ? h : { name: stroke.authorName, x, y };
    });
  };

  const onPointerEnd = (e: PointerEvent<HTMLCanvasElement>) => {
    if (dragRef.current?.pointerId === e.pointerId) finishDrag();
  };

  const onKeyDown = (e: KeyboardEvent<HTMLCanvasElement>) => {
    if ((e.ctrlKey || e.metaKey) && !e.shiftKey && !e.altKey && e.key.toLowerCase() === 'z') {
      e.preventDefault();
      onOpRef.current({ kind: 'undo' });
    } else if (tool === 'text' && e.key === 'Enter' && !textDraftRef.current) {
      // Keyboard users place text too: near the top-left corner.
      e.preventDefault();
      setTextDraft({ id: newStrokeId(), at: [0.05, 0.05] });
    }
  };

  const cursor = tool === null ? undefined : tool === 'text' ? 'text' : 'crosshair';
  const fontPx = Math.max(12, relativeFontSize({ width }) * size.w);
  return (
    <div className="annotation-layer">
      <canvas
        ref={canvasRef}
        className="annotation-canvas"
        role="img"
        aria-label={label}
        aria-keyshortcuts="Control+Z Meta+Z"
        tabIndex={0}
        data-testid="annotation-layer"
        data-strokes={strokes.length}
        style={{ touchAction: tool ? 'none' : 'auto', cursor }}
        onPointerDown={onPointerDown}
        onPointerMove={onPointerMove}
        onPointerUp={onPointerEnd}
        onPointerCancel={onPointerEnd}
        onLostPointerCapture={onPointerEnd}
        onPointerLeave={() => setHover(null)}
        onKeyDown={onKeyDown}
      />
      {hover && (
        <div
          className="annotation-tip"
          role="tooltip"
          style={{
            ...(hover.x > size.w * 0.6 ? { right: size.w - hover.x + 12 } : { left: hover.x + 12 }),
            ...(hover.y > size.h - 40 ? { bottom: size.h - hover.y + 12 } : { top: hover.y + 12 }),
          }}
        >
          {t('annotate.by', { name: hover.name })}
        </div>
      )}
      {textDraft && (
        <input
          key={textDraft.id}
          className="annotation-text"
          type="text"
          autoFocus
          maxLength={500}
          aria-label={t('annotate.textPrompt')}
          placeholder={t('annotate.textPrompt')}
          style={{
            left: textDraft.at[0] * size.w,
            top: textDraft.at[1] * size.h,
            font: textFont(fontPx),
            color: self.color,
            maxWidth: Math.max(120, size.w * (1 - textDraft.at[0])),
          }}
          onKeyDown={(e) => {
            if (e.key === 'Enter') {
              e.preventDefault();
              commitText(textDraft.id, e.currentTarget.value);
              canvasRef.current?.focus({ preventScroll: true });
            } else if (e.key === 'Escape') {
              e.preventDefault();
              e.stopPropagation();
              textDraftRef.current = null;
              setTextDraft(null);
              canvasRef.current?.focus({ preventScroll: true });
            }
          }}
          onBlur={(e) => commitText(textDraft.id, e.currentTarget.value)}
        />
      )}
    </div>
  );
}

/** Whether the server's copy of a stroke shows all that the local one does. */
function caughtUp(remote: Stroke, local: DrawableStroke): boolean {
  if (remote.points.length < local.points.length || remote.text !== local.text) return false;
  const a = remote.points[remote.points.length - 1];
  const b = local.points[local.points.length - 1];
  const c = remote.points[0];
  const d = local.points[0];
  return a !== undefined && b !== undefined && c !== undefined && d !== undefined && a[0] === b[0] && a[1] === b[1] && c[0] === d[0] && c[1] === d[1];
}
