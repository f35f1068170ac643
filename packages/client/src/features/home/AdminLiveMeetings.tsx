import { useEffect, useState } from 'react';
import { z } from 'zod';
import { LiveMeetingAdminView } from '@amphi/protocol';
import { api } from '../../ui/api.ts';
import { useI18n } from '../../ui/i18n.tsx';

const LiveMeetingsResponse = z.object({ meetings: z.array(LiveMeetingAdminView) });

/** The meetings going on now, who is in them, and ending one for everyone (after a confirmation). */
export function AdminLiveMeetings({ onStatus }: { onStatus: (message: string) => void }) {
  const { t } = useI18n();
  const [meetings, setMeetings] = useState<LiveMeetingAdminView[] | undefined>();
  const [confirming, setConfirming] = useState<string | undefined>();

  const load = () => api('GET', '/api/admin/meetings', LiveMeetingsResponse).then((r) => setMeetings(r.meetings), () => onStatus(t('admin.loadFailed')));
  useEffect(() => {
    void load();
    const timer = setInterval(() => void load(), 10_000);
    return () => clearInterval(timer);
  }, []);

  const end = async (m: LiveMeetingAdminView) => {
    setConfirming(undefined);
    try {
      await api('POST', `/api/admin/meetings/${encodeURIComponent(m.id)}/end`, z.unknown(), {});
      onStatus(t('admin.meetingEnded', { title: m.title }));
    } catch {
      onStatus(t('admin.changeFailed', { name: m.title }));
    }
    await load();
  };

  if (!meetings) return null;
  if (meetings.length === 0) return <p>{t('admin.noLiveMeetings')}</p>;
  return (
    <ul className="admin-meetings">
      {meetings.map((m) => (
        <li key={m.id} data-live-meeting={m.id}>
          <strong>{m.title}</strong> — {t('admin.liveCount', { count: m.participants.length })}
          {m.waiting > 0 && ` · ${t('admin.waitingCount', { count: m.waiting })}`}
          {m.recording && ` · ${t('admin.recordingNow')}`}
          <div className="muted">{m.participants.map((p) => (p.role === 'participant' ? p.name : `${p.name} (${t(p.role === 'host' ? 'admin.role.host' : 'admin.role.cohost')})`)).join(', ')}</div>
          {confirming === m.id ? (
            <span role="group" aria-label={t('admin.confirmEnd', { title: m.title })}>
              {t('admin.confirmEnd', { title: m.title })}{' '}
              <button type="button" className="danger" onClick={() => void end(m)}>
                {t('admin.endForEveryone')}
              </button>{' '}
              <button type="button" onClick={() => setConfirming(undefined)}>
                {t('admin.cancel')}
              </button>
            </span>
          ) : (
            <button type="button" onClick={() => setConfirming(m.id)}>
              {t('admin.endMeeting')}
            </button>
          )}
        </li>
      ))}
    </ul>
  );
}
