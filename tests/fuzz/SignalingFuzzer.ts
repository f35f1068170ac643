import WebSocket from 'ws';
import { CLOSE_CODES, ERROR_CODES, MAX_SIGNALING_MESSAGE_BYTES, ServerMessage } from '@amphi/protocol';
import { CLIENT_MESSAGE_EXAMPLES, prng } from '../../packages/protocol/src/examples.ts';

/*
 * A signaling fuzzer against a real Amphi (issue 15): connections that send mutations of every
 * valid client message (fields dropped, wrong types, huge and deep values), unknown types, text
 * that is not JSON, binary frames, frames out of order and replayed ones; some join a meeting
 * first so that the meeting's own handlers see them. Every frame Amphi sends back is checked: it
 * must be a valid server message, an error must carry a catalogued code and never `internal`, and
 * a connection may only be closed with a documented code. The tests run a bounded number of
 * frames (tests/e2e/signalingFuzz.test.ts); `sudo ./amphi bench signaling-fuzz` runs 10⁶.
 */

export interface FuzzOptions {
  url: string;
  /** Meetings the connections join (as guests, with the names they are given). */
  meetingIds: string[];
  frames: number;
  /** Connections at once. */
  concurrency: number;
  /** Frames one connection sends before it closes and another takes its place (below the 300 per 10 s limit). */
  framesPerConnection: number;
  seed: number;
  /** Called now and then with the frames sent so far. */
  progress?: (sent: number) => void;
}

export interface FuzzReport {
  frames: number;
  connections: number;
  joined: number;
  replies: number;
  errorsByCode: Record<string, number>;
  closesByCode: Record<string, number>;
  /** Frames from the server that are not valid server messages (a defect). */
  invalidReplies: string[];
  /** `internal` errors and codes outside the catalogue (a defect). */
  badErrors: string[];
  /** Closes with a code Amphi does not document (1006: the server dropped the connection; a defect). */
  badCloses: string[];
  durationMs: number;
}


const TYPES = Object.keys(CLIENT_MESSAGE_EXAMPLES);
const DOCUMENTED_CLOSES = new Set<number>([1000, 1005, 1008, 1009, ...Object.values(CLOSE_CODES)]);
/** Past this the server closes the connection (1009) without reading the rest (see buildHttpApp). */
const HARD_LIMIT_BYTES = MAX_SIGNALING_MESSAGE_BYTES + 64 * 1024;
const CATALOGUE = new Set<string>(ERROR_CODES);

/** Values of every shape, the awkward ones included. */
function oddValue(rand: () => number, depth = 0): unknown {
  const pick = Math.floor(rand() * 16);
  switch (pick) {
    case 0:
      return null;
    case 1:
      return rand() < 0.5;
    case 2:
      return Math.floor(rand() * 2 ** 53) * (rand() < 0.5 ? -1 : 1);
    case 3:
      return [0, -0, 1e308, -1, 2 ** 31, 0.5, Number.MAX_SAFE_INTEGER + 2][Math.floor(rand() * 7)];
    case 4:
      return '';
    case 5:
      return 'x'.repeat(Math.floor(rand() * 5_000));
    case 6:
      return '\u0000\ud800\uffff<script>' + '🎓'.repeat(Math.floor(rand() * 50));
    case 7:
      return ['__proto__', 'constructor', 'prototype', 'toString', 'hasOwnProperty'][Math.floor(rand() * 5)];
    case 8:
      return depth < 3 ? Array.from({ length: Math.floor(rand() * 5) }, () => oddValue(rand, depth + 1)) : [];
    case 9:
      return depth < 3 ? { [String(oddValue(rand, 3))]: oddValue(rand, depth + 1), __proto__x: 1 } : {};
    case 10:
      return deep(Math.floor(rand() * 2_000), rand() < 0.5);
    case 11:
      return 'abc-defg-hjk';
    case 12:
      return Array.from({ length: 1_000 }, (_, i) => i);
    case 13:
      return 'p' + Math.floor(rand() * 100);
    case 14:
      return { candidate: 'candidate:1 1 udp 1 0.0.0.0 0 typ host', sdpMid: null, sdpMLineIndex: -1 };
    default:
      return String(rand());
  }
}

function deep(depth: number, arrays: boolean): unknown {
  let v: unknown = 1;
  for (let i = 0; i < depth; i++) v = arrays ? [v] : { a: v };
  return v;
}

/** One frame to send: a string (text frame) or a Buffer (binary frame). */
export function fuzzFrame(rand: () => number, meetingIds: string[], rid: number): string | Buffer {
  const kind = rand();
  const example = structuredClone(CLIENT_MESSAGE_EXAMPLES[TYPES[Math.floor(rand() * TYPES.length)]! as keyof typeof CLIENT_MESSAGE_EXAMPLES]);
  if ('meetingId' in example) example.meetingId = meetingIds[Math.floor(rand() * meetingIds.length)];
  if ('rid' in example || rand() < 0.5) example.rid = rand() < 0.9 ? rid : oddValue(rand);
  if (kind < 0.25) return JSON.stringify(example); // valid, but probably at the wrong moment
  if (kind < 0.55) {
    // A field changed to something of another shape, or dropped, or one added.
    const keys = Object.keys(example);
    const key = keys[Math.floor(rand() * keys.length)]!;
    const how = rand();
    if (how < 0.3 && key !== 'type') delete example[key];
    else if (how < 0.9) example[key === 'type' && rand() < 0.7 ? keys[keys.length - 1]! : key] = oddValue(rand);
    else example[String(oddValue(rand, 3))] = oddValue(rand);
    return JSON.stringify(example);
  }
  if (kind < 0.65) return JSON.stringify({ ...example, type: oddValue(rand) });
  if (kind < 0.7) return JSON.stringify(oddValue(rand));
  if (kind < 0.75) {
    const text = JSON.stringify(example);
    return text.slice(0, Math.floor(rand() * text.length));
  }
  if (kind < 0.78) return Buffer.from(JSON.stringify(example));
  if (kind < 0.81) {
    // Near and past the protocol's limit (past 320 KiB the server closes with 1009).
    const size = Math.floor(MAX_SIGNALING_MESSAGE_BYTES * (0.9 + rand() * 0.4));
    return JSON.stringify({ ...example, pad: 'y'.repeat(size) });
  }
  if (kind < 0.84) return '['.repeat(Math.floor(rand() * 200_000)) + ']'.repeat(Math.floor(rand() * 3));
  if (kind < 0.87) return JSON.stringify({ type: 'chat-send', rid, text: 'x'.repeat(Math.floor(rand() * 10_000)) });
  if (kind < 0.9) return JSON.stringify({ type: 'resume', rid, meetingId: meetingIds[0], credential: 'A'.repeat(43), clientId: 'forged-client-id-0001', lastSeq: Math.floor(rand() * 1e6) });
  return JSON.stringify({ ...example, ...{ [String(oddValue(rand, 3))]: deep(Math.floor(rand() * 50), false) } });
}

/** Sends `frames` fuzzed frames through connections that come and go; never throws for what the server does. */
export async function fuzzSignaling(opts: FuzzOptions): Promise<FuzzReport> {
  const rand = prng(opts.seed);
  const report: FuzzReport = { frames: 0, connections: 0, joined: 0, replies: 0, errorsByCode: {}, closesByCode: {}, invalidReplies: [], badErrors: [], badCloses: [], durationMs: 0 };
  const started = Date.now();
  const note = (list: string[], what: string) => {
    if (list.length < 20) list.push(what.slice(0, 300));
  };

  const connection = async (): Promise<void> => {
    const ws = new WebSocket(opts.url.replace(/^http/, 'ws') + '/ws', { headers: { origin: opts.url } });
    report.connections++;
    let closedWith: number | undefined;
    /** The connection sent a frame past the hard limit: the server closes it (1009) mid-frame, which may reach this side as a reset (1006). */
    let oversized = false;
    let last = '';
    const closed = new Promise<void>((resolve) => {
      ws.on('close', (code) => {
        closedWith = code;
        const seen = code === 1006 && oversized ? 1009 : code;
        report.closesByCode[seen] = (report.closesByCode[seen] ?? 0) + 1;
        if (!DOCUMENTED_CLOSES.has(seen)) note(report.badCloses, `closed with ${code} after ${last}`);
        resolve();
      });
      ws.on('error', () => resolve());
    });
    ws.on('message', (data, binary) => {
      report.replies++;
      let message: unknown;
      try {
        message = JSON.parse(data.toString());
      } catch {
        return note(report.invalidReplies, `not JSON${binary ? ' (binary)' : ''}: ${data.toString().slice(0, 100)}`);
      }
      const parsed = ServerMessage.safeParse(message);
      if (!parsed.success) return note(report.invalidReplies, `${JSON.stringify(message).slice(0, 200)}: ${parsed.error.message.slice(0, 200)}`);
      if (parsed.data.type === 'joined') report.joined++;
      if (parsed.data.type === 'error') {
        const code = parsed.data.code;
        report.errorsByCode[code] = (report.errorsByCode[code] ?? 0) + 1;
        if (code === 'internal' || !CATALOGUE.has(code)) note(report.badErrors, `${code}: ${parsed.data.message}`);
      }
    });
    const opened = await new Promise<boolean>((resolve) => {
      ws.once('open', () => resolve(true));
      ws.once('error', () => resolve(false));
      ws.once('close', () => resolve(false));
    });
    if (!opened) return;
    let rid = 1;
    // Most connections join first, so that the meeting's handlers see what follows.
    if (rand() < 0.7) {
      const meetingId = opts.meetingIds[Math.floor(rand() * opts.meetingIds.length)];
      ws.send(JSON.stringify({ type: 'join', rid: rid++, meetingId, name: `Fuzz ${Math.floor(rand() * 1e6)}`, audio: false, video: false }));
      await new Promise((r) => setTimeout(r, 20));
    }
    let previous: string | Buffer | undefined;
    for (let i = 0; i < opts.framesPerConnection && report.frames < opts.frames && closedWith === undefined; i++) {
      // Now and then the previous frame again (a replayed request id).
      const frame = previous !== undefined && rand() < 0.05 ? previous : fuzzFrame(rand, opts.meetingIds, rid++);
      previous = frame;
      if (frame.length > HARD_LIMIT_BYTES) oversized = true;
      last = `${Buffer.isBuffer(frame) ? 'binary ' : ''}${frame.length} bytes: ${(Buffer.isBuffer(frame) ? frame.subarray(0, 120).toString() : frame.slice(0, 120))}`;
      report.frames++;
      if (report.frames % 1_000 === 0) opts.progress?.(report.frames);
      await new Promise<void>((resolve) => ws.send(frame, { binary: Buffer.isBuffer(frame) }, () => resolve()));
      // Let the server answer as it goes; the frames of a connection stay in order.
      if (i % 20 === 19) await new Promise((r) => setTimeout(r, 1));
    }
    // Answers to the last frames arrive before the goodbye; leaving frees the place at once
    // (a connection that just drops keeps it for the resume grace period).
    await new Promise((r) => setTimeout(r, 50));
    if (closedWith === undefined && ws.readyState === ws.OPEN) ws.send(JSON.stringify({ type: 'leave', rid: rid++ }));
    await new Promise((r) => setTimeout(r, 20));
    if (closedWith === undefined) ws.close(1000);
    await closed;
  };

  const workers = Array.from({ length: opts.concurrency }, async () => {
    while (report.frames < opts.frames) await connection();
  });
  await Promise.all(workers);
  report.durationMs = Date.now() - started;
  return report;
}
