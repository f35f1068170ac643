import assert from 'node:assert/strict';
import { test } from 'node:test';
import { AppError } from '../errors.ts';
import { FairLine, type LineTicket } from './FairLine.ts';

const LIMITS = { maxWaiting: 16, perMeeting: 3, perAddress: 6, perPerson: 2 };
const refused = async (p: Promise<unknown>) => assert.rejects(p, (err) => err instanceof AppError && err.code === 'http.rate_limited');

/** Takes turns and records the order in which they come. */
function recorder(line: FairLine) {
  const order: string[] = [];
  const ends = new Map<string, () => void>();
  const take = (name: string, ticket: LineTicket) =>
    void line.enter(ticket).then((end) => {
      order.push(name);
      ends.set(name, end);
    });
  const end = async (name: string) => {
    ends.get(name)!();
    await new Promise((r) => setImmediate(r));
  };
  return { order, take, end };
}

test("the audit's attack: one guest's nine slow uploads hold a few turns of their own meeting, and another meeting's teacher is next", async () => {
  const line = new FairLine(LIMITS);
  const r = recorder(line);
  const guest = (n: number): LineTicket => ({ meeting: 'lecture', address: '203.0.113.9', person: n < 2 ? 'browser:mallory' : `browser:mallory-${n}` });
  // Nine uploads: two as themselves, then from fresh browsers (new cookies); the meeting holds three at most.
  const attempts = Array.from({ length: 9 }, (_, n) => line.enter(guest(n)));
  const outcomes = await Promise.allSettled(attempts.map((p) => Promise.race([p, new Promise((r) => setTimeout(() => r('waiting'), 50))])));
  const accepted = outcomes.filter((o) => o.status === 'fulfilled').length;
  const rejected = outcomes.filter((o) => o.status === 'rejected' && (o.reason as AppError).code === 'http.rate_limited').length;
  assert.equal(accepted, 3, 'three turns for that meeting (one running, two waiting)');
  assert.equal(rejected, 6);
  assert.equal(line.heldBy('lecture'), 3);
  // The teacher in another meeting is not refused, and comes right after the upload running now.
  r.take('teacher', { meeting: 'seminar', address: '192.0.2.1', person: 'user:teacher' });
  const first = (await attempts[0]) as () => void;
  first();
  await new Promise((resolve) => setImmediate(resolve));
  assert.deepEqual(r.order, ['teacher'], 'the seminar goes before the rest of the lecture’s uploads');
});

test('meetings take turns; each meeting keeps its own order', async () => {
  const line = new FairLine(LIMITS);
  const r = recorder(line);
  r.take('a1', { meeting: 'A', address: 'x', person: 'a1' });
  await new Promise((resolve) => setImmediate(resolve));
  r.take('a2', { meeting: 'A', address: 'x', person: 'a2' });
  r.take('a3', { meeting: 'A', address: 'x', person: 'a3' });
  r.take('b1', { meeting: 'B', address: 'y', person: 'b1' });
  r.take('b2', { meeting: 'B', address: 'y', person: 'b2' });
  r.take('c1', { meeting: 'C', address: 'z', person: 'c1' });
  await new Promise((resolve) => setImmediate(resolve));
  assert.deepEqual(r.order, ['a1'], 'one at a time');
  for (const name of ['a1', 'b1', 'c1', 'a2', 'b2']) await r.end(name);
  assert.deepEqual(r.order, ['a1', 'b1', 'c1', 'a2', 'b2', 'a3'], 'round robin: the meeting served longest ago goes next');
  await r.end('a3');
  // Idle again: the next one runs at once.
  r.take('d1', { meeting: 'D', address: 'w', person: 'd1' });
  await new Promise((resolve) => setImmediate(resolve));
  assert.equal(r.order.at(-1), 'd1');
});

test('a person, an address and the whole line have their caps; ending a turn twice ends it once', async () => {
  const line = new FairLine(LIMITS);
  const one = await line.enter({ meeting: 'A', address: 'nat', person: 'p' });
  const two = line.enter({ meeting: 'A', address: 'nat', person: 'p' });
  await refused(line.enter({ meeting: 'B', address: 'other', person: 'p' }));
  const more = [0, 1, 2, 3].map((i) => line.enter({ meeting: `M${i}`, address: 'nat', person: `q${i}` }));
  await refused(line.enter({ meeting: 'M9', address: 'nat', person: 'q9' }));
  const far = line.enter({ meeting: 'Z', address: 'far', person: 'z' });
  one();
  one();
  await more[0];
  assert.equal(line.heldBy('A'), 1, 'A ended its first turn once; its second waits while M0, never served, runs');
  void two;

  const small = new FairLine({ ...LIMITS, maxWaiting: 2 });
  await small.enter({ meeting: 'A', address: 'a', person: 'a' });
  void small.enter({ meeting: 'B', address: 'b', person: 'b' });
  void small.enter({ meeting: 'C', address: 'c', person: 'c' });
  await refused(small.enter({ meeting: 'D', address: 'd', person: 'd' }));
  void more;
  void far;
});
