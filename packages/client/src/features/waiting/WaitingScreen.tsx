import { useEffect, useRef } from 'react';
import type { MeetingSession } from '../../core/MeetingSession.ts';
import { useI18n } from '../../ui/i18n.tsx';

/** The waiting room: a calm page, the meeting's title, your own preview, nothing else of the meeting. */
export function WaitingScreen({ session }: { session: MeetingSession }) {
  const { t } = useI18n();
  const videoRef = useRef<HTMLVideoElement>(null);
  useEffect(() => {
    if (videoRef.current) videoRef.current.srcObject = session.localStream;
  }, [session]);
  return (
    <main className="waiting-screen" id="main" data-testid="waiting-screen">
      <div className="card">
        <h1>{session.meeting?.title}</h1>
        <p role="status">{t('waiting.message')}</p>
        {session.localStream.getVideoTracks().length > 0 && session.videoOn && <video ref={videoRef} className="mirror waiting-preview" autoPlay playsInline muted aria-label={t('prejoin.preview')} />}
        <button type="button" onClick={() => void session.leave()}>
          {t('waiting.leave')}
        </button>
      </div>
    </main>
  );
}
