import { useEffect, useRef, useState } from 'react';
import type { MeetingSession } from '../../core/MeetingSession.ts';
import { Annotated } from './Annotated.tsx';

/** A shared screen, window or tab, with the drawings over it. */
export function ScreenItem({ session, track, participantId, label }: { session: MeetingSession; track: MediaStreamTrack; participantId: string; label: string }) {
  const [aspect, setAspect] = useState(0);
  return (
    <Annotated session={session} surface={`screen:${participantId}`} aspect={aspect} label={label} fileName="amphi-screen" testId="screen-share">
      {() => <ScreenVideo track={track} onAspect={setAspect} />}
    </Annotated>
  );
}

function ScreenVideo({ track, onAspect }: { track: MediaStreamTrack; onAspect: (aspect: number) => void }) {
  const ref = useRef<HTMLVideoElement>(null);
  useEffect(() => {
    const video = ref.current;
    if (!video) return;
    video.srcObject = new MediaStream([track]);
    // The shared window can change size while it is shared.
    const report = () => video.videoWidth > 0 && onAspect(video.videoWidth / video.videoHeight);
    video.addEventListener('resize', report);
    video.addEventListener('loadedmetadata', report);
    return () => {
      video.removeEventListener('resize', report);
      video.removeEventListener('loadedmetadata', report);
    };
  }, [track, onAspect]);
  return <video ref={ref} className="stage-content" autoPlay playsInline muted />;
}
