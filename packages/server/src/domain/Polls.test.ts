// Polls: hosts launch, everyone votes once, results live for hosts and shared on demand; an
// anonymous poll never tells anyone who voted what.
import assert from 'node:assert/strict';
import { afterEach, test } from 'node:test';
import { cleanUpWorlds, OWNER_ID, throwsWithCode, World } from './testing/fakes.ts';

afterEach(cleanUpWorlds);

const draft = { question: 'Which chapter next?', kind: 'single' as const, options: ['Groups', 'Rings', 'Fields'], anonymous: true };

test('an anonymous poll: hosts see counts live, nobody ever sees who voted what', async () => {
  const w = new World();
  const [host, bob, cyd] = [await w.join('Olive', OWNER_ID), await w.join('Bob'), await w.join('Cyd')];
  throwsWithCode(() => bob.meeting.polls.launch(bob.participant, draft), 'auth.forbidden');
  const poll = host.meeting.polls.launch(host.participant, draft);
  for (const m of [host, bob, cyd]) assert.deepEqual(m.channel.last('poll').poll, { ...draft, id: poll.id, status: 'open' });
  bob.meeting.polls.vote(bob.participant, poll.id, [1]);
  cyd.meeting.polls.vote(cyd.participant, poll.id, [1]);
  assert.deepEqual(host.channel.last('poll-results').results, { pollId: poll.id, counts: [0, 2, 0], voters: 2 });
  assert.equal(bob.channel.ofType('poll-results').length, 0, 'participants see nothing until shared');
  throwsWithCode(() => bob.meeting.polls.vote(bob.participant, poll.id, [0]), 'protocol.out_of_order');
  throwsWithCode(() => bob.meeting.polls.vote(host.participant, poll.id, [0, 1]), 'protocol.invalid');
  throwsWithCode(() => bob.meeting.polls.vote(host.participant, poll.id, [7]), 'protocol.invalid');
  host.meeting.polls.share(host.participant, poll.id);
  assert.deepEqual(bob.channel.last('poll-results').results, { pollId: poll.id, counts: [0, 2, 0], voters: 2 });
  host.meeting.polls.close(host.participant, poll.id);
  throwsWithCode(() => host.meeting.polls.vote(host.participant, poll.id, [0]), 'protocol.out_of_order');
  // Nothing sent to anyone, at any point, carries a voter's name or id with their choice.
  for (const m of [host, bob, cyd]) {
    const text = JSON.stringify(m.channel.ofType('poll-results'));
    assert.doesNotMatch(text, /Bob|Cyd|votes/);
    assert.ok(!text.includes(bob.participant.id) && !text.includes(cyd.participant.id));
  }
});

test('a named poll: hosts see who chose what; participants only the counts; late joiners see the poll', async () => {
  const w = new World();
  const [host, bob] = [await w.join('Olive', OWNER_ID), await w.join('Bob')];
  const poll = host.meeting.polls.launch(host.participant, { ...draft, kind: 'multiple', anonymous: false });
  bob.meeting.polls.vote(bob.participant, poll.id, [0, 2, 2]);
  assert.deepEqual(host.channel.last('poll-results').results, { pollId: poll.id, counts: [1, 0, 1], voters: 1, votes: [{ name: 'Bob', choices: [0, 2] }] });
  host.meeting.polls.share(host.participant, poll.id);
  assert.equal(bob.channel.last('poll-results').results.votes, undefined);
  const late = await w.join('Late');
  assert.deepEqual(late.channel.last('joined').polls.map((p) => p.id), [poll.id]);
});
