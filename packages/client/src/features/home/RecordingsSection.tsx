import { useEffect, useId, useState } from 'react';
import { z } from 'zod';
import { RecordingListResponse, type RecordingView, type UserView } from '@amphi/protocol';
import { api, ApiError } from '../../ui/api.ts';
import { formatDuration } from '../../ui/formatDuration.ts';
import { useI18n } from '../../ui/i18n.tsx';
import { RecordingShares } from './RecordingShares.tsx';

const DAY_MS = 86_400_000;

/** Bytes in kB, MB or GB (decimal, as operating systems show file sizes), in the viewer's language. */
function formatSize(bytes: number, lang: string): string {
  const [unit, divisor] = bytes >= 1e9 ? (['gigabyte', 1e9] as const) : bytes >= 1e6 ? (['megabyte', 1e6] as const) : (['kilobyte', 1e3] as const);
  return new Intl.NumberFormat(lang, { style: 'unit', unit, maximumFractionDigits: 1 }).format(bytes / divisor);
}

/**
 * The cloud recordings of the signed-in person: play in the page, download, share by link, delete
 * (after a confirmation), and when each will be deleted automatically. Administrators can switch to
 * everyone's recordings, with their owners and the storage they use. Hidden for people who
 * cannot record and have no recordings.
 */
export function RecordingsSection({ user }: { user: UserView }) {
  const { t, lang } = useI18n();
  const [all, setAll] = useState(false);
  const [list, setList] = useState<RecordingListResponse | undefined>();
  const [failed, setFailed] = useState(false);
  const [status, setStatus] = useState<string | undefined>();

  useEffect(() => {
    let current = true;
    setFailed(false);
    api('GET', all ? '/api/recordings?all=1' : '/api/recordings', RecordingListResponse).then(
      (r) => current && setList(r),
      () => current && setFailed(true),
    );
    return () => {
      current = false;
    };
  }, [all]);

  const remove = async (r: RecordingView) => {
    try {
      await api('DELETE', `/api/recordings/${encodeURIComponent(r.id)}`, z.unknown());
      setList((l) => l && { recordings: l.recordings.filter((x) => x.id !== r.id), totalBytes: l.totalBytes - (r.bytes ?? 0) });
      setStatus(t('recordings.deleted', { title: r.title }));
    } catch (err) {
      setStatus(err instanceof ApiError && err.code === 'protocol.out_of_order' ? t('recordings.busy') : t('recordings.deleteFailed', { title: r.title }));
    }
  };

  if (!user.isStaff && !user.isAdmin && (list?.recordings.length ?? 0) === 0) return null;
  return (
    <section className="card" id="recordings" aria-labelledby="recordings-title">
      <h2 id="recordings-title">{t('recordings.title')}</h2>
      {user.isAdmin && (
        <label className="toggle">
          <input type="checkbox" name="all-recordings" checked={all} onChange={(e) => setAll(e.target.checked)} />
          {t('recordings.all')}
        </label>
      )}
      {all && list && <p className="muted">{t('recordings.totalUsed', { size: formatSize(list.totalBytes, lang) })}</p>}
      {failed && (
        <p className="error" role="alert">
          {t('recordings.loadFailed')}
        </p>
      )}
      {status && (
        <p role="status" className="muted">
          {status}
        </p>
      )}
      {list &&
        (list.recordings.length === 0 ? (
          <p className="muted">{t('recordings.none')}</p>
        ) : (
          <ul className="meeting-list">
            {list.recordings.map((r) => (
              <RecordingItem key={r.id} recording={r} showOwner={all} onDelete={() => remove(r)} />
            ))}
          </ul>
        ))}
    </section>
  );
}

function RecordingItem({ recording: r, showOwner, onDelete }: { recording: RecordingView; showOwner: boolean; onDelete: () => Promise<void> }) {
  const { t, lang } = useI18n();
  const [playing, setPlaying] = useState(false);
  const [sharing, setSharing] = useState(false);
  const [confirming, setConfirming] = useState(false);
  const sharesId = useId();
  const [busy, setBusy] = useState(false);
  const confirmId = useId();
  const file = `/api/recordings/${encodeURIComponent(r.id)}/file`;
  const date = new Intl.DateTimeFormat(lang, { dateStyle: 'medium', timeStyle: 'short' });
  const day = new Intl.DateTimeFormat(lang, { dateStyle: 'medium' });
  const daysLeft = r.expiresAt ? Math.max(0, Math.ceil((Date.parse(r.expiresAt) - Date.now()) / DAY_MS)) : undefined;
  const details = [
    date.format(new Date(r.startedAt)),
    r.durationS !== null ? formatDuration(r.durationS) : undefined,
    r.bytes !== null ? formatSize(r.bytes, lang) : undefined,
    showOwner ? t('recordings.owner', { name: r.ownerName }) : undefined,
  ].filter((d) => d !== undefined);
  const stateLabel = r.status === 'recording' ? t('recordings.recording') : r.status === 'processing' ? t('recordings.processing') : r.status === 'failed' ? t('recordings.failed') : undefined;
  const canDelete = r.status === 'ready' || r.status === 'failed';

  return (
    <li className="meeting-card" data-recording-id={r.id}>
      <div className="meeting-card-head">
        <span className="meeting-title">{r.title}</span>
        {stateLabel && <span className="badge">{stateLabel}</span>}
      </div>
      <p className="muted">{details.join(' · ')}</p>
      {r.expiresAt && daysLeft !== undefined && (
        <p className="muted">
          {t('recordings.expires', { date: day.format(new Date(r.expiresAt)) })} ({daysLeft === 1 ? t('recordings.dayLeft') : t('recordings.daysLeft', { count: daysLeft })})
        </p>
      )}
      <div className="card-actions">
        {r.status === 'ready' && (
          <>
            <button type="button" className="small" aria-expanded={playing} onClick={() => setPlaying(!playing)}>
              {playing ? t('recordings.hide') : t('recordings.play')}
            </button>
            <a className="button small" href={`${file}?download=1`} download>
              {t('recordings.download')}
            </a>
            <button type="button" className="small" aria-expanded={sharing} aria-controls={sharing ? sharesId : undefined} onClick={() => setSharing(!sharing)}>
              {t('recordings.share')}
            </button>
          </>
        )}
        {canDelete && !confirming && (
          <button type="button" className="small danger" onClick={() => setConfirming(true)}>
            {t('recordings.delete')}
          </button>
        )}
      </div>
      {confirming && (
        <div role="group" aria-labelledby={confirmId}>
          <p id={confirmId}>{t('recordings.confirmDelete', { title: r.title })}</p>
          <div className="card-actions">
            <button
              type="button"
              className="small danger"
              disabled={busy}
              onClick={() => {
                setBusy(true);
                void onDelete().finally(() => {
                  setBusy(false);
                  setConfirming(false);
                });
              }}
            >
              {t('recordings.confirm')}
            </button>
            <button type="button" className="small" autoFocus onClick={() => setConfirming(false)}>
              {t('recordings.cancel')}
            </button>
          </div>
        </div>
      )}
      {sharing && r.status === 'ready' && <RecordingShares id={sharesId} recording={r} />}
      {playing && (
        <video className="recording-player" controls preload="metadata" src={file} aria-label={t('recordings.player', { title: r.title })}>
          {t('recordings.noVideo')}
        </video>
      )}
    </li>
  );
}
