import crypto from 'node:crypto';
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { it } from 'node:test';
import { joinInput } from '../domain/testing/fakes.ts';
import { bed, SECRET } from './testing/bbbHarness.ts';

/** The part of bigbluebutton-js (an independent BBB client, SHA-1, Node's querystring encoding) used here. */
interface BbbJs {
  api(host: string, secret: string): {
    administration: {
      create(name: string, id: string, params?: Record<string, unknown>): string;
      join(fullName: string, meetingID: string, password: string, params?: Record<string, unknown>): string;
      end(meetingID: string, password: string): string;
    };
    monitoring: { getMeetingInfo(meetingID: string): string };
    recording: { getRecordings(params?: Record<string, unknown>): string };
  };
  http(url: string): Promise<Record<string, unknown>>;
}
const bbb = createRequire(import.meta.url)('bigbluebutton-js') as BbbJs;

it('bigbluebutton-js drives create, join, getMeetingInfo, end and getRecordings against a running Amphi', async (t) => {
  const b = await bed(t);
  await b.app.listen({ host: '127.0.0.1', port: 0 });
  const address = b.app.server.address();
  assert.ok(address && typeof address === 'object');
  const api = bbb.api(`http://127.0.0.1:${address.port}/bigbluebutton`, SECRET);
  // Spaces, parentheses and stars: Node encodes them differently from PHP, the raw-query check takes both.
  const meetingID = 'greenlight room (1) *test*';

  const created = await bbb.http(api.administration.create('Salle de cours', meetingID, { attendeePW: 'ap', moderatorPW: 'mp', record: true, 'meta_bbb-origin': 'Greenlight', welcome: 'Bienvenue à tous !' }));
  assert.equal(created.returncode, 'SUCCESS', JSON.stringify(created));
  const recordID = String(created.internalMeetingID);

  const joinUrl = api.administration.join('Camille Moderatrice', meetingID, 'mp', { userID: 'u-1' });
  const redirect = await fetch(joinUrl, { redirect: 'manual' });
  assert.equal(redirect.status, 302);
  const target = new URL(redirect.headers.get('location')!);
  assert.equal(target.searchParams.get('name'), 'Camille Moderatrice');
  const amphiId = target.pathname.slice(3);
  const joined = await b.live.join(amphiId, joinInput('x', { ticket: target.searchParams.get('ticket')! }));
  assert.equal(joined.result.kind === 'joined' && joined.result.participant.role, 'host');

  const info = await bbb.http(api.monitoring.getMeetingInfo(meetingID));
  assert.equal(info.returncode, 'SUCCESS');
  assert.equal(info.running, true);
  assert.equal(info.participantCount, 1);
  assert.equal(info.moderatorCount, 1);
  assert.equal(String(info.internalMeetingID), recordID);

  // Something was recorded in the session.
  const service = (await b.storage.bbb.consumers())[0]!.serviceUserId;
  const id = crypto.randomUUID();
  await b.storage.recordings.create({ id, meetingId: amphiId, ownerId: service, title: 'Salle de cours', startedAt: new Date() });
  await b.storage.recordings.update(id, { status: 'ready', endedAt: new Date().toISOString(), durationS: 600, bytes: 123 });

  const ended = await bbb.http(api.administration.end(meetingID, 'mp'));
  assert.equal(ended.returncode, 'SUCCESS');
  assert.equal(ended.messageKey, 'sentEndMeetingRequest');
  const after = await bbb.http(api.monitoring.getMeetingInfo(meetingID));
  assert.equal(after.returncode, 'FAILED');
  assert.equal(after.messageKey, 'notFound');

  const recordings = await bbb.http(api.recording.getRecordings({ meetingID }));
  assert.equal(recordings.returncode, 'SUCCESS');
  const list = recordings.recordings as Record<string, unknown>[];
  assert.equal(list.length, 1);
  assert.equal(String(list[0]!.recordID), recordID);
  assert.equal((list[0]!.metadata as Record<string, unknown>)['bbb-origin'], 'Greenlight');
  const format = (list[0]!.playback as { format: { type: string; url: string; length: number } }).format;
  assert.equal(format.type, 'video');
  assert.equal(format.length, 10);
  assert.match(format.url, /^http:\/\/amphi\.test\/r\//);
});
