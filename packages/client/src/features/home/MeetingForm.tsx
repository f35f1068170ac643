import { useState, type FormEvent } from 'react';
import type { MeetingView } from '@amphi/protocol';
import { ApiError } from '../../ui/api.ts';
import { useI18n } from '../../ui/i18n.tsx';

export interface MeetingFormValues {
  title: string;
  description: string;
  schedule: MeetingView['schedule'];
  settings: Pick<MeetingView['settings'], 'waitingRoom' | 'waitingRoomEveryone' | 'cohosts' | 'muteOnEntry' | 'allowUnmute' | 'allowShare' | 'allowChat' | 'passcode' | 'redirectUrl'>;
}

const browserZone = () => Intl.DateTimeFormat().resolvedOptions().timeZone || 'UTC';
const ZONES: string[] = (() => {
  const supported = (Intl as unknown as { supportedValuesOf?: (k: string) => string[] }).supportedValuesOf;
  const list = supported ? supported('timeZone') : [];
  return list.includes(browserZone()) ? list : [browserZone(), ...list];
})();

function inOneHour(): { date: string; time: string } {
  const d = new Date(Date.now() + 3_600_000);
  d.setMinutes(0, 0, 0);
  const pad = (n: number) => String(n).padStart(2, '0');
  return { date: `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}`, time: `${pad(d.getHours())}:00` };
}

/** Create or edit a meeting: title, description, date and time zone, duration, recurrence, and options. */
export function MeetingForm({ initial, onSubmit, onCancel, submitLabel }: { initial?: MeetingView; onSubmit: (v: MeetingFormValues) => Promise<void>; onCancel?: () => void; submitLabel: string }) {
  const { t } = useI18n();
  const start = initial?.schedule ? { date: initial.schedule.startsAt.slice(0, 10), time: initial.schedule.startsAt.slice(11) } : inOneHour();
  const [title, setTitle] = useState(initial?.title ?? '');
  const [description, setDescription] = useState(initial?.description ?? '');
  const [scheduled, setScheduled] = useState(initial ? initial.schedule !== null : true);
  const [date, setDate] = useState(start.date);
  const [time, setTime] = useState(start.time);
  const [timeZone, setTimeZone] = useState(initial?.schedule?.timeZone ?? browserZone());
  const [duration, setDuration] = useState(initial?.schedule?.durationMinutes ?? 60);
  const [freq, setFreq] = useState<'none' | 'daily' | 'weekly'>(initial?.schedule?.recurrence?.freq ?? 'none');
  const [until, setUntil] = useState(initial?.schedule?.recurrence?.until ?? '');
  const [passcode, setPasscode] = useState(initial?.settings.passcode ?? '');
  const [waitingRoom, setWaitingRoom] = useState(initial?.settings.waitingRoom ?? true);
  const [waitingRoomEveryone, setWaitingRoomEveryone] = useState(initial?.settings.waitingRoomEveryone ?? false);
  const [cohosts, setCohosts] = useState((initial?.settings.cohosts ?? []).join('\n'));
  const [muteOnEntry, setMuteOnEntry] = useState(initial?.settings.muteOnEntry ?? false);
  const [allowUnmute, setAllowUnmute] = useState(initial?.settings.allowUnmute ?? true);
  const [allowShare, setAllowShare] = useState(initial?.settings.allowShare ?? true);
  const [allowChat, setAllowChat] = useState(initial?.settings.allowChat ?? true);
  const [redirectUrl, setRedirectUrl] = useState(initial?.settings.redirectUrl ?? '');
  const [error, setError] = useState<string | undefined>();
  const [busy, setBusy] = useState(false);

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setBusy(true);
    setError(undefined);
    try {
      await onSubmit({
        title,
        description,
        schedule: scheduled
          ? { startsAt: `${date}T${time}`, timeZone, durationMinutes: duration, recurrence: freq === 'none' ? null : { freq, until: until || date } }
          : null,
        settings: {
          waitingRoom,
          waitingRoomEveryone: waitingRoom && waitingRoomEveryone,
          cohosts: cohosts.split(/[\s,;]+/).map((e) => e.trim()).filter(Boolean),
          muteOnEntry,
          allowUnmute,
          allowShare,
          allowChat,
          passcode: passcode.trim() || null,
          redirectUrl: redirectUrl.trim() || null,
        },
      });
    } catch (err) {
      setError(err instanceof ApiError && err.code === 'http.invalid_body' ? t('form.invalid', { detail: err.message }) : t(`error.${err instanceof ApiError ? err.code : 'generic'}`));
    } finally {
      setBusy(false);
    }
  };

  return (
    <form className="meeting-form" onSubmit={submit}>
      <label>
        {t('home.meetingTitle')}
        <input name="title" required maxLength={120} value={title} onChange={(e) => setTitle(e.target.value)} />
      </label>
      <label>
        {t('form.description')}
        <textarea name="description" maxLength={4000} rows={2} value={description} onChange={(e) => setDescription(e.target.value)} />
      </label>
      <label className="toggle">
        <input type="checkbox" checked={scheduled} onChange={(e) => setScheduled(e.target.checked)} />
        {t('form.scheduled')}
      </label>
      {scheduled && (
        <fieldset className="form-grid">
          <legend className="sr-only">{t('form.when')}</legend>
          <label>
            {t('form.date')}
            <input type="date" name="date" required value={date} onChange={(e) => setDate(e.target.value)} />
          </label>
          <label>
            {t('form.time')}
            <input type="time" name="time" required value={time} onChange={(e) => setTime(e.target.value)} />
          </label>
          <label>
            {t('form.timeZone')}
            <select name="timeZone" value={timeZone} onChange={(e) => setTimeZone(e.target.value)}>
              {ZONES.map((z) => (
                <option key={z} value={z}>
                  {z}
                </option>
              ))}
            </select>
          </label>
          <label>
            {t('form.duration')}
            <input type="number" name="duration" min={5} max={1440} step={5} required value={duration} onChange={(e) => setDuration(Number(e.target.value))} />
          </label>
          <label>
            {t('form.repeat')}
            <select name="repeat" value={freq} onChange={(e) => setFreq(e.target.value as typeof freq)}>
              <option value="none">{t('form.once')}</option>
              <option value="daily">{t('form.daily')}</option>
              <option value="weekly">{t('form.weekly')}</option>
            </select>
          </label>
          {freq !== 'none' && (
            <label>
              {t('form.until')}
              <input type="date" name="until" required min={date} value={until} onChange={(e) => setUntil(e.target.value)} />
            </label>
          )}
        </fieldset>
      )}
      <details className="options">
        <summary>{t('form.options')}</summary>
        <label className="toggle">
          <input type="checkbox" name="waitingRoom" checked={waitingRoom} onChange={(e) => setWaitingRoom(e.target.checked)} />
          {t('form.waitingRoom')}
        </label>
        <label className="toggle">
          <input type="checkbox" name="waitingRoomEveryone" disabled={!waitingRoom} checked={waitingRoom && waitingRoomEveryone} onChange={(e) => setWaitingRoomEveryone(e.target.checked)} />
          {t('form.waitingRoomEveryone')}
        </label>
        <label>
          {t('form.cohosts')}
          <textarea name="cohosts" rows={2} maxLength={20 * 255} value={cohosts} onChange={(e) => setCohosts(e.target.value)} />
        </label>
        <label className="toggle">
          <input type="checkbox" name="muteOnEntry" checked={muteOnEntry} onChange={(e) => setMuteOnEntry(e.target.checked)} />
          {t('form.muteOnEntry')}
        </label>
        <label className="toggle">
          <input type="checkbox" name="allowUnmute" checked={allowUnmute} onChange={(e) => setAllowUnmute(e.target.checked)} />
          {t('form.allowUnmute')}
        </label>
        <label className="toggle">
          <input type="checkbox" name="allowShare" checked={allowShare} onChange={(e) => setAllowShare(e.target.checked)} />
          {t('form.allowShare')}
        </label>
        <label className="toggle">
          <input type="checkbox" name="allowChat" checked={allowChat} onChange={(e) => setAllowChat(e.target.checked)} />
          {t('form.allowChat')}
        </label>
        <label>
          {t('form.passcode')}
          <input name="passcode" pattern="[A-Za-z0-9]{4,32}" maxLength={32} value={passcode} onChange={(e) => setPasscode(e.target.value)} />
        </label>
        <label>
          {t('form.redirectUrl')}
          <input type="url" name="redirectUrl" placeholder="https://" value={redirectUrl} onChange={(e) => setRedirectUrl(e.target.value)} />
        </label>
      </details>
      {error && (
        <p className="error" role="alert">
          {error}
        </p>
      )}
      <div className="dialog-actions">
        <button type="submit" className="primary" disabled={busy}>
          {submitLabel}
        </button>
        {onCancel && (
          <button type="button" onClick={onCancel}>
            {t('room.cancel')}
          </button>
        )}
      </div>
    </form>
  );
}
