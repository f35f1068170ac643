import { useEffect, useState } from 'react';

/** A live microphone level meter, so people can check they are heard before joining. */
export function MicLevel({ stream, label }: { stream: MediaStream; label: string }) {
  const [level, setLevel] = useState(0);
  useEffect(() => {
    const track = stream.getAudioTracks()[0];
    if (!track || typeof AudioContext === 'undefined') return;
    const ctx = new AudioContext();
    const source = ctx.createMediaStreamSource(new MediaStream([track]));
    const analyser = ctx.createAnalyser();
    analyser.fftSize = 512;
    source.connect(analyser);
    const data = new Uint8Array(analyser.fftSize);
    const timer = setInterval(() => {
      analyser.getByteTimeDomainData(data);
      let peak = 0;
      for (const v of data) peak = Math.max(peak, Math.abs(v - 128));
      setLevel(Math.min(100, Math.round((peak / 128) * 140)));
    }, 100);
    return () => {
      clearInterval(timer);
      source.disconnect();
      void ctx.close();
    };
  }, [stream]);
  return <meter className="mic-level" min={0} max={100} value={level} aria-label={label} />;
}
