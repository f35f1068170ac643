import { useRef, useState } from 'react';
import type { MeetingSession } from '../../core/MeetingSession.ts';
import { DocumentError } from '../../core/StageContent.ts';
import { useI18n } from '../../ui/i18n.tsx';
import { saveBlob } from '../../ui/saveBlob.ts';

/** What the file picker offers: PDFs and the office documents Amphi converts. */
const ACCEPT = '.pdf,.pptx,.ppt,.pps,.ppsx,.odp,.docx,.doc,.odt,.rtf,.xlsx,.xls,.ods,application/pdf';

/**
 * Presenting: upload a PDF or an office document, put it (or the whiteboard) on everyone's
 * stage, let people download it, remove it. Who may present follows the "share" permission.
 */
export function DocumentsPanel({ session }: { session: MeetingSession }) {
  const { t } = useI18n();
  const input = useRef<HTMLInputElement>(null);
  const [busy, setBusy] = useState<string | undefined>();
  const [error, setError] = useState<string | undefined>();
  const self = session.self;
  const mayPresent = session.isModerator || session.meetingState.permissions.allowShare;
  const presentation = session.meetingState.presentation;
  /** In a breakout room there is only the room's whiteboard. */
  const inRoom = session.room !== null;
  const boardOpen = inRoom ? session.breakouts.boards.includes(session.room!) : presentation?.kind === 'whiteboard';

  const upload = async (file: File) => {
    setError(undefined);
    setBusy(file.name);
    try {
      const doc = await session.stage.upload(file, file.name);
      await session.stage.present({ kind: 'document', documentId: doc.id });
    } catch (err) {
      setError(err instanceof DocumentError ? `error.${err.code}` : 'error.generic');
    } finally {
      setBusy(undefined);
      if (input.current) input.current.value = '';
    }
  };

  const download = async (id: string, name: string) => {
    try {
      saveBlob(await session.stage.download(id), name.replace(/\.[A-Za-z0-9]{1,5}$/, '') + '.pdf');
    } catch (err) {
      setError(err instanceof DocumentError ? `error.${err.code}` : 'error.generic');
    }
  };

  return (
    <section className="panel" aria-labelledby="documents-title" data-testid="documents-panel">
      <header className="panel-header">
        <h2 id="documents-title">{t('stage.title')}</h2>
      </header>
      {mayPresent && inRoom ? (
        <div className="documents-actions">
          <button type="button" disabled={boardOpen} onClick={() => void session.stage.present({ kind: 'whiteboard' })} data-testid="open-whiteboard">
            {t('stage.openWhiteboard')}
          </button>
          <p className="muted">{t('stage.documentsInMainRoom')}</p>
        </div>
      ) : mayPresent ? (
        <div className="documents-actions">
          <label className="file-button">
            {t('stage.upload')}
            <input ref={input} type="file" accept={ACCEPT} disabled={busy !== undefined} onChange={(e) => e.target.files?.[0] && void upload(e.target.files[0])} data-testid="document-file" />
          </label>
          <button type="button" disabled={boardOpen} onClick={() => void session.stage.present({ kind: 'whiteboard' })} data-testid="open-whiteboard">
            {t('stage.openWhiteboard')}
          </button>
          <p className="muted">{t('stage.uploadHint')}</p>
        </div>
      ) : (
        <p className="muted">{t('stage.notAllowed')}</p>
      )}
      {busy && (
        <p role="status" aria-live="polite" data-testid="document-busy">
          {t('stage.converting', { name: busy })}
        </p>
      )}
      {error && (
        <p role="alert" className="error" data-testid="document-error">
          {t(error)}
        </p>
      )}
      {session.stage.documents.length === 0 ? (
        <p className="muted">{t('stage.none')}</p>
      ) : (
        <ul className="document-list">
          {session.stage.documents.map((d) => {
            const manage = session.isModerator || d.uploadedBy.id === self?.id;
            const shown = presentation?.kind === 'document' && presentation.documentId === d.id;
            return (
              <li key={d.id} className="document-card" data-testid="document-card">
                <div>
                  <strong>{d.name}</strong>
                  <div className="muted">{t('stage.docInfo', { pages: d.pages, name: d.uploadedBy.name })}</div>
                </div>
                <div className="document-buttons">
                  {mayPresent && (
                    <button type="button" className="small" disabled={shown} onClick={() => void session.stage.present({ kind: 'document', documentId: d.id })}>
                      {shown ? t('stage.presenting') : t('stage.present')}
                    </button>
                  )}
                  {(d.downloadable || manage) && (
                    <button type="button" className="small" onClick={() => void download(d.id, d.name)}>
                      {t('stage.download')}
                    </button>
                  )}
                  {manage && (
                    <label className="checkbox">
                      <input type="checkbox" checked={d.downloadable} onChange={(e) => void session.stage.setDownloadable(d.id, e.target.checked)} />
                      {t('stage.allowDownload')}
                    </label>
                  )}
                  {manage && (
                    <button type="button" className="small danger" onClick={() => void session.stage.remove(d.id)}>
                      {t('stage.remove')}
                    </button>
                  )}
                </div>
              </li>
            );
          })}
        </ul>
      )}
    </section>
  );
}
