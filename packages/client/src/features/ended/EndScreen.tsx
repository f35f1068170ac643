import type { SessionState } from '../../core/MeetingSession.ts';
import { useI18n } from '../../ui/i18n.tsx';

/** What people see after the meeting: ended by the host, left, lost, or could not join. */
export function EndScreen({ state, reason, errorCode, onRejoin }: { state: SessionState; reason: string | undefined; errorCode: string | undefined; onRejoin: () => void }) {
  const { t } = useI18n();
  let title: string;
  let body: string | undefined;
  if (state === 'ended') {
    title = t('ended.title');
    body = reason === 'server-shutdown' ? t('ended.shutdown') : t('ended.byHost');
  } else if (state === 'left') {
    title = t('left.title');
  } else if (state === 'disconnected') {
    title = t('disconnected.title');
    body = t('disconnected.body');
  } else {
    title = t('failed.title');
    body = t(`error.${errorCode ?? 'generic'}`);
  }
  return (
    <main className="end-screen" id="main" data-testid="end-screen" data-state={state}>
      <div className="card">
        <h1>{title}</h1>
        {body && <p>{body}</p>}
        <div className="dialog-actions">
          <button type="button" className="primary" onClick={onRejoin}>
            {t('ended.rejoin')}
          </button>
          <a href="/">{t('ended.home')}</a>
        </div>
      </div>
    </main>
  );
}
