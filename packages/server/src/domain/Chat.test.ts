// Chat (public and private) and reactions in a live meeting.
import assert from 'node:assert/strict';
import { afterEach, describe, test } from 'node:test';
import { REACTIONS } from '@amphi/protocol';
import { cleanUpWorlds, OWNER_ID, throwsWithCode, World, type Member } from './testing/fakes.ts';

afterEach(cleanUpWorlds);

async function threePeople(w: World): Promise<{ host: Member; bob: Member; cyd: Member }> {
  const host = await w.join('Olive', OWNER_ID);
  const bob = await w.join('Bob');
  const cyd = await w.join('Cyd');
  return { host, bob, cyd };
}

describe('chat', () => {
  test('a public message reaches everyone, the sender included, and late joiners find it in joined.chat', async () => {
    const w = new World();
    const { host, bob, cyd } = await threePeople(w);
    const before = Date.now();
    const message = bob.meeting.chat.send(bob.participant, 'Hello all', null);
    assert.deepEqual(message.from, { id: bob.participant.id, name: 'Bob' });
    assert.equal(message.to, null);
    assert.equal(message.text, 'Hello all');
    assert.ok(Date.parse(message.at) >= before - 1000 && Date.parse(message.at) <= Date.now() + 1000, message.at);
    for (const m of [host, bob, cyd]) assert.deepEqual(m.channel.ofType('chat'), [{ type: 'chat', message }], m.participant.name);

    const second = host.meeting.chat.send(host.participant, 'Welcome', undefined);
    assert.notEqual(second.id, message.id);
    const late = await w.join('Lou');
    assert.deepEqual(late.channel.last('joined').chat, [message, second]);
    assert.deepEqual(late.channel.ofType('chat'), [], 'history comes in joined, not as chat events');
  });

  test('a private message reaches only the sender and the recipient, and is not kept in the history', async () => {
    const w = new World();
    const { host, bob, cyd } = await threePeople(w);
    const message = bob.meeting.chat.send(bob.participant, 'just for you', cyd.participant.id);
    assert.deepEqual(message.to, { id: cyd.participant.id, name: 'Cyd' });
    assert.deepEqual(bob.channel.ofType('chat'), [{ type: 'chat', message }]);
    assert.deepEqual(cyd.channel.ofType('chat'), [{ type: 'chat', message }]);
    assert.deepEqual(host.channel.ofType('chat'), [], 'not even the host sees it');
    assert.deepEqual(host.meeting.chat.history(), []);
    const late = await w.join('Lou');
    assert.deepEqual(late.channel.last('joined').chat, []);
  });

  test('a private message to oneself arrives once', async () => {
    const w = new World();
    const { bob } = await threePeople(w);
    bob.meeting.chat.send(bob.participant, 'note to self', bob.participant.id);
    assert.equal(bob.channel.ofType('chat').length, 1);
  });

  test('markup is stored and relayed verbatim, as text', async () => {
    const w = new World();
    const { host, bob } = await threePeople(w);
    const text = '<script>alert(1)</script> & <b>bold</b> "quoted"';
    host.meeting.chat.send(bob.participant, text, null);
    assert.equal(host.channel.last('chat').message.text, text);
    assert.equal(host.meeting.chat.history()[0]?.text, text);
    const late = await w.join('Lou');
    assert.equal(late.channel.last('joined').chat[0]?.text, text);
  });

  test('a message to someone who is not in the meeting is meeting.not_participant and goes nowhere', async () => {
    const w = new World();
    const { host, bob, cyd } = await threePeople(w);
    throwsWithCode(() => bob.meeting.chat.send(bob.participant, 'hello?', 'nobody'), 'meeting.not_participant');
    for (const m of [host, bob, cyd]) assert.deepEqual(m.channel.ofType('chat'), []);
    assert.deepEqual(host.meeting.chat.history(), []);
  });

  test('with chat turned off (setting or live), participants are refused; hosts and co-hosts may still write', async () => {
    const w = new World({ settings: { allowChat: false } });
    const { host, bob, cyd } = await threePeople(w);
    throwsWithCode(() => bob.meeting.chat.send(bob.participant, 'can I?', null), 'auth.forbidden');
    throwsWithCode(() => bob.meeting.chat.send(bob.participant, 'privately?', host.participant.id), 'auth.forbidden');
    for (const m of [host, bob, cyd]) assert.deepEqual(m.channel.ofType('chat'), []);
    host.meeting.chat.send(host.participant, 'hosts may', null);
    host.meeting.moderation.setRole(host.participant, cyd.participant.id, 'cohost');
    cyd.meeting.chat.send(cyd.participant, 'co-hosts too', bob.participant.id);
    assert.deepEqual(bob.channel.ofType('chat').map((m) => m.message.text), ['hosts may', 'co-hosts too']);

    host.meeting.moderation.setPermissions(host.participant, { allowChat: true });
    bob.meeting.chat.send(bob.participant, 'now I can', null);
    host.meeting.moderation.setPermissions(host.participant, { allowChat: false });
    throwsWithCode(() => bob.meeting.chat.send(bob.participant, 'and now?', null), 'auth.forbidden');
  });

  test('more than 20 messages in 10 s is protocol.rate_limited, per sender', async () => {
    const w = new World();
    const { host, bob, cyd } = await threePeople(w);
    for (let i = 0; i < 20; i++) bob.meeting.chat.send(bob.participant, `message ${i}`, null);
    throwsWithCode(() => bob.meeting.chat.send(bob.participant, 'one too many', null), 'protocol.rate_limited');
    throwsWithCode(() => bob.meeting.chat.react(bob.participant, '👍'), 'protocol.rate_limited');
    assert.equal(host.channel.ofType('chat').length, 20);
    assert.equal(host.meeting.chat.history().length, 20);
    assert.deepEqual(host.channel.ofType('reaction'), []);
    // Someone else is not held back.
    cyd.meeting.chat.send(cyd.participant, 'my turn', null);
    assert.equal(host.channel.last('chat').message.text, 'my turn');
  });
});

describe('reactions', () => {
  test('a reaction reaches everyone and is not kept', async () => {
    const w = new World();
    const { host, bob, cyd } = await threePeople(w);
    for (const reaction of REACTIONS) bob.meeting.chat.react(bob.participant, reaction);
    for (const m of [host, bob, cyd]) {
      assert.deepEqual(
        m.channel.ofType('reaction'),
        REACTIONS.map((reaction) => ({ type: 'reaction', participantId: bob.participant.id, reaction })),
      );
    }
    const late = await w.join('Lou');
    assert.deepEqual(late.channel.ofType('reaction'), []);
    assert.deepEqual(late.channel.last('joined').chat, []);
  });
});
