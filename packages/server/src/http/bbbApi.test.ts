import crypto from 'node:crypto';
import assert from 'node:assert/strict';
import { describe, it, type TestContext } from 'node:test';
import type { FastifyInstance } from 'fastify';
import { computeChecksum, parseQuery, splitChecksum } from '../auth/bbb/checksum.ts';
import { flush, joinInput } from '../domain/testing/fakes.ts';
import { CSRF, PASSWORD, PUBLIC_URL, signIn } from './testing/httpHarness.ts';
import { bed, SECRET, type Bed } from './testing/bbbHarness.ts';
import { hashPassword } from '../auth/passwords.ts';

/** PHP's urlencode (what Moodle's http_build_query does to each key and value). */
function phpEncode(s: string): string {
  return encodeURIComponent(s)
    .replace(/[!'()*~]/g, (c) => '%' + c.charCodeAt(0).toString(16).toUpperCase())
    .replace(/%20/g, '+');
}

/** The URL path + query Moodle's proxy_base builds for a call. */
function moodleUrl(action: string, params: [string, string][], algorithm = 'sha256', secret = SECRET): string {
  const query = params.map(([k, v]) => `${phpEncode(k)}=${phpEncode(v)}`).join('&');
  return `/bigbluebutton/api/${action}?${query}&checksum=${computeChecksum(algorithm, action, query, secret)}`;
}

const get = async (app: FastifyInstance, url: string) => app.inject({ method: 'GET', url });
const tag = (xml: string, name: string) => new RegExp(`<${name}>([^<]*)</${name}>`).exec(xml)?.[1];

const MEETING = 'b6f3c2e1a9d84f0e9a7c3b2d1e0f9a8b7c6d5e4f-2-5[0]';
const createParams = (extra: [string, string][] = []): [string, string][] => [
  ['meetingID', MEETING],
  ['name', 'Physique (Groupe A)'],
  ['attendeePW', 'vpw123'],
  ['moderatorPW', 'mpw123'],
  ['logoutURL', 'https://moodle.example/mod/bigbluebuttonbn/bbb_view.php?action=logout&id=7&courseid=2'],
  ['record', 'true'],
  ['lockSettingsDisableNote', 'false'],
  ['meta_bbb-origin', 'Moodle'],
  ['meta_bbb-context-id', '2'],
  ['meta_bbb-recording-name', 'Physique ~ cours *1*'],
  ['meta_bbb-recording-ready-url', 'https://moodle.example/mod/bigbluebuttonbn/bbb_broker.php?action=recording_ready&bigbluebuttonbn=5'],
  ['bbbext_unknown_param', 'anything'],
  ...extra,
];

describe('BBB API checksums (moodle.md A.2 vectors)', () => {
  it('computes the notes’ vectors for SHA-1, SHA-256 and SHA-512', () => {
    assert.equal(computeChecksum('sha1', '', '', SECRET), '28cb7946838190fc5348750fceb911ed434dab1c');
    assert.equal(computeChecksum('sha256', '', '', SECRET), '8874b52e722519c3face7656011ce4e0fcc10b3b26e081b75c84a0174a98339b');
    const q = 'meetingID=b6f3c2e1a9d84f0e9a7c3b2d1e0f9a8b7c6d5e4f-2-5%5B0%5D';
    assert.equal(computeChecksum('sha1', 'getMeetingInfo', q, SECRET), '748c433c9f248496149a472e874bb4615513892c');
    assert.equal(computeChecksum('sha256', 'getMeetingInfo', q, SECRET), '5daa7227fbfcc6e82021f08cb0e88ab2b2eeb54dc91265eb2293cf753876b791');
    assert.equal(computeChecksum('sha512', 'getMeetingInfo', q, SECRET), 'aea1446ad5c938413426db74c2d3dc46ab034a5faac96d60b0b3b740d5ce4fc1d07a2752206458f4b408101da1d48b0ecc8dc252c49774bb7a5ffb90ece63960');
  });

  it('reproduces the join vector with PHP encoding', () => {
    const url = moodleUrl('join', [
      ['meetingID', 'm1-2-5[0]'],
      ['fullName', 'Élodie Dupont (L3) ~*'],
      ['password', 'vpw123'],
      ['logoutURL', 'https://moodle.example/mod/bigbluebuttonbn/bbb_view.php?action=logout&id=7&courseid=2'],
      ['role', 'VIEWER'],
      ['userID', '42'],
      ['guest', 'false'],
      ['createTime', '1715261728123'],
      ['userdata-bbb_override_default_locale', 'fr'],
    ]);
    assert.equal(
      url,
      '/bigbluebutton/api/join?meetingID=m1-2-5%5B0%5D&fullName=%C3%89lodie+Dupont+%28L3%29+%7E%2A&password=vpw123&logoutURL=https%3A%2F%2Fmoodle.example%2Fmod%2Fbigbluebuttonbn%2Fbbb_view.php%3Faction%3Dlogout%26id%3D7%26courseid%3D2&role=VIEWER&userID=42&guest=false&createTime=1715261728123&userdata-bbb_override_default_locale=fr&checksum=3d5be21dd7c332965894a41e20eccd13502b0435d8023939c772c796e2d13352',
    );
    const { signed } = splitChecksum(url.split('?')[1]!);
    assert.equal(parseQuery(signed).get('fullName'), 'Élodie Dupont (L3) ~*');
  });

  it('answers the version probe for every algorithm, and checksumError for a wrong one', async (t) => {
    const { app } = await bed(t);
    for (const sum of ['28cb7946838190fc5348750fceb911ed434dab1c', '8874b52e722519c3face7656011ce4e0fcc10b3b26e081b75c84a0174a98339b', computeChecksum('sha512', '', '', SECRET)]) {
      const res = await get(app, `/bigbluebutton/api/?&checksum=${sum}`);
      assert.equal(res.statusCode, 200);
      assert.equal(tag(res.body, 'returncode'), 'SUCCESS');
      assert.equal(tag(res.body, 'version'), '2.0');
    }
    assert.equal(tag((await get(app, '/bigbluebutton/api')).body, 'returncode'), 'SUCCESS', 'unsigned probe answers like BBB');
    const wrong = await get(app, `/bigbluebutton/api/?&checksum=${'0'.repeat(64)}`);
    assert.equal(tag(wrong.body, 'messageKey'), 'checksumError');
  });

  it('checks getMeetingInfo with the vectors of all three algorithms', async (t) => {
    const { app } = await bed(t);
    for (const sum of ['748c433c9f248496149a472e874bb4615513892c', '5daa7227fbfcc6e82021f08cb0e88ab2b2eeb54dc91265eb2293cf753876b791', 'aea1446ad5c938413426db74c2d3dc46ab034a5faac96d60b0b3b740d5ce4fc1d07a2752206458f4b408101da1d48b0ecc8dc252c49774bb7a5ffb90ece63960']) {
      const res = await get(app, `/bigbluebutton/api/getMeetingInfo?meetingID=b6f3c2e1a9d84f0e9a7c3b2d1e0f9a8b7c6d5e4f-2-5%5B0%5D&checksum=${sum}`);
      // Signed right, no meeting yet: notFound, not checksumError.
      assert.equal(tag(res.body, 'messageKey'), 'notFound', sum);
    }
  });

  it('a wrong checksum changes nothing', async (t) => {
    const { app, storage } = await bed(t);
    const good = moodleUrl('create', createParams());
    const tampered = good.replace('name=Physique', 'name=Chimie');
    const res = await get(app, tampered);
    assert.equal(tag(res.body, 'returncode'), 'FAILED');
    assert.equal(tag(res.body, 'messageKey'), 'checksumError');
    assert.equal(await storage.bbb.openSession('c1', MEETING), undefined);
    assert.equal(tag((await get(app, moodleUrl('create', createParams(), 'sha256', 'another-secret'))).body, 'messageKey'), 'checksumError');
    assert.equal(tag((await get(app, moodleUrl('getMeetingInfo', [['meetingID', MEETING]]))).body, 'messageKey'), 'notFound');
  });
});

describe('BBB API sessions', () => {
  it('create is idempotent while the session lives; after end, notFound; then a new internalMeetingID', async (t) => {
    const { app } = await bed(t);
    const first = await get(app, moodleUrl('create', createParams()));
    assert.equal(tag(first.body, 'returncode'), 'SUCCESS', first.body);
    assert.equal(tag(first.body, 'meetingID'), MEETING);
    assert.equal(tag(first.body, 'moderatorPW'), 'mpw123');
    const internal = tag(first.body, 'internalMeetingID')!;
    assert.match(internal, /^[0-9a-f]{40}-\d+$/);
    const again = await get(app, moodleUrl('create', createParams(), 'sha1'));
    assert.equal(tag(again.body, 'messageKey'), 'duplicateWarning');
    assert.equal(tag(again.body, 'internalMeetingID'), internal);
    assert.equal(tag(again.body, 'createTime'), tag(first.body, 'createTime'));

    const info = await get(app, moodleUrl('getMeetingInfo', [['meetingID', MEETING]], 'sha512'));
    assert.equal(tag(info.body, 'returncode'), 'SUCCESS');
    assert.equal(tag(info.body, 'running'), 'false');
    assert.equal(tag(info.body, 'createTime'), tag(first.body, 'createTime'));
    assert.equal(tag(info.body, 'bbb-origin'), 'Moodle');
    assert.equal(tag(info.body, 'bbb-recording-name'), 'Physique ~ cours *1*');

    const ended = await get(app, moodleUrl('end', [['meetingID', MEETING], ['password', 'mpw123']]));
    assert.equal(tag(ended.body, 'messageKey'), 'sentEndMeetingRequest');
    assert.equal(tag((await get(app, moodleUrl('getMeetingInfo', [['meetingID', MEETING]]))).body, 'messageKey'), 'notFound');
    assert.equal(tag((await get(app, moodleUrl('end', [['meetingID', MEETING], ['password', 'mpw123']]))).body, 'messageKey'), 'notFound');
    assert.equal(tag((await get(app, moodleUrl('isMeetingRunning', [['meetingID', MEETING]]))).body, 'running'), 'false');

    await new Promise((r) => setTimeout(r, 2));
    const second = await get(app, moodleUrl('create', createParams()));
    assert.equal(tag(second.body, 'returncode'), 'SUCCESS');
    assert.equal(tag(second.body, 'messageKey'), undefined);
    assert.notEqual(tag(second.body, 'internalMeetingID'), internal);
  });

  it('accepts create as a POST with a presentation body, and ignores unknown parameters', async (t) => {
    const { app } = await bed(t);
    const body = "<?xml version='1.0' encoding='UTF-8'?><modules><module name='presentation'><document url='https://moodle.example/pluginfile.php/1/mod_bigbluebuttonbn/presentation/abc/slides.pdf' /></module></modules>";
    const res = await app.inject({ method: 'POST', url: moodleUrl('create', createParams([['bbbext_flavour', 'x'], ['lockSettingsDisableNotes', 'true']])), headers: { 'content-type': 'text/xml', 'content-language': 'en-US' }, payload: body });
    assert.equal(res.statusCode, 200);
    assert.equal(tag(res.body, 'returncode'), 'SUCCESS', res.body);
  });

  it('join redirects a moderator and a viewer to the pre-join page with a one-use ticket; getMeetingInfo counts them', async (t) => {
    const { app, live } = await bed(t);
    const created = await get(app, moodleUrl('create', createParams()));
    const createTime = tag(created.body, 'createTime')!;
    const joinUrl = (name: string, role: string, userID: string, extra: [string, string][] = []) =>
      moodleUrl('join', [['meetingID', MEETING], ['fullName', name], ['password', role === 'MODERATOR' ? 'mpw123' : 'vpw123'], ['logoutURL', 'https://moodle.example/x'], ['role', role], ['userID', userID], ['guest', 'false'], ...extra, ['userdata-bbb_override_default_locale', 'fr']]);

    const mod = await get(app, joinUrl('Prof Martin', 'MODERATOR', '7', [['createTime', createTime]]));
    assert.equal(mod.statusCode, 302, mod.body);
    const modTarget = new URL(mod.headers.location!);
    assert.equal(modTarget.origin, PUBLIC_URL);
    assert.match(modTarget.pathname, /^\/m\/[a-z]{3}-[a-z]{4}-[a-z]{3}$/);
    assert.equal(modTarget.searchParams.get('name'), 'Prof Martin');
    const amphiId = modTarget.pathname.slice(3);
    // The join that triggered the create has no createTime: accepted.
    const viewer = await get(app, joinUrl('Élodie Dupont (L3) ~*', 'VIEWER', '42'));
    assert.equal(viewer.statusCode, 302);
    const viewerTarget = new URL(viewer.headers.location!);

    const host = await live.join(amphiId, joinInput('typed by the page', { ticket: modTarget.searchParams.get('ticket')! }));
    assert.equal(host.result.kind, 'joined');
    assert.equal(host.result.kind === 'joined' && host.result.participant.role, 'host');
    assert.equal(host.result.kind === 'joined' && host.result.participant.name, 'Prof Martin');
    const ticket = viewerTarget.searchParams.get('ticket')!;
    const student = await live.join(amphiId, joinInput('x', { ticket }));
    assert.equal(student.result.kind === 'joined' && student.result.participant.role, 'participant');
    // One use only.
    await assert.rejects(live.join(amphiId, joinInput('x', { ticket })), (err: { code?: string }) => err.code === 'auth.forbidden');

    const info = await get(app, moodleUrl('getMeetingInfo', [['meetingID', MEETING]]));
    assert.equal(tag(info.body, 'running'), 'true');
    assert.equal(tag(info.body, 'participantCount'), '2');
    assert.equal(tag(info.body, 'moderatorCount'), '1');
    assert.match(info.body, /<userID>42<\/userID><fullName>Élodie Dupont \(L3\) ~\*<\/fullName><role>VIEWER<\/role>/);
    assert.equal(tag((await get(app, moodleUrl('isMeetingRunning', [['meetingID', MEETING]]))).body, 'running'), 'true');
    assert.match((await get(app, moodleUrl('getMeetings', []))).body, /<meetingID>b6f3.*-2-5\[0\]<\/meetingID>/);

    // An old link (another createTime) cannot join; a wrong password neither.
    assert.equal(tag((await get(app, joinUrl('Late', 'VIEWER', '43', [['createTime', '1']]))).body, 'messageKey'), 'mismatchCreateTimeParam');
    const noRole = moodleUrl('join', [['meetingID', MEETING], ['fullName', 'Eve'], ['password', 'nope']]);
    assert.equal(tag((await get(app, noRole)).body, 'messageKey'), 'invalidPassword');

    // end sends everyone away.
    await get(app, moodleUrl('end', [['meetingID', MEETING], ['password', 'mpw123']]));
    assert.equal(live.get(amphiId)?.ended ?? true, true);
  });

  it("a leaked join URL is not a key to the meeting for its life: it works only right after Moodle's own calls (audit, hole 13)", async (t) => {
    let now = Date.parse('2026-12-07T09:00:00Z');
    const { app, live } = await bed(t, { now: () => now });
    const created = await get(app, moodleUrl('create', createParams()));
    const createTime = tag(created.body, 'createTime')!;
    const moderatorUrl = (extra: [string, string][]) => moodleUrl('join', [['meetingID', MEETING], ['fullName', 'Prof Martin'], ['password', 'mpw123'], ['logoutURL', 'https://moodle.example/x'], ['role', 'MODERATOR'], ['userID', '7'], ['guest', 'false'], ...extra]);
    const withTime = moderatorUrl([['createTime', createTime]]);
    const firstClick = moderatorUrl([]);
    // The click that created the session: its URL has no createTime, and it follows create at once.
    const first = await get(app, firstClick);
    assert.equal(first.statusCode, 302);
    const target = new URL(first.headers.location!);
    const teacher = await live.join(target.pathname.slice(3), joinInput('x', { ticket: target.searchParams.get('ticket')! }));
    assert.equal(teacher.result.kind, 'joined', 'the class is under way');
    // Ten minutes later, in the middle of the class, someone replays the teacher's URLs from a
    // browser history: nobody clicked Join in Moodle meanwhile (no getMeetingInfo), so both fail.
    now += 10 * 60_000;
    for (const url of [withTime, firstClick]) {
      const replayed = await get(app, url);
      assert.equal(replayed.statusCode, 200, 'no redirect to the meeting');
      assert.match(tag(replayed.body, 'messageKey') ?? '', /^(joinLinkExpired|mismatchCreateTimeParam)$/);
    }
    // The teacher clicks Join in Moodle again: Moodle asks getMeetingInfo, then sends the browser.
    await get(app, moodleUrl('getMeetingInfo', [['meetingID', MEETING]]));
    now += 2_000;
    assert.equal((await get(app, withTime)).statusCode, 302, 'a real click goes through');
    // The URL without createTime stays refused: Moodle sends it only on the click that creates the session.
    assert.equal(tag((await get(app, firstClick)).body, 'messageKey'), 'mismatchCreateTimeParam');
    // Past the window after that call, refused again.
    now += 3 * 60_000;
    assert.equal(tag((await get(app, withTime)).body, 'messageKey'), 'joinLinkExpired');
  });

  it('a guest under ASK_MODERATOR waits to be let in', async (t) => {
    const { app, live } = await bed(t);
    await get(app, moodleUrl('create', createParams([['guestPolicy', 'ASK_MODERATOR']])));
    const res = await get(app, moodleUrl('join', [['meetingID', MEETING], ['fullName', 'Guest'], ['password', 'vpw123'], ['role', 'VIEWER'], ['guest', 'true']]));
    const target = new URL(res.headers.location!);
    const joined = await live.join(target.pathname.slice(3), joinInput('Guest', { ticket: target.searchParams.get('ticket')! }));
    assert.equal(joined.result.kind, 'waiting');
  });
});

describe('BBB API recordings', () => {
  async function recorded(t: TestContext) {
    const b = await bed(t);
    const created = await get(b.app, moodleUrl('create', createParams()));
    const recordID = tag(created.body, 'internalMeetingID')!;
    const join = await get(b.app, moodleUrl('join', [['meetingID', MEETING], ['fullName', 'Prof'], ['role', 'MODERATOR']]));
    const amphiId = new URL(join.headers.location!).pathname.slice(3);
    const service = (await b.storage.bbb.consumers())[0]!.serviceUserId;
    const id = crypto.randomUUID();
    await b.storage.recordings.create({ id, meetingId: amphiId, ownerId: service, title: 'Physique', startedAt: new Date() });
    await b.storage.recordings.update(id, { status: 'ready', endedAt: new Date().toISOString(), durationS: 125, bytes: 1000 });
    return { ...b, recordID, recordingId: id };
  }

  it('lists a session’s recording under its internalMeetingID, with the create meta and a playable link', async (t) => {
    const { app, recordID } = await recorded(t);
    const res = await get(app, moodleUrl('getRecordings', [['recordID', `${recordID},unknown-id`], ['state', 'any']]));
    assert.equal(tag(res.body, 'returncode'), 'SUCCESS', res.body);
    assert.equal(tag(res.body, 'recordID'), recordID);
    assert.equal(tag(res.body, 'meetingID'), MEETING);
    assert.equal(tag(res.body, 'published'), 'true');
    assert.equal(tag(res.body, 'state'), 'published');
    assert.equal(tag(res.body, 'bbb-recording-name'), 'Physique ~ cours *1*');
    assert.equal(tag(res.body, 'bbb-context-id'), '2');
    assert.equal(tag(res.body, 'type'), 'video');
    assert.equal(tag(res.body, 'length'), '2');
    assert.match(tag(res.body, 'url')!, /^http:\/\/amphi\.test\/r\/[A-Za-z0-9_-]+$/);
    const byMeeting = await get(app, moodleUrl('getRecordings', [['meetingID', MEETING], ['state', 'any']]));
    assert.equal(tag(byMeeting.body, 'recordID'), recordID);
    const none = await get(app, moodleUrl('getRecordings', [['recordID', 'nothing-here']]));
    assert.equal(tag(none.body, 'messageKey'), 'noRecordings');
  });

  it('publish, update and delete', async (t) => {
    const { app, recordID, storage, recordingId } = await recorded(t);
    assert.equal(tag((await get(app, moodleUrl('publishRecordings', [['recordID', recordID], ['publish', 'false']]))).body, 'published'), 'false');
    let list = await get(app, moodleUrl('getRecordings', [['recordID', recordID], ['state', 'any']]));
    assert.equal(tag(list.body, 'state'), 'unpublished');
    assert.equal(tag(list.body, 'url'), undefined, 'no playback while unpublished');

    const update = await get(app, moodleUrl('updateRecordings', [['recordID', recordID], ['meetingID', MEETING], ['published', 'true'], ['meta_bbb-recording-name', 'Renamed'], ['meta_bbb-recording-description', 'Notes'], ['playbacks[presentation][url]', 'x']]));
    assert.equal(tag(update.body, 'updated'), 'true', update.body);
    list = await get(app, moodleUrl('getRecordings', [['recordID', recordID], ['state', 'any']]));
    assert.equal(tag(list.body, 'bbb-recording-name'), 'Renamed');
    assert.equal(tag(list.body, 'bbb-recording-description'), 'Notes');
    assert.equal(tag(list.body, 'state'), 'published');

    assert.equal(tag((await get(app, moodleUrl('deleteRecordings', [['recordID', 'unknown']]))).body, 'messageKey'), 'notFound');
    assert.equal(tag((await get(app, moodleUrl('deleteRecordings', [['recordID', recordID]]))).body, 'deleted'), 'true');
    assert.equal(await storage.recordings.byId(recordingId), undefined);
    assert.equal(tag((await get(app, moodleUrl('getRecordings', [['recordID', recordID]]))).body, 'messageKey'), 'noRecordings');
  });

  it('calls the recording-ready URL (both spellings) with a JWT signed with the secret, and the end callback', async (t) => {
    for (const key of ['meta_bbb-recording-ready-url', 'meta_bn-recording-ready-url']) {
      const b = await bed(t);
      const params = createParams().filter(([k]) => k !== 'meta_bbb-recording-ready-url');
      params.push([key, 'https://moodle.example/mod/bigbluebuttonbn/bbb_broker.php?action=recording_ready&bigbluebuttonbn=5'], ['meta_endCallbackUrl', 'https://greenlight.example/ended?x=1']);
      const created = await get(b.app, moodleUrl('create', params));
      const recordID = tag(created.body, 'internalMeetingID')!;
      const join = await get(b.app, moodleUrl('join', [['meetingID', MEETING], ['fullName', 'Prof'], ['role', 'MODERATOR']]));
      const amphiId = new URL(join.headers.location!).pathname.slice(3);
      const service = (await b.storage.bbb.consumers())[0]!.serviceUserId;
      await b.storage.recordings.create({ id: crypto.randomUUID(), meetingId: amphiId, ownerId: service, title: 'x', startedAt: new Date() });
      await get(b.app, moodleUrl('end', [['meetingID', MEETING]]));
      await flush();
      const ended = b.calls.find((c) => c.url.startsWith('https://greenlight.example/ended'));
      assert.ok(ended, 'end callback sent');
      assert.equal(new URL(ended.url).searchParams.get('meetingID'), MEETING);
      // Still processing: nothing yet.
      await tickNow(b);
      assert.equal(b.calls.filter((c) => c.url.includes('recording_ready')).length, 0);
      for (const r of await b.storage.recordings.listByOwner(service)) await b.storage.recordings.update(r.id, { status: 'ready', endedAt: new Date().toISOString(), durationS: 60 });
      await tickNow(b);
      const ready = b.calls.filter((c) => c.url.includes('recording_ready'));
      assert.equal(ready.length, 1, key);
      const form = new URLSearchParams(String(ready[0]!.init?.body));
      const [h, p, s] = form.get('signed_parameters')!.split('.');
      assert.equal(crypto.createHmac('sha256', SECRET).update(`${h}.${p}`).digest('base64url'), s);
      assert.deepEqual(JSON.parse(Buffer.from(p!, 'base64url').toString()), { meeting_id: MEETING, record_id: recordID });
    }
  });
});

/** Waits for the periodic pass (every 20 ms in these tests). */
async function tickNow(_b: Bed): Promise<void> {
  await new Promise((r) => setTimeout(r, 120));
  await flush();
}

describe('BBB API consumers in the admin console', () => {
  it('administrators create, list, rotate and delete consumers, audited', async (t) => {
    const { app, storage } = await bed(t);
    await storage.users.create({ email: 'admin@u.fr', name: 'Admin', passwordHash: await hashPassword(PASSWORD), isAdmin: true });
    const cookie = await signIn(app, 'admin@u.fr');
    const headers = { ...CSRF, cookie };
    const created = await app.inject({ method: 'POST', url: '/api/admin/bbb-consumers', headers, payload: { name: 'Moodle UFR' } });
    assert.equal(created.statusCode, 201, created.body);
    const consumer = created.json().consumer;
    assert.equal(consumer.serverUrl, 'http://amphi.test/bigbluebutton/');
    assert.ok(consumer.secret.length >= 64);
    const listed = await app.inject({ method: 'GET', url: '/api/admin/bbb-consumers', headers });
    assert.equal(listed.json().consumers.length, 2);
    // The new secret signs calls.
    const probe = `/bigbluebutton/api/?&checksum=${computeChecksum('sha256', '', '', consumer.secret)}`;
    assert.equal(tag((await get(app, probe)).body, 'returncode'), 'SUCCESS');
    const rotated = await app.inject({ method: 'POST', url: `/api/admin/bbb-consumers/${consumer.id}/rotate`, headers });
    assert.notEqual(rotated.json().consumer.secret, consumer.secret);
    assert.equal(tag((await get(app, probe)).body, 'messageKey'), 'checksumError');
    const deleted = await app.inject({ method: 'DELETE', url: `/api/admin/bbb-consumers/${consumer.id}`, headers });
    assert.equal(deleted.statusCode, 200);
    const actions = (await storage.licences.auditLog(50)).map((e) => e.action);
    for (const a of ['bbb_consumer.created', 'bbb_consumer.secret_rotated', 'bbb_consumer.deleted']) assert.ok(actions.includes(a), a);
    const user = await storage.users.create({ email: 'u@u.fr', name: 'U', passwordHash: await hashPassword(PASSWORD), isAdmin: false });
    void user;
    const other = await signIn(app, 'u@u.fr');
    assert.equal((await app.inject({ method: 'GET', url: '/api/admin/bbb-consumers', headers: { cookie: other } })).statusCode, 403);
  });
});
