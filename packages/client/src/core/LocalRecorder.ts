/** The container a browser records into: MP4 where it can, WebM otherwise. */
export function localRecordingType(isSupported: (type: string) => boolean): { mimeType: string; extension: 'mp4' | 'webm' } | undefined {
  const candidates: [string, 'mp4' | 'webm'][] = [
    ['video/mp4;codecs=avc1.42E01E,mp4a.40.2', 'mp4'],
    ['video/mp4', 'mp4'],
    ['video/webm;codecs=vp8,opus', 'webm'],
    ['video/webm', 'webm'],
  ];
  for (const [mimeType, extension] of candidates) if (isSupported(mimeType)) return { mimeType, extension };
  return undefined;
}

/**
 * Records the meeting in the browser: the picture of this tab (the browser asks which tab or
 * screen; this one is offered first) with everyone's sound mixed, saved as a file on the
 * person's own computer. Nothing goes to the server.
 */
export class LocalRecorder {
  #recorder: MediaRecorder | undefined;
  #audio: AudioContext | undefined;
  #mix: MediaStreamAudioDestinationNode | undefined;
  #sources = new Map<string, MediaStreamAudioSourceNode>();
  #picture: MediaStreamTrack | undefined;
  #chunks: Blob[] = [];
  #type: { mimeType: string; extension: 'mp4' | 'webm' } | undefined;
  /** Called when the person stops the capture from the browser's own bar. */
  onEnded: (() => void) | undefined;

  static supported(): boolean {
    return typeof MediaRecorder !== 'undefined' && typeof navigator.mediaDevices?.getDisplayMedia === 'function' && localRecordingType((t) => MediaRecorder.isTypeSupported(t)) !== undefined;
  }

  get active(): boolean {
    return this.#recorder !== undefined;
  }

  /** Asks for the picture, mixes the sound it is given, and starts recording. False if the person cancelled. */
  async start(audioTracks: MediaStreamTrack[]): Promise<boolean> {
    const type = localRecordingType((t) => MediaRecorder.isTypeSupported(t));
    if (!type) return false;
    let display: MediaStream;
    try {
      display = await navigator.mediaDevices.getDisplayMedia({ video: true, audio: false, preferCurrentTab: true } as DisplayMediaStreamOptions);
    } catch {
      return false;
    }
    const picture = display.getVideoTracks()[0];
    if (!picture) return false;
    this.#picture = picture;
    picture.onended = () => this.onEnded?.();
    this.#audio = new AudioContext();
    this.#mix = this.#audio.createMediaStreamDestination();
    this.setAudio(audioTracks);
    this.#type = type;
    this.#chunks = [];
    const recorder = new MediaRecorder(new MediaStream([picture, ...this.#mix.stream.getAudioTracks()]), { mimeType: type.mimeType });
    recorder.ondataavailable = (e) => {
      if (e.data.size > 0) this.#chunks.push(e.data);
    };
    recorder.start(1_000);
    this.#recorder = recorder;
    return true;
  }

  /** The sound to mix: everyone heard in the meeting (people come and go while it records). */
  setAudio(tracks: MediaStreamTrack[]): void {
    const audio = this.#audio;
    const mix = this.#mix;
    if (!audio || !mix) return;
    const wanted = new Set(tracks.map((t) => t.id));
    for (const [id, source] of this.#sources) {
      if (!wanted.has(id)) {
        source.disconnect();
        this.#sources.delete(id);
      }
    }
    for (const track of tracks) {
      if (this.#sources.has(track.id) || track.readyState === 'ended') continue;
      const source = audio.createMediaStreamSource(new MediaStream([track]));
      source.connect(mix);
      this.#sources.set(track.id, source);
    }
  }

  /** Stops and returns the file. */
  async stop(): Promise<{ blob: Blob; extension: 'mp4' | 'webm' } | undefined> {
    const recorder = this.#recorder;
    const type = this.#type;
    this.#recorder = undefined;
    if (!recorder || !type) return undefined;
    const stopped = new Promise<void>((resolve) => (recorder.onstop = () => resolve()));
    if (recorder.state !== 'inactive') recorder.stop();
    await stopped;
    if (this.#picture) {
      this.#picture.onended = null;
      this.#picture.stop();
    }
    for (const source of this.#sources.values()) source.disconnect();
    this.#sources.clear();
    await this.#audio?.close().catch(() => {});
    this.#audio = undefined;
    this.#mix = undefined;
    return { blob: new Blob(this.#chunks, { type: type.mimeType.split(';')[0] }), extension: type.extension };
  }
}
