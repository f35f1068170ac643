import { HomePage } from './features/home/HomePage.tsx';
import { MeetingPage } from './features/MeetingPage.tsx';
import { I18nProvider, useI18n } from './ui/i18n.tsx';

/** Routes by path: "/" is the organiser's home, "/m/<id>" a meeting. */
export function App() {
  const match = /^\/m\/([^/]+)\/?$/.exec(location.pathname);
  return (
    <I18nProvider>
      <SkipLink />
      {match ? <MeetingPage meetingId={decodeURIComponent(match[1]!)} /> : <HomePage />}
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
