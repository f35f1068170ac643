import { HomePage } from './features/home/HomePage.tsx';
import { MeetingPage } from './features/MeetingPage.tsx';
import { SharedRecordingPage } from './features/sharedRecording/SharedRecordingPage.tsx';
import { I18nProvider, useI18n } from './ui/i18n.tsx';

/** Routes by path: "/" is the organiser's home, "/m/<id>" a meeting, "/r/<token>" a shared recording. */
export function App() {
  const meeting = /^\/m\/([^/]+)\/?$/.exec(location.pathname);
  const shared = /^\/r\/([A-Za-z0-9_-]+)\/?$/.exec(location.pathname);
  return (
    <I18nProvider>
      <SkipLink />
      {meeting ? <MeetingPage meetingId={decodeURIComponent(meeting[1]!)} /> : shared ? <SharedRecordingPage token={shared[1]!} /> : <HomePage />}
    </I18nProvider>
  );
}

/** The first thing keyboard and screen-reader users reach: a jump past the header. */
function SkipLink() {
  const { t } = useI18n();
  return (
    <a className="skip-link" href="#main">
      {t('app.skip')}
    </a>
  );
}
