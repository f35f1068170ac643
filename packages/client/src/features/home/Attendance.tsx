import { useEffect, useState } from 'react';
import { z } from 'zod';
import { AttendeeView, SessionView } from '@amphi/protocol';
import { api } from '../../ui/api.ts';
import { useI18n } from '../../ui/i18n.tsx';

const SessionsResponse = z.object({ sessions: z.array(SessionView) });
const ReportResponse = z.object({ session: SessionView, people: z.array(AttendeeView) });

/** The attendance report of a meeting: its sessions, and who was there, with a CSV export. */
export function Attendance({ meetingId }: { meetingId: string }) {
  const { t, lang } = useI18n();
  const [sessions, setSessions] = useState<SessionView[] | undefined>();
  const [open, setOpen] = useState<string | undefined>();
  const [people, setPeople] = useState<AttendeeView[]>([]);
  const fmt = new Intl.DateTimeFormat(lang, { dateStyle: 'medium', timeStyle: 'short' });
  const time = new Intl.DateTimeFormat(lang, { timeStyle: 'short' });

  useEffect(() => {
    api('GET', `/api/meetings/${meetingId}/sessions`, SessionsResponse).then((r) => setSessions(r.sessions), () => setSessions([]));
  }, [meetingId]);
  useEffect(() => {
    if (!open) return;
    api('GET', `/api/meetings/${meetingId}/sessions/${open}/attendance`, ReportResponse).then((r) => setPeople(r.people), () => setPeople([]));
  }, [meetingId, open]);

  if (!sessions) return null;
  if (sessions.length === 0) return <p className="muted">{t('attendance.none')}</p>;
  return (
    <div className="attendance" data-testid="attendance">
      <ul className="session-list">
        {sessions.map((s) => (
          <li key={s.id}>
            <button type="button" className="link-button" aria-expanded={open === s.id} onClick={() => setOpen(open === s.id ? undefined : s.id)}>
              {fmt.format(new Date(s.startedAt))} · {t('attendance.people', { count: s.people })}
            </button>{' '}
            <a href={`/api/meetings/${meetingId}/sessions/${s.id}/attendance?format=csv`} download>
              {t('attendance.csv')}
            </a>
          </li>
        ))}
      </ul>
      {open && (
        <table className="attendance-table">
          <caption className="sr-only">{t('attendance.title')}</caption>
          <thead>
            <tr>
              <th scope="col">{t('attendance.name')}</th>
              <th scope="col">{t('attendance.role')}</th>
              <th scope="col">{t('attendance.joined')}</th>
              <th scope="col">{t('attendance.left')}</th>
              <th scope="col">{t('attendance.minutes')}</th>
            </tr>
          </thead>
          <tbody>
            {people.map((p) => (
              <tr key={`${p.signedIn}:${p.name}`}>
                <td>{p.name}</td>
                <td>{t(p.role === 'host' ? 'room.host' : p.role === 'cohost' ? 'room.cohost' : 'attendance.participant')}</td>
                <td>{time.format(new Date(p.firstJoinedAt))}</td>
                <td>{p.lastLeftAt ? time.format(new Date(p.lastLeftAt)) : '—'}</td>
                <td>{p.totalMinutes}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </div>
  );
}
