import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { ServerMessage } from '@amphi/protocol';
import type { ParticipantChannel } from '../ports/ParticipantChannel.ts';
import { Outbox, sequenced } from './Outbox.ts';

/** A socket as the outbox sees it: the frames written to it, as text. */
class Wire implements ParticipantChannel {
  readonly frames: string[] = [];
  readonly closes: number[] = [];
  send(message: ServerMessage, serialized?: string): void {
    this.frames.push(serialized ?? JSON.stringify(message));
  }
  close(code: number): void {
    this.closes.push(code);
  }
  seqs(): number[] {
    return this.frames.map((f) => (JSON.parse(f) as { seq: number }).seq);
  }
}

const chat = (n: number): ServerMessage => ({ type: 'reaction', participantId: `p${n}`, reaction: '👍' });

describe('Outbox', () => {
  test('numbers every message from 1 and puts seq in the frame, the message unchanged', () => {
    const wire = new Wire();
    const box = new Outbox(wire);
    box.send(chat(1));
    box.send(chat(2), JSON.stringify(chat(2)));
    assert.deepEqual(wire.seqs(), [1, 2]);
    assert.deepEqual(JSON.parse(wire.frames[1]!), { seq: 2, ...chat(2) });
    assert.equal(box.lastSeq, 2);
    assert.equal(sequenced(9, '{"type":"ok"}'), '{"seq":9,"type":"ok"}');
  });

  test('keeps what is said while nobody listens, and replays exactly what came after lastSeq to the next connection', () => {
    const first = new Wire();
    const box = new Outbox(first);
    for (let i = 1; i <= 3; i++) box.send(chat(i));
    assert.equal(box.detach(first), true);
    for (let i = 4; i <= 6; i++) box.send(chat(i));
    assert.equal(first.frames.length, 3, 'nothing reaches a detached connection');
    const second = new Wire();
    // The client saw up to 2 (message 3 was lost with the old socket).
    assert.equal(box.attach(second, 2), true);
    assert.deepEqual(second.seqs(), [3, 4, 5, 6]);
    assert.deepEqual(second.frames.map((f) => JSON.parse(f).participantId), ['p3', 'p4', 'p5', 'p6']);
    box.send(chat(7));
    assert.deepEqual(second.seqs(), [3, 4, 5, 6, 7], 'and everything after goes to the new connection');
  });

  test('a client that saw everything gets nothing replayed', () => {
    const box = new Outbox(new Wire());
    box.send(chat(1));
    const next = new Wire();
    assert.equal(box.attach(next, 1), true);
    assert.deepEqual(next.frames, []);
  });

  test('only the current connection can detach: a replaced socket closing late changes nothing', () => {
    const old = new Wire();
    const box = new Outbox(old);
    const fresh = new Wire();
    box.attach(fresh, 0);
    assert.equal(box.detach(old), false);
    box.send(chat(1));
    assert.deepEqual(fresh.seqs(), [1]);
  });

  test('past its capacity it keeps the latest; a client further behind needs a snapshot, and gets no partial replay', () => {
    const box = new Outbox(undefined, 10);
    for (let i = 1; i <= 400; i++) box.send(chat(i));
    assert.equal(box.canReplayFrom(395), true);
    assert.equal(box.canReplayFrom(390), true, 'the latest 10 are always kept');
    assert.equal(box.canReplayFrom(3), false);
    const behind = new Wire();
    assert.equal(box.attach(behind, 3), false);
    assert.deepEqual(behind.frames, []);
    box.send(chat(401));
    assert.deepEqual(behind.seqs(), [401], 'it is attached all the same: what follows the snapshot reaches it');
    const near = new Wire();
    assert.equal(box.attach(near, 398), true);
    assert.deepEqual(near.seqs(), [399, 400, 401]);
  });

  test('a lastSeq from the future (a forged or foreign count) cannot be replayed from', () => {
    const box = new Outbox(undefined);
    box.send(chat(1));
    assert.equal(box.canReplayFrom(5), false);
  });

  test('close reaches the connection and marks the outbox closed for good', () => {
    const wire = new Wire();
    const box = new Outbox(wire);
    assert.equal(box.closed, false);
    box.close(4004, 'removed');
    assert.deepEqual(wire.closes, [4004]);
    assert.equal(box.closed, true);
  });
});
