import { ServerMessage, type ClientMessage, type ErrorCode, type ServerMessageOf } from '@amphi/protocol';
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
  closed: (code: number, reason: string) => void;
};

type DistributiveOmit<T, K extends keyof any> = T extends unknown ? Omit<T, K> : never;
type Request = DistributiveOmit<ClientMessage, 'rid'>;

/**
 * The signaling WebSocket, DOM-free: sends typed messages, matches replies to requests by
 * `rid`, validates everything the server sends against the protocol schemas, and reports
 * unsolicited messages as `message` events.
 */
export class SignalingClient extends Emitter<Events> {
  #socket: WebSocket | undefined;
  #nextRid = 1;
  #pending = new Map<number, { resolve: (m: ServerMessage) => void; reject: (e: Error) => void }>();

  constructor(private readonly url: string) {
    super();
  }

  connect(): Promise<void> {
    return new Promise((resolve, reject) => {
      const socket = new WebSocket(this.url);
      this.#socket = socket;
      socket.onopen = () => resolve();
      socket.onerror = () => reject(new Error('cannot reach the server'));
      socket.onmessage = (event) => this.#receive(event.data);
      socket.onclose = (event) => {
        for (const p of this.#pending.values()) p.reject(new Error('connection closed'));
        this.#pending.clear();
        this.emit('closed', event.code, event.reason);
      };
    });
  }

  /** Sends a message that expects no reply. */
  send(message: Request): void {
    this.#write(message);
  }

  #write(message: Request & { rid?: number }): void {
    if (this.#socket?.readyState === WebSocket.OPEN) this.#socket.send(JSON.stringify(message));
  }

  /** Sends a request and resolves with the server's reply (rejects with SignalingError on `error`). */
  request<T extends ServerMessage['type']>(message: Request, expect: T | T[], timeoutMs = 20_000): Promise<ServerMessageOf<T>> {
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
      });
      this.#write({ ...message, rid });
    });
  }

  close(): void {
    this.#socket?.close(1000);
  }

  #receive(data: unknown): void {
    if (typeof data !== 'string') return;
    let parsed: ServerMessage;
    try {
      const result = ServerMessage.safeParse(JSON.parse(data));
      if (!result.success) {
        console.warn('amphi: ignoring an invalid server message', result.error.issues[0]);
        return;
      }
      parsed = result.data;
    } catch {
      return;
    }
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
