import { useEffect, useState } from 'react';
import { z } from 'zod';
import { PollDraft } from '@amphi/protocol';
import { api } from '../../ui/api.ts';
import { useI18n } from '../../ui/i18n.tsx';
import { PollForm } from '../../ui/PollForm.tsx';

const PreparedPoll = PollDraft.extend({ id: z.string() });
const ListResponse = z.object({ polls: z.array(PreparedPoll) });
const OneResponse = z.object({ poll: PreparedPoll });

/** Polls written ahead on the meeting's page; hosts launch them with one click in the meeting. */
export function PreparedPolls({ meetingId }: { meetingId: string }) {
  const { t } = useI18n();
  const [polls, setPolls] = useState<z.infer<typeof PreparedPoll>[]>([]);
  useEffect(() => {
    api('GET', `/api/meetings/${meetingId}/polls`, ListResponse).then((r) => setPolls(r.polls), () => {});
  }, [meetingId]);
  return (
    <div className="prepared-polls" data-testid="prepared-polls">
      {polls.length > 0 && (
        <ul className="poll-list">
          {polls.map((p) => (
            <li key={p.id} className="poll">
              <strong>{p.question}</strong>
              <span className="muted">{p.options.join(' · ')}</span>
              <button
                type="button"
                className="small"
                onClick={() => api('DELETE', `/api/meetings/${meetingId}/polls/${p.id}`, z.unknown()).then(() => setPolls((l) => l.filter((x) => x.id !== p.id)))}
              >
                {t('home.delete')}
              </button>
            </li>
          ))}
        </ul>
      )}
      <PollForm
        submitLabel={t('polls.prepare')}
        onSubmit={async (draft) => {
          const r = await api('POST', `/api/meetings/${meetingId}/polls`, OneResponse, draft).catch(() => undefined);
          if (r) setPolls((l) => [...l, r.poll]);
          return r !== undefined;
        }}
      />
    </div>
  );
}
