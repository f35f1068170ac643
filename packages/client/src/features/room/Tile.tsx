import { useEffect, useRef } from 'react';
import type { ParticipantInfo } from '@amphi/protocol';
import { Icon } from '../../ui/Icon.tsx';
import { useI18n } from '../../ui/i18n.tsx';

function initials(name: string): string {
  return name
    .split(/\s+/)
    .filter(Boolean)
    .slice(0, 2)
    .map((w) => w[0]!.toUpperCase())
    .join('');
}

/**
 * One person on the stage: their video, or their initials when the camera is off (never a
 * black rectangle), their name, and a muted badge. (Audio plays elsewhere: see RemoteAudio.)
 */
export function Tile({
  info,
  videoTrack,
  self,
  reaction,
  spotlight,
  speaking = false,
  onSize,
}: {
  info: ParticipantInfo;
  videoTrack: MediaStreamTrack | undefined;
  self: boolean;
  reaction: string | undefined;
  spotlight: boolean;
  speaking?: boolean;
  /** Called with the tile's height in device pixels, now and whenever it changes. */
  onSize?: (participantId: string, height: number) => void;
}) {
  const { t } = useI18n();
  const videoRef = useRef<HTMLVideoElement>(null);
  const tileRef = useRef<HTMLLIElement>(null);

  useEffect(() => {
    const el = tileRef.current;
    if (!el || !onSize || typeof ResizeObserver === 'undefined') return;
    // Rounded to tens of pixels: a window being dragged does not flood the server.
    const report = () => onSize(info.id, Math.round((el.getBoundingClientRect().height * (window.devicePixelRatio || 1)) / 10) * 10);
    report();
    const observer = new ResizeObserver(report);
    observer.observe(el);
    return () => observer.disconnect();
  }, [info.id, onSize]);
  const showVideo = Boolean(videoTrack) && info.video;

  useEffect(() => {
    const el = videoRef.current;
    if (!el) return;
    el.srcObject = videoTrack ? new MediaStream([videoTrack]) : null;
  }, [videoTrack, showVideo]);


  const label = self ? t('room.you', { name: info.name }) : info.name;
  return (
    <li ref={tileRef} className={`tile${spotlight ? ' spotlight' : ''}${speaking ? ' speaking' : ''}${info.reconnecting ? ' reconnecting' : ''}`} data-speaking={speaking || undefined} data-reconnecting={info.reconnecting || undefined} data-participant-id={info.id} data-self={self || undefined} data-muted={!info.audio || undefined} aria-label={label}>
      {showVideo ? (
        <video ref={videoRef} className={self ? 'mirror' : undefined} autoPlay playsInline muted />
      ) : (
        <div className="avatar" aria-hidden="true">
          {initials(info.name)}
        </div>
      )}
      {info.hand !== null && (
        <span className="tile-hand" role="img" aria-label={t('people.handRaised')}>
          <Icon name="hand" />
        </span>
      )}
      {reaction && (
        <span className="tile-reaction" aria-hidden="true">
          {reaction}
        </span>
      )}
      <div className="tile-label">
        {!info.audio && (
          <span className="badge-muted" data-testid="muted-badge" title={t('room.muted')}>
            <Icon name="micOff" />
            <span className="sr-only">{t('room.muted')}</span>
          </span>
        )}
        <span className="tile-name">{label}</span>
        {info.reconnecting && <span className="badge badge-reconnecting">{t('room.reconnectingBadge')}</span>}
        {info.role === 'host' && <span className="badge">{t('room.host')}</span>}
        {info.role === 'cohost' && <span className="badge">{t('room.cohost')}</span>}
      </div>
    </li>
  );
}
