/*
 * Pre-encoded media for the load generator: ffmpeg encodes a short clip once, packetizes it
 * to RTP over a local UDP socket, and the packets are kept in a cache file. Publishers replay
 * the packets in a loop (no encoding at run time), keeping sequence numbers and timestamps
 * increasing, and answer a PLI by jumping back to the last keyframe.
 */
import { spawn } from 'node:child_process';
import dgram from 'node:dgram';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

/** The media a presenter sends, one clip per kind. */
export type ClipKind = 'camera' | 'cameraLow' | 'screen' | 'mic';

/** One clip as captured RTP packets (headers included, from ffmpeg's packetizer). */
export interface Clip {
  kind: ClipKind;
  clockRate: number;
  /** Timestamp ticks from one frame to the next (used when the replay restarts a segment). */
  frameTicks: number;
  packets: Buffer[];
  /** Index of each packet that starts a keyframe (video only). */
  keyframes: number[];
}

const CLIP_SECONDS = 20;

/**
 * ffmpeg arguments per clip: VP8 camera 640x360 30 fps ~800 kbit/s and its small simulcast
 * layer 320x180 30 fps ~150 kbit/s (what a browser's second encoding sends), VP8 screen
 * 1280x720 10 fps, Opus 48 kbit/s.
 */
const ENCODINGS: Record<ClipKind, { clockRate: number; frameTicks: number; args: string[] }> = {
  camera: {
    clockRate: 90_000,
    frameTicks: 3_000,
    args: ['-f', 'lavfi', '-i', `testsrc2=size=640x360:rate=30:duration=${CLIP_SECONDS}`, '-c:v', 'libvpx', '-b:v', '800k', '-g', '60', '-keyint_min', '60', '-deadline', 'realtime', '-cpu-used', '8', '-an'],
  },
  cameraLow: {
    clockRate: 90_000,
    frameTicks: 3_000,
    args: ['-f', 'lavfi', '-i', `testsrc2=size=320x180:rate=30:duration=${CLIP_SECONDS}`, '-c:v', 'libvpx', '-b:v', '150k', '-g', '60', '-keyint_min', '60', '-deadline', 'realtime', '-cpu-used', '8', '-an'],
  },
  screen: {
    clockRate: 90_000,
    frameTicks: 9_000,
    args: ['-f', 'lavfi', '-i', `testsrc=size=1280x720:rate=10:duration=${CLIP_SECONDS}`, '-c:v', 'libvpx', '-b:v', '500k', '-g', '50', '-keyint_min', '50', '-deadline', 'realtime', '-cpu-used', '8', '-an'],
  },
  mic: {
    clockRate: 48_000,
    frameTicks: 960,
    args: ['-f', 'lavfi', '-i', `sine=frequency=440:sample_rate=48000:duration=${CLIP_SECONDS}`, '-c:a', 'libopus', '-b:a', '48k', '-frame_duration', '20', '-application', 'voip', '-vn'],
  },
};

const CACHE_VERSION = 1;

/** Loads the clip from the cache, making it with ffmpeg the first time (a few seconds). */
export async function loadClip(kind: ClipKind, cacheDir = path.join(os.tmpdir(), 'amphi-bench-media')): Promise<Clip> {
  const enc = ENCODINGS[kind];
  const file = path.join(cacheDir, `${kind}-v${CACHE_VERSION}.rtp`);
  if (!fs.existsSync(file)) {
    fs.mkdirSync(cacheDir, { recursive: true });
    const packets = await capture(enc.args);
    if (packets.length < CLIP_SECONDS * 20) throw new Error(`ffmpeg gave only ${packets.length} RTP packets for the ${kind} clip`);
    const tmp = `${file}.${process.pid}.tmp`;
    fs.writeFileSync(tmp, frame(packets));
    fs.renameSync(tmp, file);
  }
  const packets = unframe(fs.readFileSync(file));
  return { kind, clockRate: enc.clockRate, frameTicks: enc.frameTicks, packets, keyframes: kind === 'mic' ? [] : packets.flatMap((p, i) => (isVp8KeyframeStart(p) ? [i] : [])) };
}

/** Runs ffmpeg with an RTP output to a local socket and keeps what arrives, in order. */
async function capture(inputArgs: string[]): Promise<Buffer[]> {
  const socket = dgram.createSocket('udp4');
  const packets: Buffer[] = [];
  socket.on('message', (m) => packets.push(Buffer.from(m)));
  await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', resolve));
  socket.setRecvBufferSize(16 * 1024 * 1024);
  const port = socket.address().port;
  // -readrate keeps ffmpeg from outrunning the socket; the replay uses RTP timestamps, not arrival times.
  const args = ['-hide_banner', '-loglevel', 'error', '-readrate', '4', ...inputArgs, '-payload_type', '96', '-ssrc', '1', '-f', 'rtp', `rtp://127.0.0.1:${port}?pkt_size=1200`];
  const child = spawn('ffmpeg', args, { stdio: ['ignore', 'ignore', 'pipe'] });
  let err = '';
  child.stderr.on('data', (d: Buffer) => (err += d.toString()));
  const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
  await new Promise((r) => setTimeout(r, 200));
  socket.close();
  if (code !== 0) throw new Error(`ffmpeg failed (${code}): ${err.trim().slice(0, 500)}`);
  return packets;
}

function frame(packets: Buffer[]): Buffer {
  const parts: Buffer[] = [];
  for (const p of packets) {
    const len = Buffer.alloc(2);
    len.writeUInt16BE(p.length);
    parts.push(len, p);
  }
  return Buffer.concat(parts);
}

function unframe(data: Buffer): Buffer[] {
  const packets: Buffer[] = [];
  for (let o = 0; o + 2 <= data.length; ) {
    const len = data.readUInt16BE(o);
    packets.push(data.subarray(o + 2, o + 2 + len));
    o += 2 + len;
  }
  return packets;
}

/** Offset of the RTP payload (fixed header, CSRCs, extension). */
export function payloadOffset(p: Buffer): number {
  let o = 12 + (p[0]! & 0x0f) * 4;
  if (p[0]! & 0x10) o += 4 + p.readUInt16BE(o + 2) * 4;
  return o;
}

/**
 * VP8 (RFC 7741): the packet starts a keyframe when the payload descriptor has S=1 and PID=0
 * and the first payload byte's P bit is 0.
 */
export function isVp8KeyframeStart(p: Buffer, payloadAt = payloadOffset(p)): boolean {
  let o = payloadAt;
  const b0 = p[o]!;
  if (!(b0 & 0x10) || (b0 & 0x07) !== 0) return false;
  o++;
  if (b0 & 0x80) {
    const x = p[o++]!;
    if (x & 0x80) o += p[o]! & 0x80 ? 2 : 1;
    if (x & 0x40) o++;
    if (x & 0x30) o++;
  }
  return o < p.length && (p[o]! & 0x01) === 0;
}

/** Where the replay of one clip stands. */
export class ClipReplay {
  #idx = 0;
  #segStartMs = 0;
  #segRelTs = 0;
  #outTsAtSegStart = 0;
  #lastOutTs = 0;
  #seq: number;
  #started = false;
  /** Sent so far, for the presenter's side of the comparison. */
  packetsSent = 0;
  framesSent = 0;
  bytesSent = 0;
  keyframeJumps = 0;

  constructor(
    private readonly clip: Clip,
    private readonly write: (packet: Buffer) => void,
  ) {
    this.#seq = Math.floor(Math.random() * 0xffff);
    this.#outTsAtSegStart = Math.floor(Math.random() * 0x7fffffff);
  }

  /** Sends every packet that is due at `nowMs`. */
  tick(nowMs: number): void {
    const { packets, clockRate } = this.clip;
    if (!this.#started) {
      this.#started = true;
      this.#restart(0, nowMs, this.#outTsAtSegStart);
    }
    for (;;) {
      if (this.#idx >= packets.length) {
        this.#restart(0, nowMs, this.#lastOutTs + this.clip.frameTicks);
        continue;
      }
      const p = packets[this.#idx]!;
      const rel = (p.readUInt32BE(4) - this.#segRelTs) >>> 0;
      if ((rel / clockRate) * 1000 > nowMs - this.#segStartMs) return;
      // A fresh copy each time: werift keeps sent packets for retransmission.
      const b = Buffer.from(p);
      b.writeUInt16BE(this.#seq, 2);
      this.#seq = (this.#seq + 1) & 0xffff;
      const ts = (this.#outTsAtSegStart + rel) >>> 0;
      b.writeUInt32BE(ts, 4);
      this.#lastOutTs = ts;
      this.write(b);
      this.packetsSent++;
      this.bytesSent += b.length;
      if (b[1]! & 0x80) this.framesSent++;
      this.#idx++;
    }
  }

  /** A receiver asked for a keyframe: replay from the last keyframe at or before the current point. */
  pictureLoss(nowMs: number): void {
    const kfs = this.clip.keyframes;
    if (kfs.length === 0 || !this.#started) return;
    let k = kfs[0]!;
    for (const i of kfs) if (i <= this.#idx) k = i;
    // Like a real encoder, every PLI gets a keyframe (Janus already spaces the PLIs it forwards).
    this.keyframeJumps++;
    this.#restart(k, nowMs, this.#lastOutTs + this.clip.frameTicks);
  }

  #restart(idx: number, nowMs: number, outTs: number): void {
    this.#idx = idx;
    this.#segStartMs = nowMs;
    this.#segRelTs = this.clip.packets[idx]!.readUInt32BE(4);
    this.#outTsAtSegStart = outTs >>> 0;
  }
}
