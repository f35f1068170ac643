import type { MeetingSession } from '../../core/MeetingSession.ts';
import { useI18n } from '../../ui/i18n.tsx';
import { DocumentItem } from './DocumentItem.tsx';
import { ScreenItem } from './ScreenItem.tsx';
import { WhiteboardItem } from './WhiteboardItem.tsx';

/** Is anything shown on the stage (a screen, a document, the whiteboard)? */
export function hasStage(session: MeetingSession): boolean {
  const room = session.room;
  const presented = room === null ? session.meetingState.presentation !== null : session.breakouts.boards.includes(room);
  return presented || session.screenTrack !== undefined || [...session.remotes.values()].some((r) => r.info.sharing && r.screenTrack);
}

/**
 * What everyone is shown large: the presented document or whiteboard, and shared screens
 * (several side by side when hosts allow several shares).
 */
export function StageView({ session }: { session: MeetingSession }) {
  const { t } = useI18n();
  const room = session.room;
  // In a breakout room: that room's whiteboard, and screens shared there; the main room's
  // presentation waits for people to come back.
  const presentation = room === null ? session.meetingState.presentation : null;
  const self = session.self;
  const items: React.ReactNode[] = [];
  const mayStop = room !== null || (presentation && (presentation.presenterId === self?.id || session.isModerator));
  const stop = mayStop ? (
    <button type="button" className="small danger" onClick={() => void session.stage.stopPresenting()} data-testid="stop-presenting">
      {t('stage.stopPresenting')}
    </button>
  ) : null;
  if (presentation?.kind === 'document') {
    const doc = session.stage.documents.find((d) => d.id === presentation.documentId);
    if (doc) items.push(<DocumentItem key={`doc:${doc.id}`} session={session} doc={doc} presenterId={presentation.presenterId} view={presentation.view} stopControl={stop} />);
  } else if (presentation?.kind === 'whiteboard') {
    items.push(<WhiteboardItem key="board" session={session} surface="board" controls={stop} />);
  } else if (room !== null && session.breakouts.boards.includes(room)) {
    items.push(<WhiteboardItem key={`board:${room}`} session={session} surface={`board:${room}`} controls={stop} />);
  }
  if (self && session.screenTrack) items.push(<ScreenItem key={`screen:${self.id}`} session={session} track={session.screenTrack} participantId={self.id} label={t('room.youAreSharing')} />);
  for (const r of session.remotes.values()) {
    if (r.info.sharing && r.screenTrack) items.push(<ScreenItem key={`screen:${r.info.id}`} session={session} track={r.screenTrack} participantId={r.info.id} label={t('room.sharing', { name: r.info.name })} />);
  }
  if (items.length === 0) return null;
  return <div className={`stage-items stage-items-${Math.min(items.length, 4)}`}>{items}</div>;
}
