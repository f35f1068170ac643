import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { isVp8Keyframe, MjrIndex } from './mjr.ts';

const FIRST_US = 1_700_000_000_000_000;

/** An RTP packet carrying VP8 (RFC 7741): with a picture id, and the keyframe bit as asked. */
function vp8Packet(seq: number, keyframe: boolean, extension = false): Buffer {
  const rtp = Buffer.alloc(12);
  rtp[0] = 0x80 | (extension ? 0x10 : 0);
  rtp[1] = 96;
  rtp.writeUInt16BE(seq, 2);
  rtp.writeUInt32BE(seq * 3000, 4);
  rtp.writeUInt32BE(1234, 8);
  const headerExtension = extension ? Buffer.from([0xbe, 0xde, 0x00, 0x01, 0x10, 0xff, 0x00, 0x00]) : Buffer.alloc(0);
  // X=1, S=1, PID=0; I=1 with a 15-bit picture id; then the payload header (P bit = 0 for a keyframe).
  const descriptor = Buffer.from([0x90, 0x80, 0x80 | (seq >> 8), seq & 0xff, keyframe ? 0x10 : 0x11, 0, 0, 0]);
  return Buffer.concat([rtp, headerExtension, descriptor]);
}

function frame(ms: number, packet: Buffer): Buffer {
  const head = Buffer.alloc(10);
  head.write('MEET', 0, 'latin1');
  head.writeUInt32BE(ms, 4);
  head.writeUInt16BE(packet.length, 8);
  return Buffer.concat([head, packet]);
}

function mjrHeader(kind: 'v' | 'a'): Buffer {
  const json = Buffer.from(JSON.stringify({ t: kind, c: kind === 'v' ? 'vp8' : 'opus', s: FIRST_US - 500, u: FIRST_US }));
  const length = Buffer.alloc(2);
  length.writeUInt16BE(json.length);
  return Buffer.concat([Buffer.from('MJR00002', 'latin1'), length, json]);
}

test('VP8 keyframes are found in RTP packets, with or without header extensions', () => {
  assert.equal(isVp8Keyframe(vp8Packet(1, true)), true);
  assert.equal(isVp8Keyframe(vp8Packet(2, false)), false);
  assert.equal(isVp8Keyframe(vp8Packet(3, true, true)), true);
  assert.equal(isVp8Keyframe(Buffer.from([0x80, 96])), false, 'too short');
});

test('a growing recording is indexed as it is written, and a piece starts at the keyframe before what is asked', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'amphi-mjr-'));
  try {
    const file = path.join(dir, 'videoroom-1-user-2-3-video-1.mjr');
    // 20 s of video at 10 packets a second, a keyframe every 5 s; written in two goes.
    const frames = Array.from({ length: 200 }, (_, i) => frame(i * 100, vp8Packet(i, i % 50 === 0)));
    fs.writeFileSync(file, Buffer.concat([mjrHeader('v'), ...frames.slice(0, 120)]));
    // A frame cut short by the writer is not read until it is whole.
    const half = frames[120]!.subarray(0, 7);
    fs.appendFileSync(file, half);
    const index = new MjrIndex(file);
    assert.equal(await index.update(), true);
    assert.equal(index.info?.kind, 'video');
    assert.equal(index.info?.firstUs, FIRST_US);
    assert.equal(index.lastMs, 11_900);
    fs.truncateSync(file, fs.statSync(file).size - half.length);
    fs.appendFileSync(file, Buffer.concat(frames.slice(120)));
    await index.update();
    assert.equal(index.lastMs, 19_900);

    const piece = path.join(dir, 'piece.mjr');
    const firstMs = await index.writePiece(12_000, 16_000, piece);
    assert.equal(firstMs, 10_000, 'from the keyframe at 10 s');
    const back = new MjrIndex(piece);
    await back.update();
    assert.equal(back.info?.firstUs, FIRST_US + 10_000_000, 'its first packet time is that of its own first packet');
    assert.equal(back.lastMs, 6_000, 'up to 16 s, counted from 10 s');
    // Janus's own tool reads it.
    const header = JSON.parse(execFileSync('janus-pp-rec', ['-j', piece], { encoding: 'utf8' }).trim().split('\n').pop()!) as { u: number; c: string };
    assert.equal(header.u, FIRST_US + 10_000_000);
    assert.equal(header.c, 'vp8');

    assert.equal(await index.writePiece(30_000, 40_000, piece), undefined, 'nothing there yet');
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('audio pieces start within a second of what is asked; a file that is not a recording is refused', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'amphi-mjr-'));
  try {
    const file = path.join(dir, 'a.mjr');
    const opus = (seq: number) => Buffer.concat([Buffer.from([0x80, 111, seq >> 8, seq & 0xff, 0, 0, 0, 0, 0, 0, 0, 1]), Buffer.alloc(40, 0xf8)]);
    fs.writeFileSync(file, Buffer.concat([mjrHeader('a'), ...Array.from({ length: 500 }, (_, i) => frame(i * 20, opus(i)))]));
    const index = new MjrIndex(file);
    await index.update();
    const firstMs = await index.writePiece(4_500, 6_000, path.join(dir, 'p.mjr'));
    assert.ok(firstMs !== undefined && firstMs <= 4_500 && firstMs > 3_400, `starts at ${firstMs}`);

    fs.writeFileSync(path.join(dir, 'junk.mjr'), 'not a recording at all');
    assert.equal(await new MjrIndex(path.join(dir, 'junk.mjr')).update(), false);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
