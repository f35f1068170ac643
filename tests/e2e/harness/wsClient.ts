import WebSocket from 'ws';

export interface Received {
  type: string;
  code?: string;
  rid?: number;
  [key: string]: unknown;
}

/** A signaling-only client (no media), for protocol-level tests. */
export class WsClient {
  readonly received: Received[] = [];
  #nextRid = 1;
  private constructor(readonly ws: WebSocket) {
    ws.on('message', (d) => this.received.push(JSON.parse(d.toString()) as Received));
  }

  static async open(baseUrl: string, cookie?: string): Promise<WsClient> {
    const ws = new WebSocket(baseUrl.replace(/^http/, 'ws') + '/ws', { headers: cookie ? { cookie, origin: baseUrl } : {} });
    await new Promise((resolve, reject) => {
      ws.once('open', resolve);
      ws.once('error', reject);
    });
    return new WsClient(ws);
  }

  send(message: Record<string, unknown>): number {
    const rid = this.#nextRid++;
    this.ws.send(JSON.stringify({ ...message, rid }));
    return rid;
  }

  /** Sends a request and waits for the reply carrying its rid. */
  async request(message: Record<string, unknown>, timeoutMs = 5_000): Promise<Received> {
    const rid = this.send(message);
    return this.waitFor((m) => m.rid === rid, timeoutMs);
  }

  async waitFor(match: (m: Received) => boolean, timeoutMs = 5_000): Promise<Received> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const found = this.received.find(match);
      if (found) return found;
      if (Date.now() > deadline) throw new Error(`timed out; received: ${JSON.stringify(this.received.map((m) => m.type))}`);
      await new Promise((r) => setTimeout(r, 10));
    }
  }

  close(): void {
    this.ws.close();
  }
}

/** Signs in through the API and returns the session cookie. */
export async function signInCookie(baseUrl: string, who: { email: string; password: string }): Promise<string> {
  const res = await fetch(baseUrl + '/api/auth/login', { method: 'POST', headers: { 'content-type': 'application/json', 'x-amphi-csrf': '1' }, body: JSON.stringify(who) });
  if (!res.ok) throw new Error(`sign-in failed: ${res.status}`);
  return (res.headers.get('set-cookie') ?? '').split(';')[0]!;
}

export async function createMeeting(baseUrl: string, cookie: string, body: Record<string, unknown>): Promise<{ id: string; link: string }> {
  const res = await fetch(baseUrl + '/api/meetings', { method: 'POST', headers: { 'content-type': 'application/json', 'x-amphi-csrf': '1', cookie }, body: JSON.stringify(body) });
  if (res.status !== 201) throw new Error(`create meeting failed: ${res.status} ${await res.text()}`);
  return ((await res.json()) as { meeting: { id: string; link: string } }).meeting;
}
