import { useEffect, useId, useRef, useState, type FormEvent } from 'react';
import { z } from 'zod';
import { RECORDING_SHARE_LIMITS, RecordingShareListResponse, RecordingShareResponse, type RecordingShareView, type RecordingView } from '@amphi/protocol';
import { api, ApiError } from '../../ui/api.ts';
import { useI18n } from '../../ui/i18n.tsx';

/** The expiries offered, in days; 0 is none. */
const EXPIRIES = [0, 1, 7, 30] as const;

/**
 * Sharing one ready recording by link: a small form (optional passcode, expiry) that makes a
 * link to copy, and the links in use, each of which can be stopped. What happens is announced
 * in a status line; errors in an alert.
 */
export function RecordingShares({ id, recording }: { id: string; recording: RecordingView }) {
  const { t, lang } = useI18n();
  const [shares, setShares] = useState<RecordingShareView[] | undefined>();
  const [loadFailed, setLoadFailed] = useState(false);
  const [passcode, setPasscode] = useState('');
  const [expiry, setExpiry] = useState<(typeof EXPIRIES)[number]>(0);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | undefined>();
  const [passcodeInvalid, setPasscodeInvalid] = useState(false);
  const [status, setStatus] = useState('');
  const [created, setCreated] = useState<RecordingShareView | undefined>();
  const headingId = useId();
  const passcodeId = useId();
  const hintId = useId();
  const errorId = useId();
  const passcodeRef = useRef<HTMLInputElement>(null);
  const linkRef = useRef<HTMLInputElement>(null);
  const headingRef = useRef<HTMLHeadingElement>(null);
  const base = `/api/recordings/${encodeURIComponent(recording.id)}/shares`;
  const date = new Intl.DateTimeFormat(lang, { dateStyle: 'medium', timeStyle: 'short' });

  useEffect(() => {
    let current = true;
    api('GET', base, RecordingShareListResponse).then(
      (r) => current && setShares(r.shares),
      () => current && setLoadFailed(true),
    );
    return () => {
      current = false;
    };
  }, [base]);

  // The new link takes the focus, so that it is read out and can be copied at once.
  useEffect(() => {
    if (created) linkRef.current?.focus();
  }, [created]);

  const create = async (e: FormEvent) => {
    e.preventDefault();
    const code = passcode.trim();
    if (code !== '' && (code.length < RECORDING_SHARE_LIMITS.passcodeMin || code.length > RECORDING_SHARE_LIMITS.passcodeMax)) {
      setPasscodeInvalid(true);
      setError(t('share.passcodeLength'));
      passcodeRef.current?.focus();
      return;
    }
    setBusy(true);
    setError(undefined);
    setPasscodeInvalid(false);
    try {
      const r = await api('POST', base, RecordingShareResponse, { ...(code ? { passcode: code } : {}), ...(expiry ? { expiresInDays: expiry } : {}) });
      setShares((list) => [r.share, ...(list ?? [])]);
      setCreated(r.share);
      setPasscode('');
      setStatus(t('share.created'));
    } catch (err) {
      setError(err instanceof ApiError && err.code === 'protocol.out_of_order' ? t('share.notReady') : t('share.failed'));
    } finally {
      setBusy(false);
    }
  };

  const copy = async (url: string) => {
    try {
      await navigator.clipboard.writeText(url);
      setStatus(t('share.copied'));
    } catch {
      setStatus(t('share.copyFailed'));
    }
  };

  const stop = async (share: RecordingShareView) => {
    try {
      await api('DELETE', `${base}/${encodeURIComponent(share.id)}`, z.unknown());
    } catch (err) {
      // Already gone (stopped elsewhere, or expired): the list just catches up.
      if (!(err instanceof ApiError && err.code === 'http.not_found')) {
        setError(t('share.stopFailed'));
        return;
      }
    }
    setShares((list) => list?.filter((s) => s.id !== share.id));
    if (created?.id === share.id) setCreated(undefined);
    setError(undefined);
    setStatus(t('share.stopped'));
    // The button that had the focus is gone: the panel's heading takes it.
    headingRef.current?.focus();
  };

  return (
    <section className="share-panel" id={id} aria-labelledby={headingId}>
      <h3 id={headingId} ref={headingRef} tabIndex={-1}>
        {t('share.title')}
      </h3>
      <p className="muted">{t('share.intro')}</p>
      <form className="invite-form" onSubmit={create} noValidate>
        <label htmlFor={passcodeId}>{t('share.passcode')}</label>
        <input
          id={passcodeId}
          ref={passcodeRef}
          name="share-passcode"
          type="text"
          autoComplete="off"
          spellCheck={false}
          maxLength={RECORDING_SHARE_LIMITS.passcodeMax}
          value={passcode}
          aria-invalid={passcodeInvalid || undefined}
          aria-describedby={passcodeInvalid ? `${hintId} ${errorId}` : hintId}
          onChange={(e) => setPasscode(e.target.value)}
        />
        <p id={hintId} className="muted">
          {t('share.passcodeHint')}
        </p>
        <label>
          {t('share.expiry')}
          <select name="share-expiry" value={expiry} onChange={(e) => setExpiry(EXPIRIES.find((d) => String(d) === e.target.value) ?? 0)}>
            {EXPIRIES.map((d) => (
              <option key={d} value={d}>
                {d === 0 ? t('share.never') : t(`share.after${d}`)}
              </option>
            ))}
          </select>
        </label>
        <div className="card-actions">
          <button type="submit" className="small primary" disabled={busy}>
            {t('share.create')}
          </button>
        </div>
      </form>
      <p id={errorId} className="error" role="alert">
        {error}
      </p>
      <p role="status" className="muted">
        {status}
      </p>
      {created && (
        <div className="share-created">
          <label>
            {t('share.link')}
            <input ref={linkRef} name="share-link" type="text" readOnly value={created.url} onFocus={(e) => e.target.select()} />
          </label>
          <div className="card-actions">
            <button type="button" className="small" onClick={() => void copy(created.url)}>
              {t('share.copy')}
            </button>
          </div>
        </div>
      )}
      <h4>{t('share.existing')}</h4>
      {loadFailed && <p className="error">{t('share.loadFailed')}</p>}
      {shares && shares.length === 0 && <p className="muted">{t('share.none')}</p>}
      {shares && shares.length > 0 && (
        <ul className="share-list">
          {shares.map((s) => (
            <ShareItem key={s.id} share={s} date={date} onCopy={() => void copy(s.url)} onStop={() => stop(s)} />
          ))}
        </ul>
      )}
    </section>
  );
}

function ShareItem({ share: s, date, onCopy, onStop }: { share: RecordingShareView; date: Intl.DateTimeFormat; onCopy: () => void; onStop: () => Promise<void> }) {
  const { t } = useI18n();
  const [busy, setBusy] = useState(false);
  const linkId = useId();
  const details = [s.hasPasscode ? t('share.withPasscode') : t('share.withoutPasscode'), s.expiresAt ? t('share.expiresOn', { date: date.format(new Date(s.expiresAt)) }) : t('share.noExpiry')];
  return (
    <li data-share-id={s.id}>
      <code id={linkId}>{s.url}</code>
      <p className="muted">{details.join(' · ')}</p>
      <div className="card-actions">
        <button type="button" className="small" aria-describedby={linkId} onClick={onCopy}>
          {t('share.copy')}
        </button>
        <button
          type="button"
          className="small danger"
          aria-describedby={linkId}
          disabled={busy}
          onClick={() => {
            setBusy(true);
            void onStop().finally(() => setBusy(false));
          }}
        >
          {t('share.stop')}
        </button>
      </div>
    </li>
  );
}
