import { useState } from 'react';
import type { ParticipantInfo } from '@amphi/protocol';
import type { MeetingSession } from '../../core/MeetingSession.ts';
import { Icon } from '../../ui/Icon.tsx';
import { useI18n } from '../../ui/i18n.tsx';

/** Hands first, in the order they were raised; then everyone else by name. */
export function orderForPanel(people: ParticipantInfo[]): ParticipantInfo[] {
  return [...people].sort((a, b) => {
    if (a.hand !== null && b.hand !== null) return a.hand - b.hand;
    if (a.hand !== null) return -1;
    if (b.hand !== null) return 1;
    return a.name.localeCompare(b.name);
  });
}

/** Who is here (and, for hosts, who is waiting), with host actions on each row. */
export function ParticipantsPanel({ session }: { session: MeetingSession }) {
  const { t } = useI18n();
  const moderator = session.isModerator;
  const people = orderForPanel(session.everyone());
  const { locked, permissions } = session.meetingState;
  return (
    <section className="panel" aria-labelledby="people-title" data-testid="participants-panel">
      <header className="panel-header">
        <h2 id="people-title">{t('people.title', { count: people.length })}</h2>
      </header>
      {moderator && session.waiting.length > 0 && (
        <div className="waiting-list" aria-labelledby="waiting-title">
          <h3 id="waiting-title">{t('people.waiting', { count: session.waiting.length })}</h3>
          <ul>
            {session.waiting.map((w) => (
              <li key={w.id} data-testid="waiting-person" data-waiting-id={w.id}>
                <span className="person-name">{w.name}</span>
                <button type="button" className="primary small" onClick={() => void session.admit(w.id)} aria-label={t('people.admitOne', { name: w.name })}>
                  {t('people.admit')}
                </button>
                <button type="button" className="small" onClick={() => void session.deny(w.id)} aria-label={t('people.denyOne', { name: w.name })}>
                  {t('people.deny')}
                </button>
              </li>
            ))}
          </ul>
          {session.waiting.length > 1 && (
            <button type="button" className="small" onClick={() => void session.admit('all')}>
              {t('people.admitAll')}
            </button>
          )}
        </div>
      )}
      {moderator && (
        <div className="host-tools">
          <button type="button" className="small" onClick={() => void session.muteAll()}>
            {t('people.muteAll')}
          </button>
          <button type="button" className="small" aria-pressed={locked} onClick={() => void session.setLock(!locked)}>
            {locked ? t('people.unlock') : t('people.lock')}
          </button>
          {session.everyone().some((p) => p.hand !== null) && (
            <button type="button" className="small" onClick={() => void session.lowerAllHands()}>
              {t('people.lowerAll')}
            </button>
          )}
          <fieldset className="permissions">
            <legend>{t('people.allow')}</legend>
            {(['allowUnmute', 'allowShare', 'multiShare', 'allowAnnotate', 'allowLocalRecording', 'allowChat', 'allowRename'] as const).map((key) => (
              <label key={key} className="toggle">
                <input type="checkbox" checked={permissions[key]} onChange={(e) => void session.setPermissions({ [key]: e.target.checked })} />
                {t(`people.${key}`)}
              </label>
            ))}
          </fieldset>
        </div>
      )}
      <ul className="people-list">
        {people.map((p) => (
          <PersonRow key={p.id} session={session} person={p} />
        ))}
      </ul>
    </section>
  );
}

function PersonRow({ session, person }: { session: MeetingSession; person: ParticipantInfo }) {
  const { t } = useI18n();
  const [renaming, setRenaming] = useState(false);
  const [open, setOpen] = useState(false);
  const [name, setName] = useState(person.name);
  const isSelf = person.id === session.self?.id;
  const moderator = session.isModerator;
  const roleLabel = person.role === 'host' ? t('room.host') : person.role === 'cohost' ? t('room.cohost') : undefined;
  const canRename = moderator || (isSelf && session.meetingState.permissions.allowRename);
  return (
    <li className="person" data-person-id={person.id} data-hand={person.hand ?? undefined}>
      <div className="person-line">
        {person.hand !== null && (
          <span className="hand" title={t('people.handRaised')} aria-label={t('people.handRaised')} role="img">
            <Icon name="hand" />
          </span>
        )}
        <span className="person-name">{isSelf ? t('room.you', { name: person.name }) : person.name}</span>
        {roleLabel && <span className="badge">{roleLabel}</span>}
        {!person.audio && (
          <span className="badge-muted" title={t('room.muted')}>
            <Icon name="micOff" />
            <span className="sr-only">{t('room.muted')}</span>
          </span>
        )}
      </div>
      {renaming ? (
        <form
          className="rename-form"
          onSubmit={(e) => {
            e.preventDefault();
            if (name.trim()) void session.rename(person.id, name.trim()).then((ok) => ok && setRenaming(false));
          }}
        >
          <label>
            {t('people.newName')}
            <input value={name} maxLength={64} onChange={(e) => setName(e.target.value)} autoFocus />
          </label>
          <button type="submit" className="small primary">
            {t('people.save')}
          </button>
        </form>
      ) : (
        (moderator || canRename || (isSelf && person.hand !== null)) && (
          <div className="person-actions">
            <button type="button" className="link-button" aria-expanded={open} aria-label={t('people.actionsFor', { name: person.name })} onClick={() => setOpen(!open)}>
              {t('people.actions')}
            </button>
            {open && (
            // Any action closes the menu (the click bubbles up from its button).
            <div className="action-list" onClick={() => setOpen(false)}>
              {moderator && !isSelf && person.audio && <button type="button" onClick={() => void session.mute(person.id)}>{t('people.mute')}</button>}
              {moderator && !isSelf && !person.audio && <button type="button" onClick={() => void session.askUnmute(person.id)}>{t('people.askUnmute')}</button>}
              {moderator && !isSelf && person.video && <button type="button" onClick={() => void session.stopVideo(person.id)}>{t('people.stopVideo')}</button>}
              {moderator && person.hand !== null && <button type="button" onClick={() => void session.lowerHand(person.id)}>{t('people.lowerHand')}</button>}
              {moderator && (
                <button type="button" onClick={() => void session.spotlight(session.meetingState.spotlight === person.id ? null : person.id)}>
                  {session.meetingState.spotlight === person.id ? t('people.unspotlight') : t('people.spotlight')}
                </button>
              )}
              {canRename && <button type="button" onClick={() => setRenaming(true)}>{t('people.rename')}</button>}
              {session.isHost && !isSelf && person.role === 'participant' && <button type="button" onClick={() => void session.setRole(person.id, 'cohost')}>{t('people.makeCohost')}</button>}
              {session.isHost && !isSelf && person.role === 'cohost' && <button type="button" onClick={() => void session.setRole(person.id, 'participant')}>{t('people.removeCohost')}</button>}
              {session.isHost && !isSelf && <button type="button" onClick={() => void session.setRole(person.id, 'host')}>{t('people.makeHost')}</button>}
              {moderator && !isSelf && person.role !== 'host' && (
                <button type="button" className="danger" onClick={() => void session.remove(person.id)}>
                  {t('people.remove')}
                </button>
              )}
            </div>
            )}
          </div>
        )
      )}
    </li>
  );
}
