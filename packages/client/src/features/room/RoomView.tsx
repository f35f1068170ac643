import { useState } from 'react';
import type { MeetingSession } from '../../core/MeetingSession.ts';
import { Icon } from '../../ui/Icon.tsx';
import { useI18n } from '../../ui/i18n.tsx';
import { Notices } from './Notices.tsx';
import { Tile } from './Tile.tsx';

/** The meeting: everyone's tiles and the control bar (mic, camera, leave). */
export function RoomView({ session, speakerId }: { session: MeetingSession; speakerId: string | undefined }) {
  const { t } = useI18n();
  const [askLeave, setAskLeave] = useState(false);
  const [selfHidden, setSelfHidden] = useState(false);
  const self = session.self;
  if (!self) return null;
  const remotes = [...session.remotes.values()];
  const count = remotes.length + 1;

  const leave = () => {
    if (session.isHost) setAskLeave(true);
    else void session.leave();
  };

  return (
    <div className="room">
      <header className="room-header">
        <h1 className="room-title">{session.meeting?.title}</h1>
        <span className="muted" aria-live="polite">
          {t('room.participants', { count })}
        </span>
      </header>
      <main className="stage" id="main">
        <ul className={`gallery gallery-${Math.min(Math.max(remotes.length, 1), 9)}`} aria-label={t('room.tiles')}>
          {/* Alone, you fill the stage; with others, your own view is small and floats (and can be hidden). */}
          {remotes.length === 0 && <Tile info={self} videoTrack={session.localStream.getVideoTracks()[0]} audioTrack={undefined} self speakerId={undefined} />}
          {remotes.map((r) => (
            <Tile key={r.info.id} info={r.info} videoTrack={r.videoTrack} audioTrack={r.audioTrack} self={false} speakerId={speakerId} />
          ))}
        </ul>
        {remotes.length > 0 && (
          <div className={selfHidden ? 'self-view hidden' : 'self-view'}>
            {!selfHidden && (
              <ul className="self-view-list" aria-label={t('room.selfView')}>
                <Tile info={self} videoTrack={session.localStream.getVideoTracks()[0]} audioTrack={undefined} self speakerId={undefined} />
              </ul>
            )}
            <button type="button" className="self-view-toggle" aria-pressed={selfHidden} onClick={() => setSelfHidden(!selfHidden)}>
              {selfHidden ? t('room.showSelf') : t('room.hideSelf')}
            </button>
          </div>
        )}
      </main>
      <Notices session={session} />
      <nav className="controls" aria-label={t('room.controls')}>
        <button
          type="button"
          className={session.audioOn ? 'control' : 'control off'}
          aria-pressed={!session.audioOn}
          aria-label={session.audioOn ? t('room.mic.mute') : t('room.mic.unmute')}
          disabled={session.localStream.getAudioTracks().length === 0}
          onClick={() => void session.setAudio(!session.audioOn)}
          data-testid="toggle-mic"
        >
          <Icon name={session.audioOn ? 'mic' : 'micOff'} />
        </button>
        <button
          type="button"
          className={session.videoOn ? 'control' : 'control off'}
          aria-pressed={!session.videoOn}
          aria-label={session.videoOn ? t('room.cam.off') : t('room.cam.on')}
          disabled={session.localStream.getVideoTracks().length === 0}
          onClick={() => void session.setVideo(!session.videoOn)}
          data-testid="toggle-camera"
        >
          <Icon name={session.videoOn ? 'cam' : 'camOff'} />
        </button>
        <button type="button" className="control leave" aria-label={t('room.leave')} onClick={leave} data-testid="leave">
          <Icon name="leave" />
          <span className="control-text">{t('room.leave')}</span>
        </button>
      </nav>
      {askLeave && (
        <div className="dialog-backdrop">
          <div className="dialog" role="dialog" aria-modal="true" aria-labelledby="leave-q">
            <p id="leave-q">{t('room.leaveQuestion')}</p>
            <div className="dialog-actions">
              <button type="button" className="danger" onClick={() => void session.endForAll()} data-testid="end-for-all" autoFocus>
                {t('room.endForAll')}
              </button>
              <button type="button" onClick={() => void session.leave()}>
                {t('room.leaveOnly')}
              </button>
              <button type="button" className="link-button" onClick={() => setAskLeave(false)}>
                {t('room.cancel')}
              </button>
            </div>
          </div>
        </div>
      )}
    </div>
  );
}
