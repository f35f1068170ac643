import { useEffect, useState } from 'react';
import type { MeetingSession } from '../../core/MeetingSession.ts';
import { useI18n } from '../../ui/i18n.tsx';

interface Notice {
  id: number;
  text: string;
}

/** Short toasts at the top (people joining and leaving, media reconnecting), read out by screen readers. */
export function Notices({ session }: { session: MeetingSession }) {
  const { t } = useI18n();
  const [notices, setNotices] = useState<Notice[]>([]);
  useEffect(() => {
    let next = 0;
    return session.on('notice', (key, values) => {
      const id = ++next;
      setNotices((n) => [...n.slice(-3), { id, text: t(key, values) }]);
      setTimeout(() => setNotices((n) => n.filter((x) => x.id !== id)), 4_000);
    });
  }, [session, t]);
  return (
    <div className="notices" role="status" aria-live="polite">
      {notices.map((n) => (
        <div key={n.id} className="notice">
          {n.text}
        </div>
      ))}
    </div>
  );
}
