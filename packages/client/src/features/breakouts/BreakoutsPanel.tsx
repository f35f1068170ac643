import { useState } from 'react';
import type { MeetingSession } from '../../core/MeetingSession.ts';
import { useI18n } from '../../ui/i18n.tsx';
import { formatSeconds, useSecondsLeft } from './Countdown.tsx';

/**
 * Breakout rooms. Hosts: name the rooms, assign people (by hand or shuffled), open them with an
 * optional timer, visit them, message them all, close them. Participants: go to their room (or
 * pick one when allowed), come back.
 */
export function BreakoutsPanel({ session }: { session: MeetingSession }) {
  const { t } = useI18n();
  const state = session.breakouts;
  const moderator = session.isModerator;
  const [roomsText, setRoomsText] = useState(() => state.rooms.map((r) => r.name).join('\n'));
  const [minutes, setMinutes] = useState('10');
  const [allowChoose, setAllowChoose] = useState(false);
  const [broadcast, setBroadcast] = useState('');
  const endsIn = useSecondsLeft(state.status === 'open' ? state.endsAt : null);
  const people = session.everyone();
  const here = (roomId: string | null) => people.filter((p) => p.room === roomId);

  return (
    <section className="panel" aria-labelledby="breakouts-title" data-testid="breakouts-panel">
      <header className="panel-header">
        <h2 id="breakouts-title">{t('room.breakout.title')}</h2>
      </header>
      <p className="muted" aria-live="polite">
        {state.status === 'idle' ? t('room.breakout.idle') : state.status === 'open' ? t('room.breakout.open') : t('room.breakout.closingShort')}
        {endsIn !== null && ` · ${t('room.breakout.endsIn', { time: formatSeconds(endsIn) })}`}
      </p>

      {moderator && state.status === 'idle' && (
        <form
          className="breakout-form"
          onSubmit={(e) => {
            e.preventDefault();
            const names = roomsText.split('\n').map((n) => n.trim()).filter(Boolean);
            void session.setBreakoutRooms(names);
          }}
        >
          <label>
            {t('room.breakout.roomsLabel')}
            <textarea rows={4} value={roomsText} onChange={(e) => setRoomsText(e.target.value)} />
          </label>
          <button type="submit">{t('room.breakout.saveRooms')}</button>
        </form>
      )}

      {moderator && state.rooms.length > 0 && (
        <>
          <table className="breakout-assign">
            <caption>{t('room.breakout.assignments')}</caption>
            <thead>
              <tr>
                <th scope="col">{t('room.breakout.person')}</th>
                <th scope="col">{t('room.breakout.room')}</th>
              </tr>
            </thead>
            <tbody>
              {people
                .filter((p) => p.role === 'participant')
                .map((p) => (
                  <tr key={p.id}>
                    <td>{p.name}</td>
                    <td>
                      <select aria-label={t('room.breakout.roomOf', { name: p.name })} value={state.assignments[p.id] ?? ''} onChange={(e) => void session.assignBreakout(p.id, e.target.value || null)}>
                        <option value="">{t('room.breakout.unassigned')}</option>
                        {state.rooms.map((r) => (
                          <option key={r.id} value={r.id}>
                            {r.name}
                          </option>
                        ))}
                      </select>
                      {state.assignments[p.id] === undefined && state.suggestions[p.id] !== undefined && (
                        <button type="button" className="secondary" data-testid="confirm-suggestion" onClick={() => void session.assignBreakout(p.id, state.suggestions[p.id]!)}>
                          {t('room.breakout.confirmSuggestion', { room: state.rooms.find((r) => r.id === state.suggestions[p.id])?.name ?? '' })}
                        </button>
                      )}
                    </td>
                  </tr>
                ))}
            </tbody>
          </table>
          <button type="button" onClick={() => void session.shuffleBreakouts()}>
            {t('room.breakout.shuffle')}
          </button>
        </>
      )}

      {moderator && state.status === 'idle' && state.rooms.length > 0 && (
        <div className="breakout-open">
          <label>
            {t('room.breakout.minutes')}
            <input type="number" min={0} max={1440} value={minutes} onChange={(e) => setMinutes(e.target.value)} />
          </label>
          <label className="checkbox">
            <input type="checkbox" checked={allowChoose} onChange={(e) => setAllowChoose(e.target.checked)} />
            {t('room.breakout.allowChoose')}
          </label>
          <button type="button" className="primary" onClick={() => void session.openBreakouts(Number(minutes) > 0 ? Math.round(Number(minutes) * 60) : null, allowChoose)} data-testid="open-breakouts">
            {t('room.breakout.openRooms')}
          </button>
        </div>
      )}

      {state.status !== 'idle' && (
        <ul className="breakout-rooms">
          {state.rooms.map((r) => {
            const mine = session.self ? state.assignments[session.self.id] === r.id : false;
            const mayEnter = moderator || mine || state.allowChoose;
            return (
              <li key={r.id} className="breakout-room-card">
                <strong>{r.name}</strong>
                <span className="muted"> · {here(r.id).map((p) => p.name).join(', ') || t('room.breakout.empty')}</span>
                {state.status === 'open' && mayEnter && session.room !== r.id && (
                  <button type="button" className="small" onClick={() => void session.enterRoom(r.id)}>
                    {moderator && !mine ? t('room.breakout.visit') : t('room.breakout.join')}
                  </button>
                )}
              </li>
            );
          })}
        </ul>
      )}

      {moderator && state.status === 'open' && (
        <>
          <form
            className="breakout-form"
            onSubmit={(e) => {
              e.preventDefault();
              if (broadcast.trim()) void session.messageAllRooms(broadcast.trim()).then((ok) => ok && setBroadcast(''));
            }}
          >
            <label>
              {t('room.breakout.broadcast')}
              <textarea rows={2} value={broadcast} maxLength={500} onChange={(e) => setBroadcast(e.target.value)} />
            </label>
            <button type="submit">{t('room.breakout.send')}</button>
          </form>
          <button type="button" className="danger" onClick={() => void session.closeBreakouts()} data-testid="close-breakouts">
            {t('room.breakout.closeRooms')}
          </button>
        </>
      )}
    </section>
  );
}
