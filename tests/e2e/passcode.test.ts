import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { startAmphi, type RunningAmphi } from './harness/amphiServer.ts';
import { createMeeting, signInCookie, WsClient } from './harness/wsClient.ts';

/*
 * The audit's attack on meeting passcodes, against a real Amphi: a 4-digit passcode guessed
 * from sockets that retry at once. Each wrong passcode now closes its connection, and an
 * address that gave ten wrong ones is refused, the right passcode included; a refused join
 * leaves the meeting not live.
 */
describe('a meeting passcode cannot be guessed', { timeout: 120_000 }, () => {
  let amphi: RunningAmphi;
  let meetingId: string;

  before(async () => {
    amphi = await startAmphi();
    const cookie = await signInCookie(amphi.url, amphi.admin);
    meetingId = (await createMeeting(amphi.url, cookie, { title: 'Selection committee', settings: { waitingRoom: false, passcode: '4821' } })).id;
  });
  after(async () => {
    await amphi?.stop();
  });

  async function attempt(passcode: string): Promise<{ code: string | undefined; closedWith: number | undefined; client: WsClient }> {
    const client = await WsClient.open(amphi.url);
    const closed = new Promise<number>((resolve) => client.ws.once('close', (code) => resolve(code)));
    const reply = await client.request({ type: 'join', meetingId, name: 'Mallory', audio: false, video: false, passcode });
    const closedWith = await Promise.race([closed, new Promise<undefined>((r) => setTimeout(() => r(undefined), 2_000))]);
    return { code: reply.code as string | undefined, closedWith, client };
  }

  test('a wrong passcode closes the connection: the same socket cannot try again', async () => {
    const { code, closedWith } = await attempt('0000');
    assert.equal(code, 'meeting.passcode_wrong');
    assert.equal(closedWith, 1008);
    const res = await fetch(`${amphi.url}/api/meetings/${meetingId}/public`);
    assert.equal(((await res.json()) as { meeting: { live: boolean } }).meeting.live, false, 'a refused join does not leave the meeting live');
  });

  test('ten wrong passcodes from one address, and the right one is refused too for 15 minutes', async () => {
    for (let i = 1; i < 10; i++) assert.equal((await attempt(String(i).padStart(4, '0'))).code, 'meeting.passcode_wrong');
    const locked = await attempt('4821');
    assert.equal(locked.code, 'meeting.passcode_locked');
    assert.equal(locked.closedWith, 1008);
  });
});
