import { useEffect, useRef, useState, type FormEvent } from 'react';
import type { PublicMeetingView } from '@amphi/protocol';
import { useI18n } from '../../ui/i18n.tsx';
import { MicLevel } from './MicLevel.tsx';

export interface JoinChoice {
  name: string;
  stream: MediaStream;
  audio: boolean;
  video: boolean;
  speakerId: string | undefined;
  passcode: string | undefined;
  /** The secret of the personal invitation link the page was opened with (who this is, which breakout room). */
  invite: string | undefined;
}

const NAME_KEY = 'amphi.name';

/**
 * The pre-join screen: what the meeting is, your name, a camera preview with a mic level,
 * device choice, and whether to join with the camera and microphone on. Nobody sees or hears
 * you before you press "Join now".
 */
export function PreJoin({
  meeting,
  defaultName,
  invite,
  onJoin,
  busy,
}: {
  meeting: PublicMeetingView;
  defaultName: string | undefined;
  /** Only when the server recognised it (meeting.invitee). */
  invite?: string | undefined;
  onJoin: (c: JoinChoice) => void;
  busy: boolean;
}) {
  const { t } = useI18n();
  const [name, setName] = useState(() => defaultName ?? localStorage.getItem(NAME_KEY) ?? '');
  const [stream, setStream] = useState<MediaStream>(() => new MediaStream());
  const [blocked, setBlocked] = useState(false);
  const [devices, setDevices] = useState<MediaDeviceInfo[]>([]);
  const [cameraId, setCameraId] = useState<string>('');
  const [micId, setMicId] = useState<string>('');
  const [speakerId, setSpeakerId] = useState<string>('');
  const [videoOn, setVideoOn] = useState(true);
  const [audioOn, setAudioOn] = useState(true);
  const [nameError, setNameError] = useState(false);
  const [passcode, setPasscode] = useState(() => new URLSearchParams(location.search).get('pwd') ?? '');
  /** False while the camera and microphone are being opened: joining waits for them. */
  const [devicesReady, setDevicesReady] = useState(false);
  const videoRef = useRef<HTMLVideoElement>(null);
  const handedOver = useRef(false);

  useEffect(() => {
    if (defaultName && !name) setName(defaultName);
  }, [defaultName]);

  // (Re)open the chosen devices. Each device is asked for separately so a missing camera
  // does not cost the microphone.
  useEffect(() => {
    let cancelled = false;
    setDevicesReady(false);
    const open = async () => {
      const next = new MediaStream();
      let denied = false;
      for (const kind of ['audio', 'video'] as const) {
        const id = kind === 'audio' ? micId : cameraId;
        try {
          const s = await navigator.mediaDevices.getUserMedia(
            kind === 'audio' ? { audio: id ? { deviceId: { exact: id } } : true } : { video: id ? { deviceId: { exact: id } } : { width: 640, height: 480 } },
          );
          for (const track of s.getTracks()) next.addTrack(track);
        } catch (err) {
          if ((err as DOMException).name === 'NotAllowedError') denied = true;
        }
      }
      if (cancelled) {
        next.getTracks().forEach((tr) => tr.stop());
        return;
      }
      setBlocked(denied);
      setStream((old) => {
        old.getTracks().forEach((tr) => tr.stop());
        return next;
      });
      setDevicesReady(true);
      const list = await navigator.mediaDevices.enumerateDevices().catch(() => []);
      if (!cancelled) setDevices(list);
    };
    void open();
    return () => {
      cancelled = true;
    };
  }, [cameraId, micId]);

  // Stop the preview's devices if the page leaves the pre-join screen without joining.
  useEffect(
    () => () => {
      if (!handedOver.current) stream.getTracks().forEach((tr) => tr.stop());
    },
    [stream],
  );

  useEffect(() => {
    if (videoRef.current) videoRef.current.srcObject = stream;
  }, [stream]);

  const submit = (e: FormEvent) => {
    e.preventDefault();
    const trimmed = name.trim();
    if (!trimmed) {
      setNameError(true);
      return;
    }
    localStorage.setItem(NAME_KEY, trimmed);
    handedOver.current = true;
    onJoin({ name: trimmed, stream, audio: audioOn, video: videoOn, speakerId: speakerId || undefined, passcode: meeting.passcodeRequired ? passcode.trim() : undefined, invite });
  };

  const hasVideo = stream.getVideoTracks().length > 0;
  const hasAudio = stream.getAudioTracks().length > 0;
  const cams = devices.filter((d) => d.kind === 'videoinput');
  const mics = devices.filter((d) => d.kind === 'audioinput');
  const speakers = devices.filter((d) => d.kind === 'audiooutput');
  const canPickSpeaker = typeof (HTMLMediaElement.prototype as { setSinkId?: unknown }).setSinkId === 'function' && speakers.length > 0;

  return (
    <main className="prejoin" id="main">
      <div className="prejoin-preview">
        {hasVideo && videoOn ? (
          <video ref={videoRef} className="mirror" autoPlay playsInline muted aria-label={t('prejoin.preview')} />
        ) : (
          <div className="preview-off" role="img" aria-label={t('prejoin.cameraOff')}>
            {t('prejoin.cameraOff')}
          </div>
        )}
        {hasAudio && audioOn && <MicLevel stream={stream} label={t('prejoin.micLevel')} />}
      </div>
      <form className="card prejoin-form" onSubmit={submit} aria-labelledby="prejoin-title">
        <h1 id="prejoin-title">{meeting.title}</h1>
        {meeting.organiser && <p className="muted">{t('prejoin.organisedBy', { name: meeting.organiser })}</p>}
        {meeting.recording && (
          <p role="alert" className="recording-notice" data-testid="prejoin-recording">
            <span className="recording-dot" aria-hidden="true" /> {t('prejoin.recording')}
          </p>
        )}
        {meeting.invitee && (
          <p data-testid="invitee-room">
            <strong>{t('breakouts.expectedIn', { room: meeting.invitee.room })}</strong>
          </p>
        )}
        <h2>{t('prejoin.heading')}</h2>
        {blocked && (
          <p className="warning" role="alert">
            {t('prejoin.blocked')}
          </p>
        )}
        <label>
          {t('prejoin.name')}
          <input
            name="name"
            required
            maxLength={64}
            autoComplete="name"
            value={name}
            aria-invalid={nameError}
            aria-describedby={nameError ? 'name-error' : undefined}
            onChange={(e) => {
              setName(e.target.value);
              setNameError(false);
            }}
          />
        </label>
        {nameError && (
          <p id="name-error" className="error">
            {t('prejoin.nameRequired')}
          </p>
        )}
        {meeting.passcodeRequired && (
          <label>
            {t('prejoin.passcode')}
            <input name="passcode" required maxLength={32} autoComplete="off" value={passcode} onChange={(e) => setPasscode(e.target.value)} />
          </label>
        )}
        <div className="toggles">
          <label className="toggle">
            <input type="checkbox" name="camera-on" checked={videoOn && hasVideo} disabled={!hasVideo} onChange={(e) => setVideoOn(e.target.checked)} />
            {t('prejoin.cameraOn')}
          </label>
          <label className="toggle">
            <input type="checkbox" name="mic-on" checked={audioOn && hasAudio} disabled={!hasAudio} onChange={(e) => setAudioOn(e.target.checked)} />
            {t('prejoin.micOn')}
          </label>
        </div>
        <DevicePicker label={t('prejoin.camera')} devices={cams} value={cameraId || (stream.getVideoTracks()[0]?.getSettings().deviceId ?? '')} onChange={setCameraId} none={t('prejoin.noDevice')} />
        <DevicePicker label={t('prejoin.microphone')} devices={mics} value={micId || (stream.getAudioTracks()[0]?.getSettings().deviceId ?? '')} onChange={setMicId} none={t('prejoin.noDevice')} />
        {canPickSpeaker && <DevicePicker label={t('prejoin.speaker')} devices={speakers} value={speakerId} onChange={setSpeakerId} none={t('prejoin.noDevice')} />}
        <button type="submit" className="primary" disabled={busy || !devicesReady}>
          {busy ? t('prejoin.joining') : devicesReady ? t('prejoin.join') : t('prejoin.starting')}
        </button>
      </form>
    </main>
  );
}

function DevicePicker({ label, devices, value, onChange, none }: { label: string; devices: MediaDeviceInfo[]; value: string; onChange: (id: string) => void; none: string }) {
  return (
    <label>
      {label}
      <select value={value} onChange={(e) => onChange(e.target.value)} disabled={devices.length === 0}>
        {devices.length === 0 && <option value="">{none}</option>}
        {devices.map((d, i) => (
          <option key={d.deviceId || i} value={d.deviceId}>
            {d.label || `${label} ${i + 1}`}
          </option>
        ))}
      </select>
    </label>
  );
}
