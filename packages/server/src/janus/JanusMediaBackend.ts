import crypto from 'node:crypto';
import Janode, { type JanodeConnection, type JanodeSession } from 'janode';
import VideoRoomPlugin, { type VideoRoomHandle } from 'janode/plugins/videoroom';
import { AppError } from '../errors.ts';
import type { Logger } from '../Logger.ts';
import type { MediaBackend, MediaBackendEvents, MediaPeer, MediaRoom } from '../ports/MediaBackend.ts';
import { TypedEmitter } from '../TypedEmitter.ts';
import { JanusPeer } from './JanusPeer.ts';
import { withTimeout } from '../withTimeout.ts';

type State = 'idle' | 'up' | 'down' | 'closed';

/**
 * The MediaBackend over Janus's VideoRoom plugin, through one janode connection.
 * When the connection drops (Janus died or restarted) it reports `down`, reconnects by
 * itself, and reports `reset` once Janus answers again — with no rooms in it.
 */
export class JanusMediaBackend extends TypedEmitter<MediaBackendEvents> implements MediaBackend {
  #state: State = 'idle';
  #connection: JanodeConnection | undefined;
  #manager: VideoRoomHandle | undefined;
  #generation = 0;
  readonly #log: Logger;

  constructor(
    private readonly target: { url: string; apiSecret: string; adminKey: string },
    log: Logger,
  ) {
    super();
    this.#log = log.child({ component: 'janus' });
    Janode.Logger.setLevel('none');
  }

  get available(): boolean {
    return this.#state === 'up';
  }

  /** Connects for the first time; rejects if Janus does not answer within timeoutMs. */
  async start(timeoutMs = 15_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      try {
        await this.#connect();
        return;
      } catch (err) {
        if (Date.now() > deadline) throw new Error(`cannot reach Janus at ${this.target.url}: ${String(err)}`, { cause: err });
        await sleep(200);
      }
    }
  }

  async #connect(): Promise<void> {
    const connection = await Janode.connect({ address: { url: this.target.url, apisecret: this.target.apiSecret }, retry_time_secs: 1, max_retries: 1 });
    try {
      const session = await connection.create();
      this.#manager = await session.attach(VideoRoomPlugin);
    } catch (err) {
      await connection.close().catch(() => {});
      throw err;
    }
    const generation = ++this.#generation;
    this.#connection = connection;
    connection.once(Janode.EVENT.CONNECTION_CLOSED, () => this.#lost(generation));
    connection.on(Janode.EVENT.CONNECTION_ERROR, () => this.#lost(generation));
    this.#state = 'up';
    this.#log.info('connected to janus', { url: this.target.url });
  }

  #lost(generation: number): void {
    if (generation !== this.#generation || this.#state !== 'up') return;
    this.#state = 'down';
    this.#connection = undefined;
    this.#manager = undefined;
    this.#log.warn('lost janus connection; reconnecting');
    this.emit('down');
    void this.#reconnect();
  }

  async #reconnect(): Promise<void> {
    while (this.#state === 'down') {
      try {
        await this.#connect();
        this.emit('reset');
        return;
      } catch {
        await sleep(200);
      }
    }
  }

  async openRoom(label: string): Promise<MediaRoom> {
    const manager = this.#manager;
    const connection = this.#connection;
    if (this.#state !== 'up' || !manager || !connection) throw new AppError('media.unavailable', 'the media server is not available');
    const id = crypto.randomInt(1, 2 ** 31 - 1);
    const secret = crypto.randomBytes(18).toString('base64url');
    const pin = crypto.randomBytes(18).toString('base64url');
    try {
      await withTimeout(
        manager.create({
          room: id,
          description: label.slice(0, 60),
          admin_key: this.target.adminKey,
          secret,
          pin,
          is_private: true,
          max_publishers: 500,
          bitrate: 768_000,
          notify_joining: false,
          // Active speaker: Janus reports talking / stopped-talking from the audio levels
          // (average above -40 dBov over 40 packets, i.e. about 0.8 s of speech).
          talking_events: true,
          talking_level_threshold: 40,
          talking_packets_threshold: 40,
        }),
        10_000,
        'create room',
      );
    } catch (err) {
      throw new AppError('media.unavailable', `could not create a media room: ${String(err)}`, { cause: err });
    }
    return new JanusRoom(id, secret, pin, connection, manager, this.#log);
  }

  async close(): Promise<void> {
    if (this.#state === 'closed') return;
    this.#state = 'closed';
    this.#generation++;
    const connection = this.#connection;
    this.#connection = undefined;
    this.#manager = undefined;
    if (connection) await withTimeout(connection.close(), 2_000, 'close').catch(() => {});
    this.removeAllListeners();
  }
}

class JanusRoom implements MediaRoom {
  #closed = false;
  constructor(
    readonly id: number,
    private readonly secret: string,
    private readonly pin: string,
    private readonly connection: JanodeConnection,
    private readonly manager: VideoRoomHandle,
    private readonly log: Logger,
  ) {}

  async openPeer(display: string): Promise<MediaPeer> {
    if (this.#closed) throw new AppError('media.unavailable', 'the media room is closed');
    let session: JanodeSession | undefined;
    try {
      session = await withTimeout(this.connection.create(), 10_000, 'create session');
      const publisher = await withTimeout(session.attach(VideoRoomPlugin), 10_000, 'attach');
      return new JanusPeer({ room: this.id, pin: this.pin, display, session, publisher, log: this.log });
    } catch (err) {
      await session?.destroy().catch(() => {});
      throw new AppError('media.unavailable', `could not open media for a participant: ${String(err)}`, { cause: err });
    }
  }

  async setRecording(dir: string | null): Promise<void> {
    if (this.#closed) throw new AppError('media.unavailable', 'the media room is closed');
    try {
      // Janus writes into the room's rec_dir, which may change while the room lives. While it
      // records, it asks publishers for a keyframe every few seconds: the MP4 is made in pieces
      // while the meeting goes on, and each piece must start from one.
      const edit = dir !== null ? { new_rec_dir: dir, new_fir_freq: RECORDING_KEYFRAME_S } : { new_fir_freq: 0 };
      if (dir !== null) await withTimeout(this.manager.message({ request: 'edit', room: this.id, secret: this.secret, ...edit }), 10_000, 'edit room');
      await withTimeout(this.manager.enable_recording({ room: this.id, secret: this.secret, record: dir !== null }), 10_000, 'enable recording');
      if (dir === null) await withTimeout(this.manager.message({ request: 'edit', room: this.id, secret: this.secret, ...edit }), 10_000, 'edit room');
    } catch (err) {
      throw new AppError('media.unavailable', `could not ${dir === null ? 'stop' : 'start'} recording: ${String(err)}`, { cause: err });
    }
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    await withTimeout(this.manager.destroy({ room: this.id, secret: this.secret }), 5_000, 'destroy room').catch(() => {});
  }
}

/** Seconds between the keyframes Janus asks publishers for while recording. */
const RECORDING_KEYFRAME_S = 5;

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}
