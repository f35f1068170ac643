import type { MeetingSession } from '../../core/MeetingSession.ts';
import { useI18n } from '../../ui/i18n.tsx';

/**
 * Over the meeting while the signaling connection is being recovered: the tiles stay where they
 * are (media may well keep flowing) and the banner says we are getting back, read out once.
 */
export function ConnectionBanner({ session }: { session: MeetingSession }) {
  const { t } = useI18n();
  const connection = session.connection;
  if (connection.kind !== 'reconnecting') {
    // Our downlink cannot carry video: the sound goes on, and this says why the tiles are still.
    if (session.receiveLevel !== 'audio-only') return null;
    return (
      <div className="connection-banner" role="status" data-testid="weak-connection-banner">
        <span>{t('room.videoPausedWeak')}</span>
      </div>
    );
  }
  return (
    <div className="connection-banner" role="status" aria-live="polite" data-testid="reconnecting-banner" data-attempt={connection.attempt}>
      <span className="spinner" aria-hidden="true" />
      <span>{t(session.serverRestarting ? 'connection.restarting' : 'connection.reconnecting')}</span>
    </div>
  );
}
