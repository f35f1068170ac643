import { useEffect, useRef } from 'react';

/** A shared screen, shown large (contained, never cropped), with who is sharing. */
export function ScreenStage({ track, label }: { track: MediaStreamTrack; label: string }) {
  const ref = useRef<HTMLVideoElement>(null);
  useEffect(() => {
    if (ref.current) ref.current.srcObject = new MediaStream([track]);
  }, [track]);
  return (
    <section className="screen-stage" aria-label={label} data-testid="screen-share">
      <video ref={ref} autoPlay playsInline muted />
      <div className="tile-label">{label}</div>
    </section>
  );
}
