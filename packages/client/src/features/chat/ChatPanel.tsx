import { useEffect, useRef, useState, type FormEvent } from 'react';
import type { ChatMessage } from '@amphi/protocol';
import type { MeetingSession } from '../../core/MeetingSession.ts';
import { useI18n } from '../../ui/i18n.tsx';
import { ChatText } from './ChatText.tsx';

function exportText(messages: ChatMessage[]): string {
  return messages.map((m) => `[${m.at}] ${m.from.name}${m.to ? ` → ${m.to.name}` : ''}: ${m.text}`).join('\n') + '\n';
}

/** Chat to everyone or privately to one person; hosts can save it. */
export function ChatPanel({ session }: { session: MeetingSession }) {
  const { t, lang } = useI18n();
  const [text, setText] = useState('');
  const [to, setTo] = useState('');
  const listRef = useRef<HTMLOListElement>(null);
  const messages = session.chat;
  const allowed = session.isModerator || session.meetingState.permissions.allowChat;

  useEffect(() => {
    listRef.current?.lastElementChild?.scrollIntoView({ block: 'end' });
  }, [messages.length]);

  const send = async (e: FormEvent) => {
    e.preventDefault();
    const trimmed = text.trim();
    if (!trimmed) return;
    if (await session.sendChat(trimmed, to || null)) setText('');
  };

  const save = () => {
    const blob = new Blob([exportText(messages)], { type: 'text/plain;charset=utf-8' });
    const a = document.createElement('a');
    a.href = URL.createObjectURL(blob);
    a.download = `chat-${session.meeting?.id ?? 'meeting'}.txt`;
    a.click();
    setTimeout(() => URL.revokeObjectURL(a.href), 1_000);
  };

  const time = new Intl.DateTimeFormat(lang, { hour: '2-digit', minute: '2-digit' });
  const others = [...session.remotes.values()].map((r) => r.info);
  return (
    <section className="panel" aria-labelledby="chat-title" data-testid="chat-panel">
      <header className="panel-header">
        <h2 id="chat-title">{t('chat.title')}</h2>
        {session.isModerator && (
          <button type="button" className="link-button" onClick={save}>
            {t('chat.export')}
          </button>
        )}
      </header>
      <ol className="chat-list" ref={listRef} role="log" aria-live="polite" aria-label={t('chat.title')}>
        {messages.map((m) => (
          <li key={m.id} className={m.to ? 'chat-message private' : 'chat-message'} data-testid="chat-message">
            <div className="chat-meta">
              <strong>{m.from.id === session.self?.id ? t('chat.you') : m.from.name}</strong>
              {m.to && <span className="chat-private">{t('chat.privateTo', { name: m.to.id === session.self?.id ? t('chat.you') : m.to.name })}</span>}
              <time dateTime={m.at}>{time.format(new Date(m.at))}</time>
            </div>
            <ChatText text={m.text} />
          </li>
        ))}
      </ol>
      {allowed ? (
        <form className="chat-form" onSubmit={send}>
          <label>
            {t('chat.to')}
            <select value={to} onChange={(e) => setTo(e.target.value)}>
              <option value="">{t('chat.everyone')}</option>
              {others.map((p) => (
                <option key={p.id} value={p.id}>
                  {p.name}
                </option>
              ))}
            </select>
          </label>
          <label>
            {t('chat.message')}
            <textarea
              value={text}
              maxLength={2000}
              rows={2}
              onChange={(e) => setText(e.target.value)}
              onKeyDown={(e) => {
                if (e.key === 'Enter' && !e.shiftKey) {
                  e.preventDefault();
                  void send(e);
                }
              }}
            />
          </label>
          <button type="submit" className="primary">
            {t('chat.send')}
          </button>
        </form>
      ) : (
        <p className="muted">{t('chat.disabled')}</p>
      )}
    </section>
  );
}
