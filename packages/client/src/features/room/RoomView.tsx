import { useCallback, useEffect, useState, type ReactNode } from 'react';
import { REACTIONS, type Reaction } from '@amphi/protocol';
import type { MeetingSession } from '../../core/MeetingSession.ts';
import { Icon } from '../../ui/Icon.tsx';
import { useI18n } from '../../ui/i18n.tsx';
import { Notices } from './Notices.tsx';
import { RemoteAudio } from './RemoteAudio.tsx';
import { Tile } from './Tile.tsx';

export type PanelName = 'participants' | 'chat' | 'polls' | 'documents' | 'breakouts';

/** Tiles per gallery page people can choose (Zoom offers up to 49). */
const PAGE_SIZES = [1, 4, 9, 16, 25, 49] as const;
const defaultPageSize = () => (typeof matchMedia === 'function' && matchMedia('(max-width: 700px)').matches ? 4 : 25);

/**
 * The meeting: everyone's tiles, the control bar, and one side panel at a time (the page
 * decides what goes in it). A spotlighted participant takes the stage for everyone.
 */
/**
 * A tile at least this many device pixels high gets a camera's best layer. Browsers send cameras
 * in two sizes (see MeetingSession's CAMERA_LAYERS): the small one is 240 px high for a 640×480
 * camera, fine up to about 1.25× that.
 */
export const LARGE_TILE_DEVICE_PX = 300;

export function RoomView({
  session,
  speakerId,
  panel,
  onPanel,
  panelContent,
  stage,
  presenting,
  banner,
  unreadChat,
}: {
  session: MeetingSession;
  speakerId: string | undefined;
  panel: PanelName | null;
  onPanel: (p: PanelName | null) => void;
  panelContent: ReactNode;
  /** What is shown large (shared screens, a document, the whiteboard); the page decides. */
  stage: ReactNode;
  /** Something is on the stage: cameras move to a strip. */
  presenting: boolean;
  /** A line under the title (the breakout room one is in…). */
  banner?: ReactNode;
  unreadChat: number;
}) {
  const { t } = useI18n();
  const [askLeave, setAskLeave] = useState(false);
  const [successor, setSuccessor] = useState('');
  const [selfHidden, setSelfHidden] = useState(false);
  const [reactionsOpen, setReactionsOpen] = useState(false);
  const [reactions, setReactions] = useState<Record<string, Reaction>>({});
  const [unmuteAsk, setUnmuteAsk] = useState<string | undefined>();
  const [view, setView] = useState<'gallery' | 'speaker'>('gallery');
  const [pageSize, setPageSize] = useState<number>(defaultPageSize);
  const [page, setPage] = useState(0);
  /** Each remote tile's height on screen, in device pixels (what picks a camera's layer). */
  const [tileHeights, setTileHeights] = useState<Record<string, number>>({});
  const onTileSize = useCallback((id: string, height: number) => setTileHeights((h) => (h[id] === height ? h : { ...h, [id]: height })), []);

  useEffect(() => {
    const offReaction = session.on('reaction', (participantId, reaction) => {
      setReactions((r) => ({ ...r, [participantId]: reaction }));
      setTimeout(() => setReactions((r) => (r[participantId] === reaction ? Object.fromEntries(Object.entries(r).filter(([k]) => k !== participantId)) : r)), 3_000);
    });
    const offUnmute = session.on('unmuteRequested', (by) => setUnmuteAsk(by));
    return () => {
      offReaction();
      offUnmute();
    };
  }, [session]);

  // Each breakout room is its own room: you see and hear the people in yours.
  const myRoom = session.self?.room ?? null;
  const remotes = [...session.remotes.values()].filter((r) => r.info.room === myRoom);
  /** Everyone else, whichever room they are in (to hand the host role over). */
  const others = [...session.remotes.values()];
  const spotlight = session.meetingState.spotlight;
  // Speaker view: the spotlight, else whoever spoke last, large; everyone else in a strip.
  const featured = view === 'speaker' ? (spotlight ?? session.lastSpeaker ?? remotes[0]?.info.id) : spotlight;
  const ordered = featured ? [...remotes].sort((a, b) => (a.info.id === featured ? -1 : b.info.id === featured ? 1 : 0)) : remotes;
  const pages = Math.max(1, Math.ceil(ordered.length / pageSize));
  const currentPage = Math.min(page, pages - 1);
  const shown = ordered.slice(currentPage * pageSize, (currentPage + 1) * pageSize);
  const shownKey = shown.map((r) => r.info.id).join(',');
  // Cameras come in two sizes: a tile too small to show more than the small one gets only that.
  // A tile not measured yet counts as large: the server starts with the best layer anyway, and
  // switching down then up again would make a newcomer wait for two keyframes.
  const largeKey = shown
    .filter((r) => (tileHeights[r.info.id] ?? Infinity) >= LARGE_TILE_DEVICE_PX)
    .map((r) => r.info.id)
    .join(',');

  // The server subscribes this screen to the videos it shows, and only those, each in the size it is shown.
  useEffect(() => {
    const timer = setTimeout(() => void session.setView(shownKey ? shownKey.split(',') : [], largeKey ? largeKey.split(',') : []), 200);
    return () => clearTimeout(timer);
  }, [session, shownKey, largeKey]);
  useEffect(() => {
    if (currentPage !== page) setPage(currentPage);
  }, [currentPage, page]);

  const self = session.self;
  if (!self) return null;
  const count = remotes.length + 1;
  const handUp = self.hand !== null;
  const ownScreen = session.screenTrack;
  const canShare = typeof navigator.mediaDevices?.getDisplayMedia === 'function' && (session.isModerator || session.meetingState.permissions.allowShare);

  const leave = () => {
    if (session.isHost) setAskLeave(true);
    else void session.leave();
  };

  return (
    <div className={panel ? 'room with-panel' : 'room'} data-receive-level={session.receiveLevel} data-send-level={session.sendLevel}>
      <header className="room-header">
        <h1 className="room-title">{session.meeting?.title}</h1>
        {session.meetingState.locked && <span className="badge">{t('room.locked')}</span>}
        {everyoneRecordingLocally(session).length > 0 && (
          <span className="badge recording" role="status" data-testid="local-recording-indicator">
            <span className="recording-dot" aria-hidden="true" /> {t('room.recordingLocally', { names: everyoneRecordingLocally(session).join(', ') })}
          </span>
        )}
        {session.meetingState.recording.active && (
          <span className="badge recording" role="status" data-testid="recording-indicator">
            <span className="recording-dot" aria-hidden="true" /> {session.meetingState.recording.paused ? t('room.recordingPaused') : t('room.recording')}
          </span>
        )}
        <button type="button" className="link-button view-toggle" onClick={() => setView(view === 'gallery' ? 'speaker' : 'gallery')}>
          {view === 'gallery' ? t('room.speakerView') : t('room.galleryView')}
        </button>
        <span className="muted" aria-live="polite">
          {t('room.participants', { count })}
        </span>
      </header>
      {banner}
      <div className="room-body">
        <main className={presenting ? 'stage presenting' : 'stage'} id="main">
          {presenting && stage}
          <ul className={`gallery gallery-${Math.min(Math.max(remotes.length, 1), 9)}${featured ? ' has-spotlight' : ''}${view === 'speaker' ? ' speaker-view' : ''}`} aria-label={t('room.tiles')}>
            {/* Alone, you fill the stage; with others, your own view is small and floats (and can be hidden). */}
            {remotes.length === 0 && <Tile info={self} videoTrack={session.localStream.getVideoTracks()[0]} self reaction={reactions[self.id]} spotlight={false} />}
            {shown.map((r) => (
              <Tile key={r.info.id} info={r.info} videoTrack={r.videoTrack} self={false} reaction={reactions[r.info.id]} spotlight={r.info.id === featured} speaking={session.speaking.has(r.info.id)} onSize={onTileSize} />
            ))}
          </ul>
          {remotes.length > 0 && (
            <div className={selfHidden ? 'self-view hidden' : 'self-view'}>
              {!selfHidden && (
                <ul className="self-view-list" aria-label={t('room.selfView')}>
                  <Tile info={self} videoTrack={session.localStream.getVideoTracks()[0]} self reaction={reactions[self.id]} spotlight={false} />
                </ul>
              )}
              <button type="button" className="self-view-toggle" aria-pressed={selfHidden} onClick={() => setSelfHidden(!selfHidden)}>
                {selfHidden ? t('room.showSelf') : t('room.hideSelf')}
              </button>
            </div>
          )}
          {(pages > 1 || remotes.length > 1) && (
            <div className="pager" role="group" aria-label={t('room.pages')}>
              {pages > 1 && (
                <>
                  <button type="button" className="small" disabled={currentPage === 0} onClick={() => setPage(currentPage - 1)}>
                    {t('room.prevPage')}
                  </button>
                  <span aria-live="polite">{t('room.pageOf', { page: currentPage + 1, pages })}</span>
                  <button type="button" className="small" disabled={currentPage >= pages - 1} onClick={() => setPage(currentPage + 1)}>
                    {t('room.nextPage')}
                  </button>
                </>
              )}
              <label className="page-size">
                {t('room.perPage')}
                <select value={pageSize} onChange={(e) => setPageSize(Number(e.target.value))}>
                  {PAGE_SIZES.map((n) => (
                    <option key={n} value={n}>
                      {n}
                    </option>
                  ))}
                </select>
              </label>
            </div>
          )}
        </main>
        {panel && (
          <aside className="side-panel">
            <button type="button" className="panel-close" aria-label={t('room.closePanel')} onClick={() => onPanel(null)}>
              ×
            </button>
            {panelContent}
          </aside>
        )}
      </div>
      {/* Everyone is heard, whichever gallery page is shown. */}
      <div className="audio-sinks" aria-hidden="true">
        {remotes.map((r) => (
          <RemoteAudio key={r.info.id} participantId={r.info.id} track={r.audioTrack} speakerId={speakerId} />
        ))}
        {/* A shared tab's sound plays beside the sharer's voice. */}
        {remotes
          .filter((r) => r.screenAudioTrack)
          .map((r) => (
            <RemoteAudio key={`screen:${r.info.id}`} participantId={`screen:${r.info.id}`} track={r.screenAudioTrack} speakerId={speakerId} />
          ))}
      </div>
      <Notices session={session} />
      <nav className="controls" aria-label={t('room.controls')}>
        <button
          type="button"
          className={session.audioOn ? 'control' : 'control off'}
          aria-pressed={!session.audioOn}
          aria-label={session.audioOn ? t('room.mic.mute') : t('room.mic.unmute')}
          disabled={session.localStream.getAudioTracks().length === 0}
          onClick={() => void session.setAudio(!session.audioOn)}
          data-testid="toggle-mic"
        >
          <Icon name={session.audioOn ? 'mic' : 'micOff'} />
        </button>
        <button
          type="button"
          className={session.videoOn ? 'control' : 'control off'}
          aria-pressed={!session.videoOn}
          aria-label={session.videoOn ? t('room.cam.off') : t('room.cam.on')}
          disabled={session.localStream.getVideoTracks().length === 0}
          onClick={() => void session.setVideo(!session.videoOn)}
          data-testid="toggle-camera"
        >
          <Icon name={session.videoOn ? 'cam' : 'camOff'} />
        </button>
        <button type="button" className="control" aria-pressed={panel === 'participants'} aria-label={t('room.people')} onClick={() => onPanel(panel === 'participants' ? null : 'participants')} data-testid="toggle-participants">
          <Icon name="people" />
          {session.isModerator && session.waiting.length > 0 && <span className="counter" aria-label={t('room.waitingCount', { count: session.waiting.length })}>{session.waiting.length}</span>}
        </button>
        <button type="button" className="control" aria-pressed={panel === 'chat'} aria-label={t('room.chat')} onClick={() => onPanel(panel === 'chat' ? null : 'chat')} data-testid="toggle-chat">
          <Icon name="chat" />
          {unreadChat > 0 && panel !== 'chat' && <span className="counter" aria-label={t('room.unread', { count: unreadChat })}>{unreadChat}</span>}
        </button>
        <button
          type="button"
          className={ownScreen ? 'control active' : 'control'}
          aria-pressed={Boolean(ownScreen)}
          aria-label={ownScreen ? t('room.stopShare') : t('room.share')}
          disabled={!ownScreen && !canShare}
          onClick={() => void (ownScreen ? session.stopShare() : session.startShare())}
          data-testid="toggle-share"
        >
          <Icon name="screen" />
        </button>
        <button type="button" className="control" aria-pressed={panel === 'documents'} aria-label={t('room.present')} onClick={() => onPanel(panel === 'documents' ? null : 'documents')} data-testid="toggle-documents">
          <Icon name="present" />
        </button>
        {(session.mayRecordLocally || session.recordingLocally) && (
          <button
            type="button"
            className={session.recordingLocally ? 'control active' : 'control'}
            aria-pressed={session.recordingLocally}
            aria-label={session.recordingLocally ? t('room.stopLocalRecording') : t('room.startLocalRecording')}
            onClick={() => void (session.recordingLocally ? session.stopLocalRecording() : session.startLocalRecording())}
            data-testid="toggle-local-recording"
          >
            <Icon name="download" />
          </button>
        )}
        {session.isModerator && session.meetingState.recording.active && (
          <button
            type="button"
            className="control"
            aria-pressed={session.meetingState.recording.paused}
            aria-label={session.meetingState.recording.paused ? t('room.resumeRecording') : t('room.pauseRecording')}
            onClick={() => void session.pauseRecording(!session.meetingState.recording.paused)}
            data-testid="toggle-recording-pause"
          >
            <Icon name={session.meetingState.recording.paused ? 'record' : 'pause'} />
          </button>
        )}
        {session.mayRecord && (
          <button
            type="button"
            className={session.meetingState.recording.active ? 'control active' : 'control'}
            aria-pressed={session.meetingState.recording.active}
            aria-label={session.meetingState.recording.active ? t('room.stopRecording') : t('room.startRecording')}
            onClick={() => void (session.meetingState.recording.active ? session.stopRecording() : session.startRecording())}
            data-testid="toggle-recording"
          >
            <Icon name="record" />
          </button>
        )}
        <button type="button" className="control" aria-pressed={panel === 'breakouts'} aria-label={t('room.breakout.title')} onClick={() => onPanel(panel === 'breakouts' ? null : 'breakouts')} data-testid="toggle-breakouts">
          <Icon name="rooms" />
        </button>
        <button type="button" className="control" aria-pressed={panel === 'polls'} aria-label={t('room.polls')} onClick={() => onPanel(panel === 'polls' ? null : 'polls')} data-testid="toggle-polls">
          <Icon name="poll" />
        </button>
        <button type="button" className={handUp ? 'control active' : 'control'} aria-pressed={handUp} aria-label={handUp ? t('room.lowerHand') : t('room.raiseHand')} onClick={() => void (handUp ? session.lowerHand() : session.raiseHand())} data-testid="toggle-hand">
          <Icon name="hand" />
        </button>
        <div className="reactions">
          <button type="button" className="control" aria-expanded={reactionsOpen} aria-label={t('room.react')} onClick={() => setReactionsOpen(!reactionsOpen)}>
            <Icon name="smile" />
          </button>
          {reactionsOpen && (
            <div className="reaction-picker" role="menu">
              {REACTIONS.map((r) => (
                <button
                  key={r}
                  type="button"
                  role="menuitem"
                  aria-label={t(`reaction.${r}`)}
                  onClick={() => {
                    setReactionsOpen(false);
                    void session.react(r);
                  }}
                >
                  {r}
                </button>
              ))}
            </div>
          )}
        </div>
        <button type="button" className="control leave" aria-label={t('room.leave')} onClick={leave} data-testid="leave">
          <Icon name="leave" />
          <span className="control-text">{t('room.leave')}</span>
        </button>
      </nav>
      {askLeave && (
        <div className="dialog-backdrop">
          <div className="dialog" role="dialog" aria-modal="true" aria-labelledby="leave-q">
            <p id="leave-q">{t('room.leaveQuestion')}</p>
            <div className="dialog-actions">
              <button type="button" className="danger" onClick={() => void session.endForAll()} data-testid="end-for-all" autoFocus>
                {t('room.endForAll')}
              </button>
              {others.length > 0 && (
                <label>
                  {t('room.handOverTo')}
                  <select value={successor || others[0]!.info.id} onChange={(e) => setSuccessor(e.target.value)}>
                    {others.map((r) => (
                      <option key={r.info.id} value={r.info.id}>
                        {r.info.name}
                      </option>
                    ))}
                  </select>
                </label>
              )}
              <button
                type="button"
                onClick={async () => {
                  // Just leaving hands the host role to someone, so the meeting keeps a host.
                  if (others.length > 0) await session.setRole(successor || others[0]!.info.id, 'host');
                  await session.leave();
                }}
              >
                {t('room.leaveOnly')}
              </button>
              <button type="button" className="link-button" onClick={() => setAskLeave(false)}>
                {t('room.cancel')}
              </button>
            </div>
          </div>
        </div>
      )}
      {unmuteAsk && (
        <div className="dialog-backdrop">
          <div className="dialog" role="alertdialog" aria-modal="true" aria-labelledby="unmute-q">
            <p id="unmute-q">{t('room.unmuteAsked', { name: unmuteAsk })}</p>
            <div className="dialog-actions">
              <button
                type="button"
                className="primary"
                autoFocus
                onClick={() => {
                  setUnmuteAsk(undefined);
                  void session.setAudio(true);
                }}
              >
                {t('room.mic.unmute')}
              </button>
              <button type="button" onClick={() => setUnmuteAsk(undefined)}>
                {t('room.stayMuted')}
              </button>
            </div>
          </div>
        </div>
      )}
    </div>
  );
}

/** Who records the meeting in their browser (everyone is told). */
function everyoneRecordingLocally(session: MeetingSession): string[] {
  return session.everyone().filter((p) => p.recordingLocally).map((p) => p.name);
}
