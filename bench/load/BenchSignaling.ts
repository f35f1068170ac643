import { ServerMessage, type ClientMessage, type ServerMessageOf } from '@amphi/protocol';
import WebSocket from 'ws';

type DistributiveOmit<T, K extends keyof any> = T extends unknown ? Omit<T, K> : never;
/**
 * A bench participant's WebSocket: every text message goes to `onText`; when it closes, every
 * request still waiting in `pending` is failed. `opened` settles with the connection.
 */
export function openSocket(
  name: string,
  url: string,
  headers: Record<string, string>,
  onText: (text: string) => void,
  pending: Map<number, { reject: (e: Error) => void }>,
): { ws: WebSocket; opened: Promise<void> } {
  const ws = new WebSocket(url, { headers });
  ws.on('message', (data) => onText(data.toString()));
  ws.on('close', (code) => {
    for (const p of pending.values()) p.reject(new Error(`${name}: socket closed (${code})`));
    pending.clear();
  });
  const opened = new Promise<void>((resolve, reject) => {
    ws.once('open', () => resolve());
    ws.once('error', (err) => reject(new Error(`${name}: ${String(err)}`)));
  });
  return { ws, opened };
}

/** A client message without its request id (this class numbers requests). */
export type BenchRequest = DistributiveOmit<ClientMessage, 'rid'>;

/**
 * One participant's signaling WebSocket, as the browser's SignalingClient does it (requests
 * matched to replies by `rid`, every server message validated against the protocol schemas),
 * plus the time from each request to its reply, for the latency columns.
 */
export class BenchSignaling {
  #ws: WebSocket | undefined;
  #nextRid = 1;
  readonly #pending = new Map<number, { resolve: (m: ServerMessage) => void; reject: (e: Error) => void; sentAt: number; type: string }>();
  /** (request type, ms from send to reply) for every answered request. */
  readonly latencies: { type: string; ms: number }[] = [];
  #onMessage: ((m: ServerMessage) => void) | undefined;
  /** Messages that came before anyone listened (with the reply they followed, in one read). */
  #early: ServerMessage[] = [];
  invalid = 0;

  /** Where unsolicited messages go; those that arrived before it was set are handed over first. */
  set onMessage(fn: ((m: ServerMessage) => void) | undefined) {
    this.#onMessage = fn;
    if (fn) for (const m of this.#early.splice(0)) fn(m);
  }

  constructor(readonly name: string) {}

  open(url: string, headers: Record<string, string>): Promise<void> {
    const { ws, opened } = openSocket(this.name, url, headers, (text) => this.#receive(text), this.#pending);
    this.#ws = ws;
    return opened;
  }

  send(message: BenchRequest): void {
    if (this.#ws?.readyState === WebSocket.OPEN) this.#ws.send(JSON.stringify(message));
  }

  request<T extends ServerMessage['type']>(message: BenchRequest, expect: T | T[], timeoutMs = 30_000): Promise<ServerMessageOf<T>> {
    const expected: string[] = Array.isArray(expect) ? expect : [expect];
    const rid = this.#nextRid++;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.#pending.delete(rid);
        reject(new Error(`${this.name}: no reply to ${message.type} in ${timeoutMs} ms`));
      }, timeoutMs);
      this.#pending.set(rid, {
        sentAt: performance.now(),
        type: message.type,
        resolve: (reply) => {
          clearTimeout(timer);
          if (reply.type === 'error') reject(new Error(`${this.name}: ${message.type}: ${reply.code}: ${reply.message}`));
          else if (expected.includes(reply.type)) resolve(reply as ServerMessageOf<T>);
          else reject(new Error(`${this.name}: unexpected reply ${reply.type} to ${message.type}`));
        },
        reject: (err) => {
          clearTimeout(timer);
          reject(err);
        },
      });
      this.#ws!.send(JSON.stringify({ ...message, rid }));
    });
  }

  #receive(text: string): void {
    const at = performance.now();
    let parsed: ServerMessage;
    try {
      const result = ServerMessage.safeParse(JSON.parse(text));
      if (!result.success) {
        this.invalid++;
        return;
      }
      parsed = result.data;
    } catch {
      this.invalid++;
      return;
    }
    const rid = 'rid' in parsed ? parsed.rid : undefined;
    const pending = rid !== undefined ? this.#pending.get(rid) : undefined;
    if (pending && rid !== undefined) {
      this.#pending.delete(rid);
      this.latencies.push({ type: pending.type, ms: at - pending.sentAt });
      pending.resolve(parsed);
      return;
    }
    if (this.#onMessage) this.#onMessage(parsed);
    else if (this.#early.length < 1000) this.#early.push(parsed);
  }

  close(): Promise<void> {
    const ws = this.#ws;
    if (!ws || ws.readyState === WebSocket.CLOSED) return Promise.resolve();
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        ws.terminate();
        resolve();
      }, 3_000);
      ws.once('close', () => {
        clearTimeout(timer);
        resolve();
      });
      ws.close(1000);
    });
  }
}
