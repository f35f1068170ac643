import { useEffect, useState } from 'react';
import type { SessionState } from '../../core/MeetingSession.ts';
import { useI18n } from '../../ui/i18n.tsx';

/** Seconds the end screen shows before following the redirect URL. */
const REDIRECT_AFTER_S = 5;

/**
 * What people see after the meeting: ended by the host (then, if the meeting or the deployment
 * has one, the redirect URL after a short countdown), left, refused, removed, lost, or could
 * not join.
 */
export function EndScreen({ state, reason, errorCode, redirectUrl, onRejoin }: { state: SessionState; reason: string | undefined; errorCode: string | undefined; redirectUrl: string | null; onRejoin: () => void }) {
  const { t } = useI18n();
  const [left, setLeft] = useState(REDIRECT_AFTER_S);
  const redirecting = state === 'ended' && redirectUrl !== null && /^https?:\/\//i.test(redirectUrl);

  useEffect(() => {
    if (!redirecting) return;
    const timer = setInterval(() => setLeft((n) => n - 1), 1_000);
    return () => clearInterval(timer);
  }, [redirecting]);
  useEffect(() => {
    if (redirecting && left <= 0) window.location.assign(redirectUrl!);
  }, [redirecting, left, redirectUrl]);

  let title: string;
  let body: string | undefined;
  let canRejoin = true;
  if (state === 'ended') {
    title = t('ended.title');
    body = reason === 'server-shutdown' ? t('ended.shutdown') : t('ended.byHost');
  } else if (state === 'left') {
    title = t('left.title');
  } else if (state === 'denied') {
    title = t('denied.title');
    body = t('denied.body');
  } else if (state === 'removed') {
    title = t('removed.title');
    body = t('removed.body');
    canRejoin = false;
  } else if (state === 'disconnected') {
    title = t('disconnected.title');
    body = errorCode === 'resume.replaced' ? t('disconnected.replaced') : t('disconnected.body');
  } else {
    title = t('failed.title');
    body = t(`error.${errorCode ?? 'generic'}`);
  }
  return (
    <main className="end-screen" id="main" data-testid="end-screen" data-state={state}>
      <div className="card">
        <h1>{title}</h1>
        {body && <p>{body}</p>}
        {redirecting && (
          <p role="status">
            {t('ended.redirecting', { seconds: Math.max(left, 0) })} <a href={redirectUrl!}>{t('ended.goNow')}</a>
          </p>
        )}
        <div className="dialog-actions">
          {canRejoin && (
            <button type="button" className="primary" onClick={onRejoin}>
              {t('ended.rejoin')}
            </button>
          )}
          <a href="/">{t('ended.home')}</a>
        </div>
      </div>
    </main>
  );
}
