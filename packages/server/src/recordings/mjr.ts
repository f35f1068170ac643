import fs from 'node:fs/promises';

/**
 * Janus's recording files (.mjr), read directly so that a long recording can be processed a
 * piece at a time while it is still being written: "MJR00002", a 2-byte length and a JSON
 * header (kind, codec, first packet time), then frames of "MEET", the receive time in ms since
 * the first packet (4 bytes), a 2-byte length and one RTP packet. All numbers big-endian.
 */

const MAGIC = 'MJR00002';
const FRAME = 'MEET';
const FRAME_HEADER = 10;
const READ_SIZE = 1 << 20;

export interface MjrInfo {
  kind: 'audio' | 'video' | 'data';
  codec: string;
  /** Unix µs of the first packet. */
  firstUs: number;
  /** Byte offset of the first frame. */
  framesAt: number;
  /** The header as written, to copy into pieces. */
  header: Record<string, unknown>;
}

/** Where a piece may start: a frame's byte offset and receive time (ms after the first packet). */
interface StartPoint {
  offset: number;
  ms: number;
}

/**
 * An index of one .mjr file, extended as the file grows: the places a piece may start from
 * (every video keyframe; about every second of audio) and how far the complete frames go.
 */
export class MjrIndex {
  #info: MjrInfo | undefined;
  /** Byte offset up to which complete frames were read. */
  #scanned = 0;
  #lastMs = 0;
  readonly #starts: StartPoint[] = [];

  constructor(readonly file: string) {}

  get info(): MjrInfo | undefined {
    return this.#info;
  }

  /** Receive time of the last complete frame read (ms after the first packet). */
  get lastMs(): number {
    return this.#lastMs;
  }

  /** Reads what was written since the last call. Returns false if the file is not (yet) a readable recording. */
  async update(): Promise<boolean> {
    const handle = await fs.open(this.file, 'r');
    try {
      if (!this.#info) {
        const head = Buffer.alloc(8 + 2 + 4096);
        const { bytesRead } = await handle.read(head, 0, head.length, 0);
        if (bytesRead < 10 || head.toString('latin1', 0, 8) !== MAGIC) return false;
        const length = head.readUInt16BE(8);
        if (10 + length > bytesRead) return false;
        let header: Record<string, unknown>;
        try {
          header = JSON.parse(head.toString('utf8', 10, 10 + length)) as Record<string, unknown>;
        } catch {
          return false;
        }
        const kind = header.t === 'a' ? 'audio' : header.t === 'v' ? 'video' : 'data';
        const firstUs = typeof header.u === 'number' ? header.u : typeof header.s === 'number' ? header.s : 0;
        this.#info = { kind, codec: String(header.c ?? ''), firstUs, framesAt: 10 + length, header };
        this.#scanned = 10 + length;
      }
      const info = this.#info;
      const buffer = Buffer.alloc(READ_SIZE);
      for (;;) {
        const { bytesRead } = await handle.read(buffer, 0, buffer.length, this.#scanned);
        if (bytesRead < FRAME_HEADER) break;
        let at = 0;
        while (at + FRAME_HEADER <= bytesRead) {
          if (buffer.toString('latin1', at, at + 4) !== FRAME) return true; // damaged: keep what was read
          const ms = buffer.readUInt32BE(at + 4);
          const length = buffer.readUInt16BE(at + 8);
          if (at + FRAME_HEADER + length > bytesRead) break;
          const packet = buffer.subarray(at + FRAME_HEADER, at + FRAME_HEADER + length);
          const offset = this.#scanned + at;
          const previous = this.#starts[this.#starts.length - 1];
          if (info.kind === 'video' ? isVp8Keyframe(packet) && (!previous || ms > previous.ms) : !previous || ms - previous.ms >= 1000) this.#starts.push({ offset, ms });
          this.#lastMs = Math.max(this.#lastMs, ms);
          at += FRAME_HEADER + length;
        }
        if (at === 0) break;
        this.#scanned += at;
        if (bytesRead < buffer.length) break;
      }
      return true;
    } finally {
      await handle.close();
    }
  }

  /**
   * Writes, as a .mjr of its own, the frames received from `fromMs` to `toMs` (ms after the first
   * packet), starting early enough to be decodable (at the keyframe before, for video). Returns
   * the receive time its first frame had, or undefined when nothing lies in that range.
   */
  async writePiece(fromMs: number, toMs: number, out: string): Promise<number | undefined> {
    const info = this.#info;
    if (!info || fromMs > this.#lastMs) return undefined;
    let start: StartPoint = { offset: info.framesAt, ms: 0 };
    for (const s of this.#starts) {
      if (s.ms > fromMs) break;
      start = s;
    }
    if (info.kind === 'video' && !info.codec.startsWith('vp8')) start = { offset: info.framesAt, ms: 0 }; // other codecs: whole file
    const handle = await fs.open(this.file, 'r');
    const chunks: Buffer[] = [];
    let firstMs: number | undefined;
    try {
      const buffer = Buffer.alloc(READ_SIZE);
      let position = start.offset;
      outer: while (position < this.#scanned) {
        const { bytesRead } = await handle.read(buffer, 0, Math.min(buffer.length, this.#scanned - position), position);
        if (bytesRead < FRAME_HEADER) break;
        let at = 0;
        while (at + FRAME_HEADER <= bytesRead) {
          const ms = buffer.readUInt32BE(at + 4);
          const length = buffer.readUInt16BE(at + 8);
          if (at + FRAME_HEADER + length > bytesRead) break;
          if (ms > toMs) break outer;
          firstMs ??= ms;
          const frame = Buffer.from(buffer.subarray(at, at + FRAME_HEADER + length));
          // Receive times count from the piece's own first packet, as in a file of its own.
          frame.writeUInt32BE(ms - firstMs, 4);
          chunks.push(frame);
          at += FRAME_HEADER + length;
        }
        if (at === 0) break;
        position += at;
      }
    } finally {
      await handle.close();
    }
    if (firstMs === undefined) return undefined;
    const header = Buffer.from(JSON.stringify({ ...info.header, u: info.firstUs + firstMs * 1000 }), 'utf8');
    const length = Buffer.alloc(2);
    length.writeUInt16BE(header.length);
    await fs.writeFile(out, Buffer.concat([Buffer.from(MAGIC, 'latin1'), length, header, ...chunks]));
    return firstMs;
  }
}

/** Whether an RTP packet carries the start of a VP8 keyframe (RFC 7741). */
export function isVp8Keyframe(packet: Buffer): boolean {
  if (packet.length < 12 || packet[0]! >> 6 !== 2) return false;
  let at = 12 + (packet[0]! & 0x0f) * 4;
  if (packet[0]! & 0x10) {
    if (at + 4 > packet.length) return false;
    at += 4 + packet.readUInt16BE(at + 2) * 4;
  }
  if (at >= packet.length) return false;
  const descriptor = packet[at]!;
  const startOfPartition = (descriptor & 0x10) !== 0 && (descriptor & 0x07) === 0;
  at++;
  if (descriptor & 0x80) {
    const extension = packet[at++];
    if (extension === undefined) return false;
    if (extension & 0x80) at += packet[at] !== undefined && packet[at]! & 0x80 ? 2 : 1; // picture id, 7 or 15 bits
    if (extension & 0x40) at++; // TL0PICIDX
    if (extension & 0x30) at++; // TID / KEYIDX
  }
  if (!startOfPartition || at >= packet.length) return false;
  // VP8 payload header: the P bit (lowest) is 0 for a keyframe.
  return (packet[at]! & 0x01) === 0;
}
