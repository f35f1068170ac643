import { useEffect, useState } from 'react';
import { z } from 'zod';
import { PollDraft, type PollResults, type PollView } from '@amphi/protocol';
import { api } from '../../ui/api.ts';
import { PollForm } from '../../ui/PollForm.tsx';
import type { MeetingSession } from '../../core/MeetingSession.ts';
import { useI18n } from '../../ui/i18n.tsx';

function csv(poll: PollView, results: PollResults | undefined): string {
  const cell = (v: string | number) => {
    const text = /^[=+\-@]/.test(String(v)) ? `'${v}` : String(v);
    return /[",\n;]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
  };
  const lines = [['option', 'votes'].join(',')];
  poll.options.forEach((o, i) => lines.push([cell(o), results?.counts[i] ?? 0].join(',')));
  if (results?.votes) {
    lines.push('', ['name', 'choices'].join(','));
    for (const v of results.votes) lines.push([cell(v.name), cell(v.choices.map((c) => poll.options[c]).join(' | '))].join(','));
  }
  return `${cell(poll.question)}\r\n${lines.join('\r\n')}\r\n`;
}

/** Polls: hosts write, launch, watch, close, share and export them; everyone votes once. */
export function PollsPanel({ session }: { session: MeetingSession }) {
  const { t } = useI18n();
  const polls = [...session.polls.values()].reverse();
  return (
    <section className="panel" aria-labelledby="polls-title" data-testid="polls-panel">
      <header className="panel-header">
        <h2 id="polls-title">{t('polls.title')}</h2>
      </header>
      {session.isModerator && <PollForm submitLabel={t('polls.launch')} onSubmit={(draft) => session.launchPoll(draft)} />}
      {session.isModerator && <PreparedToLaunch session={session} />}
      {polls.length === 0 && <p className="muted">{t('polls.none')}</p>}
      <ul className="poll-list">
        {polls.map((p) => (
          <PollCard key={p.id} session={session} poll={p} />
        ))}
      </ul>
    </section>
  );
}

const PreparedResponse = z.object({ polls: z.array(PollDraft.extend({ id: z.string() })) });

/** Polls the organiser prepared on the meeting's page, one click from launch (organiser's session only). */
function PreparedToLaunch({ session }: { session: MeetingSession }) {
  const { t } = useI18n();
  const [prepared, setPrepared] = useState<(PollDraft & { id: string })[]>([]);
  const [launched, setLaunched] = useState<Set<string>>(new Set());
  useEffect(() => {
    if (!session.meeting) return;
    api('GET', `/api/meetings/${session.meeting.id}/polls`, PreparedResponse).then((r) => setPrepared(r.polls), () => {});
  }, [session]);
  if (prepared.length === 0) return null;
  return (
    <div className="prepared-polls">
      <h3>{t('polls.prepared')}</h3>
      <ul className="poll-list">
        {prepared.map((p) => (
          <li key={p.id} className="poll">
            <span>{p.question}</span>
            <button
              type="button"
              className="small"
              disabled={launched.has(p.id)}
              onClick={async () => {
                const { id: _id, ...draft } = p;
                if (await session.launchPoll(draft)) setLaunched((s) => new Set([...s, p.id]));
              }}
              aria-label={t('polls.launchOne', { question: p.question })}
            >
              {t('polls.launch')}
            </button>
          </li>
        ))}
      </ul>
    </div>
  );
}

function PollCard({ session, poll }: { session: MeetingSession; poll: PollView }) {
  const { t } = useI18n();
  const [choices, setChoices] = useState<number[]>([]);
  const results = session.pollResults.get(poll.id);
  const canVote = poll.status === 'open' && !session.voted.has(poll.id);
  const toggle = (i: number) => setChoices((c) => (poll.kind === 'single' ? [i] : c.includes(i) ? c.filter((x) => x !== i) : [...c, i]));
  const total = results ? results.voters : 0;
  const download = () => {
    const a = document.createElement('a');
    a.href = URL.createObjectURL(new Blob(['\ufeff' + csv(poll, results)], { type: 'text/csv;charset=utf-8' }));
    a.download = `poll-${poll.id.slice(0, 8)}.csv`;
    a.click();
    setTimeout(() => URL.revokeObjectURL(a.href), 1_000);
  };
  return (
    <li className="poll" data-poll-id={poll.id}>
      <h3>{poll.question}</h3>
      <p className="muted">
        {poll.anonymous ? t('polls.isAnonymous') : t('polls.isNamed')} · {poll.status === 'open' ? t('polls.open') : t('polls.closed')}
      </p>
      {canVote ? (
        <form
          onSubmit={(e) => {
            e.preventDefault();
            if (choices.length > 0) void session.vote(poll.id, choices);
          }}
        >
          <fieldset>
            <legend className="sr-only">{poll.question}</legend>
            {poll.options.map((o, i) => (
              <label key={i} className="toggle">
                <input type={poll.kind === 'single' ? 'radio' : 'checkbox'} name={`poll-${poll.id}`} checked={choices.includes(i)} onChange={() => toggle(i)} />
                {o}
              </label>
            ))}
          </fieldset>
          <button type="submit" className="primary small" disabled={choices.length === 0}>
            {t('polls.vote')}
          </button>
        </form>
      ) : (
        session.voted.has(poll.id) && !results && <p>{t('polls.thanks')}</p>
      )}
      {results && (
        <ul className="poll-results" aria-label={t('polls.results')}>
          {poll.options.map((o, i) => {
            const n = results.counts[i] ?? 0;
            const pct = total > 0 ? Math.round((n / total) * 100) : 0;
            return (
              <li key={i} data-option={i} data-count={n}>
                <span>{o}</span> <strong>{n}</strong> ({pct} %)
                <meter min={0} max={100} value={pct} aria-hidden="true" />
              </li>
            );
          })}
          <li className="muted">{t('polls.voters', { count: total })}</li>
        </ul>
      )}
      {session.isModerator && (
        <div className="card-actions">
          {poll.status === 'open' && (
            <button type="button" className="small" onClick={() => void session.closePoll(poll.id)}>
              {t('polls.close')}
            </button>
          )}
          <button type="button" className="small" onClick={() => void session.sharePoll(poll.id)}>
            {t('polls.share')}
          </button>
          <button type="button" className="small" onClick={download}>
            {t('polls.export')}
          </button>
        </div>
      )}
    </li>
  );
}
