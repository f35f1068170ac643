import { useEffect, useRef, useState, type ReactNode } from 'react';
import type { Stroke } from '@amphi/protocol';
import type { MeetingSession } from '../../core/MeetingSession.ts';
import { useI18n } from '../../ui/i18n.tsx';
import { Icon } from '../../ui/Icon.tsx';
import { AnnotationLayer, type DrawingTool } from './annotate/AnnotationLayer.tsx';
import { AnnotationToolbar, STROKE_WIDTHS } from './annotate/AnnotationToolbar.tsx';
import { saveBlob } from '../../ui/saveBlob.ts';
import { exportImage } from './annotate/strokes.ts';

const NO_STROKES: readonly Stroke[] = [];

/** Which part of the content is shown: zoom 1 shows it whole; (x, y) is the content point at the centre. */
export interface Viewport {
  zoom: number;
  x: number;
  y: number;
}

export interface AnnotatedProps {
  session: MeetingSession;
  /** The annotation surface (screen:…, doc:…:page, board). */
  surface: string;
  /** The content's width / height (0 while unknown). */
  aspect: number;
  /** Names the content for screen readers and the caption. */
  label: string;
  /** File name (without extension) for "save as image". */
  fileName: string;
  viewport?: Viewport;
  /** Lets the presenter pan by dragging (when no drawing tool is picked). */
  onPan?: ((x: number, y: number) => void) | undefined;
  /** data-testid of the item (end-to-end tests find it by that). */
  testId: string;
  /** Controls shown next to the drawing tools (page turning…). */
  controls?: ReactNode;
  /** The content, drawn to fill a box of this size in CSS pixels. Give it the class "stage-content". */
  children: (size: { width: number; height: number }) => ReactNode;
}

/**
 * One item on the stage: content fitted to the space (contained, never cropped), what people
 * drew over it at the same relative place whatever the window size, and the drawing tools.
 */
export function Annotated({ session, surface, aspect, label, fileName, testId, viewport, onPan, controls, children }: AnnotatedProps) {
  const { t } = useI18n();
  const outer = useRef<HTMLDivElement>(null);
  const plane = useRef<HTMLDivElement>(null);
  const [space, setSpace] = useState({ width: 0, height: 0 });
  const [tool, setTool] = useState<DrawingTool | null>(null);
  const [drawing, setDrawing] = useState(false);
  const [width, setWidth] = useState<number>(STROKE_WIDTHS[1]);

  useEffect(() => {
    const el = outer.current;
    if (!el) return;
    const observer = new ResizeObserver(() => setSpace({ width: el.clientWidth, height: el.clientHeight }));
    observer.observe(el);
    setSpace({ width: el.clientWidth, height: el.clientHeight });
    return () => observer.disconnect();
  }, []);

  const self = session.self;
  const moderator = session.isModerator;
  const mayDraw = moderator || session.meetingState.permissions.allowAnnotate;
  useEffect(() => {
    if (!mayDraw) {
      setDrawing(false);
      setTool(null);
    }
  }, [mayDraw]);

  // The box: the content's aspect, as large as the space allows.
  // Until a video says its size, lay it out as 16:9.
  const fit = aspect > 0 ? aspect : 16 / 9;
  const box = space.width > 0 && space.height > 0 ? (space.width / space.height > fit ? { width: space.height * fit, height: space.height } : { width: space.width, height: space.width / fit }) : undefined;
  const zoom = viewport?.zoom ?? 1;
  const size = box ? { width: Math.round(box.width * zoom), height: Math.round(box.height * zoom) } : undefined;
  // Where the plane sits so that (x, y) is at the centre, without showing past the content's edges.
  const offset = box && size ? { left: clamp(box.width / 2 - (viewport?.x ?? 0.5) * size.width, box.width - size.width, 0), top: clamp(box.height / 2 - (viewport?.y ?? 0.5) * size.height, box.height - size.height, 0) } : { left: 0, top: 0 };

  const strokes = session.stage.strokes.get(surface) ?? NO_STROKES;
  const save = async () => {
    if (!size) return;
    const background = plane.current?.querySelector<HTMLCanvasElement | HTMLVideoElement>('canvas.stage-content, video.stage-content') ?? null;
    const blob = await exportImage(background, strokes, Math.round(size.width * devicePixelRatio), Math.round(size.height * devicePixelRatio));
    saveBlob(blob, `${fileName}.png`);
  };

  // Dragging pans a zoomed document (the presenter only, and only when not drawing).
  const drag = useRef<{ x: number; y: number; vx: number; vy: number } | undefined>(undefined);
  const panning = onPan && tool === null && zoom > 1 && size;
  const panHandlers = panning
    ? {
        onPointerDown: (e: React.PointerEvent) => {
          drag.current = { x: e.clientX, y: e.clientY, vx: viewport?.x ?? 0.5, vy: viewport?.y ?? 0.5 };
          (e.currentTarget as HTMLElement).setPointerCapture(e.pointerId);
        },
        onPointerMove: (e: React.PointerEvent) => {
          const d = drag.current;
          if (!d || !size) return;
          onPan(clamp(d.vx - (e.clientX - d.x) / size.width, 0, 1), clamp(d.vy - (e.clientY - d.y) / size.height, 0, 1));
        },
        onPointerUp: () => (drag.current = undefined),
      }
    : {};

  return (
    <section className="stage-item" aria-label={label} data-surface={surface} data-testid={testId}>
      <div className="stage-caption">
        <span className="stage-label">{label}</span>
        {controls}
        {mayDraw && (
          <button
            type="button"
            className="small"
            aria-pressed={drawing}
            onClick={() => {
              setDrawing(!drawing);
              setTool(drawing ? null : 'pen');
            }}
            data-testid="toggle-annotate"
          >
            <Icon name="pen" /> {drawing ? t('annotate.stop') : t('annotate.start')}
          </button>
        )}
        {!drawing && (
          <button type="button" className="small" onClick={() => void save()} aria-label={t('annotate.save')} title={t('annotate.save')}>
            <Icon name="download" />
          </button>
        )}
      </div>
      {drawing && self && (
        <AnnotationToolbar
          tool={tool}
          onTool={setTool}
          width={width}
          onWidth={setWidth}
          color={self.color}
          moderator={moderator}
          onUndo={() => session.stage.annotate(surface, { kind: 'undo' })}
          onClearMine={() => session.stage.annotate(surface, { kind: 'clear', scope: 'mine' })}
          onClearAll={() => session.stage.annotate(surface, { kind: 'clear', scope: 'all' })}
          onSave={() => void save()}
        />
      )}
      <div className="stage-space" ref={outer}>
        {box && size && (
          <div className={panning ? 'stage-box pannable' : 'stage-box'} style={{ width: box.width, height: box.height }} {...panHandlers}>
            <div className="stage-plane" ref={plane} style={{ width: size.width, height: size.height, left: offset.left, top: offset.top }}>
              {children(size)}
              {self && (
                <AnnotationLayer
                  strokes={strokes}
                  tool={drawing ? tool : null}
                  width={width}
                  self={{ id: self.id, color: self.color, moderator }}
                  onOp={(op) => session.stage.annotate(surface, op)}
                  label={`${t('annotate.layer')}: ${label}`}
                />
              )}
            </div>
          </div>
        )}
      </div>
    </section>
  );
}

function clamp(v: number, min: number, max: number): number {
  return Math.min(max, Math.max(min, v));
}
