import { AppError } from '../errors.ts';
import type { CloudRecorder } from '../ports/CloudRecorder.ts';
import type { MediaRoom } from '../ports/MediaBackend.ts';
import type { RecordingManifest } from '../ports/RecordingProcessor.ts';
import type { MeetingContext } from './MeetingContext.ts';
import type { RecordingSnapshot } from './MeetingSnapshot.ts';
import type { Participant } from './Participant.ts';
import { isModerator } from './permissions.ts';

/** How often, while recording, the recordings disk is checked for room. */
const DISK_CHECK_MS = 5_000;

interface Active {
  id: string;
  startedAt: Date;
  /** The media room it records; none once the media it ran on went away (until it goes on). */
  room: MediaRoom | undefined;
  rawDir: string;
  /** Since when nothing is written, if so: paused by a host, or interrupted. */
  pausedAt: Date | undefined;
  /**
   * The media it ran on went away (Amphi or the media server restarted): it goes on by itself
   * once someone in the main room publishes again, and the MP4 leaves the gap out, as a pause.
   * People still see it recording.
   */
  interrupted: boolean;
  pauses: { from: number; to: number }[];
  /** Who started talking when, for the active speaker's picture. */
  speakers: { feed: string; at: number }[];
  /** Every feed it has recorded (people who left and feeds from before a restart included). */
  feeds: RecordingManifest['feeds'];
}


/** Speaker changes are written to the manifest at most this often (and at pause and stop). */
const SPEAKERS_WRITE_MS = 2_000;

/**
 * Cloud recording of the meeting's main room. Only a host or co-host who is staff starts it
 * (the service sheet: only staff record to the cloud); any host or co-host stops it. Everyone
 * sees that it runs (meeting state); the media server writes every stream, and the recorder
 * makes one MP4 when it stops. Starting and stopping are serialised.
 */
export class CloudRecording {
  #active: Active | undefined;
  #busy: Promise<void> = Promise.resolve();
  #diskCheck: ReturnType<typeof setInterval> | undefined;
  #speakersWrite: ReturnType<typeof setTimeout> | undefined;

  constructor(
    private readonly meeting: MeetingContext,
    private readonly recorder: CloudRecorder | undefined,
    private readonly mainRoom: () => Promise<MediaRoom>,
  ) {
    meeting.events.on('streams', () => this.#streamsChanged());
    meeting.events.on('talking', (p) => this.#talking(p));
    meeting.events.on('media-lost', () => this.#mediaLost());
  }

  get active(): boolean {
    return this.#active !== undefined;
  }

  /** Whether this person may start a cloud recording, under the deployment's policy. */
  mayStart(p: Participant): boolean {
    return isModerator(p.role) && this.accountMayRecord(p);
  }

  /** Whether this person's account may record once they host or co-host (what the client is told). */
  accountMayRecord(p: Participant): boolean {
    const policy = this.meeting.deploymentPolicy.cloudRecording ?? 'staff';
    if (policy === 'off' || p.userId === undefined) return false;
    return policy === 'hosts' || p.isStaff;
  }

  start(by: Participant): Promise<void> {
    if ((this.meeting.deploymentPolicy.cloudRecording ?? 'staff') === 'off') throw new AppError('auth.forbidden', 'cloud recording is turned off on this server');
    if (!this.mayStart(by)) throw new AppError('auth.forbidden', 'only staff hosts may record to the cloud');
    if (!this.recorder) throw new AppError('media.unavailable', 'cloud recording is not available on this server');
    return this.#serial(async () => {
      if (this.#active) return;
      const recorder = this.recorder!;
      if (!(await recorder.hasRoom())) throw new AppError('recording.disk_full', 'the server’s recording disk is full; recording cannot start');
      const room = await this.mainRoom();
      const { id, rawDir } = await recorder.begin({ meetingId: this.meeting.id, ownerId: by.userId!, title: this.meeting.title });
      const active: Active = { id, startedAt: new Date(), room, rawDir, pausedAt: undefined, interrupted: false, pauses: [], speakers: [], feeds: {} };
      await this.#describe(active);
      try {
        await room.setRecording(rawDir);
      } catch (err) {
        recorder.end(id);
        throw err;
      }
      this.#active = active;
      this.meeting.log.info('cloud recording started', { recording: id, by: by.id });
      this.#watchDisk();
      this.#announce();
    });
  }

  stop(by: Participant): Promise<void> {
    if (!isModerator(by.role)) throw new AppError('auth.forbidden', 'only hosts and co-hosts can stop the recording');
    return this.#serial(() => this.#stop());
  }

  /** Pauses (nothing is recorded, and the MP4 skips it) or resumes. */
  pause(by: Participant, paused: boolean): Promise<void> {
    if (!isModerator(by.role)) throw new AppError('auth.forbidden', 'only hosts and co-hosts can pause the recording');
    return this.#serial(async () => {
      const active = this.#active;
      if (!active) throw new AppError('protocol.out_of_order', 'nothing is being recorded');
      if (active.interrupted) {
        // Nothing is written yet: a pause asked for now just keeps it so once media is back.
        if (paused) active.interrupted = false;
      } else if (paused === (active.pausedAt !== undefined)) {
        return;
      } else if (paused) {
        const from = new Date();
        await active.room?.setRecording(null);
        active.pausedAt = from;
      } else {
        await this.#write(active);
      }
      this.#announce();
    });
  }

  /** Someone records in their own browser (hosts always may; others when allowed); everyone is told. */
  setLocal(p: Participant, active: boolean): void {
    if (active && !isModerator(p.role) && !this.meeting.state.permissions.allowLocalRecording) throw new AppError('auth.forbidden', 'the host does not allow participants to record');
    if (p.recordingLocally === active) return;
    p.recordingLocally = active;
    this.meeting.broadcast({ type: 'participant-updated', participant: p.info() });
  }

  /**
   * Someone published or started sharing: the layout must know whose streams are whose. An
   * interrupted recording goes on once someone in the main room publishes again.
   */
  #streamsChanged(): void {
    const active = this.#active;
    if (!active) return;
    if (!active.interrupted) {
      void this.#describe(active);
      return;
    }
    if (![...this.meeting.participants()].some((p) => p.room === null && p.state === 'live' && p.peer?.feedId !== undefined)) return;
    void this.#serial(async () => {
      if (this.#active !== active || !active.interrupted) return;
      await this.#write(active);
      active.interrupted = false;
      this.meeting.log.info('cloud recording goes on', { recording: active.id, gapMs: active.pauses.at(-1)!.to - active.pauses.at(-1)!.from });
    }).catch((err) => this.meeting.log.warn('could not carry on recording', { recording: active.id, err: String(err) }));
  }

  /**
   * Writing starts again after a pause or an interruption. The pause is taken before the media
   * server resumes: its first packets may come before its reply does, and a file that starts
   * after the pause ends must be moved back by the whole pause. The manifest says so before the
   * first packet is written, as the MP4 is made while recording.
   */
  async #write(active: Active): Promise<void> {
    const room = active.room ?? (await this.mainRoom());
    const pause = { from: active.pausedAt!.getTime(), to: Date.now() };
    active.pauses.push(pause);
    await this.#describe(active);
    try {
      await room.setRecording(active.rawDir);
    } catch (err) {
      active.pauses.splice(active.pauses.indexOf(pause), 1);
      throw err;
    }
    active.room = room;
    active.pausedAt = undefined;
  }

  /** Someone started talking: the recording shows the active speaker. */
  #talking(p: Participant): void {
    const active = this.#active;
    const feed = p.peer?.feedId;
    if (!active || active.pausedAt || feed === undefined) return;
    if (active.speakers[active.speakers.length - 1]?.feed === String(feed)) return;
    active.speakers.push({ feed: String(feed), at: Date.now() });
    this.#speakersWrite ??= setTimeout(() => {
      this.#speakersWrite = undefined;
      if (this.#active === active) void this.#describe(active);
    }, SPEAKERS_WRITE_MS);
  }

  #describe(active: Active): Promise<void> {
    if (!this.recorder) return Promise.resolve();
    this.#noteFeeds(active);
    return this.recorder.describe(active.id, { feeds: active.feeds, pauses: active.pauses, speakers: active.speakers }).catch((err) => this.meeting.log.warn('could not describe the recording', { err: String(err) }));
  }

  /**
   * The media server went away with the room (it restarted): the recording is interrupted, and
   * goes on once people publish again on the new one.
   */
  #mediaLost(): void {
    const active = this.#active;
    if (!active) return;
    active.room = undefined;
    if (active.pausedAt) return;
    active.pausedAt = new Date();
    active.interrupted = true;
    this.meeting.log.warn('cloud recording interrupted: the media server went away', { recording: active.id });
  }

  /** What a restart keeps of the recording under way. */
  snapshot(): RecordingSnapshot | null {
    const active = this.#active;
    if (!active) return null;
    return { id: active.id, startedAt: active.startedAt.toISOString(), pausedAt: active.pausedAt && !active.interrupted ? active.pausedAt.getTime() : null };
  }

  /**
   * After a restart of Amphi, the meeting's recording goes on into the same folder: from when
   * the media server last wrote (the downtime is left out of the MP4, as a pause) until someone
   * publishes again. If it cannot (its files are gone), the meeting goes on without it.
   */
  async restore(s: RecordingSnapshot | null): Promise<void> {
    if (!s || !this.recorder) return;
    const kept = await this.recorder.carryOn(s.id).catch((err: unknown) => {
      this.meeting.log.warn('could not carry on a recording', { recording: s.id, err: String(err) });
      return undefined;
    });
    if (!kept) return;
    const { manifest } = kept;
    this.#active = {
      id: s.id,
      startedAt: new Date(s.startedAt),
      room: undefined,
      rawDir: kept.rawDir,
      pausedAt: s.pausedAt !== null ? new Date(s.pausedAt) : kept.mediaUntil,
      interrupted: s.pausedAt === null,
      pauses: manifest.pauses ?? [],
      speakers: manifest.speakers ?? [],
      feeds: manifest.feeds,
    };
    this.meeting.state.recording = this.state();
    this.#watchDisk();
    this.meeting.log.info('cloud recording carried over the restart', { recording: s.id });
  }

  /** The meeting ends: the recording ends with it. */
  meetingClosed(): Promise<void> {
    return this.#serial(() => this.#stop());
  }

  state(): { active: boolean; startedAt: string | null; paused: boolean } {
    const active = this.#active;
    return { active: active !== undefined, startedAt: active?.startedAt.toISOString() ?? null, paused: active?.pausedAt !== undefined && !active.interrupted };
  }

  /** While recording: a full disk stops the recording (what was written is kept), and the meeting goes on. */
  #watchDisk(): void {
    clearInterval(this.#diskCheck);
    this.#diskCheck = setInterval(() => {
      void this.recorder?.hasRoom().then((room) => {
        if (room || !this.#active) return;
        this.meeting.log.error('recording disk full: stopping the recording');
        void this.#serial(() => this.#stop()).then(() => {
          const message = { type: 'error', code: 'recording.disk_full', message: 'the server’s recording disk is full: the recording stopped (what was recorded is kept)' } as const;
          this.meeting.sendToModerators(message);
        });
      });
    }, DISK_CHECK_MS);
    this.#diskCheck.unref?.();
  }

  async #stop(): Promise<void> {
    clearInterval(this.#diskCheck);
    this.#diskCheck = undefined;
    clearTimeout(this.#speakersWrite);
    this.#speakersWrite = undefined;
    const active = this.#active;
    if (!active) return;
    this.#active = undefined;
    // Stopping makes Janus close its files; if the room is already gone they are closed anyway.
    if (active.pausedAt) active.pauses.push({ from: active.pausedAt.getTime(), to: Date.now() });
    else await active.room?.setRecording(null).catch((err) => this.meeting.log.warn('could not stop recording cleanly', { err: String(err) }));
    await this.#describe(active);
    this.recorder?.end(active.id);
    this.meeting.log.info('cloud recording stopped', { recording: active.id });
    if (!this.meeting.ended) this.#announce();
  }

  /** Whose feed is whose, as of now, added to what the recording already knows. */
  #noteFeeds(active: Active): void {
    for (const p of this.meeting.participants()) {
      const feedId = p.peer?.feedId;
      if (feedId === undefined) continue;
      const screen = p.peer?.publishedMids.screen;
      const known = active.feeds[String(feedId)]?.screenMids ?? [];
      active.feeds[String(feedId)] = { name: p.name, screenMids: screen !== undefined && !known.includes(screen) ? [...known, screen] : known };
    }
  }

  #announce(): void {
    this.meeting.state.recording = this.state();
    this.meeting.broadcast({ type: 'meeting-state', state: this.meeting.state });
  }

  #serial(work: () => Promise<void>): Promise<void> {
    const next = this.#busy.then(work);
    this.#busy = next.catch(() => {});
    return next;
  }
}
