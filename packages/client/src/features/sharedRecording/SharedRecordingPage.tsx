import { useEffect, useId, useRef, useState, type FormEvent } from 'react';
import { Brand } from '../../ui/branding.tsx';
import { z } from 'zod';
import { SharedRecordingView } from '@amphi/protocol';
import { api, ApiError } from '../../ui/api.ts';
import { formatDuration } from '../../ui/formatDuration.ts';
import { LanguageSwitch, useI18n } from '../../ui/i18n.tsx';

/**
 * /r/:token — a cloud recording someone shared by link, for anyone who holds the link (no
 * account): its title and date, the passcode first when the link has one, then the player.
 */
export function SharedRecordingPage({ token }: { token: string }) {
  const { t, lang } = useI18n();
  /** undefined while loading, null when the link does not work. */
  const [info, setInfo] = useState<SharedRecordingView | null | undefined>(undefined);
  const [failed, setFailed] = useState(false);
  const [playFailed, setPlayFailed] = useState(false);
  const [justUnlocked, setJustUnlocked] = useState(false);
  const videoRef = useRef<HTMLVideoElement>(null);
  const base = `/api/shared-recordings/${encodeURIComponent(token)}`;

  useEffect(() => {
    api('GET', base, SharedRecordingView).then(
      (r) => setInfo(r),
      (err) => (err instanceof ApiError && err.code === 'http.not_found' ? setInfo(null) : setFailed(true)),
    );
  }, [base]);

  useEffect(() => {
    document.title = info ? `${info.title} – ${t('app.name')}` : t('app.name');
  }, [info, t]);

  // Once the passcode is accepted the player takes the focus, where the passcode field was.
  useEffect(() => {
    if (justUnlocked) videoRef.current?.focus();
  }, [justUnlocked]);

  const date = new Intl.DateTimeFormat(lang, { dateStyle: 'long', timeStyle: 'short' });
  const locked = info ? info.needsPasscode && !info.unlocked : false;

  return (
    <div className="page">
      <header className="topbar">
        <Brand />
        <div className="topbar-actions">
          <LanguageSwitch />
        </div>
      </header>
      <main className="home shared-recording" id="main">
        {info === undefined && !failed && <p role="status">{t('shared.loading')}</p>}
        {failed && (
          <p className="error" role="alert">
            {t('shared.loadFailed')}
          </p>
        )}
        {info === null && (
          <section className="card" aria-labelledby="shared-title">
            <h1 id="shared-title">{t('shared.notFound')}</h1>
            <p>{t('shared.notFoundHint')}</p>
          </section>
        )}
        {info && (
          <section className="card" aria-labelledby="shared-title">
            <h1 id="shared-title">{info.title}</h1>
            <p className="muted">
              {t('shared.recordedOn', { date: date.format(new Date(info.startedAt)) })}
              {info.durationSeconds !== undefined && ` · ${t('shared.duration', { duration: formatDuration(info.durationSeconds) })}`}
            </p>
            {locked ? (
              <PasscodeForm
                unlockUrl={`${base}/unlock`}
                onUnlocked={() => {
                  setInfo({ ...info, unlocked: true });
                  setJustUnlocked(true);
                }}
              />
            ) : (
              <>
                <video
                  ref={videoRef}
                  className="recording-player"
                  controls
                  preload="metadata"
                  src={`${base}/file`}
                  aria-label={t('recordings.player', { title: info.title })}
                  onError={() => setPlayFailed(true)}
                >
                  {t('shared.noVideo')}
                </video>
                {playFailed && (
                  <p className="error" role="alert">
                    {t('shared.playFailed')}
                  </p>
                )}
              </>
            )}
          </section>
        )}
      </main>
    </div>
  );
}

function PasscodeForm({ unlockUrl, onUnlocked }: { unlockUrl: string; onUnlocked: () => void }) {
  const { t } = useI18n();
  const [passcode, setPasscode] = useState('');
  const [error, setError] = useState<string | undefined>();
  const [busy, setBusy] = useState(false);
  const inputRef = useRef<HTMLInputElement>(null);
  const introId = useId();
  const errorId = useId();

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    if (passcode.trim() === '') {
      setError(t('error.recording.passcode_required'));
      inputRef.current?.focus();
      return;
    }
    setBusy(true);
    setError(undefined);
    try {
      await api('POST', unlockUrl, z.unknown(), { passcode });
      onUnlocked();
    } catch (err) {
      const code = err instanceof ApiError ? err.code : 'generic';
      setError(code === 'http.rate_limited' ? t('shared.tooMany') : code === 'recording.passcode_wrong' ? t('error.recording.passcode_wrong') : t(`error.${code}`));
      // Back to the field, its content selected, for another try.
      inputRef.current?.focus();
      inputRef.current?.select();
    } finally {
      setBusy(false);
    }
  };

  return (
    <form className="invite-form" onSubmit={submit} noValidate aria-describedby={introId}>
      <p id={introId}>{t('shared.passcodeIntro')}</p>
      <label>
        {t('shared.passcode')}
        <input
          ref={inputRef}
          name="passcode"
          type="password"
          autoComplete="off"
          autoFocus
          required
          maxLength={256}
          value={passcode}
          aria-invalid={error !== undefined || undefined}
          aria-describedby={error ? errorId : undefined}
          onChange={(e) => setPasscode(e.target.value)}
        />
      </label>
      <p id={errorId} className="error" role="alert">
        {error}
      </p>
      <div className="card-actions">
        <button type="submit" className="primary" disabled={busy}>
          {t('shared.watch')}
        </button>
      </div>
    </form>
  );
}
