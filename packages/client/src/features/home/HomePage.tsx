import { useEffect, useState, type FormEvent } from 'react';
import { z } from 'zod';
import { MeetingView, UserView } from '@amphi/protocol';
import { api, ApiError } from '../../ui/api.ts';
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
        <span className="brand">{t('app.name')}</span>
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
        {user === null && <SignInForm onSignedIn={setUser} />}
        {user && <Organiser />}
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
  const [title, setTitle] = useState('');
  const [created, setCreated] = useState<MeetingView | undefined>();
  const [meetings, setMeetings] = useState<MeetingView[]>([]);
  const [copied, setCopied] = useState(false);

  const load = () => api('GET', '/api/meetings', MeetingsResponse).then((r) => setMeetings(r.meetings), () => {});
  useEffect(() => {
    void load();
  }, []);

  const create = async (e: FormEvent) => {
    e.preventDefault();
    const r = await api('POST', '/api/meetings', MeetingResponse, { title });
    setCreated(r.meeting);
    setTitle('');
    setCopied(false);
    void load();
  };

  const copy = async (link: string) => {
    await navigator.clipboard?.writeText(link).catch(() => {});
    setCopied(true);
  };

  return (
    <>
      <form className="card" onSubmit={create} aria-labelledby="new-meeting-title">
        <h2 id="new-meeting-title">{t('home.newMeeting')}</h2>
        <label>
          {t('home.meetingTitle')}
          <input name="title" required maxLength={120} value={title} onChange={(e) => setTitle(e.target.value)} />
        </label>
        <button type="submit" className="primary">
          {t('home.create')}
        </button>
        {created && (
          <div className="created" role="status">
            <p>{t('home.created')}</p>
            <p>
              <a href={created.link} data-testid="meeting-link">
                {created.link}
              </a>
            </p>
            <button type="button" onClick={() => copy(created.link)}>
              {copied ? t('home.copied') : t('home.copyLink')}
            </button>
          </div>
        )}
      </form>
      <section className="card" aria-labelledby="your-meetings">
        <h2 id="your-meetings">{t('home.yourMeetings')}</h2>
        {meetings.length === 0 ? (
          <p className="muted">{t('home.noMeetings')}</p>
        ) : (
          <ul className="meeting-list">
            {meetings.map((m) => (
              <li key={m.id}>
                <a href={`/m/${m.id}`}>{m.title}</a> <code>{m.id}</code>
                {m.live && <span className="badge">{t('home.live', { count: m.participantCount })}</span>}
              </li>
            ))}
          </ul>
        )}
      </section>
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
