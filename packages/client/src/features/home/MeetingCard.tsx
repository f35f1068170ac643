import { useState, type FormEvent } from 'react';
import { z } from 'zod';
import { MeetingView } from '@amphi/protocol';
import { api, ApiError } from '../../ui/api.ts';
import { useI18n } from '../../ui/i18n.tsx';
import { Attendance } from './Attendance.tsx';
import { BreakoutPlanEditor } from './BreakoutPlanEditor.tsx';
import { PreparedPolls } from './PreparedPolls.tsx';
import { MeetingForm, type MeetingFormValues } from './MeetingForm.tsx';

const InvitationResponse = z.object({ text: z.string() });
const SentResponse = z.object({ sent: z.number() });

/** One of the organiser's meetings: when, the link, and what to do with it. */
export function MeetingCard({ meeting, onChanged, onDeleted }: { meeting: MeetingView; onChanged: (m: MeetingView) => void; onDeleted: () => void }) {
  const { t, lang } = useI18n();
  const [mode, setMode] = useState<'view' | 'edit' | 'invite' | 'attendance' | 'polls' | 'breakouts'>('view');
  const [status, setStatus] = useState<string | undefined>();
  const [emails, setEmails] = useState('');

  const copy = async (text: string, done: string) => {
    await navigator.clipboard?.writeText(text).catch(() => {});
    setStatus(done);
  };
  const copyInvitation = async () => {
    const r = await api('GET', `/api/meetings/${meeting.id}/invitation?lang=${lang}`, InvitationResponse);
    await copy(r.text, t('home.invitationCopied'));
  };
  const invite = async (e: FormEvent) => {
    e.preventDefault();
    const list = emails.split(/[\s,;]+/).filter(Boolean);
    try {
      const r = await api('POST', `/api/meetings/${meeting.id}/invitations`, SentResponse, { emails: list, language: lang });
      setStatus(t('home.invitationsSent', { count: r.sent }));
      setEmails('');
      setMode('view');
    } catch (err) {
      setStatus(err instanceof ApiError && err.code === 'http.invalid_body' ? t('home.badEmails') : t(`error.${err instanceof ApiError ? err.code : 'generic'}`));
    }
  };
  const remove = async () => {
    if (!window.confirm(t('home.confirmDelete', { title: meeting.title }))) return;
    await api('DELETE', `/api/meetings/${meeting.id}`, z.unknown());
    onDeleted();
  };
  const save = async (v: MeetingFormValues) => {
    const r = await api('PATCH', `/api/meetings/${meeting.id}`, z.object({ meeting: MeetingView }), v);
    onChanged(r.meeting);
    setMode('view');
  };

  const when = meeting.schedule ? describeSchedule(meeting, lang, t) : t('home.noDate');
  return (
    <li className="meeting-card" data-meeting-id={meeting.id}>
      <div className="meeting-card-head">
        <a href={`/m/${meeting.id}`} className="meeting-title">
          {meeting.title}
        </a>
        {meeting.live && <span className="badge">{t('home.live', { count: meeting.participantCount })}</span>}
      </div>
      <p className="muted">{when}</p>
      <p>
        <code>{meeting.link}</code>
      </p>
      <div className="card-actions">
        <button type="button" className="small" onClick={() => copy(meeting.link, t('home.copied'))}>
          {t('home.copyLink')}
        </button>
        <button type="button" className="small" onClick={copyInvitation}>
          {t('home.copyInvitation')}
        </button>
        {meeting.schedule && (
          <a className="button small" href={`/api/meetings/${meeting.id}/invitation.ics?lang=${lang}`} download={`${meeting.id}.ics`}>
            {t('home.downloadIcs')}
          </a>
        )}
        <button type="button" className="small" aria-expanded={mode === 'invite'} onClick={() => setMode(mode === 'invite' ? 'view' : 'invite')}>
          {t('home.inviteByEmail')}
        </button>
        <button type="button" className="small" aria-expanded={mode === 'polls'} onClick={() => setMode(mode === 'polls' ? 'view' : 'polls')}>
          {t('home.polls')}
        </button>
        <button type="button" className="small" aria-expanded={mode === 'breakouts'} onClick={() => setMode(mode === 'breakouts' ? 'view' : 'breakouts')}>
          {t('breakouts.button')}
        </button>
        <button type="button" className="small" aria-expanded={mode === 'attendance'} onClick={() => setMode(mode === 'attendance' ? 'view' : 'attendance')}>
          {t('home.attendance')}
        </button>
        {!meeting.personal && (
          <>
            <button type="button" className="small" aria-expanded={mode === 'edit'} onClick={() => setMode(mode === 'edit' ? 'view' : 'edit')}>
              {t('home.edit')}
            </button>
            <button type="button" className="small danger" onClick={remove}>
              {t('home.delete')}
            </button>
          </>
        )}
      </div>
      {status && (
        <p role="status" className="muted">
          {status}
        </p>
      )}
      {mode === 'invite' && (
        <form className="invite-form" onSubmit={invite}>
          <label>
            {t('home.emails')}
            <textarea name="emails" rows={2} required value={emails} onChange={(e) => setEmails(e.target.value)} placeholder="ada@univ.example, bob@example.org" />
          </label>
          <button type="submit" className="small primary">
            {t('home.sendInvitations')}
          </button>
        </form>
      )}
      {mode === 'attendance' && <Attendance meetingId={meeting.id} />}
      {mode === 'polls' && <PreparedPolls meetingId={meeting.id} />}
      {mode === 'breakouts' && <BreakoutPlanEditor meetingId={meeting.id} />}
      {mode === 'edit' && <MeetingForm initial={meeting} onSubmit={save} onCancel={() => setMode('view')} submitLabel={t('home.save')} />}
    </li>
  );
}

export function describeSchedule(meeting: MeetingView, lang: string, t: (k: string, v?: Record<string, string | number>) => string): string {
  const s = meeting.schedule!;
  const at = meeting.nextStart ?? null;
  const fmt = new Intl.DateTimeFormat(lang, { dateStyle: 'full', timeStyle: 'short' });
  let text = at ? fmt.format(new Date(at)) : t('home.over');
  text += ` · ${s.durationMinutes} min`;
  if (s.recurrence) text += ` · ${t(s.recurrence.freq === 'daily' ? 'home.everyDayUntil' : 'home.everyWeekUntil', { until: new Intl.DateTimeFormat(lang, { dateStyle: 'medium', timeZone: 'UTC' }).format(new Date(`${s.recurrence.until}T12:00:00Z`)) })}`;
  return text;
}
