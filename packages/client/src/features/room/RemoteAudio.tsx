import { useEffect, useRef } from 'react';

/** Plays one remote participant's audio (on the chosen speaker where the browser allows). */
export function RemoteAudio({ participantId, track, speakerId }: { participantId: string; track: MediaStreamTrack | undefined; speakerId: string | undefined }) {
  const ref = useRef<HTMLAudioElement>(null);
  useEffect(() => {
    const el = ref.current;
    if (!el) return;
    el.srcObject = track ? new MediaStream([track]) : null;
    const sink = el as HTMLAudioElement & { setSinkId?: (id: string) => Promise<void> };
    if (speakerId && sink.setSinkId) void sink.setSinkId(speakerId).catch(() => {});
  }, [track, speakerId]);
  return <audio ref={ref} autoPlay data-audio-of={participantId} />;
}
