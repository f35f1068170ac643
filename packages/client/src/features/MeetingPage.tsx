import { useEffect, useRef, useState } from 'react';
import { Brand } from '../ui/branding.tsx';
import { z } from 'zod';
import { INVITE_TOKEN_PATTERN, PublicMeetingView, UserView } from '@amphi/protocol';
import { clientIdOf, MeetingSession } from '../core/MeetingSession.ts';
import { api } from '../ui/api.ts';
import { LanguageSwitch, useI18n } from '../ui/i18n.tsx';
import { chime } from '../ui/chime.ts';
import { saveBlob } from '../ui/saveBlob.ts';
import { ChatPanel } from './chat/ChatPanel.tsx';
import { EndScreen } from './ended/EndScreen.tsx';
import { ParticipantsPanel } from './participants/ParticipantsPanel.tsx';
import { PollsPanel } from './polls/PollsPanel.tsx';
import { PreJoin, type JoinChoice } from './prejoin/PreJoin.tsx';
import { RoomView, type PanelName } from './room/RoomView.tsx';
import { DocumentsPanel } from './stage/DocumentsPanel.tsx';
import { BreakoutBanner } from './breakouts/BreakoutBanner.tsx';
import { ConnectionBanner } from './connection/ConnectionBanner.tsx';
import { BreakoutsPanel } from './breakouts/BreakoutsPanel.tsx';
import { hasStage, StageView } from './stage/StageView.tsx';
import { WaitingScreen } from './waiting/WaitingScreen.tsx';

const PublicResponse = z.object({ meeting: PublicMeetingView });
const MeResponse = z.object({ user: UserView });

/** /m/:id — from the link to the pre-join screen, the waiting room, the meeting, and the end screen. */
export function MeetingPage({ meetingId }: { meetingId: string }) {
  const { t } = useI18n();
  const [meeting, setMeeting] = useState<PublicMeetingView | null | undefined>(undefined);
  /** The secret of the personal invitation link (?invite=…) the page was opened with, if any. */
  const [invite] = useState(() => {
    const token = new URLSearchParams(location.search).get('invite');
    return token && INVITE_TOKEN_PATTERN.test(token) ? token : undefined;
  });
  /**
   * A one-use join ticket and the name that comes with it, when the page was opened from the
   * BigBlueButton-compatible API's `join` (a Moodle activity): the server gives the role.
   */
  const [ticket] = useState(() => {
    const params = new URLSearchParams(location.search);
    const token = params.get('ticket');
    return token && INVITE_TOKEN_PATTERN.test(token) ? { token, name: params.get('name')?.slice(0, 64) ?? undefined } : undefined;
  });
  const [userName, setUserName] = useState<string | undefined>();
  const [session, setSession] = useState<MeetingSession | undefined>();
  const [speakerId, setSpeakerId] = useState<string | undefined>();
  const [panel, setPanel] = useState<PanelName | null>(null);
  const [unread, setUnread] = useState(0);
  const panelRef = useRef(panel);
  panelRef.current = panel;
  const [, force] = useState(0);

  useEffect(() => {
    api('GET', `/api/meetings/${encodeURIComponent(meetingId)}/public${invite ? `?invite=${invite}` : ''}`, PublicResponse).then(
      (r) => setMeeting(r.meeting),
      () => setMeeting(null),
    );
    api('GET', '/api/me', MeResponse).then(
      (r) => setUserName(r.user.name),
      () => {},
    );
  }, [meetingId]);

  useEffect(() => {
    if (!session) return;
    const offs = [
      session.on('change', () => force((n) => n + 1)),
      session.on('chat', (m) => {
        if (panelRef.current !== 'chat' && m.from.id !== session.self?.id) setUnread((n) => n + 1);
      }),
      // A poll put to everyone opens where people can answer it.
      session.on('pollOpened', () => {
        if (!session.isModerator) setPanel('polls');
      }),
      // A recording made in this browser goes to the person's own disk.
      session.on('localRecording', (file, extension) => saveBlob(file, `amphi-${(session.meeting?.title ?? 'meeting').replace(/[^\p{L}\p{N}]+/gu, '-')}-${new Date().toISOString().slice(0, 16).replace(/[:T]/g, '-')}.${extension}`)),
      // Hosts see and hear that someone is waiting.
      session.on('someoneWaiting', (w) => {
        session.emit('notice', 'notice.waiting', { name: w.name });
        chime();
      }),
    ];
    return () => offs.forEach((off) => off());
  }, [session]);

  const openPanel = (p: PanelName | null) => {
    setPanel(p);
    if (p === 'chat') setUnread(0);
  };

  const join = (choice: JoinChoice) => {
    const scheme = location.protocol === 'https:' ? 'wss' : 'ws';
    const s = new MeetingSession({
      signalingUrl: `${scheme}://${location.host}/ws`,
      meetingId,
      name: choice.name,
      localStream: choice.stream,
      audio: choice.audio,
      video: choice.video,
      clientId: clientIdOf(localStorage),
      passcode: choice.passcode,
      invite: choice.invite,
      ticket: ticket?.token,
    });
    setSpeakerId(choice.speakerId);
    setSession(s);
    void s.start();
  };

  useEffect(() => {
    const onUnload = () => void session?.leave();
    window.addEventListener('pagehide', onUnload);
    return () => window.removeEventListener('pagehide', onUnload);
  }, [session]);

  let content;
  if (meeting === undefined) content = <main id="main" className="centered" aria-busy="true" />;
  else if (meeting === null)
    content = (
      <main id="main" className="centered">
        <p className="card" role="alert">
          {t('prejoin.notFound')}
        </p>
      </main>
    );
  else if (!session || session.state === 'connecting') content = <PreJoin meeting={meeting} defaultName={ticket?.name ?? meeting.invitee?.name ?? userName} invite={meeting.invitee ? invite : undefined} onJoin={join} busy={Boolean(session)} />;
  else if (session.state === 'waiting')
    content = (
      <>
        <ConnectionBanner session={session} />
        <WaitingScreen session={session} />
      </>
    );
  else if (session.state === 'joined')
    content = (
      <RoomView
        session={session}
        speakerId={speakerId}
        panel={panel}
        onPanel={openPanel}
        unreadChat={unread}
        stage={<StageView session={session} />}
        presenting={hasStage(session)}
        banner={
          <>
            <ConnectionBanner session={session} />
            <BreakoutBanner session={session} />
          </>
        }
        panelContent={
          panel === 'participants' ? (
            <ParticipantsPanel session={session} />
          ) : panel === 'chat' ? (
            <ChatPanel session={session} />
          ) : panel === 'polls' ? (
            <PollsPanel session={session} />
          ) : panel === 'documents' ? (
            <DocumentsPanel session={session} />
          ) : panel === 'breakouts' ? (
            <BreakoutsPanel session={session} />
          ) : null
        }
      />
    );
  else content = <EndScreen state={session.state} reason={session.endReason} errorCode={session.error?.code} redirectUrl={session.redirectUrl} onRejoin={() => setSession(undefined)} />;

  return (
    <div className="page">
      {(!session || session.state !== 'joined') && (
        <header className="topbar">
          <a className="brand-link" href="/">
            <Brand />
          </a>
          <LanguageSwitch />
        </header>
      )}
      {content}
    </div>
  );
}
