import { HomePage } from './features/home/HomePage.tsx';
import { MeetingPage } from './features/MeetingPage.tsx';
import { I18nProvider } from './ui/i18n.tsx';

/** Routes by path: "/" is the organiser's home, "/m/<id>" a meeting. */
export function App() {
  const match = /^\/m\/([^/]+)\/?$/.exec(location.pathname);
  return <I18nProvider>{match ? <MeetingPage meetingId={decodeURIComponent(match[1]!)} /> : <HomePage />}</I18nProvider>;
}
