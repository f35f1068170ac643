import { useEffect, useRef, useState } from 'react';
import type { PDFDocumentProxy, RenderTask } from 'pdfjs-dist';
import type { DocumentInfo, DocumentView } from '@amphi/protocol';
import type { MeetingSession } from '../../core/MeetingSession.ts';
import { DocumentError } from '../../core/StageContent.ts';
import { useI18n } from '../../ui/i18n.tsx';
import { Icon } from '../../ui/Icon.tsx';
import { Annotated } from './Annotated.tsx';
import { openPdf } from './pdf.ts';

const ZOOMS = [1, 1.25, 1.5, 2, 3, 4];
/** Largest canvas side we draw a page at (beyond it browsers run out of canvas memory). */
const MAX_CANVAS_SIDE = 8192;

/**
 * A presented document: everyone sees the page, zoom and position the presenter chose. The
 * presenter (and hosts) turn pages with the buttons or the keyboard (arrows, Page Up/Down:
 * what presentation clickers send), zoom, and pan by dragging.
 */
export function DocumentItem({ session, doc, presenterId, view, stopControl }: { session: MeetingSession; doc: DocumentInfo; presenterId: string; view: DocumentView; stopControl: React.ReactNode }) {
  const { t } = useI18n();
  const [pdf, setPdf] = useState<PDFDocumentProxy>();
  const [failed, setFailed] = useState<string>();
  const [aspect, setAspect] = useState(0);
  const control = session.self?.id === presenterId || session.isModerator;

  useEffect(() => {
    let live = true;
    openPdf(doc.id, () => session.stage.pdf(doc.id)).then(
      (p) => live && setPdf(p),
      (err) => live && setFailed(err instanceof DocumentError ? `error.${err.code}` : 'error.generic'),
    );
    return () => {
      live = false;
    };
  }, [session, doc.id]);

  useEffect(() => {
    if (!pdf) return;
    let live = true;
    void pdf.getPage(view.page).then((page) => {
      const v = page.getViewport({ scale: 1 });
      if (live) setAspect(v.width / v.height);
    });
    return () => {
      live = false;
    };
  }, [pdf, view.page]);

  // Pans come at pointer speed; the meeting hears about them ten times a second at most.
  const pending = useRef<DocumentView | undefined>(undefined);
  const timer = useRef<ReturnType<typeof setTimeout> | undefined>(undefined);
  const send = (next: DocumentView, throttle = false) => {
    if (!throttle) {
      clearTimeout(timer.current);
      timer.current = undefined;
      pending.current = undefined;
      void session.stage.setView(next);
      return;
    }
    pending.current = next;
    timer.current ??= setTimeout(() => {
      timer.current = undefined;
      if (pending.current) void session.stage.setView(pending.current);
      pending.current = undefined;
    }, 100);
  };
  useEffect(() => () => clearTimeout(timer.current), []);

  const goTo = (page: number) => {
    if (page >= 1 && page <= doc.pages && page !== view.page) send({ page, zoom: 1, x: 0.5, y: 0.5 });
  };
  const zoomTo = (zoom: number) => send({ ...view, zoom });
  const zoomIndex = ZOOMS.findIndex((z) => z >= view.zoom - 1e-6);

  useEffect(() => {
    if (!control) return;
    const onKey = (e: KeyboardEvent) => {
      const target = e.target as HTMLElement | null;
      if (target && (target.isContentEditable || /^(INPUT|TEXTAREA|SELECT)$/.test(target.tagName))) return;
      if (e.key === 'ArrowRight' || e.key === 'PageDown') goTo(view.page + 1);
      else if (e.key === 'ArrowLeft' || e.key === 'PageUp') goTo(view.page - 1);
      else return;
      e.preventDefault();
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  });

  const label = t('stage.document', { name: doc.name, page: view.page, pages: doc.pages });
  const controls = (
    <span className="stage-controls" role="group" aria-label={t('stage.pages')}>
      {control && (
        <button type="button" className="small" disabled={view.page <= 1} onClick={() => goTo(view.page - 1)} aria-label={t('stage.prevPage')} data-testid="prev-page">
          <Icon name="prev" />
        </button>
      )}
      <span aria-live="polite" data-testid="page-number">
        {t('stage.pageOf', { page: view.page, pages: doc.pages })}
      </span>
      {control && (
        <>
          <button type="button" className="small" disabled={view.page >= doc.pages} onClick={() => goTo(view.page + 1)} aria-label={t('stage.nextPage')} data-testid="next-page">
            <Icon name="next" />
          </button>
          <button type="button" className="small" disabled={zoomIndex <= 0} onClick={() => zoomTo(ZOOMS[Math.max(0, zoomIndex - 1)]!)} aria-label={t('stage.zoomOut')}>
            <Icon name="zoomOut" />
          </button>
          <button type="button" className="small" disabled={zoomIndex >= ZOOMS.length - 1} onClick={() => zoomTo(ZOOMS[Math.min(ZOOMS.length - 1, zoomIndex + 1)]!)} aria-label={t('stage.zoomIn')} data-testid="zoom-in">
            <Icon name="zoomIn" />
          </button>
          {view.zoom > 1 && (
            <button type="button" className="small" onClick={() => send({ ...view, zoom: 1, x: 0.5, y: 0.5 })}>
              {t('stage.fit')}
            </button>
          )}
          {stopControl}
        </>
      )}
    </span>
  );

  if (failed) {
    return (
      <section className="stage-item" aria-label={label} data-testid="document-stage">
        <p role="alert">{t(failed)}</p>
      </section>
    );
  }
  return (
    <Annotated
      session={session}
      surface={`doc:${doc.id}:${view.page}`}
      aspect={aspect}
      label={label}
      fileName={`${doc.name.replace(/\.[A-Za-z0-9]{1,5}$/, '')}-${view.page}`}
      testId="document-stage"
      viewport={view}
      onPan={control ? (x, y) => send({ ...view, x, y }, true) : undefined}
      controls={controls}
    >
      {(size) => <PdfPage pdf={pdf} page={view.page} width={size.width} height={size.height} />}
    </Annotated>
  );
}

/** One page drawn at the box's size (sharp at any zoom, up to the canvas limit). */
function PdfPage({ pdf, page, width, height }: { pdf: PDFDocumentProxy | undefined; page: number; width: number; height: number }) {
  const ref = useRef<HTMLCanvasElement>(null);
  const [rendered, setRendered] = useState(0);
  useEffect(() => {
    const canvas = ref.current;
    if (!pdf || !canvas || width === 0) return;
    let task: RenderTask | undefined;
    let live = true;
    void pdf.getPage(page).then((p) => {
      if (!live) return;
      const base = p.getViewport({ scale: 1 });
      const scale = Math.min((width * devicePixelRatio) / base.width, MAX_CANVAS_SIDE / Math.max(base.width, base.height));
      const viewport = p.getViewport({ scale });
      canvas.width = Math.floor(viewport.width);
      canvas.height = Math.floor(viewport.height);
      const context = canvas.getContext('2d');
      if (!context) return;
      task = p.render({ canvasContext: context, viewport });
      task.promise.then(
        () => live && setRendered(page),
        () => {},
      );
    });
    return () => {
      live = false;
      task?.cancel();
    };
  }, [pdf, page, width, height]);
  return <canvas ref={ref} className="stage-content pdf-page" style={{ width, height }} data-page={page} data-rendered-page={rendered || undefined} />;
}
