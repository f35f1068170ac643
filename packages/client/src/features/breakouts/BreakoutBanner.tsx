import { useEffect, useState } from 'react';
import type { MeetingSession } from '../../core/MeetingSession.ts';
import { useI18n } from '../../ui/i18n.tsx';
import { formatSeconds, useSecondsLeft } from './Countdown.tsx';

/**
 * Under the meeting's title: which breakout room you are in, the time left, help and leave;
 * the rooms closing; and a host's message to every room.
 */
export function BreakoutBanner({ session }: { session: MeetingSession }) {
  const { t } = useI18n();
  const [message, setMessage] = useState<{ from: string; text: string } | undefined>();
  /** Hosts: who asked for help, in which room (until a host goes there or the rooms close). */
  const [help, setHelp] = useState<{ participantId: string; roomId: string }[]>([]);
  useEffect(() => {
    const offs = [
      session.on('breakoutMessage', (from, text) => {
        setMessage({ from, text });
        setTimeout(() => setMessage((m) => (m?.text === text ? undefined : m)), 20_000);
      }),
      session.on('breakoutHelp', (participantId, roomId) => setHelp((h) => [...h.filter((x) => x.participantId !== participantId), { participantId, roomId }])),
    ];
    return () => offs.forEach((off) => off());
  }, [session]);
  const state = session.breakouts;
  const endsIn = useSecondsLeft(state.status === 'open' ? state.endsAt : null);
  const closingIn = useSecondsLeft(state.status === 'closing' ? state.closingAt : null);
  const room = session.room;
  const mine = session.self ? state.assignments[session.self.id] : undefined;
  const waitingForHelp = state.status === 'open' ? help.filter((h) => h.roomId !== room) : [];
  if (room === null && state.status === 'idle' && !message) return null;
  return (
    <div className="breakout-banner" data-testid="breakout-banner">
      {room !== null && (
        <p>
          <strong data-testid="breakout-room-name">{t('room.breakout.in', { name: session.roomName(room) ?? '' })}</strong>
          {endsIn !== null && <span> · {t('room.breakout.endsIn', { time: formatSeconds(endsIn) })}</span>}
        </p>
      )}
      {state.status === 'closing' && closingIn !== null && (
        <p role="alert" data-testid="breakout-closing">
          {t('room.breakout.closing', { seconds: closingIn })}
        </p>
      )}
      {room === null && state.status === 'open' && mine && (
        <button type="button" className="small primary" onClick={() => void session.enterRoom(mine)}>
          {t('room.breakout.joinMine', { name: session.roomName(mine) ?? '' })}
        </button>
      )}
      {room !== null && (
        <span className="breakout-actions">
          {!session.isModerator && (
            <button type="button" className="small" onClick={() => void session.askForHelp()} data-testid="breakout-help">
              {t('room.breakout.askHelp')}
            </button>
          )}
          <button type="button" className="small" onClick={() => void session.enterRoom(null)}>
            {t('room.breakout.leave')}
          </button>
        </span>
      )}
      {waitingForHelp.map((h) => (
        <p key={h.participantId} role="alert" data-testid="breakout-help-request">
          {t('notice.breakoutHelp', { name: session.nameOf(h.participantId), room: session.roomName(h.roomId) ?? '' })}{' '}
          <button
            type="button"
            className="small primary"
            onClick={() => {
              setHelp((all) => all.filter((x) => x.roomId !== h.roomId));
              void session.enterRoom(h.roomId);
            }}
          >
            {t('room.breakout.goHelp')}
          </button>
        </p>
      ))}
      {message && (
        <p role="alert" className="breakout-message" data-testid="breakout-message">
          {t('room.breakout.message', { name: message.from, text: message.text })}
        </p>
      )}
    </div>
  );
}
