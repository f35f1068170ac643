import type { MeetingSession } from '../../core/MeetingSession.ts';
import { useI18n } from '../../ui/i18n.tsx';

/**
 * Over the meeting while the signaling connection is being recovered: the tiles stay where they
 * are (media may well keep flowing) and the banner says we are getting back, read out once. The
 * same, more quietly, while only audio and video are being restored.
 */
export function ConnectionBanner({ session }: { session: MeetingSession }) {
  const { t } = useI18n();
  const connection = session.connection;
  if (connection.kind !== 'reconnecting') {
    // Audio and video are being restored (the media server restarted, or our connection failed).
    const media = session.mediaConnection;
    if (media.kind === 'reconnecting') {
      return (
        <div className="connection-banner" role="status" aria-live="polite" data-testid="media-reconnecting-banner" data-attempt={media.attempt}>
          <span className="spinner" aria-hidden="true" />
          <span>{t('connection.mediaRestoring')}</span>
        </div>
      );
    }
    if (media.kind === 'gave-up' && media.reason !== 'stopped') {
      return (
        <div className="connection-banner" role="alert" data-testid="media-lost-banner">
          <span>{t('connection.mediaLost')}</span>
        </div>
      );
    }
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
