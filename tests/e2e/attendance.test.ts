import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { startAmphi, type RunningAmphi } from './harness/amphiServer.ts';
import { createMeeting, signInCookie, WsClient } from './harness/wsClient.ts';

let amphi: RunningAmphi;
before(async () => {
  amphi = await startAmphi();
});
after(async () => {
  await amphi?.stop();
});

test('after the meeting, the organiser gets who attended, with roles and time present, as JSON and CSV', { timeout: 60_000 }, async () => {
  const cookie = await signInCookie(amphi.url, amphi.admin);
  const meeting = await createMeeting(amphi.url, cookie, { title: 'Lab session', settings: { waitingRoom: false } });
  const join = async (name: string, withCookie?: string) => {
    const c = await WsClient.open(amphi.url, withCookie);
    const reply = await c.request({ type: 'join', meetingId: meeting.id, name, audio: false, video: false });
    assert.equal(reply.type, 'joined');
    return c;
  };
  const host = await join('Prof. Ada', cookie);
  const bob = await join('Bob, "the" student');
  let cy = await join('=Cy');
  cy.close();
  await new Promise((r) => setTimeout(r, 300));
  cy = await join('=Cy');
  await new Promise((r) => setTimeout(r, 300));
  await host.request({ type: 'end-meeting' });
  await new Promise((r) => setTimeout(r, 300));
  for (const c of [host, bob, cy]) c.close();

  const get = (path: string, c = cookie) => fetch(amphi.url + path, { headers: { cookie: c } });
  const sessions = (await (await get(`/api/meetings/${meeting.id}/sessions`)).json()) as { sessions: { id: string; endedAt: string | null; people: number }[] };
  assert.equal(sessions.sessions.length, 1);
  const session = sessions.sessions[0]!;
  assert.ok(session.endedAt, 'the session is over');
  assert.equal(session.people, 4, 'four stays: Cy came twice');

  const report = (await (await get(`/api/meetings/${meeting.id}/sessions/${session.id}/attendance`)).json()) as {
    people: { name: string; role: string; signedIn: boolean; stays: number; totalMinutes: number; lastLeftAt: string | null }[];
  };
  const byName = Object.fromEntries(report.people.map((p) => [p.name, p]));
  assert.deepEqual(Object.keys(byName).sort(), ['=Cy', 'Bob, "the" student', 'Prof. Ada']);
  assert.equal(byName['Prof. Ada']!.role, 'host');
  assert.equal(byName['Prof. Ada']!.signedIn, true);
  assert.equal(byName['=Cy']!.stays, 2);
  for (const p of report.people) {
    assert.ok(p.lastLeftAt, `${p.name} has a leave time`);
    assert.ok(p.totalMinutes >= 0 && p.totalMinutes < 1);
  }

  const csv = await get(`/api/meetings/${meeting.id}/sessions/${session.id}/attendance?format=csv`);
  assert.match(csv.headers.get('content-type') ?? '', /text\/csv/);
  const text = (await csv.text()).replace(/^\ufeff/, '');
  const lines = text.trim().split('\r\n');
  assert.equal(lines[0], 'name,role,signed_in,first_joined_at,last_left_at,total_minutes,stays');
  assert.ok(lines.some((l) => l.startsWith('"Bob, ""the"" student",participant,false,')));
  assert.ok(lines.some((l) => l.startsWith("'=Cy,participant,false,")), 'a name starting with = is not a formula');

  // Nobody else sees it.
  assert.equal((await get(`/api/meetings/${meeting.id}/sessions`, '')).status, 401);
});
