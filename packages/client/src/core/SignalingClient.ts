import { Sequenced, ServerMessage, type ClientMessage, type ErrorCode, type ServerMessageOf } from '@amphi/protocol';
import { Emitter } from './Emitter.ts';

/** An `error` reply from the server, with its stable code. */
export class SignalingError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
  ) {
    super(message);
    this.name = 'SignalingError';
  }
}

type Events = {
  message: (message: ServerMessage) => void;
  /** The current socket is gone (the server closed it, the network did, or it went silent). */
  closed: (code: number, reason: string) => void;
};

/** How often the client pings, and how long a silent socket is trusted (then it counts as lost). */
export const HEARTBEAT = { pingMs: 2_000, silentMs: 6_000 } as const;
/** The close code reported for a socket given up on because nothing came for HEARTBEAT.silentMs. */
export const SILENT_CLOSE_CODE = 4900;

interface Pending {
  resolve: (m: ServerMessage) => void;
  reject: (e: Error) => void;
  /** The frame as sent, to send again on the next socket after a resume. */
  frame: string;
  /** Only meaningful on the socket it was sent on (resume): rejected when that socket goes. */
  socket: WebSocket | undefined;
}

type DistributiveOmit<T, K extends keyof any> = T extends unknown ? Omit<T, K> : never;
type Request = DistributiveOmit<ClientMessage, 'rid'>;

/**
 * The signaling WebSocket, DOM-free: sends typed messages, matches replies to requests by
 * `rid`, validates everything the server sends against the protocol schemas, and reports
 * unsolicited messages as `message` events.
 *
 * It outlives its sockets: `connect()` again opens a new one (a resume). While `resumable`,
 * requests still unanswered when a socket goes stay pending and `resendPending()` sends them on
 * the next socket (the server does each request id once). It keeps the highest `seq` received
 * (`lastSeq`) and drops a message it has already seen. A socket that stays silent for
 * HEARTBEAT.silentMs although pinged counts as lost.
 */
export class SignalingClient extends Emitter<Events> {
  #socket: WebSocket | undefined;
  #nextRid = 1;
  #pending = new Map<number, Pending>();
  #lastSeq = 0;
  #lastHeard = 0;
  #heartbeat: ReturnType<typeof setInterval> | undefined;
  /** Keep unanswered requests across a lost socket (set once joined: they may be resent). */
  resumable = false;

  constructor(private readonly url: string) {
    super();
  }

  /** The seq of the latest numbered message received (0: none yet). */
  get lastSeq(): number {
    return this.#lastSeq;
  }

  /**
   * Opens a socket (a new one, replacing any before it: their events are ignored from then on).
   * One that is not open after `timeoutMs` is given up (on a dead network a connection attempt
   * can hang for minutes, and the next try must not wait for it).
   */
  connect(timeoutMs = 10_000): Promise<void> {
    this.#drop(undefined);
    return new Promise((resolve, reject) => {
      const socket = new WebSocket(this.url);
      this.#socket = socket;
      const timer = setTimeout(() => {
        if (socket.readyState !== WebSocket.CONNECTING) return;
        this.#drop(socket);
        reject(new Error('the server did not answer in time'));
      }, timeoutMs);
      socket.onopen = () => {
        clearTimeout(timer);
        this.#lastHeard = Date.now();
        this.#startHeartbeat(socket);
        resolve();
      };
      socket.onerror = () => reject(new Error('cannot reach the server'));
      socket.onmessage = (event) => {
        if (this.#socket !== socket) return;
        this.#lastHeard = Date.now();
        this.#receive(event.data);
      };
      socket.onclose = (event) => {
        reject(new Error('connection closed'));
        if (this.#socket === socket) this.#lost(socket, event.code, event.reason);
      };
    });
  }

  #startHeartbeat(socket: WebSocket): void {
    clearInterval(this.#heartbeat);
    this.#heartbeat = setInterval(() => {
      if (this.#socket !== socket) return;
      // Nothing at all came back (not even pongs): the network is gone though no close arrived.
      if (Date.now() - this.#lastHeard > HEARTBEAT.silentMs) {
        this.#lost(socket, SILENT_CLOSE_CODE, 'no answer from the server');
        return;
      }
      this.#write({ type: 'ping' });
    }, HEARTBEAT.pingMs);
  }

  /** The socket is gone: detach it, settle what depended on it, and say so once. */
  #lost(socket: WebSocket, code: number, reason: string): void {
    this.#drop(socket);
    for (const [rid, p] of this.#pending) {
      if (this.resumable && p.socket !== socket) continue;
      this.#pending.delete(rid);
      p.reject(new Error('connection closed'));
    }
    this.emit('closed', code, reason);
  }

  /** Forgets the current socket (when it is `only`, or whichever it is), closing it quietly. */
  #drop(only: WebSocket | undefined): void {
    const socket = this.#socket;
    if (!socket || (only && socket !== only)) return;
    this.#socket = undefined;
    clearInterval(this.#heartbeat);
    socket.onopen = socket.onmessage = socket.onerror = socket.onclose = null;
    if (socket.readyState === WebSocket.OPEN || socket.readyState === WebSocket.CONNECTING) socket.close(1000);
  }

  /** After a resume: sends again, in order, the requests whose replies never came. */
  resendPending(): void {
    for (const [, p] of [...this.#pending].sort(([a], [b]) => a - b)) {
      if (!p.socket && this.#socket?.readyState === WebSocket.OPEN) this.#socket.send(p.frame);
    }
  }

  /** Sends a message that expects no reply. */
  send(message: Request): void {
    this.#write(message);
  }

  #write(message: Request & { rid?: number }): string {
    const frame = JSON.stringify(message);
    if (this.#socket?.readyState === WebSocket.OPEN) this.#socket.send(frame);
    return frame;
  }

  /**
   * Sends a request and resolves with the server's reply (rejects with SignalingError on `error`).
   * `bound`: the request means something on this socket only (resume), never sent again.
   */
  request<T extends ServerMessage['type']>(message: Request, expect: T | T[], timeoutMs = 20_000, bound = false): Promise<ServerMessageOf<T>> {
    const expected: string[] = Array.isArray(expect) ? expect : [expect];
    const rid = this.#nextRid++;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.#pending.delete(rid);
        reject(new Error(`no reply to ${message.type}`));
      }, timeoutMs);
      this.#pending.set(rid, {
        resolve: (reply) => {
          clearTimeout(timer);
          if (reply.type === 'error') reject(new SignalingError(reply.code, reply.message));
          else if (expected.includes(reply.type)) resolve(reply as ServerMessageOf<T>);
          else reject(new Error(`unexpected reply ${reply.type} to ${message.type}`));
        },
        reject: (err) => {
          clearTimeout(timer);
          reject(err);
        },
        frame: JSON.stringify({ ...message, rid }),
        socket: bound ? this.#socket : undefined,
      });
      this.#write({ ...message, rid });
    });
  }

  close(): void {
    this.resumable = false;
    const socket = this.#socket;
    if (socket) this.#lost(socket, 1000, 'closed by the client');
  }

  #receive(data: unknown): void {
    if (typeof data !== 'string') return;
    let parsed: ServerMessage;
    try {
      const raw: unknown = JSON.parse(data);
      // Numbered messages (see Sequenced): one already seen comes again in a replay; skip it.
      const seq = Sequenced.safeParse(raw);
      if (seq.success) {
        if (seq.data.seq <= this.#lastSeq) return;
        this.#lastSeq = seq.data.seq;
      }
      const result = ServerMessage.safeParse(raw);
      if (!result.success) {
        console.warn('amphi: ignoring an invalid server message', result.error.issues[0]);
        return;
      }
      parsed = result.data;
    } catch {
      return;
    }
    // A snapshot starts the numbering again (after a restart, the server's count is new).
    if (parsed.type === 'resumed' && parsed.snapshot) this.#lastSeq = 0;
    const rid = 'rid' in parsed ? parsed.rid : undefined;
    if (rid !== undefined) {
      const pending = this.#pending.get(rid);
      if (pending) {
        this.#pending.delete(rid);
        pending.resolve(parsed);
        return;
      }
    }
    this.emit('message', parsed);
  }
}
