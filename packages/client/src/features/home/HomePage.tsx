import { useEffect, useState, type FormEvent } from 'react';
import { Brand } from '../../ui/branding.tsx';
import { z } from 'zod';
import { MeetingView, UserView } from '@amphi/protocol';
import { api, ApiError } from '../../ui/api.ts';
import { MeetingCard } from './MeetingCard.tsx';
import { RecordingsSection } from './RecordingsSection.tsx';
import { AdminConsole } from './AdminConsole.tsx';
import { SsoSignIn } from './SsoSignIn.tsx';
import { MeetingForm, type MeetingFormValues } from './MeetingForm.tsx';
import { LanguageSwitch, useI18n } from '../../ui/i18n.tsx';

const MeResponse = z.object({ user: UserView });
const MeetingsResponse = z.object({ meetings: z.array(MeetingView) });
const MeetingResponse = z.object({ meeting: MeetingView });

/** The organiser's home: sign in, create a meeting and share its link, see one's meetings, join by link. */
export function HomePage() {
  const { t } = useI18n();
  const [user, setUser] = useState<UserView | null | undefined>(undefined);

  useEffect(() => {
    api('GET', '/api/me', MeResponse).then(
      (r) => setUser(r.user),
      () => setUser(null),
    );
  }, []);

  return (
    <div className="page">
      <header className="topbar">
        <Brand />
        <div className="topbar-actions">
          {user && <span className="muted">{t('home.signedInAs', { name: user.name })}</span>}
          {user && (
            <button type="button" className="link-button" onClick={() => api('POST', '/api/auth/logout', z.unknown(), {}).finally(() => setUser(null))}>
              {t('home.signOut')}
            </button>
          )}
          <LanguageSwitch />
        </div>
      </header>
      <main className="home" id="main">
        <h1>{t('home.title')}</h1>
        {user === null && <SsoSignIn />}
        {user === null && <SignInForm onSignedIn={setUser} />}
        {user && (user.licensed ? <Organiser /> : <p className="card" role="note" data-testid="no-licence">{t('home.noLicence')}</p>)}
        {user && <RecordingsSection user={user} />}
        {user?.isAdmin && <AdminConsole self={user} />}
        <JoinByLink />
      </main>
    </div>
  );
}

function SignInForm({ onSignedIn }: { onSignedIn: (u: UserView) => void }) {
  const { t } = useI18n();
  const [email, setEmail] = useState('');
  const [password, setPassword] = useState('');
  const [error, setError] = useState<string | undefined>();
  const [busy, setBusy] = useState(false);

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setBusy(true);
    setError(undefined);
    try {
      const r = await api('POST', '/api/auth/login', MeResponse, { email, password });
      onSignedIn(r.user);
    } catch (err) {
      setError(err instanceof ApiError && err.code === 'http.rate_limited' ? t('signin.rateLimited') : t('signin.failed'));
    } finally {
      setBusy(false);
    }
  };

  return (
    <form className="card" onSubmit={submit} aria-labelledby="signin-title">
      <h2 id="signin-title">{t('home.signIn')}</h2>
      <label>
        {t('signin.email')}
        <input type="email" name="email" autoComplete="username" required value={email} onChange={(e) => setEmail(e.target.value)} />
      </label>
      <label>
        {t('signin.password')}
        <input type="password" name="password" autoComplete="current-password" required value={password} onChange={(e) => setPassword(e.target.value)} />
      </label>
      {error && (
        <p className="error" role="alert">
          {error}
        </p>
      )}
      <button type="submit" className="primary" disabled={busy}>
        {t('signin.submit')}
      </button>
    </form>
  );
}

function Organiser() {
  const { t } = useI18n();
  const [meetings, setMeetings] = useState<MeetingView[]>([]);
  const [personal, setPersonal] = useState<MeetingView | undefined>();
  const [scheduling, setScheduling] = useState(false);
  const [created, setCreated] = useState<MeetingView | undefined>();

  const load = () => api('GET', '/api/meetings', MeetingsResponse).then((r) => setMeetings(r.meetings), () => {});
  useEffect(() => {
    void load();
    api('GET', '/api/me/personal-room', MeetingResponse).then((r) => setPersonal(r.meeting), () => {});
  }, []);

  const meetNow = async () => {
    const r = await api('POST', '/api/meetings', MeetingResponse, { title: t('home.instantTitle'), schedule: null });
    window.location.assign(`/m/${r.meeting.id}`);
  };
  const schedule = async (v: MeetingFormValues) => {
    const r = await api('POST', '/api/meetings', MeetingResponse, v);
    setCreated(r.meeting);
    setScheduling(false);
    void load();
  };

  const others = meetings.filter((m) => !m.personal);
  const upcoming = others.filter((m) => !m.schedule || m.nextStart !== null).sort((a, b) => (a.nextStart ?? '9') < (b.nextStart ?? '9') ? -1 : 1);
  const past = others.filter((m) => m.schedule && m.nextStart === null);
  const replace = (m: MeetingView) => setMeetings((list) => list.map((x) => (x.id === m.id ? m : x)));
  const drop = (id: string) => setMeetings((list) => list.filter((x) => x.id !== id));

  return (
    <>
      <section className="card" aria-labelledby="start-title">
        <h2 id="start-title">{t('home.start')}</h2>
        <div className="dialog-actions">
          <button type="button" className="primary" onClick={meetNow}>
            {t('home.meetNow')}
          </button>
          <button type="button" aria-expanded={scheduling} onClick={() => setScheduling(!scheduling)}>
            {t('home.schedule')}
          </button>
        </div>
        {scheduling && <MeetingForm onSubmit={schedule} onCancel={() => setScheduling(false)} submitLabel={t('home.create')} />}
        {created && (
          <div className="created" role="status">
            <p>{t('home.created')}</p>
            <p>
              <a href={created.link} data-testid="meeting-link">
                {created.link}
              </a>
            </p>
          </div>
        )}
      </section>
      {personal && (
        <section className="card" aria-labelledby="personal-title">
          <h2 id="personal-title">{t('home.personalRoom')}</h2>
          <ul className="meeting-list">
            <MeetingCard meeting={personal} onChanged={setPersonal} onDeleted={() => {}} />
          </ul>
        </section>
      )}
      <section className="card" aria-labelledby="upcoming-title">
        <h2 id="upcoming-title">{t('home.upcoming')}</h2>
        {upcoming.length === 0 ? (
          <p className="muted">{t('home.noMeetings')}</p>
        ) : (
          <ul className="meeting-list">
            {upcoming.map((m) => (
              <MeetingCard key={m.id} meeting={m} onChanged={replace} onDeleted={() => drop(m.id)} />
            ))}
          </ul>
        )}
      </section>
      {past.length > 0 && (
        <section className="card" aria-labelledby="past-title">
          <h2 id="past-title">{t('home.past')}</h2>
          <ul className="meeting-list">
            {past.map((m) => (
              <MeetingCard key={m.id} meeting={m} onChanged={replace} onDeleted={() => drop(m.id)} />
            ))}
          </ul>
        </section>
      )}
    </>
  );
}

function JoinByLink() {
  const { t } = useI18n();
  const [value, setValue] = useState('');
  const go = (e: FormEvent) => {
    e.preventDefault();
    const match = /([a-z]{3}-[a-z]{4}-[a-z]{3})/.exec(value.trim().toLowerCase());
    if (match) window.location.assign(`/m/${match[1]}`);
  };
  return (
    <form className="card" onSubmit={go} aria-labelledby="join-title">
      <h2 id="join-title">{t('home.join')}</h2>
      <label>
        {t('home.joinHint')}
        <input name="link" value={value} onChange={(e) => setValue(e.target.value)} />
      </label>
      <button type="submit">{t('home.go')}</button>
    </form>
  );
}
