import type { WebSocket } from 'ws';
import {
  CLOSE_CODES,
  parseClientMessage,
  type ClientMessage,
  type ErrorCode,
  type ServerMessage,
} from '@amphi/protocol';
import { AppError, assertNever, toAppError } from '../errors.ts';
import type { Logger } from '../Logger.ts';
import type { LiveMeeting } from '../domain/LiveMeeting.ts';
import type { MeetingRegistry } from '../domain/MeetingRegistry.ts';
import type { Participant } from '../domain/Participant.ts';
import type { ParticipantChannel } from '../ports/ParticipantChannel.ts';
import { isMeetingAction, QUIET_ACTIONS, runMeetingAction } from './meetingActions.ts';
import { RateLimiter } from '../RateLimiter.ts';

/** How often the server checks that a signaling connection is alive (a WebSocket ping). */
const HEARTBEAT_MS = 10_000;

/**
 * The connection's lifecycle:
 *   new ──join──▶ joining ──ok──────────────▶ joined ──leave/close/end/removed/replaced──▶ closed
 *    │               │  └──wait──▶ waiting ──admitted──▶ joined
 *    │               └──fail──▶ new           └──denied/close──▶ closed
 *    └──resume──▶ joined (the participant's place, kept since their previous connection dropped)
 * A joined connection that closes without `leave` leaves the participant reconnecting, not gone
 * (LiveMeeting.disconnected): a resume on a new connection brings them back.
 */
type ConnectionState = 'new' | 'joining' | 'waiting' | 'joined' | 'closed';

/** Who opened the socket, as the HTTP edge established it from the session cookie. */
/** How long a new connection has to join or resume a meeting before it is closed. */
export const JOIN_DEADLINE_MS = 15_000;

export interface ConnectionIdentity {
  userId: string | undefined;
  /** The account's email (to find a signed-in person in the breakout plan). */
  email?: string | undefined;
  /** The account is staff (may record to the cloud). */
  isStaff?: boolean | undefined;
  /** The account holds a host licence (the organiser hosts only with one). */
  licensed?: boolean | undefined;
  /** The client's IP address (for the passcode's limits). */
  address?: string | undefined;
  /** The browser, by the credential Amphi gave it (BrowserCredentials); undefined without a valid one. */
  browser?: string | undefined;
}

/**
 * One participant's signaling WebSocket: parse → validate → dispatch → reply.
 * Every bad frame gets a typed `error` and the connection stays open; one client's mistakes
 * never touch anyone else's meeting.
 */
export class SignalingConnection implements ParticipantChannel {
  #state: ConnectionState = 'new';
  #meeting: LiveMeeting | undefined;
  #participant: Participant | undefined;
  #waiterId: string | undefined;
  readonly #rate = new RateLimiter(300, 10_000);
  readonly #rateNotice = new RateLimiter(1, 10_000);
  readonly #log: Logger;
  /** Heartbeat: a WebSocket ping every HEARTBEAT_MS; a socket that has not answered the last one is dead. */
  readonly #heartbeat: ReturnType<typeof setInterval>;
  #alive = true;
  #joinDeadline: ReturnType<typeof setTimeout>;
  #lastHeard = performance.now();

  constructor(
    private readonly socket: WebSocket,
    private readonly identity: ConnectionIdentity,
    private readonly meetings: MeetingRegistry,
    log: Logger,
    /** Called once this connection joined, waits to be let in, resumed, or closed (see UnjoinedSockets). */
    private readonly settled: () => void = () => {},
  ) {
    this.#log = log;
    // A connection that never joins is closed: it holds memory and an address's share for nothing.
    this.#joinDeadline = setTimeout(() => {
      if (this.#state === 'new') this.close(1008, 'join a meeting first');
    }, JOIN_DEADLINE_MS);
    this.#joinDeadline.unref?.();
    socket.on('message', (data, isBinary) => {
      if (isBinary) {
        this.send({ type: 'error', code: 'protocol.malformed', message: 'binary frames are not part of the protocol' });
        return;
      }
      void this.#receive(data as Buffer);
    });
    socket.on('close', () => this.#closed());
    socket.on('error', (err) => this.#log.debug('socket error', { err: String(err) }));
    // A connection whose network went away sends no close: without this, the server would learn
    // only minutes later (TCP's own timeouts), and the participant's grace period would not start.
    socket.on('pong', () => (this.#alive = true));
    this.#heartbeat = setInterval(() => {
      if (!this.#alive) {
        this.#log.info('signaling connection stopped answering; closing it');
        socket.terminate();
        return;
      }
      this.#alive = false;
      if (socket.readyState === socket.OPEN) socket.ping();
    }, HEARTBEAT_MS);
    this.#heartbeat.unref?.();
  }

  idleMs(): number {
    return performance.now() - this.#lastHeard;
  }

  /** Writes to this socket (the participant's outbox calls it with numbered messages). */
  send(message: ServerMessage, serialized?: string): void {
    if (this.socket.readyState === this.socket.OPEN) this.socket.send(serialized ?? JSON.stringify(message));
  }

  /** A reply to this client: once joined, through the participant's outbox (numbered, kept for a resume). */
  #reply(message: ServerMessage): void {
    if (this.#state === 'joined' && this.#participant) this.#participant.channel.send(message);
    else this.send(message);
  }

  close(code: number, reason: string): void {
    this.#state = 'closed';
    this.socket.close(code, reason);
  }

  async #receive(raw: Buffer): Promise<void> {
    this.#lastHeard = performance.now();
    // One client flooding the server must not slow everyone else's meeting: excess frames are
    // dropped unread (ICE trickle bursts stay far below the limit).
    if (!this.#rate.hit('frames')) {
      if (this.#rateNotice.hit('notice')) this.#error('protocol.rate_limited', 'too many messages; slow down', undefined);
      return;
    }
    const parsed = parseClientMessage(raw);
    if (!parsed.ok) {
      this.#error(parsed.code, parsed.message, parsed.rid);
      return;
    }
    const message = parsed.message;
    // A request repeated after a resume was done already: its reply is in the outbox.
    const rid = 'rid' in message ? message.rid : undefined;
    if (rid !== undefined && this.#state === 'joined' && message.type !== 'ping' && !this.#participant!.firstTimeRequest(rid)) return;
    try {
      await this.#dispatch(message);
    } catch (err) {
      const appError = toAppError(err);
      if (appError.code === 'internal') this.#log.error('signaling handler failed', { type: message.type, err: String(err), stack: (err as Error)?.stack });
      this.#error(appError.code, appError.message, 'rid' in message ? message.rid : undefined);
    }
  }

  async #dispatch(message: ClientMessage): Promise<void> {
    switch (message.type) {
      case 'ping':
        // Straight to the socket: a pong is about this connection, not part of the meeting's story.
        this.send({ type: 'pong', rid: message.rid });
        return;
      case 'join':
        return this.#join(message);
      case 'resume':
        return this.#resume(message);
      case 'ice-restart': {
        const { participant } = this.#joined();
        participant.subscription.restartIce();
        this.#ok(message.rid);
        return;
      }
      case 'media-restart': {
        const { meeting, participant } = this.#joined();
        meeting.rebuildMedia(participant, true);
        this.#ok(message.rid);
        return;
      }
      case 'publish': {
        const { meeting, participant } = this.#joined();
        const screen = message.screenMid !== undefined ? { video: message.screenMid, audio: message.screenAudioMid } : undefined;
        const sdp = await meeting.publish(participant, message.sdp, screen);
        this.#reply({ type: 'publish-answer', rid: message.rid, sdp });
        return;
      }
      case 'subscribe-answer': {
        const { meeting, participant } = this.#joined();
        await meeting.answerSubscription(participant, message.negotiationId, message.sdp);
        this.#ok(message.rid);
        return;
      }
      case 'trickle': {
        const { meeting, participant } = this.#joined();
        meeting.trickle(participant, message.target, message.candidate);
        return;
      }
      case 'end-meeting': {
        const { meeting, participant } = this.#joined();
        // Reply before ending: ending closes this very socket.
        meeting.assertMayEnd(participant);
        this.#ok(message.rid);
        meeting.end(participant);
        return;
      }
      case 'leave': {
        if (this.#state !== 'joined' && this.#state !== 'waiting') throw new AppError('protocol.out_of_order', 'join a meeting first');
        this.#ok(message.rid);
        this.#leave();
        this.close(CLOSE_CODES.left, 'left');
        return;
      }
      default:
        // Everything else is an action inside the meeting, answered with ok (meetingActions.ts).
        if (!isMeetingAction(message)) return assertNever(message);
        await runMeetingAction(this.#joined(), message);
        if (message.rid !== undefined || !QUIET_ACTIONS.has(message.type)) this.#ok(message.rid);
    }
  }

  async #join(message: Extract<ClientMessage, { type: 'join' }>): Promise<void> {
    if (this.#state !== 'new') throw new AppError('protocol.out_of_order', `already ${this.#state}`);
    this.#state = 'joining';
    try {
      const { meeting, result } = await this.meetings.join(message.meetingId, {
        name: message.name,
        userId: this.identity.userId,
        clientId: message.clientId,
        browser: this.identity.browser,
        passcode: message.passcode,
        address: this.identity.address,
        email: this.identity.email,
        invite: message.invite,
        ticket: message.ticket,
        isStaff: this.identity.isStaff,
        licensed: this.identity.licensed,
        audio: message.audio,
        video: message.video,
        channel: this,
        rid: message.rid,
        // Runs before `joined` is sent, at once or when a host admits them from the waiting room.
        onParticipant: (participant, meeting) => {
          this.#meeting = meeting;
          this.#participant = participant;
          this.#waiterId = undefined;
          if (this.#state !== 'closed') this.#state = 'joined';
        },
      });
      this.#meeting = meeting;
      if (result.kind === 'waiting') {
        this.#waiterId = result.waiterId;
        this.#state = 'waiting';
      }
      this.#settle();
      // The socket may have closed while we looked the meeting up.
      if (this.socket.readyState !== this.socket.OPEN) this.#leave();
    } catch (err) {
      if (this.#state === 'joining') this.#state = 'new';
      // Each passcode guess costs a new connection: this one closes once the answer is out.
      if (err instanceof AppError && (err.code === 'meeting.passcode_wrong' || err.code === 'meeting.passcode_locked')) setImmediate(() => this.close(1008, 'wrong passcode'));
      throw err;
    }
  }

  /** Takes the participant's place again, kept since their previous connection dropped. */
  #resume(message: Extract<ClientMessage, { type: 'resume' }>): void {
    if (this.#state !== 'new') throw new AppError('protocol.out_of_order', `already ${this.#state}`);
    const resumed = this.meetings.resume(message.meetingId, { credential: message.credential, clientId: message.clientId, lastSeq: message.lastSeq, sink: this, rid: message.rid });
    if (!resumed) return; // the meeting ended meanwhile: they were told, and this socket closes
    this.#meeting = resumed.meeting;
    this.#participant = resumed.participant;
    this.#state = 'joined';
    this.#settle();
    if (this.socket.readyState !== this.socket.OPEN) this.#closed();
  }

  #joined(): { meeting: LiveMeeting; participant: Participant } {
    if (this.#state !== 'joined' || !this.#meeting || !this.#participant) {
      throw new AppError('protocol.out_of_order', 'join a meeting first');
    }
    return { meeting: this.#meeting, participant: this.#participant };
  }

  #leave(): void {
    const meeting = this.#meeting;
    const participant = this.#participant;
    const waiterId = this.#waiterId;
    this.#meeting = undefined;
    this.#participant = undefined;
    this.#waiterId = undefined;
    if (meeting && participant) meeting.leave(participant);
    else if (meeting && waiterId) meeting.leaveWaiting(waiterId);
  }

  #ok(rid: number | undefined): void {
    this.#reply({ type: 'ok', rid });
  }

  /** In a meeting (or its waiting room): no longer one of its address's connections waiting to join. */
  #settle(): void {
    clearTimeout(this.#joinDeadline);
    this.settled();
  }

  #closed(): void {
    clearInterval(this.#heartbeat);
    this.#settle();
    this.#state = 'closed';
    const meeting = this.#meeting;
    const participant = this.#participant;
    // A participant is set only once joined (and cleared by leave).
    if (meeting && participant) {
      // Not a leave: the participant may come back on a new connection (resume).
      this.#meeting = undefined;
      this.#participant = undefined;
      meeting.disconnected(participant, this);
      return;
    }
    this.#leave();
  }

  #error(code: ErrorCode, message: string, rid: number | undefined): void {
    this.#reply({ type: 'error', code, message, ...(rid !== undefined ? { rid } : {}) });
  }
}
